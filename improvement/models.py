"""Improvement teams (seed 001): a team in a unit, its aim, the measures it follows, its PDSA cycles
and its answers to the seed's ten questions.

None of this is a citizen's record: a team counts its unit's episodes through ``insights`` (small
months withheld there), and its own rows hold what the staff wrote. Who may open a team and what
is allowed lives in ``improvement.actions``; the database keeps the few rules a form could forget
(one number per cycle, an act decision with its note, questions 1 to 10).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from people.models import Organisation


class TeamQuerySet(models.QuerySet):
    def open(self):
        return self.filter(ended_at__isnull=True)


class Team(models.Model):
    unit = models.ForeignKey(Organisation, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name of the team"), max_length=200)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="improvement_teams", blank=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("improvement team")
        verbose_name_plural = _("improvement teams")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("improvement:team", kwargs={"team_id": self.pk})

    @property
    def is_open(self):
        return self.ended_at is None


class Aim(models.Model):
    """What the team wants to reach, on one measure of ``insights.series.MEASURES``, by when."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="aim")
    text = models.TextField(_("aim"))
    measure = models.CharField(_("measure"), max_length=60)
    target_value = models.DecimalField(_("target"), max_digits=7, decimal_places=1)
    target_date = models.DateField(_("by"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("aim")
        verbose_name_plural = _("aims")
        constraints = [models.CheckConstraint(condition=~Q(measure=""), name="improvement_aim_names_a_measure")]

    def __str__(self):
        return self.text


class TeamMeasure(models.Model):
    """A figure the team follows on its page (the aim's measure is always one)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="measures")
    measure = models.CharField(_("measure"), max_length=60)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["team", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "measure"], name="improvement_measure_once_per_team")]

    def __str__(self):
        return self.measure


class Cycle(models.Model):
    """One PDSA cycle: plan (the change and the prediction), do, study, act."""

    class Act(models.TextChoices):
        ADOPT = "adopt", _("Adopt: keep the change")
        ADAPT = "adapt", _("Adapt: change it and test again")
        ABANDON = "abandon", _("Abandon: stop the change")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DOING = "doing", _("Being tried")
        STUDIED = "studied", _("Studied")
        DECIDED = "decided", _("Decided")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="cycles")
    number = models.PositiveIntegerField()
    change = models.CharField(_("the change we try"), max_length=300)
    prediction = models.TextField(_("what we predict"))
    starts_on = models.DateField(_("start"))
    do_notes = models.TextField(_("what happened"), blank=True)
    study_notes = models.TextField(_("what the run chart and our notes show"), blank=True)
    act = models.CharField(_("decision"), max_length=10, choices=Act, blank=True)
    act_note = models.TextField(_("why, and what we do next"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team", "number"]
        verbose_name = _("PDSA cycle")
        verbose_name_plural = _("PDSA cycles")
        constraints = [
            models.UniqueConstraint(fields=["team", "number"], name="improvement_cycle_number"),
            models.CheckConstraint(condition=Q(act="") | ~Q(act_note=""), name="improvement_act_has_a_note"),
        ]

    def __str__(self):
        return f"PDSA {self.number}: {self.change}"

    def get_absolute_url(self):
        return reverse("improvement:cycle", kwargs={"team_id": self.team_id, "cycle_id": self.pk})

    @property
    def label(self):
        return f"PDSA {self.number}"

    @property
    def status(self):
        """How far the cycle has come: the last of plan, do, study, act with something written."""
        if self.act:
            return self.Status.DECIDED
        if self.study_notes:
            return self.Status.STUDIED
        if self.do_notes:
            return self.Status.DOING
        return self.Status.PLANNED

    def get_status_display(self):
        return self.Status(self.status).label


class ChecklistAnswer(models.Model):
    """The team's latest answer to one of the seed's ten questions for improvement teams."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="checklist")
    question = models.PositiveSmallIntegerField(_("question"))
    answer = models.CharField(_("answer"), max_length=10, choices=Answer)
    note = models.TextField(_("note"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["team", "question"]
        constraints = [
            models.UniqueConstraint(fields=["team", "question"], name="improvement_one_answer_per_question"),
            models.CheckConstraint(condition=Q(question__gte=1, question__lte=10), name="improvement_question_1_to_10"),
            models.CheckConstraint(
                condition=Q(answer__in=["yes", "partly", "no"]), name="improvement_answer_yes_partly_no"
            ),
        ]

    def __str__(self):
        return f"{self.team_id} q{self.question}: {self.answer}"
