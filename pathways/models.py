"""Pathways as data, and the episodes, appointments and scheduled questionnaires that run them.

A ``PathwayTemplate`` (editable in the admin, shipped ones in ``pathways/shipped/``) is a named
sequence of ``TemplateStep``s with offsets and repeats. Registering a referral opens an
``Episode`` (waiting); starting it turns the steps into planned ``Appointment``s and
``ScheduledQuestionnaire``s; every ending, drop-outs included, schedules the user evaluation.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from measures.models import QuestionnaireResponse
from people.models import AccessCode, Citizen, Organisation


class ContactKind(models.TextChoices):
    OFFICE = "office", _("Office")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")
    HOME_VISIT = "home_visit", _("Home visit")
    NETWORK_MEETING = "network_meeting", _("Network meeting")


class PathwayTemplate(models.Model):
    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    first_contact_days = models.PositiveSmallIntegerField(
        _("first contact within (days of the referral)"), null=True, blank=True
    )
    checkin_interval_days = models.PositiveSmallIntegerField(_("check-in every (days)"), null=True, blank=True)
    evaluation_questionnaire = models.CharField(
        _("evaluation questionnaire (key)"),
        max_length=60,
        default="user-evaluation",
        help_text=_("Given at every ending, drop-outs included."),
    )
    programme = models.CharField(
        _("self-help programme"),
        max_length=200,
        blank=True,
        help_text=_("The programme the citizen gets access to with a code, if any."),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("pathway template")
        verbose_name_plural = _("pathway templates")

    def __str__(self):
        return self.name


class TemplateStep(models.Model):
    class Kind(models.TextChoices):
        CONTACT = "contact", _("Contact")
        PLAN_REVISION = "plan_revision", _("Plan revision")
        QUESTIONNAIRE = "questionnaire", _("Questionnaire")

    template = models.ForeignKey(PathwayTemplate, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.CONTACT)
    title = models.CharField(_("title"), max_length=200)
    phase = models.CharField(_("phase"), max_length=100, blank=True)
    contact_kind = models.CharField(_("contact"), max_length=20, choices=ContactKind, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), null=True, blank=True)
    offset_days = models.PositiveSmallIntegerField(_("days after the start"), default=0)
    repeat_count = models.PositiveSmallIntegerField(_("how many times"), default=1)
    repeat_every_days = models.PositiveSmallIntegerField(_("every (days)"), default=7)
    questionnaire = models.CharField(
        _("questionnaire (key)"),
        max_length=60,
        blank=True,
        help_text=_("For a contact: given at each of its sessions. For a questionnaire step: the one given."),
    )
    note_template = models.CharField(_("journal note template"), max_length=30, blank=True)
    structure = models.TextField(_("structure"), blank=True, help_text=_("What the contact goes through."))

    class Meta:
        ordering = ["template", "order", "pk"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        constraints = [
            models.CheckConstraint(condition=Q(repeat_count__gte=1), name="step_repeats_at_least_once"),
        ]

    def __str__(self):
        return self.title

    @property
    def makes_appointments(self):
        return self.kind in (self.Kind.CONTACT, self.Kind.PLAN_REVISION)


class Episode(models.Model):
    """One run of a pathway for one citizen, from referral to ending."""

    class Status(models.TextChoices):
        WAITING = "waiting", pgettext_lazy("pathway status", "Waiting")
        ACTIVE = "active", pgettext_lazy("pathway status", "Active")
        COMPLETED = "completed", pgettext_lazy("pathway status", "Completed")
        DROPPED_OUT = "dropped_out", pgettext_lazy("pathway status", "Dropped out")
        TRANSFERRED = "transferred", pgettext_lazy("pathway status", "Transferred")

    OPEN = (Status.WAITING, Status.ACTIVE)
    ENDED = (Status.COMPLETED, Status.DROPPED_OUT, Status.TRANSFERRED)

    class Source(models.TextChoices):
        SELF = "self", _("The citizen")
        GP = "gp", _("GP")
        NAV = "nav", _("Nav")
        SPECIALIST = "specialist", _("Specialist services")
        OTHER = "other", _("Other")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="episodes")
    template = models.ForeignKey(PathwayTemplate, on_delete=models.PROTECT, related_name="episodes")
    status = models.CharField(max_length=20, choices=Status, default=Status.WAITING)
    referral_received = models.DateField(_("referral received"))
    referral_source = models.CharField(_("referred by"), max_length=20, choices=Source)
    referral_reason = models.TextField(_("reason for the referral"))
    unit = models.ForeignKey(Organisation, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="responsible_episodes"
    )
    first_contact_due = models.DateField(null=True, blank=True)
    first_contact_on = models.DateField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-referral_received", "-pk"]
        indexes = [
            # The outcome report (insights) counts a unit's episodes by referral date and reads no
            # more than these columns: on PostgreSQL an index-only scan, not a visit to every row.
            models.Index(
                fields=[
                    "unit",
                    "referral_received",
                    "template",
                    "status",
                    "first_contact_on",
                    "first_contact_due",
                    "ended_on",
                    "citizen",
                ],
                name="episode_unit_referral",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["completed", "dropped_out", "transferred"]) | ~Q(end_reason=""),
                name="an_ending_has_a_reason",
            ),
        ]

    def __str__(self):
        return f"{self.template} for {self.citizen_id} ({self.status})"

    @property
    def is_open(self):
        return self.status in self.OPEN


class Appointment(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="appointments")
    episode = models.ForeignKey(Episode, null=True, blank=True, on_delete=models.CASCADE, related_name="appointments")
    step = models.ForeignKey(TemplateStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("with"), on_delete=models.PROTECT, related_name="appointments"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ContactKind)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=45)
    status = models.CharField(max_length=20, choices=Status, default=Status.PLANNED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    followed_up_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["staff", "starts_at"], name="appointment_staff_time"),
            models.Index(fields=["citizen", "starts_at"], name="appointment_citizen_time"),
        ]

    def __str__(self):
        return f"{self.title} {self.starts_at:%Y-%m-%d %H:%M}"


class AppointmentChange(models.Model):
    """A reschedule: the old and the new time are both kept."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="changes")
    previous_starts_at = models.DateTimeField()
    new_starts_at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.previous_starts_at:%Y-%m-%d %H:%M} → {self.new_starts_at:%Y-%m-%d %H:%M}"


class ScheduledQuestionnaire(models.Model):
    """A questionnaire the pathway asks for: at the start, at a session, at the end, or the evaluation."""

    class Reason(models.TextChoices):
        START = "start", _("At the start")
        SESSION = "session", _("At a session")
        END = "end", _("At the end")
        EVALUATION = "evaluation", _("User evaluation")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="scheduled_questionnaires")
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="scheduled_questionnaires")
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    questionnaire_key = models.CharField(max_length=60)
    reason = models.CharField(max_length=20, choices=Reason)
    due_on = models.DateField()
    response = models.ForeignKey(
        QuestionnaireResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["citizen", "questionnaire_key"], name="scheduled_citizen_key")]

    def __str__(self):
        return f"{self.questionnaire_key} due {self.due_on} for {self.citizen_id}"

    @property
    def is_pending(self):
        return self.answered_at is None and self.cancelled_at is None


class ProgrammeAccess(models.Model):
    """A code given for a named self-help programme, printed on a user card (the code itself is not kept)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="programme_access")
    programme = models.CharField(_("programme"), max_length=200)
    access_code = models.ForeignKey(AccessCode, on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.programme} for episode {self.episode_id}"
