"""Keeping ``EpisodeScore`` and ``EpisodeGoal`` (see insights.models) in step with the raw rows.

* ``score_written`` / ``ratings_written``: a new score or goal rating updates the kept row of every
  episode whose window holds its date (two or three queries, in the writer's transaction: the
  episodes are locked, then their kept rows read, merged in Python, written back);
* ``episode_changed``: an episode's window may have moved (referral date, ending), so its kept
  rows are recomputed from the citizen's raw rows;
* ``recompute``: the kept rows as they should be, from the raw rows alone — what ``rebuild``
  writes (``manage.py rebuild_insights``) and what the tests compare the kept tables with.
"""

import copy
import datetime
from collections import defaultdict
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from measures import scoring
from measures.models import GoalRating, Score
from pathways.models import Episode
from samplan.prepared import Prepared, columns, instance, update

from . import days
from .models import EpisodeGoal, EpisodeScore
from .outcomes import classify

COPIED = ("unit_id", "template_id", "referral_received", "citizen_id")
# What merging a new score or rating into a kept row can change (the copied fields move only with
# the episode, and then ``episode_changed`` writes its rows anew): what the writers' UPDATE sets.
MERGED_SCORE_FIELDS = (
    "scores",
    "first_score_id",
    "first_at",
    "first_total",
    "last_score_id",
    "last_at",
    "last_total",
    "direction",
    "at_caseness_first",
    "recovered",
)
MERGED_GOAL_FIELDS = (
    "ratings",
    "first_rating_id",
    "first_at",
    "first_rating",
    "last_rating_id",
    "last_at",
    "last_rating",
)
SCORE_FIELDS = (*COPIED, *MERGED_SCORE_FIELDS)
GOAL_FIELDS = (*COPIED, *MERGED_GOAL_FIELDS)


def window(day):
    """Episodes whose window (referral to ending, or open) holds ``day``."""
    return Q(referral_received__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gte=day))


def _holds(episode, day):
    return episode.referral_received <= day and (episode.ended_on is None or episode.ended_on >= day)


def _counts(instrument):
    return instrument in scoring.INSTRUMENTS


# Merging one observation into a kept row ---------------------------------------------------------


EPISODE_FIELDS = ("pk", "citizen_id", "unit_id", "template_id", "referral_received", "ended_on")


def _copied(episode):
    """What a kept row copies from its episode (see insights.models)."""
    return {
        "episode_id": episode.pk,
        "unit_id": episode.unit_id,
        "template_id": episode.template_id,
        "referral_received": episode.referral_received,
        "citizen_id": episode.citizen_id,
    }


def _score_row(episode, score):
    return EpisodeScore(
        **_copied(episode),
        instrument=score.instrument,
        scores=1,
        first_score_id=score.pk,
        first_at=score.effective_at,
        first_total=score.total,
        last_score_id=score.pk,
        last_at=score.effective_at,
        last_total=score.total,
    )


def _merge_score(row, score):
    row.scores += 1
    if (score.effective_at, score.pk) < (row.first_at, row.first_score_id):
        row.first_score_id, row.first_at, row.first_total = score.pk, score.effective_at, score.total
    if (score.effective_at, score.pk) > (row.last_at, row.last_score_id):
        row.last_score_id, row.last_at, row.last_total = score.pk, score.effective_at, score.total


def _classify(row):
    if row.scores < 2:
        row.direction, row.at_caseness_first, row.recovered = "", None, None
    else:
        row.direction, row.at_caseness_first, row.recovered = classify(row.instrument, row.first_total, row.last_total)
    return row


def _goal_row(episode, rating):
    return EpisodeGoal(
        **_copied(episode),
        goal_id=rating.goal_id,
        ratings=1,
        first_rating_id=rating.pk,
        first_at=rating.rated_at,
        first_rating=rating.rating,
        last_rating_id=rating.pk,
        last_at=rating.rated_at,
        last_rating=rating.rating,
    )


def _merge_goal(row, rating):
    row.ratings += 1
    if (rating.rated_at, rating.pk) < (row.first_at, row.first_rating_id):
        row.first_rating_id, row.first_at, row.first_rating = rating.pk, rating.rated_at, rating.rating
    if (rating.rated_at, rating.pk) > (row.last_at, row.last_rating_id):
        row.last_rating_id, row.last_at, row.last_rating = rating.pk, rating.rated_at, rating.rating


# As data is written -------------------------------------------------------------------------------


def _update(rows, fields):
    """Save each changed row (usually one or two): a plain UPDATE each, compiled once, where
    ``bulk_update``'s CASE per field cost a third of a questionnaire response's POST in Python."""
    for row in rows:
        update(row, fields)


# Writers of one episode's kept rows take turns on the episode's row (FOR NO KEY UPDATE, in id order):
# the kept rows are read only after it is locked, so a second writer sees what the first wrote — the
# row the first score of an episode made included, which a lock on the kept rows alone cannot cover
# (it is not there to lock). Inserts that refer to the episode (KEY SHARE) are not held up.
def _locked(episodes):
    return episodes.select_for_update(no_key=True).order_by("pk")


# A score is written on every questionnaire a citizen completes: its two questions are compiled once.
_EPISODES_HOLDING = Prepared(
    lambda citizen, day: _locked(Episode.objects.filter(window(day), citizen_id=citizen)).values_list(*EPISODE_FIELDS),
    citizen=int,
    day=datetime.date,
)
_KEPT_SCORES = Prepared(
    lambda episodes, instrument: (
        EpisodeScore.objects.select_for_update()
        .filter(episode_id__among=episodes, instrument=instrument)
        .order_by()
        .values_list(*columns(EpisodeScore))
    ),
    episodes=list,
    instrument=str,
)


def score_written(score):
    if score.total is None or not _counts(score.instrument):
        return
    day = timezone.localdate(score.effective_at)
    episodes = [
        SimpleNamespace(**dict(zip(EPISODE_FIELDS, row, strict=True)))
        for row in _EPISODES_HOLDING.rows(citizen=score.citizen_id, day=day)
    ]
    if not episodes:
        return
    kept = _KEPT_SCORES.rows(episodes=[episode.pk for episode in episodes], instrument=score.instrument)
    rows = {row.episode_id: row for row in (instance(EpisodeScore, values)[0] for values in kept)}
    new, changed = [], []
    deltas = days.ScoreDeltas()
    for episode in episodes:
        row = rows.get(episode.pk)
        if row is None:
            new.append(_classify(_score_row(episode, score)))
            deltas.add(new[-1])
        else:
            before = copy.copy(row)
            _merge_score(row, score)
            changed.append(_classify(row))
            deltas.change(before, row)
    EpisodeScore.objects.bulk_create(new)
    _update(changed, MERGED_SCORE_FIELDS)
    deltas.apply()


def _as_referring_to(citizen_ids):
    """Hold the citizens' rows as a row that refers to them does (FOR KEY SHARE, on PostgreSQL). A score
    refers to its citizen, so its foreign key check (at its INSERT, measures/0004) already does; a goal
    rating refers to its goal only. An episode registered for one of them meanwhile (its FOR UPDATE,
    pathways.actions.register_referral) waits for this transaction, or this for it, so each sees the
    other's rows."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:  # the ORM's select_for_update has no KEY SHARE
        cursor.execute(
            "SELECT 1 FROM people_citizen WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE", [sorted(citizen_ids)]
        )


def ratings_written(ratings):
    ratings = list(ratings)
    if not ratings:
        return
    citizens = {rating.goal.citizen_id for rating in ratings}
    _as_referring_to(citizens)
    episodes = defaultdict(list)
    for episode in _locked(Episode.objects.filter(citizen_id__in=citizens)).only(*EPISODE_FIELDS):
        episodes[episode.citizen_id].append(episode)
    pairs = [
        (episode, rating)
        for rating in ratings
        for episode in episodes[rating.goal.citizen_id]
        if _holds(episode, timezone.localdate(rating.rated_at))
    ]
    if not pairs:
        return
    keys = Q()
    for episode, rating in pairs:
        keys |= Q(episode_id=episode.pk, goal_id=rating.goal_id)
    rows = {(row.episode_id, row.goal_id): row for row in EpisodeGoal.objects.select_for_update().filter(keys)}
    new = {}
    for episode, rating in pairs:
        key = (episode.pk, rating.goal_id)
        if key in rows:
            _merge_goal(rows[key], rating)
        elif key in new:
            _merge_goal(new[key], rating)
        else:
            new[key] = _goal_row(episode, rating)
    EpisodeGoal.objects.bulk_create(new.values())
    _update(rows.values(), MERGED_GOAL_FIELDS)
    days.refresh_counts({days.day_of(episode) for episode, _rating in pairs})


def episode_changed(episode, *, old_day=None):
    """Recompute ``episode``'s kept rows from the citizen's raw rows (its window may have moved), and
    its days' counts: the day it is on now, and ``old_day`` (its day before this save) and the days
    its old kept rows were counted on, if it moved."""
    scores, goals = recompute(Episode.objects.filter(pk=episode.pk))
    old_scores = list(EpisodeScore.objects.filter(episode_id=episode.pk))
    touched = {days.day_of(episode), old_day, *map(days.day_of, old_scores)}
    touched |= set(EpisodeGoal.objects.filter(episode_id=episode.pk).values_list(*days.EPISODE_DAY))
    EpisodeScore.objects.filter(episode_id=episode.pk).delete()
    EpisodeGoal.objects.filter(episode_id=episode.pk).delete()
    EpisodeScore.objects.bulk_create(scores)
    EpisodeGoal.objects.bulk_create(goals)
    deltas = days.ScoreDeltas()
    for row in old_scores:
        deltas.add(row, -1)
    for row in scores:
        deltas.add(row)
    deltas.apply()
    days.refresh_counts(touched)


def evaluation_changed(scheduled):
    """A user evaluation was asked for, answered or cancelled: count its episode's day again."""
    key = Episode.objects.filter(pk=scheduled.episode_id).values_list(*days.EPISODE_DAY)
    days.refresh_counts(set(key))


# From the raw rows alone --------------------------------------------------------------------------


def recompute(episodes=None, *, batch=2000):
    """``(EpisodeScore rows, EpisodeGoal rows)`` as they should be for ``episodes`` (default: all)."""
    episodes = Episode.objects.all() if episodes is None else episodes
    scores, goals = [], []
    by_citizen = defaultdict(list)
    for episode in episodes.order_by("citizen_id", "pk").only(*EPISODE_FIELDS):
        by_citizen[episode.citizen_id].append(episode)
    citizen_ids = sorted(by_citizen)
    for start in range(0, len(citizen_ids), batch):
        chunk = citizen_ids[start : start + batch]
        kept = {}
        for score in (
            Score.objects.filter(citizen_id__in=chunk, total__isnull=False)
            .only("pk", "citizen_id", "instrument", "total", "effective_at")
            .order_by()
            .iterator(chunk_size=5000)
        ):
            if not _counts(score.instrument):
                continue
            day = timezone.localdate(score.effective_at)
            for episode in by_citizen[score.citizen_id]:
                if _holds(episode, day):
                    key = (episode.pk, score.instrument)
                    if key in kept:
                        _merge_score(kept[key], score)
                    else:
                        kept[key] = _score_row(episode, score)
        scores.extend(_classify(row) for row in kept.values())
        kept_goals = {}
        for rating in (
            GoalRating.objects.filter(goal__citizen_id__in=chunk)
            .select_related("goal")
            .only("pk", "goal_id", "rating", "rated_at", "goal__citizen_id")
            .order_by()
            .iterator(chunk_size=5000)
        ):
            day = timezone.localdate(rating.rated_at)
            for episode in by_citizen[rating.goal.citizen_id]:
                if _holds(episode, day):
                    key = (episode.pk, rating.goal_id)
                    if key in kept_goals:
                        _merge_goal(kept_goals[key], rating)
                    else:
                        kept_goals[key] = _goal_row(episode, rating)
        goals.extend(kept_goals.values())
    return scores, goals


@transaction.atomic
def rebuild(*, batch_size=5000):
    """Throw the kept rows and the days' counts away and write them again from the raw rows (writers
    of scores, ratings and episodes wait on PostgreSQL until it is done). Returns (scores, goals) written."""
    if connection.vendor == "postgresql":
        tables = ", ".join(
            connection.ops.quote_name(model._meta.db_table) for model in (EpisodeScore, EpisodeGoal, *days.TABLES)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
    EpisodeScore.objects.all().delete()
    EpisodeGoal.objects.all().delete()
    scores, goals = recompute()
    EpisodeScore.objects.bulk_create(scores, batch_size=batch_size)
    EpisodeGoal.objects.bulk_create(goals, batch_size=batch_size)
    days.rebuild()
    return len(scores), len(goals)


# Signal receivers (connected in apps.ready) ------------------------------------------------------


def on_score_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        score_written(instance)


def on_ratings_written(sender, ratings, **kwargs):
    ratings_written(ratings)


WINDOW = {"referral_received", "ended_on", "citizen", "citizen_id"}
DAY = {"unit", "unit_id", "template", "template_id", "referral_received"}


def on_episode_pre_save(sender, instance, raw=False, update_fields=None, **kwargs):
    """Before an existing episode may move to another day (unit, pathway, referral date): remember its day."""
    if raw or instance.pk is None or (update_fields is not None and not DAY & set(update_fields)):
        return
    instance._insights_old_day = Episode.objects.filter(pk=instance.pk).values_list(*days.EPISODE_DAY).first()


def on_episode_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    old_day = instance.__dict__.pop("_insights_old_day", None)
    if created:
        # A new episode: scores and ratings already written in its window belong to it too.
        episode_changed(instance)
    elif update_fields is None or (WINDOW | DAY) & set(update_fields):
        episode_changed(instance, old_day=old_day)


def on_scheduled_saved(sender, instance, raw=False, **kwargs):
    if not raw and instance.reason == instance.Reason.EVALUATION:
        evaluation_changed(instance)


def _as_tuples(rows, fields, key):
    return {tuple(getattr(row, k) for k in key): tuple(getattr(row, f) for f in fields) for row in rows}


def differences():
    """Kept rows that differ from a recomputation: ``[(table, key, kept, recomputed)]`` (empty when equal),
    then the days' counts that differ from a recount of the kept rows (``insights.days``)."""
    scores, goals = recompute()
    out = []
    for table, model, rows, fields, key in (
        ("score", EpisodeScore, scores, SCORE_FIELDS, ("episode_id", "instrument")),
        ("goal", EpisodeGoal, goals, GOAL_FIELDS, ("episode_id", "goal_id")),
    ):
        expected = _as_tuples(rows, fields, key)
        actual = _as_tuples(model.objects.all(), fields, key)
        for k in sorted(set(expected) | set(actual), key=str):
            if expected.get(k) != actual.get(k):
                out.append((table, k, actual.get(k), expected.get(k)))
    return out + days.differences()
