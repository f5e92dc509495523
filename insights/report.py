"""The outcome report: one row per unit × pathway of the episodes referred in the period, and the total.

``build(scope, filters)`` counts in the database (grouped queries over the episodes and the kept
summaries — the query count does not grow with the number of citizens), fills the same tallies the
hand-computed tests use (``insights.course``, ``insights.outcomes``), and publishes them through
``people.suppression``. The result is what every reader gets — page, CSV, PDF and JSON alike —
so no export can hold more than the page shows.

Definitions (written on the page too):

* the report's episodes are those whose referral was received in the period, in the reader's
  scope (``insights.scope``) and the filter; each belongs to one unit and one pathway (a row);
* outcome per instrument: each episode's first and latest score in its window (referral to
  ending), from ``insights.models.EpisodeScore`` — counted per episode, so a citizen with two
  episodes in one row counts twice, as NHS Talking Therapies counts courses of treatment;
* perceived benefit (seed 001): of the goals rated at least twice in an episode, the mean of the
  latest ratings minus the mean of the first;
* user evaluations: evaluations asked for at the end of an episode (drop-outs included), and
  those answered;
* coordination: of the citizens of the report's episodes, the share with a coordinator on their
  care team, with a plan in effect, with a plan made or revised in the last 12 months, with an
  active responsibility group, and with a group meeting held in the period.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from groups.models import Group, Meeting
from measures import scoring
from measures.models import Questionnaire, QuestionnaireResponse
from pathways.models import PathwayTemplate, ScheduledQuestionnaire
from people.models import CareTeamMember, Organisation
from people.suppression import SMALL, count, share, split_of_a_shown_total, suppress_table
from plans.models import PlanVersion

from . import course, days, outcomes
from .models import DayCount, DayScore, EpisodeGoal, EpisodeScore
from .series import days_histogram, deadline_counts, months

SESSION_FEEDBACK = "https://samplan.no/fhir/Questionnaire/session-feedback"
ALLIANCE_ITEMS = ("heard", "what_matters", "way_of_working", "overall")
CHANGE_ANSWERS = tuple(days.EVALUATION_ANSWERS.values())
BENEFIT_BANDS = tuple(days.GOAL_BANDS.values())  # later − first rating of one goal


@dataclass(frozen=True)
class Filters:
    start: datetime.date
    end: datetime.date
    unit: Organisation | None = None
    template: PathwayTemplate | None = None

    def moments(self):
        """The period as a half-open range of moments (local midnights): a plain range on a time
        column, which an index can serve, where a cast to a local date could not."""
        return _midnight(self.start), _midnight(self.end + datetime.timedelta(days=1))

    def for_log(self):
        shown = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.unit is not None:
            shown["unit"] = str(self.unit.pk)
        if self.template is not None:
            shown["pathway"] = self.template.key
        return shown


def _midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def default_period(today=None):
    """The last 12 months: from the day after the same date a year ago, to today."""
    today = today or timezone.localdate()
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28)
    return start + datetime.timedelta(days=1), today


@dataclass
class RowTally:
    unit_id: int
    template_id: int
    course_tally: object = course.EMPTY
    instruments: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)  # insights.days.COUNT_COLUMNS, summed over the row
    goal_citizens: int = 0  # exact enough for the rule of five (see _resolve_goal_citizens)
    goal_citizens_low: int = 0

    @property
    def goals(self):
        return self.counts.get("goals", 0)

    @property
    def goal_first_sum(self):
        return self.counts.get("goal_first_sum", 0)

    @property
    def goal_last_sum(self):
        return self.counts.get("goal_last_sum", 0)

    @property
    def evaluations_asked(self):
        return self.counts.get("evaluations_asked", 0)

    @property
    def evaluations_answered(self):
        return self.counts.get("evaluations_answered", 0)


@dataclass
class Report:
    filters: Filters
    rows: list  # [{"unit": Organisation, "template": PathwayTemplate, **published}]
    total: dict
    instruments: list  # instrument keys present, in the shipped order
    benefit_distribution: list
    evaluation_answers: list
    coordination: dict
    session_feedback: list  # per month: {"month", item: mean or None, "n": Figure}
    citizens: object  # Figure: the citizens of the report's episodes

    @property
    def has_session_feedback(self):
        return any(month["n"].value != 0 for month in self.session_feedback)

    def as_json(self):
        def row_json(row, unit, template):
            figures = row
            return {
                "unit": unit.pk if unit else None,
                "unit_name": unit.name if unit else None,
                "pathway": template.key if template else None,
                "pathway_name": template.name if template else None,
                **{
                    key: _json(figures[key])
                    for key in (
                        "referrals",
                        "first_contact_within_deadline",
                        "first_contact_median_days",
                        "started",
                        "completed",
                        "dropped_out",
                        "transferred",
                        "ongoing",
                        "user_evaluations",
                        "perceived_benefit_mean",
                    )
                },
                "instruments": [
                    {
                        key: _json(value)
                        for key, value in instrument.items()
                        if key
                        in (
                            "instrument",
                            "with_two_scores",
                            "only_one_score",
                            "reliably_improved",
                            "no_reliable_change",
                            "reliably_deteriorated",
                            "recovered",
                            "reliably_recovered",
                            "mean_change",
                            "mean_first",
                            "mean_last",
                            "effect_size",
                            "at_caseness_first",
                        )
                    }
                    for instrument in figures["instruments"]
                ],
            }

        return {
            "period": {"from": self.filters.start.isoformat(), "to": self.filters.end.isoformat()},
            "suppression": {"threshold": SMALL},
            "rows": [row_json(row, row["unit"], row["template"]) for row in self.rows],
            "total": row_json(self.total, None, None),
        }


def _json(value):
    if hasattr(value, "as_json"):
        return value.as_json()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _mean(total, n, *, places="0.01"):
    if n < SMALL:
        return None
    return (Decimal(total) / n).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def report_episodes(scope, filters):
    episodes = scope.episodes(filters.unit).filter(
        referral_received__gte=filters.start, referral_received__lte=filters.end
    )
    if filters.template is not None:
        episodes = episodes.filter(template=filters.template)
    return episodes


def kept_rows(scope, filters, episodes):
    """The kept rows' filter for the report's episodes: on their own copied columns for a leader's
    units (no join), through the episodes for a caseload (whose rule needs the episode's people)."""
    if scope.is_caseload:
        return Q(episode__in=episodes)
    units = [filters.unit.pk] if filters.unit is not None else list(scope.unit_ids)
    rows = Q(unit_id__in=units, referral_received__gte=filters.start, referral_received__lte=filters.end)
    if filters.template is not None:
        rows &= Q(template_id=filters.template.pk)
    return rows


def _tally_rows(scope, filters, episodes, today):
    rows = {}

    def row(unit_id, template_id):
        key = (unit_id, template_id)
        if key not in rows:
            rows[key] = RowTally(unit_id, template_id)
        return rows[key]

    statuses = defaultdict(lambda: defaultdict(int))
    for entry in episodes.order_by().values("unit_id", "template_id", "status").annotate(n=Count("pk")):
        statuses[entry["unit_id"], entry["template_id"]][entry["status"]] = entry["n"]
    histograms = days_histogram(episodes, "unit_id", "template_id")
    deadlines = deadline_counts(episodes, "unit_id", "template_id", today=today)
    for key, by_status in statuses.items():
        days_ = tuple(d for d, n in sorted(histograms.get(key, {}).items()) for _ in range(n))
        known, within = deadlines.get(key, (0, 0))
        row(*key).course_tally = course.Tally(
            referrals=sum(by_status.values()),
            waiting=by_status.get(course.WAITING, 0),
            by_status={status: by_status.get(status, 0) for status in course.OUTCOMES},
            days_to_first_contact=days_,
            deadline_known=known,
            within_deadline=within,
        )
    scores, counts = _score_and_count_sums(scope, filters, episodes)
    for (unit_id, template_id, instrument), sums in scores.items():
        row(unit_id, template_id).instruments[instrument] = _instrument_tally(instrument, sums)
    for (unit_id, template_id), sums in counts.items():
        target = row(unit_id, template_id)
        target.counts = sums
        target.goal_citizens_low, target.goal_citizens = sums["goal_citizens_low"], sums["goal_citizens"]
    _resolve_goal_citizens(rows, scope, filters, episodes)
    return rows


def _score_and_count_sums(scope, filters, episodes):
    """Per row: the instruments' sums ``{(unit, pathway, instrument): {column: n}}`` and the goals' and
    evaluations' ``{(unit, pathway): {column: n}}``. A leader's units: summed from the day tables
    (``insights.days``), at most units × pathways × days rows. A caseload (a few dozen citizens,
    chosen by person, which the day tables cannot tell apart): from its kept rows and evaluations."""
    if scope.is_caseload:
        kept = EpisodeScore.objects.filter(episode__in=episodes)
        scores = days.score_sums(kept, "unit_id", "template_id", "instrument")
        counts = days.count_rows(
            EpisodeGoal.objects.filter(episode__in=episodes),
            ScheduledQuestionnaire.objects.filter(episode__in=episodes),
            ("unit_id", "template_id"),
        )
        for sums in counts.values():  # counted distinct over the whole row: exact
            sums["goal_citizens_low"] = sums["goal_citizens"]
        return scores, counts
    units = [filters.unit.pk] if filters.unit is not None else list(scope.unit_ids)
    where = Q(unit_id__in=units, day__gte=filters.start, day__lte=filters.end)
    if filters.template is not None:
        where &= Q(template_id=filters.template.pk)
    scores = {
        (entry.pop("unit_id"), entry.pop("template_id"), entry.pop("instrument")): entry
        for entry in DayScore.objects.filter(where)
        .order_by()
        .values("unit_id", "template_id", "instrument")
        .annotate(**{column: Sum(column) for column in days.SCORE_COLUMNS})
        # Every kept row adds one to either; a day whose episodes moved away keeps a row of zeros.
        if entry["with_two_scores"] or entry["only_one_score"]
    }
    counts = {
        (entry.pop("unit_id"), entry.pop("template_id")): entry
        for entry in DayCount.objects.filter(where)
        .order_by()
        .values("unit_id", "template_id")
        # goal_citizens is distinct within a day: their sum over the days is an upper bound of the
        # row's distinct citizens, the largest day a lower bound (see _resolve_goal_citizens).
        .annotate(goal_citizens_low=Max("goal_citizens"), **{column: Sum(column) for column in days.COUNT_COLUMNS})
    }
    return scores, counts


def _instrument_tally(instrument, sums):
    tally_ = outcomes.Tally(
        instrument,
        with_two_scores=sums["with_two_scores"],
        only_one_score=sums["only_one_score"],
        at_caseness_first=sums["at_caseness_first"],
        recovered=sums["recovered"],
        reliably_recovered=sums["reliably_recovered"],
        sum_first=Decimal(sums["sum_first"] or 0),
        sum_last=Decimal(sums["sum_last"] or 0),
        sum_first_squares=Decimal(sums["sum_first_squares"] or 0),
    )
    if tally_.directions:
        tally_.directions = {
            scoring.IMPROVEMENT: sums["reliably_improved"],
            scoring.NO_CHANGE: sums["no_reliable_change"],
            scoring.DETERIORATION: sums["reliably_deteriorated"],
        }
    return tally_


def _resolve_goal_citizens(rows, scope, filters, episodes):
    """Make each row's ``goal_citizens`` exact enough for the rule "a mean from five citizens": the
    bounds decide when the lower one is five or more or the upper one under five; otherwise (few,
    small rows) the distinct citizens are counted, in one query for all such rows."""
    pending = [key for key, t in rows.items() if t.goals >= SMALL and t.goal_citizens_low < SMALL <= t.goal_citizens]
    if not pending:
        return
    which = Q(*[Q(unit_id=unit_id, template_id=template_id) for unit_id, template_id in pending], _connector=Q.OR)
    exact = (
        EpisodeGoal.objects.filter(kept_rows(scope, filters, episodes), which, ratings__gte=2)
        .order_by()
        .values("unit_id", "template_id")
        .annotate(n=Count("citizen_id", distinct=True))
    )
    for entry in exact:
        target = rows[entry["unit_id"], entry["template_id"]]
        target.goal_citizens = target.goal_citizens_low = entry["n"]


def _benefit(goals, citizens, first_sum, last_sum):
    if goals < SMALL or citizens < SMALL:
        return None
    return _mean(last_sum - first_sum, goals)


def _instrument_order(keys):
    order = list(scoring.INSTRUMENTS)
    return sorted(keys, key=lambda key: order.index(key) if key in order else len(order))


def build(scope, filters, *, today=None):
    today = today or timezone.localdate()
    episodes = report_episodes(scope, filters)
    tallies = _tally_rows(scope, filters, episodes, today)
    keys = sorted(tallies)
    units = Organisation.objects.in_bulk({unit for unit, _t in keys})
    templates = PathwayTemplate.objects.in_bulk({template for _u, template in keys})
    keys.sort(key=lambda key: (units[key[0]].name, templates[key[1]].name))
    course_rows, course_total = course.publish_rows({key: tallies[key].course_tally for key in keys})
    instrument_keys = _instrument_order({i for t in tallies.values() for i in t.instruments})
    per_instrument = {}
    for instrument in instrument_keys:
        per_instrument[instrument] = outcomes.publish_rows(
            {key: tallies[key].instruments.get(instrument) or outcomes.Tally(instrument) for key in keys}
        )
    evaluations = suppress_table(
        {
            (key, column): value
            for key in keys
            for column, value in (
                ("answered", tallies[key].evaluations_answered),
                ("unanswered", tallies[key].evaluations_asked - tallies[key].evaluations_answered),
            )
        },
        keys,
        ("answered", "unanswered"),
    )
    goals = suppress_table({(key, "goals"): tallies[key].goals for key in keys}, keys, ("goals",))
    rows = []
    for key in keys:
        t = tallies[key]
        rows.append(
            {
                "unit": units[key[0]],
                "template": templates[key[1]],
                **course_rows[key],
                "user_evaluations": evaluations.cells[key, "answered"],
                "evaluations_asked": evaluations.row_totals[key],
                "evaluation_response_rate": share(t.evaluations_answered, t.evaluations_asked),
                "goals_rated_twice": goals.cells[key, "goals"],
                "perceived_benefit_mean": _benefit(t.goals, t.goal_citizens, t.goal_first_sum, t.goal_last_sum),
                "instruments": [per_instrument[i][0][key] for i in instrument_keys],
            }
        )
    asked = sum(t.evaluations_asked for t in tallies.values())
    answered = sum(t.evaluations_answered for t in tallies.values())
    goal_totals = [
        sum(getattr(t, name) for t in tallies.values()) for name in ("goals", "goal_first_sum", "goal_last_sum")
    ]
    total = {
        **course_total,
        "user_evaluations": evaluations.column_totals["answered"],
        "evaluations_asked": evaluations.total,
        "evaluation_response_rate": share(answered, asked),
        "goals_rated_twice": goals.column_totals["goals"],
        "perceived_benefit_mean": _benefit(
            goal_totals[0], _total_goal_citizens(tallies, scope, filters, episodes), goal_totals[1], goal_totals[2]
        ),
        "instruments": [per_instrument[i][1] for i in instrument_keys],
    }
    citizens = episodes.order_by().values("citizen_id").distinct()
    n_citizens, coordination = _coordination(citizens, filters, today)
    return Report(
        filters=filters,
        rows=rows,
        total=total,
        instruments=instrument_keys,
        benefit_distribution=_benefit_distribution(tallies),
        evaluation_answers=_evaluation_answers(tallies),
        coordination=coordination,
        session_feedback=_session_feedback(citizens, filters),
        citizens=count(n_citizens),
    )


def _total_goal_citizens(tallies, scope, filters, episodes):
    """The citizens behind all rows' goals — only as exact as the rule needs: the largest row's count
    is a lower bound and the rows' sum an upper bound, so the distinct count is asked for only when
    they fall on either side of five."""
    largest = max((t.goal_citizens_low for t in tallies.values()), default=0)
    if largest >= SMALL:
        return largest
    if sum(t.goal_citizens for t in tallies.values()) < SMALL:
        return 0
    kept = kept_rows(scope, filters, episodes)
    return EpisodeGoal.objects.filter(kept, ratings__gte=2).order_by().values("citizen_id").distinct().count()


def _summed(tallies, columns):
    return {column: sum(t.counts.get(column, 0) for t in tallies.values()) for column in columns}


def _benefit_distribution(tallies):
    """Goals by how much the latest rating moved from the first (bands). The bands add up to the goals
    rated twice, which the goals table shows (or its rows add up to): a split of a shown total."""
    counts = _summed(tallies, days.GOAL_BANDS)
    published = split_of_a_shown_total({days.GOAL_BANDS[c]: counts[c] for c in days.GOAL_BANDS})
    return [{"band": band, "goals": published[band]} for band in BENEFIT_BANDS]


def _evaluation_answers(tallies):
    """How the answered user evaluations say the citizen is now, compared with before; the answers add
    up to (nearly) the evaluations answered, which the goals table shows: a split of a shown total."""
    counts = _summed(tallies, days.EVALUATION_ANSWERS)
    published = split_of_a_shown_total({days.EVALUATION_ANSWERS[c]: counts[c] for c in days.EVALUATION_ANSWERS})
    return [{"answer": key, "count": published[key]} for key in CHANGE_ANSWERS]


def _coordination(citizens, filters, today):
    """``(n, shares)``: the report's citizens, and of them the shares (never counts: a count beside
    the base would give the small remainder back) with a coordinator, a plan in effect, a plan made or
    revised in the last 12 months, an active responsibility group, a group meeting held in the period.

    One statement: the citizens are found once (a CTE) and each figure is a semi-join of them with
    the rows that qualify, which the planner runs as a hash join for a municipality and as index
    probes for a small unit — not one ``EXISTS`` probe per citizen and figure."""
    year_ago = today - datetime.timedelta(days=365)
    after, before = filters.moments()
    since = _midnight(year_ago)
    having = {
        "coordinator": CareTeamMember.objects.active().filter(role=CareTeamMember.Role.COORDINATOR),
        "plan": PlanVersion.objects.filter(status=PlanVersion.Status.ACTIVE),
        "plan_revised": PlanVersion.objects.filter(activated_at__gte=since),
        "group": Group.objects.filter(status=Group.Status.ACTIVE),
        "meeting": Meeting.objects.filter(status=Meeting.Status.HELD, starts_at__gte=after, starts_at__lt=before),
    }
    base, params = citizens.query.sql_with_params()
    params = list(params)
    figures = ["(SELECT COUNT(*) FROM report_citizens)"]
    for rows in having.values():
        sql, more = rows.order_by().values("citizen_id").query.sql_with_params()
        figures.append(f"(SELECT COUNT(*) FROM report_citizens WHERE citizen_id IN ({sql}))")  # noqa: S608
        params.extend(more)
    # Only Django's own compiled SQL is formatted in (above and here); every value is a parameter.
    with connection.cursor() as cursor:
        cursor.execute(f"WITH report_citizens AS ({base}) SELECT {', '.join(figures)}", params)
        n, *values = cursor.fetchone()
    return n, {key: share(value, n) for key, value in zip(having, values, strict=True)}


def _session_feedback(citizens, filters):
    """Mean of each alliance item (0–7) by month, over the session feedback of the report's citizens."""
    sums = defaultdict(lambda: defaultdict(Decimal))
    ns = defaultdict(lambda: defaultdict(int))
    who = defaultdict(set)
    # A plain range on the time (local midnights) and the questionnaire's id: an index range scan
    # (response_questionnaire_time), not a scan of every response cast to a local date.
    after, before = filters.moments()
    # The ids as values (not a subquery), so that the planner sees how few responses they have.
    questionnaires = list(Questionnaire.objects.filter(url=SESSION_FEEDBACK).values_list("pk", flat=True))
    responses = QuestionnaireResponse.objects.filter(
        questionnaire_id__in=questionnaires,
        authored_at__gte=after,
        authored_at__lt=before,
        status=QuestionnaireResponse.Status.COMPLETED,
        citizen_id__in=citizens,
    ).annotate(month=TruncMonth("authored_at"))
    for entry in responses.order_by().values("month", "answers", "citizen_id"):
        month = entry["month"].date() if isinstance(entry["month"], datetime.datetime) else entry["month"]
        who[month].add(entry["citizen_id"])
        for item in ALLIANCE_ITEMS:
            value = (entry["answers"] or {}).get(item)
            value = value[0] if isinstance(value, list) and value else value
            try:
                number = Decimal(str(value))
            except ArithmeticError:
                continue
            if 0 <= number <= 7:
                sums[month][item] += number
                ns[month][item] += 1
    out = []
    for month in months(filters.start, filters.end):
        n = max(ns[month].values(), default=0)
        out.append(
            {
                "month": month,
                "n": count(n),
                **{item: _mean(sums[month][item], ns[month][item]) for item in ALLIANCE_ITEMS},
            }
        )
    return out
