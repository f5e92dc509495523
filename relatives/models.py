"""A citizen's relatives, what each may know, and the children question.

Seed 004's concept for involving relatives: always as the citizen wishes, and with regard for the
relatives themselves. Without an open ``Consent`` a relative is a contact and nothing more. A
consent is never edited: a change is the old one revoked and a new one given, so the citizen's
history of who was allowed what stays readable (and is served as FHIR Consent).

Who may see what is decided in ``people.access``; these models only hold the facts.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import sections as section_registry
from people.models import CareTeamMember, Citizen


class Relative(models.Model):
    class Relation(models.TextChoices):
        PARTNER = "partner", _("Partner or spouse")
        PARENT = "parent", _("Parent")
        CHILD = "child", _("Adult child")
        SIBLING = "sibling", _("Brother or sister")
        FAMILY = "family", _("Other family")
        FRIEND = "friend", _("Friend")
        OTHER = "other", _("Other close person")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="relatives")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Early contact and dialogue: a conversation of their own, offered and held.
    conversation_offered_on = models.DateField(_("offered a conversation of their own on"), null=True, blank=True)
    conversation_held_on = models.DateField(_("conversation held on"), null=True, blank=True)
    # The relative's own needs: staff with the section see them; the citizen only if the relative agrees.
    own_needs = models.TextField(_("the relative's own needs"), blank=True)
    needs_shared_with_citizen = models.BooleanField(
        _("the relative agrees that the citizen may read this"), default=False
    )
    # Their own login, once invited; the care-team row is what the access policy reads.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="relative_of"
    )
    member = models.OneToOneField(
        CareTeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="relative"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # FHIR RelatedPerson's meta.lastUpdated
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ended_at", "name", "pk"]
        verbose_name = _("relative")
        verbose_name_plural = _("relatives")

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.ended_at is None


class ConsentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(revoked_at__isnull=True)


class Consent(models.Model):
    """What one relative may know: the sections, from when, who recorded it; revoked, never edited."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="relative_consents")
    relative = models.ForeignKey(Relative, on_delete=models.CASCADE, related_name="consents")
    sections = models.JSONField(_("may know"), default=list)
    given_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Staff record a consent only with the citizen ("confirmed with the citizen"); the citizen's own is theirs.
    by_citizen = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["relative"], condition=Q(revoked_at__isnull=True), name="one_open_consent_per_relative"
            )
        ]

    def __str__(self):
        return f"consent {self.pk} for relative {self.relative_id}"

    @property
    def is_active(self):
        return self.revoked_at is None

    def section_labels(self):
        return [section_registry.label(key) for key in section_registry.in_order(self.sections)]


class RelativeInvitation(models.Model):
    """A one-time code a relative turns into a login; only its hash is stored (as citizens' access codes)."""

    relative = models.ForeignKey(Relative, on_delete=models.CASCADE, related_name="invitations")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"invitation for relative {self.relative_id}"


class ChildrenQuestion(models.Model):
    """Has the citizen children under 18? Health-personnel law § 10 a: staff must ask, and see to
    the children's need for information and follow-up. Unanswered, it is on the coordinator's worklist."""

    citizen = models.OneToOneField(Citizen, on_delete=models.CASCADE, related_name="children_question")
    has_children = models.BooleanField(_("has children under 18"))
    answered_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("children question")
        verbose_name_plural = _("children questions")

    def __str__(self):
        return f"children question for {self.citizen_id}"


class Child(models.Model):
    """A child under 18 of the citizen, and whether their need for information and follow-up is seen to."""

    class LivesWith(models.TextChoices):
        CITIZEN = "citizen", _("With the citizen")
        SHARED = "shared", _("Shared between the parents")
        OTHER_PARENT = "other_parent", _("With the other parent")
        OTHER = "other", _("Elsewhere (family, foster home, institution)")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="children")
    name = models.CharField(
        _("first name or how you refer to the child"),
        max_length=100,
        help_text=_("No identity number. A first name, or e.g. 'the eldest', is enough."),
    )
    birth_year = models.PositiveSmallIntegerField(_("year of birth"))
    lives_with = models.CharField(_("where the child lives"), max_length=20, choices=LivesWith)
    needs_addressed_on = models.DateField(_("need for information and follow-up seen to on"), null=True, blank=True)
    how_addressed = models.TextField(
        _("how"),
        blank=True,
        help_text=_("What the child was told and by whom, and who follows up (health nurse, school, child welfare)."),
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["birth_year", "pk"]
        verbose_name = _("child")
        verbose_name_plural = _("children")

    def __str__(self):
        return self.name

    @property
    def needs_addressed(self):
        return self.needs_addressed_on is not None


def youngest_adult_birth_year(today=None):
    """A child born this year or later is under 18 at some point of this year."""
    today = today or timezone.localdate()
    return today.year - 18


def default_invitation_expiry():
    return timezone.now() + datetime.timedelta(days=settings.ACCESS_CODE_VALID_DAYS)
