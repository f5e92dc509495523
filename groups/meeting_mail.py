"""What the e-mails about a group meeting say, to whom, and the sending itself (run by ``groups.tasks``).

An invitation, a change, a cancellation and a reminder say only: the kind of meeting, when, how
long, where (or the video link), the citizen's first name if the agreement allows it, and a link
into Samplan for those who can log in. Never the agenda, goals, diagnoses, the reason for a
cancellation, or the citizen's family name; the access policy decides what the link shows. The
"minutes are ready" e-mail is a date and a link. Everything is read from the database at send
time, so the queue carries ids only, and a message that a later change has overtaken (the
meeting moved or cancelled since: its ``sequence`` went up) is not sent.

Kept apart from ``groups.invitations`` (the actions that queue these) so that the tasks module
needs nothing from the actions that enqueue it.
"""

import dataclasses
import datetime
import logging
from email.mime.text import MIMEText

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress

from audit.log import record
from audit.models import AccessEvent
from people.access import grant_for, preferred_language_of, visible_to

from .actions import current_agreement
from .models import Meeting, Minutes, Participant
from .sections import GROUP
from .shielding import reader_sections

logger = logging.getLogger(__name__)

INVITATION = "invitation"
UPDATE = "update"
CANCELLATION = "cancellation"
MESSAGE_KINDS = (INVITATION, UPDATE, CANCELLATION)

NO_EMAIL = "no_email"
NO_ACCESS = "no_access"


class SendingFailed(Exception):
    """The mail server refused or failed. Only the kind of error: its message may hold the address."""


# Who gets it ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Recipient:
    """One person an e-mail about a meeting goes to. ``participant`` is None for the citizen."""

    participant: Participant | None
    name: str  # for the coordinator's report only; never put in a message
    email: str
    language: str
    has_login: bool
    user: object = None
    problem: str = ""  # "", NO_EMAIL or NO_ACCESS

    @property
    def is_citizen(self):
        return self.participant is None

    @property
    def participant_id(self):
        return self.participant.pk if self.participant is not None else None


def _may_open(user, citizen_id):
    return user.is_active and visible_to(user).filter(pk=citizen_id).exists()


def participant_recipient(participant, citizen_id):
    """A member with a login is written to at their login's e-mail (the group's address for them if it
    has none), in their own language, with a link; anyone else at the group's address, without one.

    Staff who may no longer open the citizen (off the care team, blocked) get nothing.
    """
    member = participant.member
    default = settings.LANGUAGE_CODE
    team_member = member.care_team_member
    if team_member is not None and team_member.user_id is not None:
        user = team_member.user
        recipient = Recipient(
            participant=participant,
            name=member.display_name,
            email=user.email or member.email,
            language=preferred_language_of(user) or default,
            has_login=True,
            user=user,
        )
        if not (team_member.is_active and _may_open(user, citizen_id)):
            return _with_problem(recipient, NO_ACCESS)
    else:  # an external participant, or a care-team member without a login: no link, the default language
        recipient = Recipient(
            participant=participant, name=member.display_name, email=member.email, language=default, has_login=False
        )
    return recipient if recipient.email else _with_problem(recipient, NO_EMAIL)


def citizen_recipient(citizen):
    recipient = Recipient(
        participant=None,
        name=citizen.full_name,
        email=citizen.email,
        language=citizen.preferred_language or settings.LANGUAGE_CODE,
        has_login=citizen.user_id is not None,
    )
    return recipient if recipient.email else _with_problem(recipient, NO_EMAIL)


def _with_problem(recipient, problem):
    return dataclasses.replace(recipient, problem=problem)


def _participants(meeting):
    return meeting.participants.select_related(
        "member__care_team_member__user__staff_profile", "member__care_team_member__user__citizen"
    )


def recipients_of(meeting):
    """Everyone invited to ``meeting`` — the participants in order, then the citizen — with their address
    or the reason there is none. The meeting page can show the same list before anything is sent."""
    participants = [participant_recipient(p, meeting.citizen_id) for p in _participants(meeting)]
    return [*participants, citizen_recipient(meeting.citizen)]


def _recipient(meeting, participant_id):
    if participant_id is None:
        return citizen_recipient(meeting.citizen)
    participant = _participants(meeting).filter(pk=participant_id).first()
    return participant_recipient(participant, meeting.citizen_id) if participant is not None else None


# What it says ---------------------------------------------------------------------------------


def site_of(absolute_url):
    """The scheme and host the links are made with, from the view's ``request.build_absolute_uri``."""
    return absolute_url("/").rstrip("/")


def _link(site, path):
    return (site or settings.SITE_URL).rstrip("/") + path


def first_name_allowed(meeting):
    """Only when the meeting's agreement allows it and the group's newest agreement has not taken it back."""
    if not meeting.agreement.first_name_in_invitations:
        return False
    newest = current_agreement(meeting.group)
    return newest is None or newest.first_name_in_invitations


def first_name_for(meeting, recipient):
    """The citizen's first name if the agreement allows it; never their own name back to the citizen."""
    return meeting.citizen.given_name if not recipient.is_citizen and first_name_allowed(meeting) else ""


def meeting_name(meeting, *, first_name=""):
    """ "responsibility group meeting" or "network meeting", with "for <first name>" when allowed."""
    if meeting.is_network_meeting:
        if first_name:
            return _("network meeting for %(first_name)s") % {"first_name": first_name}
        return _("network meeting")
    if first_name:
        return _("responsibility group meeting for %(first_name)s") % {"first_name": first_name}
    return _("responsibility group meeting")


def calendar_summary(meeting, *, first_name=""):
    """The calendar's title: "Samplan: responsibility group meeting" (and " – Ingrid" when allowed)."""
    summary = _("Samplan: %(kind)s") % {"kind": meeting_name(meeting)}
    return f"{summary} – {first_name}" if first_name else summary


def _when(meeting):
    starts = timezone.localtime(meeting.starts_at)
    ends = starts + datetime.timedelta(minutes=meeting.duration_minutes)
    return {
        "day": date_format(starts, "l d.m.Y"),
        "start": date_format(starts, "H:i"),
        "end": date_format(ends, "H:i"),
        "minutes": meeting.duration_minutes,
    }


def _details(meeting):
    when = _when(meeting)
    lines = [_("When: %(day)s, %(start)s–%(end)s (%(minutes)s minutes)") % when]
    if meeting.place:
        lines.append(_("Where: %(place)s") % {"place": meeting.place})
    if meeting.video_link:
        lines.append(_("Video link: %(link)s") % {"link": meeting.video_link})
    return lines


def message_text(meeting, kind, *, recipient, link, first_name="", reminder=False):
    """Subject and body in the current language (the caller overrides it to the recipient's)."""
    subject_values = {"meeting": meeting_name(meeting), "day": _when(meeting)["day"]}
    values = {"meeting": meeting_name(meeting, first_name=first_name)}
    if reminder:
        subject = _("Reminder: %(meeting)s on %(day)s") % subject_values
        opening = _("Reminder: you are invited to a %(meeting)s.") % values
    elif kind == UPDATE:
        subject = _("Changed: %(meeting)s on %(day)s") % subject_values
        opening = _("The %(meeting)s has changed. This is the new time and place.") % values
    elif kind == CANCELLATION:
        subject = _("Cancelled: %(meeting)s on %(day)s") % subject_values
        opening = _("The %(meeting)s is cancelled.") % values
    else:
        subject = _("Invitation: %(meeting)s on %(day)s") % subject_values
        opening = _("You are invited to a %(meeting)s.") % values
    lines = [opening, "", *_details(meeting), ""]
    if recipient.has_login:
        if kind == CANCELLATION or reminder:
            lines.append(_("See the meeting in Samplan: %(link)s") % {"link": link})
        else:
            lines.append(_("See the meeting and answer the invitation in Samplan: %(link)s") % {"link": link})
    elif kind != CANCELLATION:
        lines.append(_("The coordinator will send you what you need."))
    return subject, "\n".join(lines) + "\n"


def _utc(moment):
    return moment.astimezone(datetime.UTC)


def calendar_invite(meeting, kind, *, recipient, organizer_email, link, first_name="", now=None):
    """The ``invite.ics``: METHOD:REQUEST (an invitation or a change, same UID, higher SEQUENCE) or CANCEL."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Samplan//Group meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if kind == CANCELLATION else "REQUEST")
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", _utc(now))
    event.add("dtstart", _utc(meeting.starts_at))
    event.add("dtend", _utc(meeting.starts_at + datetime.timedelta(minutes=meeting.duration_minutes)))
    event.add("sequence", meeting.sequence)
    event.add("summary", calendar_summary(meeting, first_name=first_name))
    event.add("location", meeting.place or meeting.video_link)
    description = [link] if recipient.has_login else [_("The coordinator will send you what you need.")]
    if meeting.place and meeting.video_link:
        description.append(_("Video link: %(link)s") % {"link": meeting.video_link})
    event.add("description", "\n".join(description))
    if recipient.has_login:
        event.add("url", link)
    event.add("organizer", vCalAddress.new(organizer_email))
    event.add(
        "attendee",
        vCalAddress.new(recipient.email, partstat="NEEDS-ACTION", rsvp=True, role="REQ-PARTICIPANT"),
    )
    event.add("status", "CANCELLED" if kind == CANCELLATION else "CONFIRMED")
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    return calendar.to_ical()


def meeting_uid(meeting):
    """The same UID in the invitation, its changes and the staff calendar feed: calendars keep one event."""
    return f"group-meeting-{meeting.pk}@samplan"


def _ics_part(ics, method):
    part = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
    part.replace_header("Content-Type", f"text/calendar; method={method}; charset=utf-8")
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def _send(message):
    # settings.EMAIL_TIMEOUT keeps a silent mail server from holding the worker.
    try:
        with get_connection() as connection:
            message.connection = connection
            return message.send()
    except Exception as error:
        raise SendingFailed(f"sending failed ({type(error).__name__})") from None


# Sending (called by groups.tasks, ids only) ------------------------------------------------------


def _meeting(meeting_id):
    return Meeting.objects.select_related("citizen", "agreement", "group").filter(pk=meeting_id).first()


def _still_current(meeting, sequence, *, kind, now):
    """Not sent when a later change overtook it, or when what it announces is no longer so."""
    if meeting is None or meeting.sequence != sequence:
        return False
    if kind == CANCELLATION:
        return meeting.status == Meeting.Status.CANCELLED
    return meeting.status == Meeting.Status.PLANNED and meeting.starts_at > now


def was_invited(meeting, recipient):
    if recipient.is_citizen:
        return meeting.invitations_sent_at is not None
    return recipient.participant.invited_at is not None


def send_meeting_message(meeting_id, *, kind, sequence, participant_id=None, organizer_id=None, site=""):
    """One invitation, change or cancellation with its ``invite.ics`` to one participant (None: the citizen).

    Returns 1 if it was sent, 0 if there was nothing (any more) to send.
    """
    now = timezone.now()
    meeting = _meeting(meeting_id)
    if kind not in MESSAGE_KINDS or not _still_current(meeting, sequence, kind=kind, now=now):
        logger.info("Meeting %s: %s of sequence %s overtaken; not sent", meeting_id, kind, sequence)
        return 0
    recipient = _recipient(meeting, participant_id)
    if recipient is None or recipient.problem or not was_invited(meeting, recipient):
        logger.info("Meeting %s: participant %s cannot be reached now; not sent", meeting_id, participant_id)
        return 0
    organizer = get_user_model().objects.filter(pk=organizer_id).first() if organizer_id else None
    organizer_email = organizer.email if organizer is not None and organizer.email else settings.DEFAULT_FROM_EMAIL
    link = _link(site, meeting.get_absolute_url())
    first_name = first_name_for(meeting, recipient)
    with translation.override(recipient.language):
        subject, body = message_text(meeting, kind, recipient=recipient, link=link, first_name=first_name)
        ics = calendar_invite(
            meeting,
            kind,
            recipient=recipient,
            organizer_email=organizer_email,
            link=link,
            first_name=first_name,
            now=now,
        )
    message = EmailMessage(
        subject,
        body,
        to=[recipient.email],
        reply_to=[organizer.email] if organizer is not None and organizer.email else None,
    )
    method = "CANCEL" if kind == CANCELLATION else "REQUEST"
    message.attach(_ics_part(ics, method))
    return _send(message)


def send_meeting_reminder(meeting_id, *, sequence, participant_id=None, site=""):
    """The day-before reminder to one participant (None: the citizen): nothing if the meeting was
    cancelled or moved since it was queued (``sequence``), has started, or they said they are not coming."""
    now = timezone.now()
    meeting = _meeting(meeting_id)
    if not _still_current(meeting, sequence, kind=INVITATION, now=now):
        logger.info("Meeting %s: reminder of sequence %s overtaken; not sent", meeting_id, sequence)
        return 0
    recipient = _recipient(meeting, participant_id)
    if recipient is None or recipient.problem or not was_invited(meeting, recipient):
        return 0
    if not recipient.is_citizen and recipient.participant.answer == Participant.Answer.DECLINED:
        return 0
    with translation.override(recipient.language):
        subject, body = message_text(
            meeting,
            INVITATION,
            recipient=recipient,
            link=_link(site, meeting.get_absolute_url()),
            first_name=first_name_for(meeting, recipient),
            reminder=True,
        )
    sent = _send(EmailMessage(subject, body, to=[recipient.email]))
    if sent and recipient.user is not None:
        # Like an appointment reminder: telling a staff member of the meeting is a read of the group.
        record(
            actor=recipient.user,
            citizen_id=meeting.citizen_id,
            action=AccessEvent.Action.READ,
            section=GROUP,
            ground=AccessEvent.Ground.CARE_TEAM,
            detail=f"group meeting reminder by e-mail (meeting {meeting.pk})",
        )
    return sent


def minutes_recipient_ids(minutes):
    """The users to tell that ``minutes`` are signed: the group's members (newest agreement) with a login
    and an e-mail address, except the one who signed. The citizen is told separately."""
    agreement = current_agreement(minutes.meeting.group)
    if agreement is None:
        return []
    users = (
        agreement.members.filter(care_team_member__user__is_active=True)
        .exclude(care_team_member__user__email="")
        .exclude(care_team_member__user=minutes.signed_by_id)
        .values_list("care_team_member__user", flat=True)
    )
    return list(dict.fromkeys(users))


def send_minutes_ready(minutes_id, *, user_id=None, site=""):
    """ "Minutes from the meeting on <date> are ready in Samplan" and a link, to one member (None: the citizen).

    A member who may not read the group's papers now (off the team, blocked, no group section,
    shielded from it) gets nothing: the link would only show them a refusal.
    """
    signed = Minutes.objects.filter(pk=minutes_id, status=Minutes.Status.SIGNED)
    minutes = signed.select_related("citizen", "meeting").first()
    if minutes is None:
        return 0
    citizen = minutes.citizen
    if user_id is None:
        address, language = citizen.email, citizen.preferred_language or settings.LANGUAGE_CODE
    else:
        user = get_user_model().objects.select_related("staff_profile").filter(pk=user_id, is_active=True).first()
        grant = grant_for(user, citizen) if user is not None else None
        if grant is None or GROUP not in reader_sections(grant, user, minutes.meeting.agreement_id):
            return 0
        address, language = user.email, preferred_language_of(user) or settings.LANGUAGE_CODE
    if not address:
        return 0
    link = _link(site, minutes.get_absolute_url())
    with translation.override(language):
        date = date_format(timezone.localtime(minutes.meeting.starts_at), "d.m.Y")
        subject = _("Samplan: minutes are ready")
        body = _("Minutes from the meeting on %(date)s are ready in Samplan: %(link)s") % {"date": date, "link": link}
    return _send(EmailMessage(subject, body + "\n", to=[address]))
