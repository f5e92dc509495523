"""Incidents per unit and month for the units' leaders: a run chart per unit, small counts suppressed.

The counts form one table, units × months, published through ``people.suppression.suppress_table``:
a month with 1 to 4 incidents is "under 5" (a gap in the chart), and a unit's total for the period is
hidden as soon as one of its months is. Only the cells and the units' totals are published (no total
across units per month), so nothing published gives a suppressed month back. Each unit's months are
drawn with the insights run chart (``insights.charts.draw``, Anhøj rules): its median is that of the
shown months, which the page says. A unit's chart starts at its first month with an incident in the
window (the first point may be a gap, which says no more than "under 5"). One query, whatever the number
of incidents.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from insights import charts
from insights.series import MonthValue, months
from people.models import Organisation
from people.suppression import suppress_table

from .models import Incident


@dataclass
class UnitChart:
    unit: Organisation
    drawing: object
    total: object  # people.suppression.Figure


def _window(month_count, today):
    end = today.replace(day=1)
    start = end
    for _step in range(month_count - 1):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    return start, today


def incidents_per_unit(scope, *, month_count=24, today=None):
    """``(first month, [UnitChart, …])`` for the units of ``scope`` that had an incident in the window."""
    today = today or timezone.localdate()
    start, end = _window(month_count, today)
    first_moment = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    rows = (
        Incident.objects.filter(unit_id__in=list(scope.unit_ids), occurred_at__gte=first_moment)
        .annotate(month=TruncMonth("occurred_at"))
        .values("unit_id", "unit__name", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts, names = {}, {}
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]
        counts[(row["unit_id"], month)] = counts.get((row["unit_id"], month), 0) + row["n"]
        names[row["unit_id"]] = row["unit__name"]
    all_months = months(start, end)
    units = sorted(names, key=lambda pk: names[pk])
    table = suppress_table(counts, units, all_months)
    result = []
    for unit_id in units:
        # The chart starts at the unit's first month with an incident: the months before it are not zeros
        # of the unit's, only months before it recorded here.
        first = min(month for (unit, month), n in counts.items() if unit == unit_id and n)
        values = [
            MonthValue(month, table.cells[unit_id, month].value, table.cells[unit_id, month].withheld)
            for month in all_months
            if month >= first
        ]
        drawing = charts.draw(
            chart_id=f"incidents-{unit_id}",
            title=_("Incidents per month: %(unit)s") % {"unit": names[unit_id]},
            description=_(
                "One point per month; months with 1 to 4 incidents are left out. "
                "The dashed line is the median of the months shown."
            ),
            values=values,
        )
        result.append(UnitChart(Organisation(pk=unit_id, name=names[unit_id]), drawing, table.row_totals[unit_id]))
    return start, result
