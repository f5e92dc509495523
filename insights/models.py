"""Kept summaries: what the outcome report needs, kept up to date as data is written.

A full scan of the score table per report view does not scale to a municipality (millions of
scores), so each episode keeps, per instrument, its first and latest score and what the change
between them means (``EpisodeScore``), and per goal its first and latest rating (``EpisodeGoal``).
``insights.kept`` writes them in the writer's own transaction (signals on Score, GoalRating and
Episode), ``manage.py rebuild_insights`` recomputes them from the raw rows, and the tests prove
the two equal after random writes.

A score or rating belongs to every episode of the citizen whose window holds its date: from the
referral to the ending (or today, while the episode is open).
"""

from django.db import models

from measures.models import Goal
from pathways.models import Episode


class KeptRow(models.Model):
    """What every kept row has: its episode, and what it copies from it."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="+")
    # Copied from the episode (kept with it by insights.kept) so that the report counts these rows
    # without joining the episodes: by unit, pathway and referral date, and citizens by id.
    unit_id = models.BigIntegerField()
    template_id = models.BigIntegerField()
    referral_received = models.DateField()
    citizen_id = models.BigIntegerField()

    class Meta:
        abstract = True


class EpisodeScore(KeptRow):
    instrument = models.CharField(max_length=20)
    scores = models.PositiveIntegerField()
    first_score_id = models.BigIntegerField()
    first_at = models.DateTimeField()
    first_total = models.DecimalField(max_digits=7, decimal_places=2)
    last_score_id = models.BigIntegerField()
    last_at = models.DateTimeField()
    last_total = models.DecimalField(max_digits=7, decimal_places=2)
    # What the change from first to last means (measures.scoring.classify_against_first), kept so that
    # the report counts in the database. Empty / null while there is only one score.
    direction = models.CharField(max_length=30, blank=True)
    at_caseness_first = models.BooleanField(null=True)
    recovered = models.BooleanField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["episode", "instrument"], name="episode_score_once")]
        indexes = [models.Index(fields=["unit_id", "referral_received"], name="episode_score_unit_referral")]

    def __str__(self):
        return f"{self.instrument} in episode {self.episode_id}: {self.first_total} → {self.last_total}"


class EpisodeGoal(KeptRow):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="+")
    ratings = models.PositiveIntegerField()
    first_rating_id = models.BigIntegerField()
    first_at = models.DateTimeField()
    first_rating = models.PositiveSmallIntegerField()
    last_rating_id = models.BigIntegerField()
    last_at = models.DateTimeField()
    last_rating = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["episode", "goal"], name="episode_goal_once")]
        indexes = [models.Index(fields=["unit_id", "referral_received"], name="episode_goal_unit_referral")]

    def __str__(self):
        return f"goal {self.goal_id} in episode {self.episode_id}: {self.first_rating} → {self.last_rating}"
