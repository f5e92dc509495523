"""The access log: one row per read, write or refusal touching a citizen's data.

It stores ids and labels, not foreign keys, so that nothing cascades into it and it
imports no other app. On PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE
(``audit.append_only``, made by migration 0003), and the role the app connects with may only
INSERT and SELECT here (``samplan.db_roles``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessEventQuerySet(models.QuerySet):
    def for_citizen(self, citizen_id):
        return self.filter(citizen_id=citizen_id)

    def by_others_than_citizen(self):
        """What the citizen did themselves is left out: the list is about other people."""
        return self.exclude(ground=AccessEvent.Ground.SELF)


class AccessEvent(models.Model):
    class Action(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Changed")
        DENIED = "denied", _("Refused")
        AGGREGATE = "aggregate", _("Aggregate read")

    class Ground(models.TextChoices):
        CARE_TEAM = "care_team", _("Care team role")
        EMERGENCY = "emergency", _("Emergency access")
        SELF = "self", _("Own data")
        UNIT = "unit", _("Leads the unit")
        STAFF = "staff", _("Works in the unit")  # an aggregate of a caseload, a team or a gathering
        SYSTEM = "system", _("System client")
        NONE = "none", _("No access")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200)
    # A registered system client (no person) acting on its own: actor_id is then empty.
    client_id = models.BigIntegerField(null=True, blank=True)
    citizen_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=10, choices=Action)
    section = models.CharField(max_length=40)
    ground = models.CharField(max_length=20, choices=Ground)
    role = models.CharField(max_length=40, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["citizen_id", "-at"], name="audit_citizen_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.section}"
