"""The relatives' surveys on the outcome report (insights): for a leader, the surveys of the units they lead
held in the report's period (narrowed to the report's unit when one is chosen), newest first, each with the mean
and n per question — ``reports.gathering_report``, suppressed exactly as on the survey's own page. Comments are
never shown here. Showing the section is one aggregate read in the access log (``RELATIVES_SURVEYS``) naming the
surveys shown; a coordinator's caseload report, and anyone who leads no unit, gets no section and no log."""

from dataclasses import dataclass

from django.utils.translation import get_language

from measures import fhir_forms
from people.access import AggregateScope, log_aggregate, unit_tree, units_led_by
from people.suppression import SMALL

from . import reports
from .models import Gathering
from .sections import RELATIVES_SURVEYS

LIMIT = 6  # the newest surveys of the period; older ones are on the evaluations' list


@dataclass(frozen=True)
class SurveySummary:
    gathering: Gathering
    report: reports.GatheringReport


@dataclass(frozen=True)
class RelativesSection:
    surveys: list
    more: bool  # more surveys in the period than shown
    small: int = SMALL


def for_leader(request, start, end, unit=None):
    """The section for ``request.user`` if they lead a unit, else None. ``unit``: the report's chosen unit."""
    led = units_led_by(request.user)
    if not led:
        return None
    units = led & unit_tree([unit.pk]) if unit is not None else led
    gatherings = list(
        Gathering.objects.filter(
            kind=Gathering.Kind.RELATIVES, unit_id__in=list(units), held_on__gte=start, held_on__lte=end
        ).select_related("unit", "questionnaire")[: LIMIT + 1]
    )
    more, gatherings = len(gatherings) > LIMIT, gatherings[:LIMIT]
    language, items = get_language(), {}
    surveys = []
    for gathering in gatherings:
        if gathering.questionnaire_id not in items:
            items[gathering.questionnaire_id] = fhir_forms.questionnaire_items(gathering.questionnaire, language)
        surveys.append(SurveySummary(gathering, reports.gathering_report(gathering, items[gathering.questionnaire_id])))
    if surveys:
        filters = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "surveys": ",".join(str(g.pk) for g in gatherings),
            "as": "insights",
        }
        log_aggregate(request, AggregateScope(user=request.user, unit_ids=frozenset(units)), RELATIVES_SURVEYS, filters)
    return RelativesSection(surveys=surveys, more=more)
