"""A staff member's private calendar feed, and appointment reminders sent at most once.

Neither holds health details: the feed and the reminders carry a time, the kind of contact and
a link into Samplan, where the access policy decides what the reader sees.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pathways.models import Appointment


def hash_feed_token(token):
    """The token is 256 random bits, so a plain SHA-256 is enough to keep it out of the database."""
    return hashlib.sha256(token.encode()).hexdigest()


class FeedTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class FeedToken(models.Model):
    """The key in a staff member's calendar feed address. Only its hash is stored; the address is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=10, blank=True, help_text="The language the events are written in.")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = FeedTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="one_live_feed_per_user"
            )
        ]

    def __str__(self):
        return f"calendar feed {self.pk} of {self.user_id}"

    @staticmethod
    def new_token():
        return secrets.token_urlsafe(32)


class ReminderQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(send_at__lte=now, claimed_at__isnull=True, sent_at__isnull=True, failed_at__isnull=True)

    def abandoned(self, claimed_before):
        """Claimed by a worker that never said it was sent: it may or may not have gone out."""
        return self.filter(claimed_at__lt=claimed_before, sent_at__isnull=True, failed_at__isnull=True)


class Reminder(models.Model):
    """One message about one appointment to one recipient on one channel, sent at most once.

    ``appointment_starts_at`` is the time the message speaks of: if the appointment has moved
    since, the reminder is stale and is not sent (a new one is planned for the new time).
    """

    class Recipient(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        STAFF = "staff", _("Staff member")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.CharField(max_length=10, choices=Recipient)
    channel = models.CharField(max_length=10, choices=Channel)
    appointment_starts_at = models.DateTimeField()
    send_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["send_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "recipient", "channel", "send_at"], name="one_reminder_per_send_time"
            ),
            models.UniqueConstraint(
                fields=["appointment", "recipient", "channel", "appointment_starts_at"],
                name="one_reminder_per_appointment_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["send_at"],
                condition=Q(claimed_at__isnull=True, sent_at__isnull=True, failed_at__isnull=True),
                name="reminder_due",
            ),
        ]

    def __str__(self):
        return f"reminder {self.pk}: appointment {self.appointment_id}, {self.recipient} by {self.channel}"

    @property
    def state(self):
        if self.sent_at:
            return "sent"
        if self.failed_at:
            return "failed"
        if self.claimed_at:
            return "sending"
        return "waiting"
