"""Learning logs (seed 003: "Logg nr. 1 — 30.8.2011") and the service leaders' summary across groups.

**Writing.** The coordinator (``groups.actions.may_manage_group``) writes and updates a group's logs;
everyone whose grant includes the group section reads them. Logs are numbered 1, 2, 3… per group
under a lock on the group row, so two coordinators saving at once get two numbers. A log is written
for an active group only (a proposal has no consent yet). Every refusal is a ``ValidationError``
naming the field, raised before anything is written; a double-clicked submit stores once.

**Before and after.** ``evaluation_evidence`` sets the citizen's goal ratings and scores from
before the event against those after it (up to the evaluation date), for readers with the measures
section only.

**Scrubbing.** A lesson reaches the leaders only through ``scrub``: the citizen's and every group
or care-team member's names (whole, each part, with a genitive s; usernames too), e-mail
addresses, runs of eight or more digits (national id numbers, Danish CPR numbers, phone numbers),
dates (30.8.2011, 2011-08-30, 30/8/11, 30.8., 30. august 2011, August 30, mai 2012) and years
(1900–2099) become "[…]". Case-insensitive, on whole words (Norwegian and Danish letters count as
letters), after Unicode NFC normalisation. Its limits: nicknames, misspellings and inflected names
other than the genitive; names of people who are neither in the group nor on the care team; ages,
addresses, workplaces, diagnoses and other indirect identifiers; shorter numbers. It also removes
too much: a common word that is someone's name ("Nav", "Mai") and decimals like 4.5 (read as a
date). The writer is told when writing, and the log page shows the lesson exactly as leaders see it.

**Suppression.** Counts are of logs: per factor (and for all logs) and outcome, per year or quarter.

* A count from 1 to 4 is shown as "under 5"; 0 and 5 or more as the number.
* A total (went wrong + went well) is shown only if both of its parts are shown.
* The two views could be subtracted from each other (a year minus three shown quarters gives the
  fourth). So the year view is the one that shows counts, and in the quarter view the quarters of
  one year are shown for a factor and outcome only if none of them is from 1 to 4; otherwise all
  of that year's quarters are hidden. The quarter view has no row for all logs: exact per-quarter
  totals would be upper bounds from which a hidden quarter could be worked out.
* Lessons are listed per year, sorted alphabetically (the order says nothing about time or group),
  without dates, groups or outcome, and only when the year's numbers of logs that went wrong and
  went well are both shown and add up to at least 5: the length of the list must not give away a
  hidden number either.

There is no unit filter (a leader sees what their units serve, no smaller slice of it). What no
rule here prevents: watching the numbers change from one day to the next as logs are written.
"""

import datetime
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Prefetch
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from measures import scoring
from measures.bands import DIRECTION_LABELS
from measures.models import Goal, GoalRating, Score
from people.access import Grant, log_write
from people.models import CareTeamMember

from . import sections
from .actions import EditConflict, may_manage_group
from .models import Group, LearningFactor, LearningLog, Member

GROUP = sections.GROUP
TEXT_FIELDS = ("event", "causes", "other_factors", "decision", "evaluation", "lessons")
STORED_FIELDS = ("event_on", "outcome", *TEXT_FIELDS, "evaluated_on")
FIELDS = (*STORED_FIELDS, "factors")
EVALUATION_FIELDS = ("evaluation", "evaluated_on", "lessons")
# The same log saved again this soon by the same person (a double click, a retry) is the same log.
DUPLICATE_WINDOW = datetime.timedelta(minutes=10)


def may_write_logs(grant: Grant):
    """The coordinator writes the group's learning logs; members with the group section read them."""
    return may_manage_group(grant)


# Writing ---------------------------------------------------------------------------------------


def _factor_ids(factors):
    return {getattr(factor, "pk", factor) for factor in factors or ()}


def _clean(values, *, kept_factor_ids=frozenset()):
    """The values as they are stored, and every field error at once.

    ``kept_factor_ids`` are factors the log already has: they stay allowed after the admin retires them.
    """
    errors = {}
    today = timezone.localdate()
    cleaned = {name: (values.get(name) or "").strip() for name in TEXT_FIELDS}
    event_on = cleaned["event_on"] = values.get("event_on")
    if event_on is None:
        errors["event_on"] = _("Choose the day it happened.")
    elif event_on > today:
        errors["event_on"] = _("The date is in the future. Choose the day it happened.")
    cleaned["outcome"] = values.get("outcome") or ""
    if cleaned["outcome"] not in LearningLog.Outcome.values:
        errors["outcome"] = _("Choose whether something went wrong or went notably well.")
    if not cleaned["event"]:
        errors["event"] = _("Write what happened.")
    evaluated_on = values.get("evaluated_on")
    if evaluated_on is not None:
        if evaluated_on > today:
            errors["evaluated_on"] = _("The evaluation date is in the future. Choose the day you evaluated.")
        elif event_on is not None and evaluated_on < event_on:
            errors["evaluated_on"] = _("The evaluation cannot be before the event (%(date)s).") % {
                "date": date_format(event_on, "d.m.Y")
            }
        elif not cleaned["evaluation"]:
            errors["evaluation"] = _("Write what the evaluation found, or leave its date empty.")
    elif cleaned["evaluation"]:
        evaluated_on = today
    cleaned["evaluated_on"] = evaluated_on
    ids = _factor_ids(values.get("factors"))
    found = list(LearningFactor.objects.filter(pk__in=ids)) if ids else []
    if len(found) != len(ids):
        errors["factors"] = _("Choose the factors from the list.")
    else:
        retired = [factor for factor in found if not factor.is_active and factor.pk not in kept_factor_ids]
        if retired:
            errors["factors"] = _(
                "“%(names)s” is no longer in the list of factors. Untick it, or write it under other factors."
            ) % {"names": "”, “".join(factor.label(get_language()) for factor in retired)}
    cleaned["factors"] = found
    return cleaned, errors


def _group_errors(group):
    if group.status == Group.Status.PROPOSED:
        return {"__all__": _("The citizen has not consented to the group yet. Learning logs start when it is active.")}
    if group.status == Group.Status.ENDED:
        return {"__all__": _("The group has ended. Its learning logs can be read and evaluated, but not added to.")}
    return {}


def _just_written(group, acting_user, cleaned):
    since = timezone.now() - DUPLICATE_WINDOW
    return (
        LearningLog.objects.filter(
            group=group,
            written_by=acting_user,
            created_at__gte=since,
            event_on=cleaned["event_on"],
            outcome=cleaned["outcome"],
            event=cleaned["event"],
        )
        .order_by("-number")
        .first()
    )


def _log(grant, log, *, acting_user, what):
    log_write(
        grant,
        acting_user=acting_user,
        section=GROUP,
        detail=f"learning log {log.number} of group {log.group_id}: {what}",
    )


@transaction.atomic(durable=True)
def write_log(grant: Grant, group, *, acting_user, **fields):
    """A new numbered learning log of ``group``; the same log sent twice in a row is stored once."""
    return add_log(grant, group, acting_user=acting_user, **fields)


@transaction.atomic
def add_log(
    grant: Grant,
    group,
    *,
    acting_user,
    event_on,
    outcome,
    event,
    causes="",
    factors=(),
    other_factors="",
    decision="",
    evaluation="",
    evaluated_on=None,
    lessons="",
):
    """``write_log`` inside the caller's transaction (e.g. a log made from an incident, under the incident's
    lock: the group's lock is taken after it, as in ``incidents.actions.make_learning_log``)."""
    if not (may_write_logs(grant) and group.citizen_id == grant.citizen.pk):
        raise PermissionDenied
    group = Group.objects.select_for_update().get(pk=group.pk)  # numbers are handed out one at a time
    cleaned, errors = _clean(
        {
            "event_on": event_on,
            "outcome": outcome,
            "event": event,
            "causes": causes,
            "factors": factors,
            "other_factors": other_factors,
            "decision": decision,
            "evaluation": evaluation,
            "evaluated_on": evaluated_on,
            "lessons": lessons,
        }
    )
    errors |= _group_errors(group)
    if errors:
        raise ValidationError(errors)
    earlier = _just_written(group, acting_user, cleaned)
    if earlier is not None:
        return earlier
    number = (group.learning_logs.aggregate(last=Max("number"))["last"] or 0) + 1
    log = LearningLog.objects.create(
        group=group,
        citizen_id=group.citizen_id,
        number=number,
        written_by=acting_user,
        **{name: cleaned[name] for name in STORED_FIELDS},
    )
    log.factors.set(cleaned["factors"])
    _log(grant, log, acting_user=acting_user, what="written")
    return log


@transaction.atomic(durable=True)
def update_log(grant: Grant, log, *, acting_user, expected_updated_at=None, **changes):
    """Change some of the log's fields (``FIELDS``), e.g. only the later evaluation and the lessons.

    ``expected_updated_at`` is when the log was last saved as the form was opened: a save against an
    older one raises ``EditConflict`` and changes nothing. Saving what is already there writes nothing.
    """
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"update_log() got unknown fields: {sorted(unknown)}")
    if not (may_write_logs(grant) and log.citizen_id == grant.citizen.pk):
        raise PermissionDenied
    current = LearningLog.objects.select_for_update().get(pk=log.pk)
    kept = set(current.factors.values_list("pk", flat=True))
    values = {name: getattr(current, name) for name in STORED_FIELDS} | {"factors": kept} | changes
    cleaned, errors = _clean(values, kept_factor_ids=kept)
    changed = [name for name in STORED_FIELDS if getattr(current, name) != cleaned[name]]
    if _factor_ids(cleaned["factors"]) != kept:
        changed.append("factors")
    if not changed and not errors:
        return current  # already saved as sent (a double click): nothing to do, nothing to log
    if expected_updated_at is not None and current.updated_at != expected_updated_at:
        raise EditConflict(theirs=current)
    if errors:
        raise ValidationError(errors)
    if "factors" in changed:
        current.factors.set(cleaned["factors"])
    for name in changed:
        if name != "factors":
            setattr(current, name, cleaned[name])
    current.save(update_fields=[*(name for name in changed if name != "factors"), "updated_at"])
    what = "evaluated" if set(changed) <= set(EVALUATION_FIELDS) else "changed"
    _log(grant, current, acting_user=acting_user, what=what)
    return current


# Before and after ------------------------------------------------------------------------------


@dataclass
class Comparison:
    """One goal or instrument: the latest value before the event and the latest one after it."""

    label: str
    before: object = None
    before_at: object = None
    after: object = None
    after_at: object = None
    direction: str = ""

    @property
    def change(self):
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass
class Evidence:
    goals: list = field(default_factory=list)
    scores: list = field(default_factory=list)
    mean_before: Decimal | None = None
    mean_after: Decimal | None = None
    until: datetime.date | None = None

    @property
    def mean_change(self):
        if self.mean_before is None:
            return None
        return self.mean_after - self.mean_before

    @property
    def is_empty(self):
        return not self.goals and not self.scores


def _midnight_after(day):
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def _split(series, value, when, *, boundary, end):
    """The latest (value, time) before ``boundary`` and the latest from it up to ``end``."""
    before = after = (None, None)
    for item in series:
        at = when(item)
        if at < boundary:
            before = (value(item), at)
        elif end is None or at < end:
            after = (value(item), at)
    return before, after


def evaluation_evidence(log):
    """The citizen's goal ratings and scores before ``log.event_on`` against after it (until the evaluation).

    The caller shows it only to a reader whose grant includes the measures section, and logs that read.
    Three queries: goals, their ratings, scores.
    """
    boundary = _midnight_after(log.event_on)
    end = _midnight_after(log.evaluated_on) if log.evaluated_on else None
    evidence = Evidence(until=log.evaluated_on)
    goals = Goal.objects.filter(citizen_id=log.citizen_id).prefetch_related(
        Prefetch("ratings", queryset=GoalRating.objects.order_by("rated_at", "id"))
    )
    pairs = []
    for goal in goals:
        before, after = _split(goal.ratings.all(), lambda r: r.rating, lambda r: r.rated_at, boundary=boundary, end=end)
        if before[0] is None and after[0] is None:
            continue
        row = Comparison(label=goal.text, before=before[0], before_at=before[1], after=after[0], after_at=after[1])
        evidence.goals.append(row)
        if row.change is not None:
            pairs.append((row.before, row.after))
    if pairs:
        evidence.mean_before = (Decimal(sum(b for b, _a in pairs)) / len(pairs)).quantize(Decimal("0.1"))
        evidence.mean_after = (Decimal(sum(a for _b, a in pairs)) / len(pairs)).quantize(Decimal("0.1"))
    by_instrument = defaultdict(list)
    for score in Score.objects.filter(citizen_id=log.citizen_id, total__isnull=False).order_by("effective_at", "id"):
        by_instrument[score.instrument].append(score)
    for key, series in sorted(by_instrument.items()):
        instrument = scoring.INSTRUMENTS.get(key)
        if instrument is None:
            continue
        before, after = _split(series, lambda s: s.total_display, lambda s: s.effective_at, boundary=boundary, end=end)
        if before[0] is None and after[0] is None:
            continue
        row = Comparison(
            label=instrument.title, before=before[0], before_at=before[1], after=after[0], after_at=after[1]
        )
        if row.change is not None:
            direction = scoring.classify_against_first(key, before[0], after[0]).get("direction")
            row.direction = DIRECTION_LABELS.get(direction, "")
        evidence.scores.append(row)
    return evidence


# Scrubbing ----------------------------------------------------------------------------------------

REDACTED = "[…]"
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# Eight digits or more, single spaces, dots, dashes or slashes between them: national id numbers
# (11 digits, also as 6 + 5), Danish CPR numbers (6-4), phone numbers (+47 912 34 567), 30.08.2011.
_LONG_NUMBER = re.compile(r"(?<!\w)(?:\+|00)?\d(?:[ .\-/]?\d){7,}(?!\w)")
_NUMERIC_DATE = re.compile(r"(?<![\w.])(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2}))(?!\w)")
# 30.8. or 30.8 (a plausible day and month) without a year.
_DAY_MONTH = re.compile(r"(?<![\w.,])(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])\.?(?![\w]|[.,]\d)")
_MONTHS = (
    r"jan(?:uar|uary)?|feb(?:ruar|ruary)?|mar(?:s|ts|ch)?|apr(?:il)?|ma[iyj]|jun[ie]?|jul[iy]?|aug(?:ust)?"
    r"|sep(?:t|tember)?|o[ck]t(?:ober)?|nov(?:ember)?|de[cs](?:ember)?"
)
# A month's name with a day or a year next to it (a month alone says little, and "may" is a verb).
_TEXT_DATE = re.compile(
    rf"(?<!\w)(?:\d{{1,2}}\.?\s*(?:of\s+)?(?:{_MONTHS})\.?(?:\s+\d{{4}}|\s+\d{{2}}(?!\d))?"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|(?:{_MONTHS})\.?\s+\d{{4}})(?!\w)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<!\w)(?:19|20)\d{2}(?!\w)")
_NAME_PARTS = re.compile(r"[\s\-–.'’_@]+")
_BETWEEN_PARTS = r"[\s\-–.'’_]+"
PATTERNS = (_EMAIL, _LONG_NUMBER, _NUMERIC_DATE, _TEXT_DATE, _DAY_MONTH, _YEAR)


def _nfc(text):
    return unicodedata.normalize("NFC", text or "")


def name_pattern(names):
    """One pattern for all of ``names``: each whole name (any separators between its parts) and each
    part of two letters or more, on word boundaries, with a genitive s; None when there are none."""
    whole, parts = set(), set()
    for name in names:
        pieces = [piece for piece in _NAME_PARTS.split(_nfc(name).strip()) if piece]
        if len(pieces) > 1:
            whole.add(_BETWEEN_PARTS.join(re.escape(piece) for piece in pieces))
        parts.update(re.escape(piece) for piece in pieces if len(piece) >= 2)
    if not whole and not parts:
        return None
    # Whole names first, so "Kari Lærer" becomes one "[…]"; longer parts before their prefixes.
    alternatives = sorted(whole, key=len, reverse=True) + sorted(parts, key=len, reverse=True)
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?:s|['’]s?)?(?!\w)", re.IGNORECASE)


def scrub(text, names=()):
    """``text`` without the ``names`` (see ``name_pattern``), e-mail addresses, long numbers and dates."""
    text = _nfc(text)
    for pattern in PATTERNS:
        text = pattern.sub(REDACTED, text)
    names = name_pattern(names)
    if names is not None:
        text = names.sub(REDACTED, text)
    return text


def _user_names(first, last, username):
    return [first, last, f"{first} {last}".strip(), username]


def _names_by_log(logs, queryset):
    """The names to scrub from each of ``logs`` (loaded with ``citizen__user`` and ``written_by``).

    ``queryset`` selects the same logs: the group members (every agreement version) and the citizens'
    care teams (ended roles too) are read with it as a subquery, two queries whatever the number.
    """
    by_group, by_citizen = defaultdict(set), defaultdict(set)
    members = Member.objects.filter(agreement__group__in=queryset.values("group_id")).values_list(
        "agreement__group_id",
        "external_name",
        "care_team_member__person_name",
        "care_team_member__user__first_name",
        "care_team_member__user__last_name",
        "care_team_member__user__username",
    )
    for group_id, external, person, first, last, username in members.order_by():
        by_group[group_id].update([external, person, *_user_names(first or "", last or "", username or "")])
    team = CareTeamMember.objects.filter(citizen__in=queryset.values("citizen_id")).values_list(
        "citizen_id", "person_name", "user__first_name", "user__last_name", "user__username"
    )
    for citizen_id, person, first, last, username in team.order_by():
        by_citizen[citizen_id].update([person, *_user_names(first or "", last or "", username or "")])
    names = {}
    for log in logs:
        citizen = log.citizen
        found = {citizen.given_name, citizen.family_name, citizen.full_name}
        if citizen.user is not None:
            found.add(citizen.user.username)
        if log.written_by is not None:
            writer = log.written_by
            found.update(_user_names(writer.first_name, writer.last_name, writer.username))
        names[log.pk] = {name for name in found | by_group[log.group_id] | by_citizen[log.citizen_id] if name}
    return names


def shared_lesson(log):
    """The log's lesson exactly as the leaders' summary shows it."""
    if not log.lessons.strip():
        return ""
    queryset = LearningLog.objects.filter(pk=log.pk).select_related("citizen__user", "written_by")
    logs = list(queryset)
    return scrub(log.lessons, _names_by_log(logs, queryset).get(log.pk, ()))


# The leaders' summary ---------------------------------------------------------------------------

SMALL = 5  # counts from 1 to SMALL - 1 are never shown
YEAR, QUARTER = "year", "quarter"
PERIODS = (YEAR, QUARTER)
ALL_LOGS = "all"
FAILURE, SUCCESS = LearningLog.Outcome.FAILURE, LearningLog.Outcome.SUCCESS


@dataclass(frozen=True)
class Cell:
    """A count as shown: the number, "under 5" (``small``), or hidden (neither)."""

    value: int | None = None
    small: bool = False

    @property
    def shown(self):
        return self.value is not None


def _count(n):
    return Cell(small=True) if 0 < n < SMALL else Cell(value=n)


def _total(*cells):
    """A sum of shown cells; hidden as soon as one of them is not shown."""
    if all(cell.shown for cell in cells):
        return Cell(value=sum(cell.value for cell in cells))
    return Cell()


@dataclass
class Row:
    label: str
    failure: Cell
    success: Cell
    total: Cell
    is_all: bool = False


@dataclass
class Period:
    label: str
    rows: list


@dataclass
class Year:
    year: int
    periods: list
    lessons: list | None  # None: not listed for this year


def _quarters(year, today):
    last = (today.month - 1) // 3 + 1 if year == today.year else 4
    return range(1, last + 1)


def _counts(logs):
    """Logs per (row, year, quarter, outcome), row being a factor's id or ``ALL_LOGS``. Two queries."""
    counts = defaultdict(int)
    per_log = (
        logs.values("outcome", year=ExtractYear("event_on"), quarter=ExtractQuarter("event_on"))
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in per_log:
        counts[(ALL_LOGS, row["year"], row["quarter"], row["outcome"])] += row["n"]
    per_factor = (
        LearningLog.factors.through.objects.filter(learninglog__in=logs)
        .values(
            "learningfactor_id",
            year=ExtractYear("learninglog__event_on"),
            quarter=ExtractQuarter("learninglog__event_on"),
            outcome=F("learninglog__outcome"),
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in per_factor:
        counts[(row["learningfactor_id"], row["year"], row["quarter"], row["outcome"])] += row["n"]
    return counts


def _year_rows(counts, rows, year, quarters):
    result = []
    for key, label in rows:
        cells = {
            outcome: _count(sum(counts[(key, year, quarter, outcome)] for quarter in quarters))
            for outcome in (FAILURE, SUCCESS)
        }
        total = _total(cells[FAILURE], cells[SUCCESS])
        result.append(Row(label, cells[FAILURE], cells[SUCCESS], total, is_all=key == ALL_LOGS))
    return result


def _quarter_periods(counts, rows, year, quarters):
    # A factor's quarters of one year, for one outcome, are shown together or hidden together.
    shown = {
        (key, outcome): not any(0 < counts[(key, year, quarter, outcome)] < SMALL for quarter in quarters)
        for key, _label in rows
        for outcome in (FAILURE, SUCCESS)
    }
    periods = []
    for quarter in reversed(quarters):
        period_rows = []
        for key, label in rows:
            cells = {
                outcome: Cell(value=counts[(key, year, quarter, outcome)]) if shown[(key, outcome)] else Cell()
                for outcome in (FAILURE, SUCCESS)
            }
            period_rows.append(Row(label, cells[FAILURE], cells[SUCCESS], _total(cells[FAILURE], cells[SUCCESS])))
        label = _("%(year)d, quarter %(quarter)d") % {"year": year, "quarter": quarter}
        periods.append(Period(label, period_rows))
    return periods


def _lesson_years(counts, today, years):
    """The years whose lessons are listed: both outcome counts shown and at least SMALL logs."""
    listed = []
    for year in years:
        quarters = _quarters(year, today)
        failure = sum(counts[(ALL_LOGS, year, quarter, FAILURE)] for quarter in quarters)
        success = sum(counts[(ALL_LOGS, year, quarter, SUCCESS)] for quarter in quarters)
        if _count(failure).shown and _count(success).shown and failure + success >= SMALL:
            listed.append(year)
    return listed


def _lessons(logs, years):
    """The scrubbed lessons of ``years``, by year, sorted by their text. Three queries, always."""
    # Year 0 matches nothing, and keeps the query (and the two that use it) the same when no year is listed.
    queryset = (
        logs.filter(event_on__year__in=years or [0])
        .exclude(lessons="")
        .select_related("citizen__user", "written_by")
        .order_by()
    )
    found = list(queryset)
    names = _names_by_log(found, queryset)
    by_year = defaultdict(list)
    for log in found:
        text = scrub(log.lessons, names[log.pk]).strip()
        if text:
            by_year[log.event_on.year].append(text)
    return {year: sorted(texts, key=str.casefold) for year, texts in by_year.items()}


def learning_summary(scope, *, period=YEAR, today=None):
    """The learning logs of the citizens ``scope`` covers, counted per factor and outcome per year or
    quarter (newest first), small counts suppressed as the module says. Six queries whatever the size."""
    if period not in PERIODS:
        raise ValueError(period)
    today = today or timezone.localdate()
    logs = LearningLog.objects.filter(citizen__in=scope.citizens()).order_by()
    counts = _counts(logs)
    used = {key[0] for key, n in counts.items() if n}
    factors = [factor for factor in LearningFactor.objects.all() if factor.is_active or factor.pk in used]
    language = get_language()
    rows = [(factor.pk, factor.label(language)) for factor in factors]
    # A year without logs is left out: its total of 0 is no secret, and the page stays short.
    years = sorted({key[1] for key, n in counts.items() if n}, reverse=True)
    listed = _lesson_years(counts, today, years)
    lessons = _lessons(logs, listed)
    result = []
    for year in years:
        quarters = _quarters(year, today)
        if period == YEAR:
            all_row = [(ALL_LOGS, _("All learning logs"))]
            periods = [Period(str(year), _year_rows(counts, rows + all_row, year, quarters))]
        else:
            periods = _quarter_periods(counts, rows, year, quarters)
        result.append(Year(year, periods, lessons.get(year, []) if year in listed else None))
    return result
