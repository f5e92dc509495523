"""Violent episodes at a housing unit (seed 004: the national guidelines for preventing violent episodes).

An ``Incident`` is recorded by the staff of the unit where it happened, about one citizen: when, what
happened, what preceded it (the early warning signs), what de-escalated, injuries, and whether the
police or emergency services came. Two conversations follow it, each recorded once on the incident: a
follow-up conversation with the citizen and a staff debrief. The learning can become a learning log of
the citizen's responsibility group (``groups.LearningLog``) and the warning signs and what helps a crisis
plan in the individual plan's open proposal, which the citizen approves as any proposal
(``plans.actions``); the incident keeps a link to both. Incidents are never edited or deleted.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from groups.models import LearningLog
from people.models import Citizen, Organisation
from plans.models import CrisisPlan, PlanVersion


class Injury(models.TextChoices):
    NONE = "none", _("No one was injured")
    STAFF = "staff", _("Staff")
    CITIZEN = "citizen", _("The citizen")
    OTHERS = "others", _("Others (other residents, visitors)")


class Incident(models.Model):
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="incidents")
    unit = models.ForeignKey(
        Organisation, verbose_name=_("housing unit"), on_delete=models.PROTECT, related_name="incidents"
    )
    occurred_at = models.DateTimeField(_("when it happened"))
    place = models.CharField(_("where it happened"), max_length=200, blank=True)
    what_happened = models.TextField(_("what happened"))
    warning_signs = models.TextField(_("what came before: early warning signs"), blank=True)
    what_deescalated = models.TextField(_("what calmed the situation"), blank=True)
    injuries = models.JSONField(_("injuries"), default=list)
    injury_description = models.CharField(_("the injuries, briefly"), max_length=500, blank=True)
    police_involved = models.BooleanField(_("the police came"), default=False)
    emergency_services_involved = models.BooleanField(_("an ambulance or other emergency service came"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    learning_log = models.OneToOneField(
        LearningLog, null=True, blank=True, on_delete=models.PROTECT, related_name="incident"
    )
    # The crisis plan proposed from this incident: the plan version (a proposal until the citizen
    # approves) and the row in it (gone if the coordinator takes it out of the proposal again).
    proposed_in = models.ForeignKey(PlanVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    proposed_crisis_plan = models.ForeignKey(
        CrisisPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["citizen", "occurred_at"], name="incident_citizen_time"),
            models.Index(fields=["unit", "occurred_at"], name="incident_unit_time"),
        ]

    def __str__(self):
        return f"incident {self.pk} of {self.citizen_id}"

    def get_absolute_url(self):
        return reverse("incidents:incident", kwargs={"citizen_id": self.citizen_id, "incident_id": self.pk})

    def injury_labels(self):
        return [Injury(key).label for key in self.injuries if key in Injury.values]

    @property
    def anyone_injured(self):
        return any(key != Injury.NONE for key in self.injuries)


class Conversation(models.Model):
    """The follow-up conversation with the citizen, or the staff debrief: one of each per incident."""

    class Kind(models.TextChoices):
        FOLLOW_UP = "follow_up", _("Follow-up conversation with the citizen")
        DEBRIEF = "debrief", _("Staff debrief")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="conversations")
    kind = models.CharField(max_length=10, choices=Kind)
    held_at = models.DateTimeField(_("when"))
    participants = models.CharField(_("who took part"), max_length=500)
    said = models.TextField(_("what was said"))
    learned = models.TextField(_("what we learned, and what helps"), blank=True)
    next_time = models.TextField(_("what we will do differently"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "kind"], name="one_conversation_of_each_kind")]

    def __str__(self):
        return f"{self.kind} of incident {self.incident_id}"
