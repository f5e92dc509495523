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


# Counts per unit, pathway and referral day ------------------------------------------------------
#
# The kept rows above are one per episode; a municipality's report would still read every one of
# them (hundreds of thousands). These tables sum them further, per unit, pathway and the day the
# referral was received (``insights.kept.refresh_days`` recomputes a day from the kept rows in the
# writer's transaction), so that a report over any period reads at most units × pathways × days
# rows, whatever the number of citizens. A day, not a month: the report's period may start and
# end on any date. Every column adds up across days; nothing here is published as it is.


class DayRow(models.Model):
    unit_id = models.BigIntegerField()
    template_id = models.BigIntegerField()
    day = models.DateField()  # the episodes' referral_received

    class Meta:
        abstract = True


class DayScore(DayRow):
    """Per instrument: the episodes' first and latest scores as ``insights.report`` counts them."""

    # Signed: a change is added as a difference (insights.days.ScoreDeltas), and the proposed row of
    # an upsert is checked before it meets the existing one, so a "≥ 0" check would refuse it.
    instrument = models.CharField(max_length=20)
    with_two_scores = models.IntegerField(default=0)
    only_one_score = models.IntegerField(default=0)
    reliably_improved = models.IntegerField(default=0)
    no_reliable_change = models.IntegerField(default=0)
    reliably_deteriorated = models.IntegerField(default=0)
    at_caseness_first = models.IntegerField(default=0)
    recovered = models.IntegerField(default=0)
    reliably_recovered = models.IntegerField(default=0)
    sum_first = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    sum_last = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    sum_first_squares = models.DecimalField(max_digits=18, decimal_places=4, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit_id", "day", "template_id", "instrument"], name="day_score_once")
        ]

    def __str__(self):
        return f"{self.instrument} in unit {self.unit_id}, pathway {self.template_id}, {self.day}"


class DayCount(DayRow):
    """Goals rated twice (with the movement bands of the perceived benefit) and user evaluations."""

    goals = models.PositiveIntegerField(default=0)  # goals rated at least twice in their episode
    goal_citizens = models.PositiveIntegerField(default=0)  # distinct within the day: a bound, not a sum
    goal_first_sum = models.PositiveIntegerField(default=0)
    goal_last_sum = models.PositiveIntegerField(default=0)
    goals_down_2 = models.PositiveIntegerField(default=0)  # later − first rating ≤ −2
    goals_down_1 = models.PositiveIntegerField(default=0)
    goals_same = models.PositiveIntegerField(default=0)
    goals_up_1 = models.PositiveIntegerField(default=0)
    goals_up_2 = models.PositiveIntegerField(default=0)
    goals_up_3 = models.PositiveIntegerField(default=0)  # ≥ 3
    evaluations_asked = models.PositiveIntegerField(default=0)
    evaluations_answered = models.PositiveIntegerField(default=0)
    answered_much_better = models.PositiveIntegerField(default=0)
    answered_a_little_better = models.PositiveIntegerField(default=0)
    answered_about_the_same = models.PositiveIntegerField(default=0)
    answered_a_little_worse = models.PositiveIntegerField(default=0)
    answered_much_worse = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "day", "template_id"], name="day_count_once")]

    def __str__(self):
        return f"unit {self.unit_id}, pathway {self.template_id}, {self.day}"
