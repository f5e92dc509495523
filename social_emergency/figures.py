"""The unit's figures: when people come, how, what about, who came back, where they were sent on, and how they
were before and after — everything published through ``people.suppression``.

What may be shown, and why:

* The number of contacts in the period is a count on its own: 1–4 is "under 5".
* Channel, time of day, weekday, and known/anonymous each split that shown total into parts (every contact has
  exactly one), so they are ``split_of_a_shown_total``: one part from 1 to 4 hides every part of that split (the
  total minus the others would give it back).
* Referrals on are counted per kind without "not referred on" and without a total beside the contacts, so no
  published figure adds up to them: a table (``suppress_table``) whose total is hidden when a kind is small.
* Topics and what helped may be several per contact, so their counts add up to nothing published: each on its own.
* Known visitors: how many different nicknames, split into those who came once and those who came again.
* Well-being: means before, after and of the change only from at least five contacts with both answers, and the
  change as a share of the mean before (seed 004's "up almost 20 %"); the number of such contacts is a split of
  the total (with or without both answers).

``build`` asks the database a fixed number of grouped questions whatever the number of contacts.
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.suppression import SMALL, count, mean, split_of_a_shown_total, suppress_table

from .models import Contact, HelpKind, Topic

PERIODS = {
    "4w": (_("Last 4 weeks"), 28),
    "3m": (_("Last 3 months"), 91),
    "12m": (_("Last 12 months"), 365),
}
DEFAULT_PERIOD = "4w"
HOURS_PER_BAND = 3
WEEKDAYS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))


@dataclass(frozen=True)
class Part:
    label: object
    figure: object  # people.suppression.Figure

    @property
    def shown(self):
        return self.figure.shown


@dataclass(frozen=True)
class Wellbeing:
    pairs: object  # Figure: contacts with an answer both before and after
    before: Decimal | None
    after: Decimal | None
    change: Decimal | None
    change_percent: Decimal | None


@dataclass(frozen=True)
class Figures:
    period: str
    start: datetime.datetime
    end: datetime.datetime
    total: object
    channels: list
    hours: list
    weekdays: list
    referrals: list
    referred_total: object
    topics: list
    helped: list
    known_split: list
    visitors: object
    visitor_split: list
    wellbeing: Wellbeing

    @property
    def largest_hour(self):
        return max((p.figure.value for p in self.hours if p.shown), default=0)

    @property
    def largest_weekday(self):
        return max((p.figure.value for p in self.weekdays if p.shown), default=0)


def period_start(period, now=None):
    now = now or timezone.now()
    return now - datetime.timedelta(days=PERIODS[period][1])


def contacts_in(register, period, now=None):
    now = now or timezone.now()
    return Contact.objects.filter(register=register, occurred_at__gt=period_start(period, now), occurred_at__lte=now)


def _split(labels, counts):
    figures = split_of_a_shown_total({key: counts.get(key, 0) for key in labels})
    return [Part(label, figures[key]) for key, label in labels.items()]


def _grouped(contacts, expression):
    return dict(
        contacts.order_by().annotate(key=expression).values("key").annotate(n=Count("id")).values_list("key", "n")
    )


def hour_bands():
    return {
        band: f"{band * HOURS_PER_BAND:02d}–{(band + 1) * HOURS_PER_BAND:02d}" for band in range(24 // HOURS_PER_BAND)
    }


def _choice_counts(model, through_field, contacts):
    """``[Part]`` for each entry of an admin list in use, or counted in the period, each count on its own."""
    through = Contact._meta.get_field(through_field).remote_field.through
    column = f"{model._meta.model_name}_id"
    counted = dict(
        through.objects.filter(contact__in=contacts)
        .order_by()
        .values(column)
        .annotate(n=Count("contact_id"))
        .values_list(column, "n")
    )
    entries = model.objects.filter(Q(active=True) | Q(pk__in=list(counted)))
    return [Part(entry.label, count(counted.get(entry.pk, 0))) for entry in entries]


def wellbeing_of(contacts, total):
    pairs = list(
        contacts.filter(wellbeing_before__isnull=False, wellbeing_after__isnull=False).values_list(
            "wellbeing_before", "wellbeing_after"
        )
    )
    with_both = split_of_a_shown_total({"both": len(pairs), "rest": total - len(pairs)})["both"]
    before = mean([b for b, _a in pairs])
    after = mean([a for _b, a in pairs])
    change = mean([a - b for b, a in pairs])
    percent = None
    sum_before = sum(b for b, _a in pairs)
    if change is not None and sum_before:
        percent = (Decimal(100) * (sum(a for _b, a in pairs) - sum_before) / sum_before).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    return Wellbeing(pairs=with_both, before=before, after=after, change=change, change_percent=percent)


def build(register, period=DEFAULT_PERIOD, now=None):
    """The published figures of ``register`` for ``period`` (a key of ``PERIODS``)."""
    now = now or timezone.now()
    contacts = contacts_in(register, period, now)
    by_channel = dict(contacts.order_by().values("channel").annotate(n=Count("id")).values_list("channel", "n"))
    total = sum(by_channel.values())
    by_hour = Counter()
    for hour, n in _grouped(contacts, ExtractHour("occurred_at")).items():
        by_hour[hour // HOURS_PER_BAND] += n
    by_weekday = _grouped(contacts, ExtractIsoWeekDay("occurred_at"))
    by_referral = dict(
        contacts.exclude(referred_to=Contact.Referral.NONE)
        .order_by()
        .values("referred_to")
        .annotate(n=Count("id"))
        .values_list("referred_to", "n")
    )
    kinds = [value for value in Contact.Referral.values if value != Contact.Referral.NONE]
    referral_table = suppress_table({(kind, "n"): by_referral.get(kind, 0) for kind in kinds}, kinds, ["n"])
    visits = Counter(
        dict(
            contacts.exclude(known_as="")
            .order_by()
            .values("known_as")
            .annotate(n=Count("id"))
            .values_list("known_as", "n")
        )
    )
    known_contacts = sum(visits.values())
    once = sum(1 for n in visits.values() if n == 1)
    return Figures(
        period=period,
        start=period_start(period, now),
        end=now,
        total=count(total),
        channels=_split(dict(Contact.Channel.choices), by_channel),
        hours=_split(hour_bands(), by_hour),
        weekdays=_split({day: WEEKDAYS[day - 1] for day in range(1, 8)}, by_weekday),
        referrals=[Part(Contact.Referral(kind).label, referral_table.cells[kind, "n"]) for kind in kinds],
        referred_total=referral_table.column_totals["n"],
        topics=_choice_counts(Topic, "topics", contacts),
        helped=_choice_counts(HelpKind, "helped", contacts),
        known_split=_split(
            {"known": _("With a nickname"), "anonymous": _("Without")},
            {"known": known_contacts, "anonymous": total - known_contacts},
        ),
        visitors=count(len(visits)),
        visitor_split=_split(
            {"once": _("Came once"), "again": _("Came more than once")}, {"once": once, "again": len(visits) - once}
        ),
        wellbeing=wellbeing_of(contacts, total),
    )


@dataclass(frozen=True)
class Summary:
    """The insights card: the last four weeks' number of contacts and the mean well-being change."""

    register: object
    total: object
    wellbeing: Wellbeing


def summary(register, now=None):
    contacts = contacts_in(register, DEFAULT_PERIOD, now)
    total = contacts.count()
    return Summary(register=register, total=count(total), wellbeing=wellbeing_of(contacts, total))


__all__ = ["PERIODS", "SMALL", "Figures", "build", "summary"]
