"""Appointment reminders: planned into the ``Reminder`` table, then sent at most once.

Sending claims each due row (``claimed_at``) in its own committed transaction *before* the
message goes out, and marks it sent after. A worker that dies between the two leaves the row
claimed and unsent; it is never picked again, and after ``REMINDER_CLAIM_TIMEOUT_MINUTES`` it is
marked failed so that a person can see it. A reminder may therefore be lost, but never arrives
twice (at most once): a second "your appointment is tomorrow" is worse for a citizen in crisis
than none, and the appointment itself stays in Samplan and in the staff member's calendar.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.log import record
from audit.models import AccessEvent
from pathways.models import Appointment
from people.access import preferred_language_of, visible_to
from people.models import Section

from . import sms
from .models import Reminder

logger = logging.getLogger(__name__)

PLAN_AHEAD_HOURS = 48
CLAIM_LOOKAHEAD = 10


def _targets(appointment, *, sms_on):
    citizen, staff = appointment.citizen, appointment.staff
    if citizen.email:
        yield Reminder.Recipient.CITIZEN, Reminder.Channel.EMAIL
    if citizen.phone and sms_on:
        yield Reminder.Recipient.CITIZEN, Reminder.Channel.SMS
    if staff.email and staff.is_active:
        yield Reminder.Recipient.STAFF, Reminder.Channel.EMAIL


def in_planning_window(appointment, *, now=None):
    """Planned and starting within the next 48 hours: what ``plan_reminders`` plans for."""
    now = now or timezone.now()
    window_ends = now + datetime.timedelta(hours=PLAN_AHEAD_HOURS)
    return appointment.status == Appointment.Status.PLANNED and now < appointment.starts_at <= window_ends


def plan_reminders(*, now=None, appointment_ids=None):
    """Reminders for planned appointments in the next 48 hours that have none for their current time.

    Safe to run any number of times: a reminder is keyed on (appointment, recipient, channel, the
    appointment's time). An appointment moved since it was planned gets new reminders for its new
    time; the old ones are skipped when they fall due. ``appointment_ids`` limits it to those
    appointments (planned at once when they are made or moved); without, the whole window (cron).
    Returns how many were created.
    """
    now = now or timezone.now()
    appointments = Appointment.objects.filter(
        status=Appointment.Status.PLANNED,
        starts_at__gt=now,
        starts_at__lte=now + datetime.timedelta(hours=PLAN_AHEAD_HOURS),
    ).select_related("citizen", "staff")
    if appointment_ids is not None:
        appointments = appointments.filter(pk__in=appointment_ids)
    appointments = list(appointments)
    existing = set(
        Reminder.objects.filter(appointment__in=[a.pk for a in appointments]).values_list(
            "appointment_id", "recipient", "channel", "appointment_starts_at"
        )
    )
    before = datetime.timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    sms_on = sms.is_configured()
    new = [
        Reminder(
            appointment=appointment,
            recipient=recipient,
            channel=channel,
            appointment_starts_at=appointment.starts_at,
            send_at=max(appointment.starts_at - before, now),
        )
        for appointment in appointments
        for recipient, channel in _targets(appointment, sms_on=sms_on)
        if (appointment.pk, recipient, channel, appointment.starts_at) not in existing
    ]
    # A planner running at the same moment may have made the same rows: the constraints keep one.
    Reminder.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def fail_abandoned_claims(*, now=None):
    """Claimed but never marked sent: the worker stopped mid-send. Not sent again; failed for a person to see."""
    now = now or timezone.now()
    timeout = datetime.timedelta(minutes=settings.REMINDER_CLAIM_TIMEOUT_MINUTES)
    count = Reminder.objects.abandoned(now - timeout).update(
        failed_at=now,
        error="The worker stopped while sending; it may or may not have been sent. Not sent again.",
    )
    if count:
        logger.warning("%d reminder(s) were claimed but never marked sent; marked failed", count)
    return count


def _claim_next():
    """Claim one due reminder and commit, so that no other worker (nor this one after a restart) sends it.

    One at a time: a worker that dies mid-send strands only the reminder it was sending.
    """
    now = timezone.now()
    with transaction.atomic(durable=True):
        candidates = (
            Reminder.objects.due(now).select_for_update(skip_locked=True).order_by("send_at", "pk")
        ).values_list("pk", flat=True)[:CLAIM_LOOKAHEAD]
        for pk in candidates:
            # The conditional update is the claim: safe also where FOR UPDATE does nothing (SQLite).
            if Reminder.objects.filter(pk=pk, claimed_at__isnull=True).update(claimed_at=now):
                return pk
    return None


def send_due_reminders():
    """Send every due reminder once. Returns ``{"sent": n, "failed": m}``."""
    counts = {"sent": 0, "failed": fail_abandoned_claims()}
    while (pk := _claim_next()) is not None:
        reminder = Reminder.objects.select_related(
            "appointment__citizen", "appointment__staff__staff_profile", "appointment__staff__citizen"
        ).get(pk=pk)
        counts["sent" if _deliver(reminder) else "failed"] += 1
    return counts


def _mark_failed(reminder, reason):
    Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(failed_at=timezone.now(), error=reason[:300])
    return False


def _staff_ground(reminder):
    """The staff member's ground on the citizen now, or None when they may no longer open the record."""
    appointment = reminder.appointment
    citizen = visible_to(appointment.staff).filter(pk=appointment.citizen_id).first()
    if citizen is None:
        return None
    return AccessEvent.Ground.CARE_TEAM if citizen.via_care_team else AccessEvent.Ground.EMERGENCY


def _deliver(reminder):
    appointment = reminder.appointment
    if appointment.status != Appointment.Status.PLANNED:
        return _mark_failed(reminder, f"Not sent: the appointment is {appointment.status}.")
    if appointment.starts_at != reminder.appointment_starts_at:
        return _mark_failed(reminder, "Not sent: the appointment has moved; a new reminder is planned.")
    if appointment.starts_at <= timezone.now():
        return _mark_failed(reminder, "Not sent: the appointment had already started.")
    ground = None
    if reminder.recipient == Reminder.Recipient.STAFF:
        address = appointment.staff.email
        language = preferred_language_of(appointment.staff) or settings.LANGUAGE_CODE
        ground = _staff_ground(reminder) if appointment.staff.is_active else None
        if ground is None:
            return _mark_failed(reminder, "Not sent: the staff member may no longer open this citizen.")
    else:
        citizen = appointment.citizen
        address = citizen.email if reminder.channel == Reminder.Channel.EMAIL else citizen.phone
        language = citizen.preferred_language or settings.LANGUAGE_CODE
    if not address:
        return _mark_failed(reminder, f"Not sent: no {reminder.channel} address.")
    subject, text = reminder_message(appointment, language=language)
    try:
        if reminder.channel == Reminder.Channel.EMAIL:
            send_mail(subject, text, None, [address])
        else:
            backend = sms.get_backend()
            if backend is None:
                return _mark_failed(reminder, "Not sent: no SMS backend is configured.")
            backend.send(address, text)
    except Exception as error:
        # Only the kind of error: its message may hold the recipient's address.
        logger.warning("Reminder %s could not be sent: %s", reminder.pk, type(error).__name__)
        return _mark_failed(reminder, f"Sending failed ({type(error).__name__}); not tried again.")
    # What happened wins over what a sweeper guessed: a slow send that did go out is marked sent.
    Reminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now(), failed_at=None, error="")
    if ground is not None:
        record(
            actor=appointment.staff,
            citizen_id=appointment.citizen_id,
            action=AccessEvent.Action.READ,
            section=Section.PATHWAY,
            ground=ground,
            detail=f"appointment reminder by e-mail (appointment {appointment.pk})",
        )
    return True


def appointment_link(appointment):
    return settings.SITE_URL.rstrip("/") + reverse(
        "pathways:appointment", args=[appointment.citizen_id, appointment.pk]
    )


def reminder_message(appointment, *, language):
    """Subject and text: a day, a time and a link. No name, no title, no kind of service, nothing clinical."""
    local = timezone.localtime(appointment.starts_at)
    with translation.override(language):
        subject = _("Reminder from Samplan")
        text = _(
            "Reminder from Samplan: you have an appointment on %(day)s at %(time)s. "
            "Log in to Samplan to see it: %(link)s"
        ) % {
            "day": date_format(local, "l d.m.Y"),
            "time": date_format(local, "H:i"),
            "link": appointment_link(appointment),
        }
    return subject, text
