"""What a citizen's measures show over time: scores per instrument, check-ins, goals and flags.

A fixed handful of queries per citizen, whatever the number of responses.
"""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import fhir_forms, scoring
from .bands import CITIZEN_SUMMARY, DIRECTION_LABELS, INSTRUMENT_TITLES, band_label
from .charts import Point, line_chart
from .models import Goal, GoalRating, QuestionnaireResponse, Score, perceived_benefit

CHECKIN_KEY = "checkin"
RISK_LOOKBACK = 5  # the latest scores to look at for risk answers
CHECKIN_ITEMS = ("mood", "calm", "sleep", "substance", "hope")
BAND_CLASSES = ("band-1", "band-2", "band-3", "band-4", "band-5", "band-6")


def _date(value):
    return date_format(timezone.localtime(value), "d.m.Y")


def instrument_progress(scores):
    """Per instrument: chart, latest score, change against the first score."""
    by_instrument = defaultdict(list)
    for score in scores:
        by_instrument[score.instrument].append(score)
    result = []
    for key, series in sorted(by_instrument.items()):
        instrument = scoring.INSTRUMENTS.get(key)
        if instrument is None:
            continue
        scored = [s for s in series if s.total is not None]
        latest = series[-1]
        comparison = None
        if len(scored) >= 2:
            comparison = scoring.classify_against_first(key, scored[0].total, scored[-1].total)
            comparison["label"] = DIRECTION_LABELS.get(comparison.get("direction")) or _(
                "Change since the first: %(change)s"
            ) % {"change": f"{comparison['change']:+}"}
        # Bands are half-open [low, high) except the top one, so they tile the scale exactly. A form of our own
        # without norms has a single band: nothing to shade.
        bands = [
            (band.low, band.high, BAND_CLASSES[index % len(BAND_CLASSES)], band_label(band.id))
            for index, band in enumerate(instrument.bands)
            if len(instrument.bands) > 1
        ]
        chart = line_chart(
            chart_id=f"chart-{key}",
            title=_("%(name)s over time") % {"name": INSTRUMENT_TITLES.get(key, instrument.title)},
            description=_("%(count)d scores from %(first)s to %(last)s. Latest: %(value)s.")
            % {
                "count": len(series),
                "first": _date(series[0].effective_at),
                "last": _date(latest.effective_at),
                "value": latest.total_display if latest.total is not None else _("not scorable"),
            },
            points=[Point(s.effective_at, s.total_display, band_label(s.band)) for s in series],
            y_min=instrument.min_total,
            y_max=instrument.max_total,
            bands=bands,
            cutoff=instrument.cutoff,
        )
        result.append(
            {
                "key": key,
                "instrument": instrument,
                "title": INSTRUMENT_TITLES.get(key, instrument.title),
                # [S] medication self-report: side effects bother a lot at the latest session (a prompt, not a cut-off)
                "side_effects_flag": bool(latest.result.get("side_effects_flag")),
                "series": series,
                "latest": latest,
                "latest_band": band_label(latest.band),
                "comparison": comparison,
                "chart": chart,
                "summary": CITIZEN_SUMMARY.get(key, ""),
                "deteriorated": bool(comparison and comparison.get("direction") == "reliable_deterioration"),
            }
        )
    return result


def checkin_progress(responses):
    """One small chart per check-in item, 0–10, higher is better. "Does not apply" is left out."""
    items_by_questionnaire = {}
    series = {link_id: [] for link_id in CHECKIN_ITEMS}
    labels = {}
    for response in responses:
        questionnaire = response.questionnaire
        if questionnaire.pk not in items_by_questionnaire:
            parsed = fhir_forms.parse_items(questionnaire.resource, get_language())
            items = {i.link_id: i for i in fhir_forms.walk(parsed)}
            items_by_questionnaire[questionnaire.pk] = items
        items = items_by_questionnaire[questionnaire.pk]
        for link_id in CHECKIN_ITEMS:
            item = items.get(link_id)
            if item is None:
                continue
            labels.setdefault(link_id, item.text)
            value = fhir_forms.item_value(item, response.answers.get(link_id))
            series[link_id].append(Point(response.authored_at, value))
    charts = []
    for link_id in CHECKIN_ITEMS:
        points = series[link_id]
        if not any(point.value is not None for point in points):
            continue
        charts.append(
            line_chart(
                chart_id=f"checkin-{link_id}",
                title=labels[link_id],
                description=_("%(count)d check-ins, 0 to 10, higher is better.") % {"count": len(points)},
                points=points,
                y_min=0,
                y_max=10,
                tick_step=2,
            )
        )
    return charts


def goal_progress(goals):
    charts = []
    for goal in goals:
        ratings = list(goal.ratings.all())
        if not ratings:
            continue
        charts.append(
            {
                "goal": goal,
                "latest": ratings[-1],
                "chart": line_chart(
                    chart_id=f"goal-{goal.pk}",
                    title=goal.text,
                    description=_("%(count)d ratings from 1 to 10. Latest: %(value)d.")
                    % {"count": len(ratings), "value": ratings[-1].rating},
                    points=[Point(r.rated_at, r.rating) for r in ratings],
                    y_min=1,
                    y_max=10,
                    tick_step=1,
                ),
            }
        )
    return charts


def goals_with_ratings(citizen):
    return list(
        Goal.objects.filter(citizen=citizen).prefetch_related(
            Prefetch("ratings", queryset=GoalRating.objects.order_by("rated_at", "id"))
        )
    )


def completed_checkins(citizen):
    return (
        QuestionnaireResponse.objects.filter(
            citizen=citizen, status="completed", questionnaire__url__endswith=f"/{CHECKIN_KEY}"
        )
        .select_related("questionnaire")
        .order_by("authored_at", "id")
    )


def missed_checkins(checkins, citizen):
    """True when a citizen with a login has not checked in for the configured number of days."""
    if citizen.user_id is None:
        return False
    limit = timezone.now() - timedelta(days=settings.CHECKIN_MISSED_DAYS)
    last = checkins[-1].authored_at if checkins else None
    return last is None or last < limit


def citizen_progress(citizen):
    scores = list(Score.objects.for_citizen(citizen).order_by("effective_at", "id"))
    checkins = list(completed_checkins(citizen))
    goals = goals_with_ratings(citizen)
    instruments = instrument_progress(scores)
    return {
        "instruments": instruments,
        "checkin_charts": checkin_progress(checkins),
        "last_checkin": checkins[-1] if checkins else None,
        "goal_charts": goal_progress(goals),
        "goals": goals,
        "benefit": perceived_benefit(goals),
        "deteriorated": [p for p in instruments if p["deteriorated"]],
        "risk_alerts": [s for s in scores[-RISK_LOOKBACK:] if s.result.get("item9_alert")],
        "missed_checkins": missed_checkins(checkins, citizen),
    }


def checkin_due(citizen, now=None):
    """Whether to offer the check-in at login: none completed within the configured interval."""
    now = now or timezone.now()
    since = now - timedelta(hours=settings.CHECKIN_INTERVAL_HOURS)
    return not completed_checkins(citizen).filter(authored_at__gte=since).exists()
