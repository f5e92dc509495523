"""Counts per unit, pathway and referral day (``DayScore``, ``DayCount``): what a leader's report sums.

The kept rows (``insights.models.EpisodeScore`` and ``EpisodeGoal``) are one per episode, so a
report over a municipality's year would still read hundreds of thousands of them. These tables
sum them per unit, pathway and the day the referral was received; a report over any period reads
at most units × pathways × days rows, whatever the number of citizens.

Kept up to date in the writer's transaction, two ways:

* ``DayScore`` by **deltas**: a score changes one kept row per episode, whose contribution
  (``score_contribution``) before and after are both known, so the difference is added to the
  day in one ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`` — no lock, no read, and two
  writers adding to the same day cannot lose each other's part (the row lock of the upsert orders
  them). This is on the hot path of every score written.
* ``DayCount`` (goals rated twice, user evaluations) by **recount**: the few days touched are
  counted again from the kept goals and the scheduled evaluations, under a transaction-level
  advisory lock per day on PostgreSQL, so that two writers of the same day count one after the
  other, the second seeing the first's committed rows. Ratings and evaluations are written far
  less often than scores, and a distinct count (``goal_citizens``) cannot be kept by deltas.

``recount_scores`` / ``recount_counts`` are the same figures from the kept rows alone: what the
rebuild writes and what ``insights.kept.differences`` (``rebuild_insights --check``) and the tests
compare the tables with.
"""

import datetime
import zlib
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Q, Sum

from measures import scoring
from pathways.models import ScheduledQuestionnaire

from .models import DayCount, DayScore, EpisodeGoal, EpisodeScore

SCORE_COLUMNS = (
    "with_two_scores",
    "only_one_score",
    "reliably_improved",
    "no_reliable_change",
    "reliably_deteriorated",
    "at_caseness_first",
    "recovered",
    "reliably_recovered",
    "sum_first",
    "sum_last",
    "sum_first_squares",
)
SCORE_KEY = ("unit_id", "template_id", "day", "instrument")
DAY_KEY = ("unit_id", "template_id", "day")
EPISODE_DAY = ("unit_id", "template_id", "referral_received")  # the same, on episodes and kept rows
TABLES = (DayScore, DayCount)

# Goals by how much the latest rating moved from the first (the perceived benefit's distribution).
GOAL_BANDS = {
    "goals_down_2": (-9, -2),
    "goals_down_1": (-1, -1),
    "goals_same": (0, 0),
    "goals_up_1": (1, 1),
    "goals_up_2": (2, 2),
    "goals_up_3": (3, 9),
}
# How the answered user evaluations say the citizen is now (the evaluation's "change" item).
EVALUATION_ANSWERS = {
    "answered_much_better": "much-better",
    "answered_a_little_better": "a-little-better",
    "answered_about_the_same": "about-the-same",
    "answered_a_little_worse": "a-little-worse",
    "answered_much_worse": "much-worse",
}
GOAL_COLUMNS = ("goals", "goal_citizens", "goal_first_sum", "goal_last_sum", *GOAL_BANDS)
EVALUATION_COLUMNS = ("evaluations_asked", "evaluations_answered", *EVALUATION_ANSWERS)
COUNT_COLUMNS = (*GOAL_COLUMNS, *EVALUATION_COLUMNS)


# DayScore: one definition of what a kept score row adds -------------------------------------------


def score_contribution(row):
    """What one kept ``EpisodeScore`` adds to its day's ``DayScore`` (nothing for ``None``)."""
    if row is None:
        return {}
    two = row.scores >= 2
    improved = two and row.direction == scoring.IMPROVEMENT
    recovered = two and row.recovered is True
    first = Decimal(row.first_total)
    return {
        "with_two_scores": int(two),
        "only_one_score": int(row.scores == 1),
        "reliably_improved": int(improved),
        "no_reliable_change": int(two and row.direction == scoring.NO_CHANGE),
        "reliably_deteriorated": int(two and row.direction == scoring.DETERIORATION),
        "at_caseness_first": int(two and row.at_caseness_first is True),
        "recovered": int(recovered),
        "reliably_recovered": int(recovered and improved),
        "sum_first": first if two else Decimal(0),
        "sum_last": Decimal(row.last_total) if two else Decimal(0),
        "sum_first_squares": first * first if two else Decimal(0),
    }


def day_of(row):
    """The day an episode, or a kept row of one, is counted on: (unit, pathway, referral date)."""
    return tuple(getattr(row, column) for column in EPISODE_DAY)


def score_key(row):
    return (*day_of(row), row.instrument)


class ScoreDeltas:
    """Differences to add to ``DayScore``, collected while kept rows change, written by ``apply``."""

    def __init__(self):
        self.by_key = defaultdict(lambda: dict.fromkeys(SCORE_COLUMNS, 0))

    def add(self, row, sign=1):
        if row is None:
            return
        target = self.by_key[score_key(row)]
        for column, value in score_contribution(row).items():
            target[column] += sign * value

    def change(self, before, after):
        """``before``: the row's contribution-relevant copy before the change (or None)."""
        self.add(before, -1)
        self.add(after, 1)

    def apply(self):
        rows = [(key, values) for key, values in sorted(self.by_key.items()) if any(values.values())]
        if rows:
            _add_to_days(rows)
        self.by_key.clear()


def _add_to_days(rows):
    table = DayScore._meta.db_table
    quote = connection.ops.quote_name
    columns = (*SCORE_KEY, *SCORE_COLUMNS)
    values = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _ in rows)
    conflict = ", ".join(quote(c) for c in ("unit_id", "day", "template_id", "instrument"))  # day_score_once
    added = ", ".join(f"{quote(c)} = {quote(table)}.{quote(c)} + EXCLUDED.{quote(c)}" for c in SCORE_COLUMNS)
    # Only the model's own, quoted names are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {added}"
    )
    params = []
    for key, sums in rows:
        params.extend(key)
        params.extend(sums[column] for column in SCORE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def score_sums(kept, *group_by):
    """``{group: {column: sum}}`` of ``score_contribution`` over kept score rows, by ``group_by``
    columns: what DayScore should hold (by its key), or a caseload's report (by unit, pathway, instrument)."""
    out = defaultdict(lambda: dict.fromkeys(SCORE_COLUMNS, 0))
    fields = ("scores", "first_total", "last_total", "direction", "at_caseness_first", "recovered")
    for row in kept.order_by().only(*group_by, *fields).iterator(chunk_size=5000):
        target = out[tuple(getattr(row, column) for column in group_by)]
        for column, value in score_contribution(row).items():
            target[column] += value
    return out


def recount_scores():
    """``{score key: {column: sum}}`` from every kept score row — what DayScore should hold."""
    sums = score_sums(EpisodeScore.objects.all(), *EPISODE_DAY, "instrument")
    return {key: values for key, values in sums.items() if any(values.values())}


# DayCount: counted from the kept goals and the evaluations ---------------------------------------


def count_rows(goals, evaluations, group_by):
    """``{group: {column: n}}`` of DayCount's columns over ``goals`` (kept EpisodeGoal rows) and
    ``evaluations`` (ScheduledQuestionnaire rows), grouped by ``group_by`` (episode columns:
    "unit_id", "template_id", "day"). Two grouped queries."""
    out = defaultdict(lambda: dict.fromkeys(COUNT_COLUMNS, 0))
    bands = GOAL_BANDS.items()
    own = {"unit_id": F("unit_id"), "template_id": F("template_id"), "day": F("referral_received")}
    rated = (
        goals.filter(ratings__gte=2)
        .annotate(change=F("last_rating") - F("first_rating"))
        .order_by()
        .values(**{f"g_{column}": own[column] for column in group_by})
        .annotate(
            goals=Count("pk"),
            goal_citizens=Count("citizen_id", distinct=True),
            goal_first_sum=Sum("first_rating"),
            goal_last_sum=Sum("last_rating"),
            **{band: Count("pk", filter=Q(change__gte=low, change__lte=high)) for band, (low, high) in bands},
        )
    )
    through = {
        "unit_id": F("episode__unit_id"),
        "template_id": F("episode__template_id"),
        "day": F("episode__referral_received"),
    }
    answered = Q(answered_at__isnull=False)
    asked = (
        evaluations.filter(reason=ScheduledQuestionnaire.Reason.EVALUATION, cancelled_at__isnull=True)
        .order_by()
        .values(**{f"g_{column}": through[column] for column in group_by})
        .annotate(
            evaluations_asked=Count("pk"),
            evaluations_answered=Count("pk", filter=answered),
            **{
                column: Count("pk", filter=answered & Q(response__answers__change__0=answer))
                for column, answer in EVALUATION_ANSWERS.items()
            },
        )
    )
    for query in (rated, asked):
        for entry in query:
            group = tuple(
                _day(entry.pop(f"g_{column}")) if column == "day" else entry.pop(f"g_{column}") for column in group_by
            )
            target = out[group]
            for column, value in entry.items():
                target[column] = value or 0
    return out


def _day(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def _keys_filter(keys, prefix="", day="referral_received"):
    """Rows of the days ``keys``: kept rows (``referral_received``), through ``episode__``, or DayCount's ``day``."""
    where = Q()
    for unit_id, template_id, date in keys:
        where |= Q(**{f"{prefix}unit_id": unit_id, f"{prefix}template_id": template_id, f"{prefix}{day}": date})
    return where


def recount_counts(keys=None):
    """``{day key: {column: n}}`` — what DayCount should hold for ``keys`` (default: every day)."""
    goals, evaluations = EpisodeGoal.objects.all(), ScheduledQuestionnaire.objects.all()
    if keys is not None:
        goals, evaluations = goals.filter(_keys_filter(keys)), evaluations.filter(_keys_filter(keys, "episode__"))
    return count_rows(goals, evaluations, DAY_KEY)


def refresh_counts(keys):
    """Count the days ``keys`` ({(unit_id, template_id, referral day)}) again, in the caller's transaction."""
    keys = sorted({key for key in keys if key and None not in key})
    if not keys:
        return
    _lock(keys)
    fresh = recount_counts(keys)
    DayCount.objects.filter(_keys_filter(keys, day="day")).delete()
    DayCount.objects.bulk_create(
        DayCount(unit_id=u, template_id=t, day=d, **values) for (u, t, d), values in sorted(fresh.items())
    )


def _lock(keys):
    """One transaction-level advisory lock per day (PostgreSQL; SQLite has one writer at a time)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted({_lock_id(key) for key in keys}):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, key])


LOCK_SPACE = 14_0001  # this module's first key of the advisory lock pair


def _lock_id(key):
    unit_id, template_id, day = key
    return zlib.crc32(f"{unit_id}:{template_id}:{day.isoformat()}".encode()) - 2**31


# Rebuild ------------------------------------------------------------------------------------------


def rebuild():
    """Write both tables again from the kept rows (in the caller's transaction)."""
    DayScore.objects.all().delete()
    DayCount.objects.all().delete()
    DayScore.objects.bulk_create(
        (DayScore(**dict(zip(SCORE_KEY, key, strict=True)), **values) for key, values in recount_scores().items()),
        batch_size=2000,
    )
    DayCount.objects.bulk_create(
        (DayCount(**dict(zip(DAY_KEY, key, strict=True)), **values) for key, values in recount_counts().items()),
        batch_size=2000,
    )


def differences():
    """``[(table, key, stored, recounted)]`` where the day tables differ from a recount (empty when equal)."""
    out = []
    for table, model, key_columns, columns, expected in (
        ("day score", DayScore, SCORE_KEY, SCORE_COLUMNS, recount_scores()),
        ("day count", DayCount, DAY_KEY, COUNT_COLUMNS, recount_counts()),
    ):
        stored = {
            tuple(row[c] for c in key_columns): {c: row[c] for c in columns}
            for row in model.objects.values(*key_columns, *columns)
        }
        for key in sorted(set(stored) | set(expected), key=str):
            have = {c: v for c, v in stored.get(key, {}).items() if v}
            want = {c: v for c, v in expected.get(key, {}).items() if v}
            if have != want:
                out.append((table, key, have, want))
    return out
