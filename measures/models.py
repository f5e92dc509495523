"""Questionnaires (FHIR R4 JSON), the citizen's responses, their scores, goals and goal ratings.

Answers are stored as ``{linkId: [value, ...]}`` with JSON primitives: the option code for a
choice, an int, a bool, a string or an ISO date. ``measures.fhir_forms`` turns them into FHIR
answers and into item values for scoring.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.models import Citizen


class QuestionnaireQuerySet(models.QuerySet):
    def current(self):
        """The newest active version of each questionnaire."""
        return self.filter(is_current=True, status="active")


class Questionnaire(models.Model):
    url = models.URLField(max_length=300)
    version = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, default="active")
    loinc_code = models.CharField(max_length=40, blank=True, db_index=True)
    scoring_key = models.CharField(max_length=20, blank=True)
    resource = models.JSONField()
    is_current = models.BooleanField(default=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        ordering = ["title", "-imported_at"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        constraints = [
            models.UniqueConstraint(fields=["url", "version"], name="questionnaire_url_version"),
            models.UniqueConstraint(fields=["url"], condition=Q(is_current=True), name="one_current_version"),
        ]

    def __str__(self):
        return f"{self.title} ({self.version})"

    @property
    def canonical(self):
        return f"{self.url}|{self.version}"

    @property
    def key(self):
        """The short id at the end of the canonical url, e.g. ``phq9`` or ``checkin``."""
        return self.url.rstrip("/").rsplit("/", 1)[-1]


class QuestionnaireResponse(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in-progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="questionnaire_responses")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    status = models.CharField(max_length=20, choices=Status, default=Status.IN_PROGRESS)
    answers = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=200, default=uuid.uuid4, unique=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    entered_on_behalf = models.BooleanField(
        default=False, help_text="Filled in by staff on the citizen's behalf, e.g. during a phone session."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    authored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-authored_at", "-created_at"]
        indexes = [
            models.Index(fields=["citizen", "status", "-authored_at"], name="response_citizen_status"),
            # The outcome report's session feedback by month: one questionnaire over a period.
            models.Index(fields=["questionnaire", "authored_at"], name="response_questionnaire_time"),
        ]

    def __str__(self):
        return f"{self.questionnaire.title} for {self.citizen_id} ({self.status})"

    def get_absolute_url(self):
        return reverse("measures:response", kwargs={"citizen_id": self.citizen_id, "response_id": self.pk})

    @property
    def is_completed(self):
        return self.status == self.Status.COMPLETED


class ScoreQuerySet(models.QuerySet):
    def for_citizen(self, citizen):
        return self.filter(citizen=citizen).select_related("response__questionnaire")


class Score(models.Model):
    """A total score of a completed response: a FHIR Observation derived from it."""

    response = models.OneToOneField(QuestionnaireResponse, on_delete=models.PROTECT, related_name="score")
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="scores")
    instrument = models.CharField(max_length=20)
    total = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    band = models.CharField(max_length=40, blank=True)
    result = models.JSONField()
    effective_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        ordering = ["effective_at", "id"]
        indexes = [models.Index(fields=["citizen", "instrument", "effective_at"], name="score_citizen_instrument")]

    def __str__(self):
        return f"{self.instrument} {self.total} {self.band}"

    @property
    def is_scorable(self):
        return self.total is not None

    @property
    def total_display(self):
        if self.total is None:
            return None
        return int(self.total) if self.total == self.total.to_integral_value() else self.total.normalize()


class LifeArea(models.TextChoices):
    HOUSING = "housing", _("Housing")
    WORK = "work", _("Work and activity")
    FINANCES = "finances", _("Finances")
    PHYSICAL_HEALTH = "physical_health", _("Physical health")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    RELATIONSHIPS = "relationships", _("Relationships")
    DAILY_LIVING = "daily_living", _("Daily living")


class Goal(models.Model):
    """A goal in the citizen's own words ("Hva er viktig for deg?"), rated 1–10 at each conversation."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(_("goal, in your own words"), max_length=500)
    life_area = models.CharField(_("life area"), max_length=30, choices=LifeArea, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)  # with its ratings' recorded_at: FHIR Goal's lastUpdated

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.text

    @property
    def is_open(self):
        return self.closed_at is None


class GoalRating(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    rating = models.PositiveSmallIntegerField(_("where am I now (1–10)"))
    rated_at = models.DateTimeField(default=timezone.now)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # When it was written down, which rated_at (the conversation's time) need not be.
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rated_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=10), name="rating_1_to_10")]

    def __str__(self):
        return f"{self.goal_id}: {self.rating}"


def perceived_benefit(goals):
    """Mean of the latest ratings minus mean of the first ratings, over goals rated at least twice.

    Seed 001: first mean 2.4, later mean 4.2 gives a perceived benefit of 1.8. None until a goal
    has two ratings. ``goals`` must have their ratings prefetched in time order.
    """
    firsts, latests = [], []
    for goal in goals:
        ratings = list(goal.ratings.all())
        if len(ratings) >= 2:
            firsts.append(ratings[0].rating)
            latests.append(ratings[-1].rating)
    if not firsts:
        return None
    first_mean = Decimal(sum(firsts)) / len(firsts)
    latest_mean = Decimal(sum(latests)) / len(latests)
    return {
        "first_mean": first_mean.quantize(Decimal("0.01")),
        "latest_mean": latest_mean.quantize(Decimal("0.01")),
        "benefit": (latest_mean - first_mean).quantize(Decimal("0.01")),
        "goals": len(firsts),
    }
