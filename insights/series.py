"""Monthly figures for run charts: the outcome report's run charts and the improvement teams' measures.

Each ``Measure`` is one figure per calendar month of a set of episodes, counted in the database
(grouped by month, never one row per episode into Python), published through ``people.suppression``:
a month whose count is from 1 to 4 is withheld, and so is a median or share from fewer than five
episodes. A withheld month is a gap in the run chart, never a point.

Run charts plot shares, medians and means, never counts: a monthly count beside the report's
total for the same months would give a withheld month back (total − the months shown), while a
share's base is not published by month.

* ``first_contact_within_deadline``: of the month's referrals whose deadline has been met or has
  passed, the share (%) with a first contact on or before it (as the report's access part counts);
* ``first_contact_median_days``: median days from referral to first contact, by referral month;
* ``completed_share`` / ``dropped_out_share``: of the episodes that ended in the month, the share
  (%) completed / dropped out.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Func, IntegerField, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.models import Episode
from people.suppression import SMALL, share

PERCENT, DAYS = "percent", "days"  # run charts plot no counts (see above)


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str  # PERCENT or DAYS
    higher_is_better: bool


MEASURES = {
    measure.key: measure
    for measure in (
        Measure("first_contact_within_deadline", _("First contact within the deadline (%)"), PERCENT, True),
        Measure("first_contact_median_days", _("Days from referral to first contact (median)"), DAYS, False),
        Measure("completed_share", _("Endings that were completed (%)"), PERCENT, True),
        Measure("dropped_out_share", _("Endings that were drop-outs (%)"), PERCENT, False),
    )
}


@dataclass(frozen=True)
class MonthValue:
    month: datetime.date  # the first of the month
    value: Decimal | None  # None when withheld or without a base
    withheld: str = ""  # people.suppression.UNDER ("under 5") or HIDDEN, else ""


def months(start, end):
    """The first day of every month from ``start``'s to ``end``'s, inclusive."""
    month = start.replace(day=1)
    out = []
    while month <= end:
        out.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return out


def _month(value):
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.replace(day=1)


def _median_from_histogram(histogram):
    """The median of a {value: how many} histogram (half values allowed), None from fewer than five."""
    total = sum(histogram.values())
    if total < SMALL:
        return None
    ordered = sorted(histogram.items())

    def at(position):  # the value at 0-based ``position`` in sorted order
        seen = 0
        for value, n in ordered:
            seen += n
            if position < seen:
                return value
        raise IndexError(position)

    middle = total // 2
    if total % 2:
        return Decimal(at(middle))
    return (Decimal(at(middle - 1)) + Decimal(at(middle))) / 2


class DaysBetween(Func):
    """Whole days from the second date to the first, as an integer: PostgreSQL subtracts dates to an
    integer (Django's own date subtraction makes an interval of each row, which costs more to group
    by than the count it serves); SQLite through the Julian day."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def days_histogram(episodes, *group_by):
    """{(group..., days): n} of days from referral to first contact, counted in the database."""
    rows = (
        episodes.filter(first_contact_on__isnull=False)
        .annotate(days=DaysBetween("first_contact_on", "referral_received"))
        .order_by()
        .values(*group_by, "days")
        .annotate(n=Count("pk"))
    )
    out = defaultdict(dict)
    for row in rows:
        out[tuple(row[key] for key in group_by)][int(row["days"])] = row["n"]
    return out


def deadline_counts(episodes, *group_by, today=None):
    """{(group...): (known, within)}: episodes whose deadline was met or has passed, and those in time."""
    today = today or timezone.localdate()
    known = Q(first_contact_on__isnull=False) | Q(first_contact_due__lt=today)
    rows = (
        episodes.filter(known, first_contact_due__isnull=False)
        .order_by()
        .values(*group_by)
        .annotate(
            known=Count("pk"),
            within=Count("pk", filter=Q(first_contact_on__isnull=False, first_contact_on__lte=F("first_contact_due"))),
        )
    )
    return {tuple(row[key] for key in group_by): (row["known"], row["within"]) for row in rows}


def monthly(episodes, key, start, end, *, today=None):
    """``MonthValue`` per month from ``start`` to ``end`` of the measure ``key`` over ``episodes``."""
    if key not in MEASURES:
        raise ValueError(f"unknown measure {key!r}")
    span = months(start, end)
    first, last = span[0], (span[-1] + datetime.timedelta(days=32)).replace(day=1)
    if key in ("completed_share", "dropped_out_share"):
        status = key.removesuffix("_share")
        ended = (
            episodes.filter(ended_on__gte=first, ended_on__lt=last, status__in=Episode.ENDED)
            .annotate(month=TruncMonth("ended_on"))
            .order_by()
            .values("month")
            .annotate(n=Count("pk"), part=Count("pk", filter=Q(status=status)))
        )
        counts = {_month(row["month"]): (row["part"], row["n"]) for row in ended}
        return [MonthValue(month, share(*counts.get(month, (0, 0)))) for month in span]
    referred = episodes.filter(referral_received__gte=first, referral_received__lt=last).annotate(
        month=TruncMonth("referral_received")
    )
    if key == "first_contact_median_days":
        histograms = {_month(group[0]): h for group, h in days_histogram(referred, "month").items()}
        return [MonthValue(month, _median_from_histogram(histograms.get(month, {}))) for month in span]
    shares = {_month(group[0]): kw for group, kw in deadline_counts(referred, "month", today=today).items()}
    values = []
    for month in span:
        known, within = shares.get(month, (0, 0))
        values.append(MonthValue(month, share(within, known)))
    return values
