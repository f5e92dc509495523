"""Organisations, staff, citizens and the care team that binds them.

Who may see what is decided in ``people.access``; these models only hold the facts.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import sections as section_registry

from .national_id import validate_national_id
from .sections import Section as Section  # the care apps import the keys from here


class Language(models.TextChoices):
    """The languages Samplan speaks (settings.LANGUAGES): a citizen's or a staff member's preference."""

    NB = "nb", _("Norwegian Bokmål")
    NN = "nn", _("Norwegian Nynorsk")
    DA = "da", _("Danish")
    EN = "en", _("English")


class Organisation(models.Model):
    class Type(models.TextChoices):
        MUNICIPAL = "municipal", _("Municipal unit")
        GP = "gp", _("GP office")
        NAV = "nav", _("Nav office")
        SPECIALIST = "specialist", _("Specialist service / DPS")
        HOSPITAL = "hospital", _("Hospital")
        NGO = "ngo", _("NGO / peer organisation")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    org_type = models.CharField(_("type"), max_length=20, choices=Type, default=Type.MUNICIPAL)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class UnitLeadershipQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(active_to__isnull=True) | Q(active_to__gte=on), active_from__lte=on)


class UnitLeadership(models.Model):
    """A service leader's charge of a unit (and the units under it): the ground for aggregates.

    It lets the leader see reports over the citizens the unit serves, never one citizen's record.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("leader"), on_delete=models.PROTECT, related_name="unit_leaderships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="leaderships"
    )
    active_from = models.DateField(_("active from"), default=timezone.localdate)
    active_to = models.DateField(_("active to"), null=True, blank=True)

    objects = UnitLeadershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("unit leadership")
        verbose_name_plural = _("unit leaderships")

    def __str__(self):
        return f"{self.user} – {self.organisation}"


class StaffProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT)
    profession = models.CharField(_("profession"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=5,
        choices=Language,
        blank=True,
        help_text=_("Reminders are sent in this language, and it is chosen at login. Empty: the site's default."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return f"{self.user.get_full_name() or self.user.username} ({self.organisation})"


class Citizen(models.Model):
    Language = Language

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="citizen"
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    national_id = models.CharField(
        _("national identity number"),
        max_length=11,
        unique=True,
        validators=[validate_national_id],
        help_text=_("Fødselsnummer or D-number, 11 digits."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=5, choices=Language, default=Language.NB)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # FHIR Patient's meta.lastUpdated

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("people:citizen", kwargs={"citizen_id": self.pk})

    @property
    def full_name(self):
        return f"{self.given_name} {self.family_name}"

    @property
    def masked_national_id(self):
        """Birth date part only: enough to tell two namesakes apart on screen."""
        return f"{self.national_id[:6]} *****"


def active_role(on, prefix=""):
    """A care-team row in force on the day ``on`` (through the relation ``prefix``, e.g. "care_team__")."""
    return (
        (Q(**{f"{prefix}active_to__isnull": True}) | Q(**{f"{prefix}active_to__gte": on}))
        & Q(**{f"{prefix}active_from__lte": on})
        & Q(**{f"{prefix}ended_at__isnull": True})
    )


class CareTeamMemberQuerySet(models.QuerySet):
    def active(self, on=None):
        return self.filter(active_role(on or timezone.localdate()))

    def guardians(self, citizen):
        """The citizen's guardians on the care team today: who answers with the citizen (plan, group agreement)."""
        return self.active().filter(citizen=citizen, role=CareTeamMember.Role.GUARDIAN)


class CareTeamMember(models.Model):
    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        GP = "gp", _("GP")
        NAV = "nav", _("Nav")
        SPECIALIST = "specialist", _("Specialist service")
        HOME_NURSING = "home_nursing", _("Home nursing")
        PEER_WORKER = "peer_worker", _("Peer worker")
        GUARDIAN = "guardian", _("Guardian")
        RELATIVE = "relative", _("Relative")
        OTHER = "other", _("Other")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="care_team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_team_roles",
    )
    person_name = models.CharField(_("name (person without a login)"), max_length=200, blank=True)
    person_contact = models.CharField(_("how to reach them"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT
    )
    active_from = models.DateField(_("active from"), default=timezone.localdate)
    active_to = models.DateField(_("active to"), null=True, blank=True)
    sections = models.JSONField(_("may see"), default=list, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CareTeamMemberQuerySet.as_manager()

    class Meta:
        ordering = ["active_from", "id"]
        verbose_name = _("care team member")
        verbose_name_plural = _("care team members")
        constraints = [
            models.UniqueConstraint(
                fields=["citizen"],
                condition=Q(role="coordinator", ended_at__isnull=True),
                name="one_open_coordinator_per_citizen",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(person_name=""),
                name="member_is_user_or_named_person",
            ),
        ]
        indexes = [models.Index(fields=["user", "citizen"], name="member_user_citizen")]

    def __str__(self):
        return f"{self.display_name} ({self.get_role_display()})"

    @property
    def display_name(self):
        if self.user_id:
            return self.user.get_full_name() or self.user.username
        return self.person_name

    @property
    def is_active(self):
        today = timezone.localdate()
        return (
            self.ended_at is None and self.active_from <= today and (self.active_to is None or self.active_to >= today)
        )

    def section_labels(self):
        return [label for value, label in section_registry.grantable_choices() if value in self.sections]


class Block(models.Model):
    """A citizen's block ("sperring") on a named staff member. It wins over any role."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="blocks")
    blocked_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen", "blocked_user"], condition=Q(lifted_at__isnull=True), name="one_open_block"
            )
        ]

    def __str__(self):
        return f"{self.citizen_id} blocks {self.blocked_user_id}"


class EmergencyAccessQuerySet(models.QuerySet):
    def current(self, now=None):
        return self.filter(expires_at__gt=now or timezone.now())

    def unreviewed(self):
        return self.filter(reviewed_at__isnull=True)


class EmergencyAccess(models.Model):
    """Break-the-glass: time-limited access outside the care team, with a reason, reviewed later."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses")
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="emergency_accesses")
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(_("review comment"), blank=True)

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        permissions = [("review_emergencyaccess", "Can review emergency accesses")]

    def __str__(self):
        return f"{self.user} → {self.citizen_id} ({self.started_at:%Y-%m-%d %H:%M})"

    @property
    def is_current(self):
        return self.expires_at > timezone.now()


# Access codes use letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
ACCESS_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ACCESS_CODE_LENGTH = 10


def normalise_access_code(raw):
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def hash_access_code(code):
    return hmac.new(settings.SECRET_KEY.encode(), normalise_access_code(code).encode(), hashlib.sha256).hexdigest()


class AccessCode(models.Model):
    """A one-time code a citizen uses to activate their login; only its hash is stored."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="access_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"access code for {self.citizen_id}"

    @staticmethod
    def new_code():
        return "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(ACCESS_CODE_LENGTH))

    @staticmethod
    def default_expiry():
        return timezone.now() + timedelta(days=settings.ACCESS_CODE_VALID_DAYS)

    @staticmethod
    def formatted(code):
        """Groups of five, as printed on the user card."""
        return " ".join(code[i : i + 5] for i in range(0, len(code), 5))
