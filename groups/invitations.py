"""Invitations to group meetings, their changes and cancellations, the day-before reminders, and the
"minutes are ready" e-mail.

Each action marks who was told and writes the access log in its transaction; the e-mails are put
on the task queue after commit, one task per recipient, so a mail server that hangs never holds
the coordinator's request and one refused address stops no other. What the messages say is in
``groups.meeting_mail``: a time, a place, a link, never anything from the record.

The view calls them after the matching action: ``send_invitations`` when the coordinator sends
the invitations, ``send_updates`` after ``actions.move_meeting``, ``send_cancellations`` after
``actions.cancel_meeting``, ``notify_minutes_signed`` after ``actions.sign_minutes``.
"""

import datetime
import functools
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from people.access import Grant, log_write

from . import meeting_mail, tasks
from .actions import may_manage_group
from .meeting_mail import CANCELLATION, INVITATION, NO_ACCESS, NO_EMAIL, UPDATE
from .models import Meeting, Minutes, Participant
from .sections import GROUP

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """Who was told, and who could not be (names, for the coordinator's page; never logged or mailed)."""

    sent: list = field(default_factory=list)
    without_email: list = field(default_factory=list)
    without_access: list = field(default_factory=list)
    already_invited: list = field(default_factory=list)

    @property
    def unreachable(self):
        return self.without_email + self.without_access

    def add(self, recipient):
        if recipient.problem == NO_EMAIL:
            self.without_email.append(recipient.name)
        elif recipient.problem == NO_ACCESS:
            self.without_access.append(recipient.name)
        else:
            self.sent.append(recipient.name)
            return True
        return False

    def messages(self):
        """What the page says, e.g. "3 invited." and "Without an e-mail address: Kari Lærer."."""
        lines = []
        if self.sent:
            count = len(self.sent)
            lines.append(ngettext("%(count)s invited.", "%(count)s invited.", count) % {"count": count})
        if self.without_email:
            lines.append(
                _("Without an e-mail address, so not invited: %(names)s.") % {"names": ", ".join(self.without_email)}
            )
        if self.without_access:
            lines.append(
                _("No longer on the care team or blocked, so not invited: %(names)s.")
                % {"names": ", ".join(self.without_access)}
            )
        if not (self.sent or self.unreachable) and self.already_invited:
            lines.append(_("Everyone was already invited."))
        return lines


def describe(outcome):
    """The outcome in one line for the page's message, e.g. "3 invited. Without an e-mail address, …"."""
    return " ".join(outcome.messages()) or _("Nobody was invited: the meeting has no one to invite.")


@dataclass(frozen=True)
class _Job:
    task: object
    kwargs: dict
    run_after: datetime.datetime | None = None


def _require_manager(grant, meeting):
    if not (may_manage_group(grant) and meeting.citizen_id == grant.citizen.pk):
        raise PermissionDenied


def _locked(meeting):
    return Meeting.objects.select_for_update().select_related("citizen", "agreement", "group").get(pk=meeting.pk)


def _require_coming(meeting):
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError(_("The meeting is no longer planned; no invitations are sent for it."))
    if meeting.starts_at <= timezone.now():
        raise ValidationError(_("The meeting has already started; no invitations are sent for it."))


def _message_job(meeting, recipient, kind, *, acting_user, site):
    kwargs = {
        "meeting_id": meeting.pk,
        "kind": kind,
        "sequence": meeting.sequence,
        "participant_id": recipient.participant_id,
        "organizer_id": acting_user.pk,
        "site": site,
    }
    return _Job(tasks.send_meeting_message, kwargs)


def _reminder_job(meeting, recipient, *, site, now):
    """The reminder the day before (``REMINDER_HOURS_BEFORE``); none for a meeting closer than that."""
    run_after = meeting.starts_at - datetime.timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    if run_after <= now:
        return None
    kwargs = {
        "meeting_id": meeting.pk,
        "sequence": meeting.sequence,
        "participant_id": recipient.participant_id,
        "site": site,
    }
    return _Job(tasks.send_meeting_reminder, kwargs, run_after=run_after)


def _enqueue(jobs):
    """After commit: what was marked stays marked whatever happens here; a refused task is logged, not retried."""
    for job in jobs:
        task = job.task
        try:
            if job.run_after is not None:
                if not task.get_backend().supports_defer:
                    # An immediate backend (tests, a dev setup) would remind now, which is no reminder.
                    logger.info("The task backend cannot run tasks later; no reminder for %s", job.kwargs)
                    continue
                task = task.using(run_after=job.run_after)
            task.enqueue(**job.kwargs)
        except Exception as error:
            logger.warning("Group e-mail %s %s could not be queued (%s)", task.name, job.kwargs, type(error).__name__)


def _queue(jobs):
    jobs = [job for job in jobs if job is not None]
    if jobs:
        transaction.on_commit(functools.partial(_enqueue, jobs))


@transaction.atomic(durable=True)
def send_invitations(grant: Grant, meeting, *, acting_user, absolute_url):
    """Invite everyone not yet invited (a double click invites once) by e-mail with an ``invite.ics``,
    and queue their reminders for the day before.

    Recipients are the participants and the citizen; those without an address, and staff who may
    no longer open the citizen, are reported in the ``Outcome`` and can be invited by a later call
    once they can be reached. ``absolute_url`` is the view's ``request.build_absolute_uri``.
    """
    _require_manager(grant, meeting)
    meeting = _locked(meeting)
    _require_coming(meeting)
    now = timezone.now()
    site = meeting_mail.site_of(absolute_url)
    outcome, jobs, invited = Outcome(), [], []
    for recipient in meeting_mail.recipients_of(meeting):
        if meeting_mail.was_invited(meeting, recipient):
            outcome.already_invited.append(recipient.name)
        elif outcome.add(recipient):
            invited.append(recipient)
            jobs.append(_message_job(meeting, recipient, INVITATION, acting_user=acting_user, site=site))
            jobs.append(_reminder_job(meeting, recipient, site=site, now=now))
    first_time = meeting.invitations_sent_at is None
    if not (invited or first_time):
        return outcome
    Participant.objects.filter(pk__in=[r.participant_id for r in invited if not r.is_citizen]).update(invited_at=now)
    if first_time:
        meeting.invitations_sent_at = now
        meeting.save(update_fields=["invitations_sent_at"])
    log_write(
        grant,
        acting_user=acting_user,
        section=GROUP,
        detail=f"meeting {meeting.pk}: invitations sent to {len(invited)} "
        f"({len(outcome.without_email)} without e-mail, {len(outcome.without_access)} without access)",
    )
    _queue(jobs)
    return outcome


def _tell_the_invited(grant, meeting, kind, *, acting_user, absolute_url, reminders):
    now = timezone.now()
    site = meeting_mail.site_of(absolute_url)
    outcome, jobs = Outcome(), []
    for recipient in meeting_mail.recipients_of(meeting):
        if meeting_mail.was_invited(meeting, recipient) and outcome.add(recipient):
            jobs.append(_message_job(meeting, recipient, kind, acting_user=acting_user, site=site))
            if reminders:
                jobs.append(_reminder_job(meeting, recipient, site=site, now=now))
    if outcome.sent or outcome.unreachable:
        what = "change" if kind == UPDATE else "cancellation"
        log_write(
            grant,
            acting_user=acting_user,
            section=GROUP,
            detail=f"meeting {meeting.pk}: {what} (sequence {meeting.sequence}) sent to {len(outcome.sent)}",
        )
    _queue(jobs)
    return outcome


@transaction.atomic(durable=True)
def send_updates(grant: Grant, meeting, *, acting_user, absolute_url):
    """After ``move_meeting``: the new time and place to everyone already invited (same UID, the higher
    SEQUENCE, so calendars move the event), and new reminders. The old reminders find the sequence
    changed and send nothing. Call it once per move, in the same request."""
    _require_manager(grant, meeting)
    meeting = _locked(meeting)
    _require_coming(meeting)
    return _tell_the_invited(grant, meeting, UPDATE, acting_user=acting_user, absolute_url=absolute_url, reminders=True)


@transaction.atomic(durable=True)
def send_cancellations(grant: Grant, meeting, *, acting_user, absolute_url):
    """After ``cancel_meeting``: METHOD:CANCEL to everyone already invited, so calendars drop the event.
    The reason for the cancellation is never sent. Reminders already queued send nothing."""
    _require_manager(grant, meeting)
    meeting = _locked(meeting)
    if meeting.status != Meeting.Status.CANCELLED:
        raise ValidationError(_("The meeting is not cancelled."))
    return _tell_the_invited(
        grant, meeting, CANCELLATION, acting_user=acting_user, absolute_url=absolute_url, reminders=False
    )


def notify_minutes_signed(minutes, *, absolute_url):
    """After ``sign_minutes``: "minutes are ready" and a link to the group's members with a login and an
    e-mail address, and to the citizen if they have one. Never any of the content. Queued after commit
    (at once when called outside a transaction). Returns how many e-mails were queued."""
    minutes = Minutes.objects.select_related("meeting__group", "citizen").get(pk=minutes.pk)
    if not minutes.is_signed:
        raise ValueError("only signed minutes are announced")
    site = meeting_mail.site_of(absolute_url)
    jobs = [
        _Job(tasks.send_minutes_ready, {"minutes_id": minutes.pk, "user_id": user_id, "site": site})
        for user_id in meeting_mail.minutes_recipient_ids(minutes)
    ]
    if minutes.citizen.email:
        jobs.append(_Job(tasks.send_minutes_ready, {"minutes_id": minutes.pk, "user_id": None, "site": site}))
    _queue(jobs)
    return len(jobs)
