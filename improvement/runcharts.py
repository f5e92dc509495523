"""The team's run charts: its measures over the unit's episodes, month by month, every PDSA cycle's
start marked; and how far the latest month is from the aim's target.

The figures come from ``insights.series.monthly`` (counted in the database, small months withheld);
the drawing from ``insights.charts.draw``. A page that shows them logs one aggregate read
(``log_aggregate`` with ``sections.TEAM_CHARTS``) over ``scope_of(team, user).unit_ids``.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from insights import charts
from insights.series import MEASURES, PERCENT, monthly, months
from pathways.models import Episode
from people.access import AggregateScope, unit_tree

WINDOW_MONTHS = 18


@dataclass(frozen=True)
class TeamChart:
    measure: object  # insights.series.Measure
    drawing: object  # insights.charts.RunChartDrawing
    values: list


@dataclass(frozen=True)
class Progress:
    """The aim's measure in the latest month with a figure, against the target."""

    month: datetime.date | None
    value: Decimal | None
    target: Decimal
    reached: bool | None  # None without a figure


def window(today=None):
    """The first and last day of the charts: the last ``WINDOW_MONTHS`` months, this one included."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    for _step in range(WINDOW_MONTHS - 1):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    return start, today


def scope_of(team, user):
    """What the charts count: the episodes of the team's unit and the units under it."""
    return AggregateScope(user=user, unit_ids=unit_tree([team.unit_id]))


def markers(cycles):
    return [(cycle.starts_on, cycle.label) for cycle in cycles]


def chart_for(scope, key, cycles, *, start, end, chart_id=None):
    measure = MEASURES[key]
    episodes = Episode.objects.filter(unit_id__in=list(scope.unit_ids))
    values = monthly(episodes, key, start, end)
    span = months(start, end)
    drawing = charts.draw(
        chart_id=chart_id or f"measure-{key}",
        title=str(measure.label),
        description=_("%(measure)s per month from %(start)s to %(end)s; each PDSA cycle's start is a vertical line.")
        % {"measure": measure.label, "start": span[0].strftime("%m.%Y"), "end": span[-1].strftime("%m.%Y")},
        values=values,
        markers=markers(cycles),
        unit=measure.unit,
        y_max=100 if measure.unit == PERCENT else None,
    )
    return TeamChart(measure=measure, drawing=drawing, values=values)


def team_charts(scope, keys, cycles, *, today=None):
    start, end = window(today)
    return [chart_for(scope, key, cycles, start=start, end=end) for key in keys if key in MEASURES]


def progress(aim, chart):
    """How the aim stands in the latest month of ``chart`` with a figure (``chart`` is the aim's measure)."""
    latest = next((v for v in reversed(chart.values) if v.value is not None), None) if chart else None
    if latest is None:
        return Progress(month=None, value=None, target=aim.target_value, reached=None)
    measure = MEASURES[aim.measure]
    reached = latest.value >= aim.target_value if measure.higher_is_better else latest.value <= aim.target_value
    return Progress(month=latest.month, value=latest.value, target=aim.target_value, reached=reached)
