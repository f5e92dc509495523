"""Course and network gatherings ("samlinger") and relatives' surveys with their anonymous evaluations,
and the rounds of the seed-003 interview guide.

A relatives' survey (kind ``relatives``, seed 001's goal for relatives and network) is a gathering
whose cards go to relatives — at a relatives' evening, by post, or printed for one relative — and
whose answers are Samplan's relatives' satisfaction questionnaire (``QUESTIONNAIRE_OF_KIND``). Which
relative got which card is never recorded, so the answers stay as anonymous as a course's.

**Anonymous evaluations.** A ``Gathering`` hands out ``EvaluationCard``s: each holds only the hash
of a one-time code printed on a card, and whether it has been used. A participant's answers are a
``CourseAnswer`` that points to the gathering, never to the card: no foreign key, no code, no time
finer than the day, no address or browser. Its primary key is random (a UUID), so not even the
order of the rows says which card came first. Marking the card used and storing the answer happen
in one transaction (``gatherings.actions.answer_with_code``), so a code gives one answer.

**Interview rounds.** An ``InterviewRound`` (baseline, follow-up…) of a unit links citizens'
``QuestionnaireResponse``s of the interview guide through ``RoundInterview``: the answers stay in
the citizen's record (measures), read through the access policy; the round only counts them.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from measures.models import Questionnaire, QuestionnaireResponse
from people.models import Citizen, Organisation

COURSE_EVALUATION_URL = "https://samplan.no/fhir/Questionnaire/course-evaluation"
INTERVIEW_GUIDE_URL = "https://samplan.no/fhir/Questionnaire/interview-guide"
RELATIVES_SATISFACTION_URL = "https://samplan.no/fhir/Questionnaire/relatives-satisfaction"


class Gathering(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", _("Course")
        NETWORK = "network", _("Network gathering")
        RELATIVES = "relatives", _("Relatives' survey")

    unit = models.ForeignKey(Organisation, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.COURSE)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("gathering")
        verbose_name_plural = _("gatherings")

    def __str__(self):
        return f"{self.title} ({self.held_on:%Y-%m-%d})"

    def get_absolute_url(self):
        return reverse("gatherings:gathering", kwargs={"gathering_id": self.pk})

    @property
    def is_relatives_survey(self):
        return self.kind == self.Kind.RELATIVES


# The questionnaire each kind is answered with: a relatives' survey with Samplan's relatives' satisfaction
# questionnaire (measures/questionnaires/relatives_satisfaction.md), the rest with the course evaluation.
QUESTIONNAIRE_OF_KIND = {
    Gathering.Kind.COURSE: COURSE_EVALUATION_URL,
    Gathering.Kind.NETWORK: COURSE_EVALUATION_URL,
    Gathering.Kind.RELATIVES: RELATIVES_SATISFACTION_URL,
}


class EvaluationCard(models.Model):
    """One printed card: the hash of its code, and whether it has been used. Nothing else."""

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="cards")
    code_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("evaluation card")
        verbose_name_plural = _("evaluation cards")

    def __str__(self):
        return f"card of gathering {self.gathering_id}"


class CourseAnswer(models.Model):
    """One participant's anonymous evaluation: ``{linkId: [code or text]}``, the gathering and the day.

    Deliberately without a card, a code, a time of day, an address or a user: nothing points back
    to who answered.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="answers")
    answered_on = models.DateField(default=timezone.localdate)
    answers = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("course evaluation answer")
        verbose_name_plural = _("course evaluation answers")

    def __str__(self):
        return f"answer to gathering {self.gathering_id}"


class InterviewRound(models.Model):
    """A round of interviews with the seed-003 guide in a unit: "Baseline 2026", "Follow-up 2026"."""

    unit = models.ForeignKey(Organisation, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    number = models.PositiveSmallIntegerField(_("order"))
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit_id", "number"]
        verbose_name = _("interview round")
        verbose_name_plural = _("interview rounds")
        constraints = [models.UniqueConstraint(fields=["unit", "number"], name="one_round_number_per_unit")]

    def __str__(self):
        return f"{self.name} ({self.number})"

    def get_absolute_url(self):
        return reverse("gatherings:round", kwargs={"round_id": self.pk})


class RoundInterview(models.Model):
    """A citizen's interview in a round: the link to their response, which stays in measures."""

    round = models.ForeignKey(InterviewRound, on_delete=models.CASCADE, related_name="interviews")
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="+")
    response = models.OneToOneField(QuestionnaireResponse, on_delete=models.CASCADE, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round_id", "started_at"]
        constraints = [models.UniqueConstraint(fields=["round", "citizen"], name="one_interview_per_round")]

    def __str__(self):
        return f"interview of {self.citizen_id} in round {self.round_id}"
