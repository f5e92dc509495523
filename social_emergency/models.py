"""The social emergency service's contact register (seed 004: a 24/7 unit where people in acute crisis come
anonymously, without referral).

**Who has one.** A ``ContactRegister`` is made in the admin for one unit (``people.Organisation``); staff of that
unit (or a unit under it) record contacts, and they and the unit's leaders read its figures.

**What a contact holds.** When it happened, the channel, about how long, what it was about (``Topic``), what helped
(``HelpKind``), whether the person was referred on and to what, and a well-being answer (0–10) before and after,
if the person gave them. Nothing that says who the person is: no name, no identity number, and a short note that
the action refuses when it holds a number or an address that could identify (``social_emergency.identifying``).
A person who wants to be recognised next time may choose a nickname (``known_as``) that cannot hold an identity
number; it only counts repeat contacts. A person who chose to say who they are may agree that the contact is
linked to their record (``citizen``), by staff with access to that record: the link is logged on the citizen.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from people.models import Citizen, Organisation


class ContactRegister(models.Model):
    """A unit's register of contacts: turned on by an administrator, one per unit."""

    unit = models.OneToOneField(
        Organisation, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="contact_register"
    )
    active = models.BooleanField(
        _("open for new contacts"),
        default=True,
        help_text=_("Untick to stop new contacts; the figures stay readable."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit__name"]
        verbose_name = _("social emergency contact register")
        verbose_name_plural = _("social emergency contact registers")

    def __str__(self):
        return str(self.unit)

    def get_absolute_url(self):
        return reverse("social_emergency:record", kwargs={"register_id": self.pk})


class ChoiceList(models.Model):
    """An entry of an admin-edited list. The shipped entries' names are English msgids, shown translated;
    an entry an administrator writes is shown as written."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("in use"), default=True, help_text=_("Untick to take it off the form."))

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return gettext(self.name)


class Topic(ChoiceList):
    """What a contact was about."""

    class Meta(ChoiceList.Meta):
        verbose_name = _("contact topic")
        verbose_name_plural = _("contact topics")


class HelpKind(ChoiceList):
    """What helped in a contact."""

    class Meta(ChoiceList.Meta):
        verbose_name = _("kind of help")
        verbose_name_plural = _("kinds of help")


class Contact(models.Model):
    class Channel(models.TextChoices):
        WALK_IN = "walk_in", _("Walk-in")
        PHONE = "phone", _("Phone")
        CHAT = "chat", _("Chat")

    class Duration(models.IntegerChoices):
        FIVE = 5, _("Under 10 minutes")
        FIFTEEN = 15, _("About 15 minutes")
        THIRTY = 30, _("About half an hour")
        HOUR = 60, _("About an hour")
        LONG = 120, _("Two hours or more")

    class Referral(models.TextChoices):
        NONE = "none", _("Not referred on")
        GP = "gp", _("GP")
        EMERGENCY_ROOM = "emergency_room", _("Emergency room (legevakt)")
        MUNICIPAL = "municipal", _("Municipal mental health and substance use service")
        SPECIALIST = "specialist", _("Specialist services (DPS)")
        NAV = "nav", _("Nav")
        POLICE = "police", _("Police")
        OTHER = "other", _("Other service")

    register = models.ForeignKey(ContactRegister, on_delete=models.PROTECT, related_name="contacts")
    occurred_at = models.DateTimeField(_("time of the contact"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    duration_minutes = models.PositiveSmallIntegerField(_("duration"), choices=Duration)
    topics = models.ManyToManyField(Topic, verbose_name=_("what it was about"), blank=True, related_name="+")
    helped = models.ManyToManyField(HelpKind, verbose_name=_("what helped"), blank=True, related_name="+")
    referred_to = models.CharField(_("referred on"), max_length=20, choices=Referral, default=Referral.NONE)
    identified = models.BooleanField(_("the person chose to say who they are"), default=False)
    known_as = models.CharField(_("known-visitor nickname"), max_length=24, blank=True)
    wellbeing_before = models.PositiveSmallIntegerField(_("well-being before"), null=True, blank=True)
    wellbeing_after = models.PositiveSmallIntegerField(_("well-being after"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    citizen = models.ForeignKey(Citizen, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    linked_at = models.DateTimeField(null=True, blank=True)
    link_consent = models.BooleanField(
        _("the person agreed that this contact is linked to their record"), default=False
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The form's one-time key: the same form sent twice (a double tap, a retry) is one contact.
    submission = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")
        indexes = [models.Index(fields=["register", "occurred_at"], name="emergency_contact_by_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(wellbeing_before__isnull=True) | Q(wellbeing_before__lte=10), name="wellbeing_before_0_10"
            ),
            models.CheckConstraint(
                condition=Q(wellbeing_after__isnull=True) | Q(wellbeing_after__lte=10), name="wellbeing_after_0_10"
            ),
            # A contact is linked to a record only when the person said who they are (and agreed: the action).
            models.CheckConstraint(
                condition=Q(citizen__isnull=True) | Q(identified=True, link_consent=True, linked_at__isnull=False),
                name="linked_only_when_identified",
            ),
        ]

    def __str__(self):
        return f"contact {self.pk} of register {self.register_id}"

    @property
    def is_linked(self):
        return self.citizen_id is not None
