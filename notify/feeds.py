"""The iCalendar feed of one staff member's appointments and the group meetings they take part in:
time, kind and a link — nothing else.

No name, no title (a title such as "Telefonveiledning" can tell which service the citizen gets),
no place, no health detail. Cancelled and missed appointments and cancelled meetings are left out:
a subscribed calendar drops an event that disappears from the feed, which is what a cancellation
should do on a phone. A meeting has the same UID as its e-mailed invitation.
"""

import datetime

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from groups.meeting_mail import calendar_summary, meeting_uid
from groups.models import Meeting, Participant
from pathways.models import Appointment
from people import access

PAST_DAYS = 30
FUTURE_DAYS = 365
SHOWN_STATUSES = (Appointment.Status.PLANNED, Appointment.Status.DONE)
SHOWN_MEETING_STATUSES = (Meeting.Status.PLANNED, Meeting.Status.HELD)


def feed_entries(user, *, now=None):
    """The user's planned and done appointments, and the planned and held group meetings they are a
    participant of, in the feed's window, for citizens the user may open now.

    Returns ``(appointments, meetings, citizens)``; ``citizens`` come from ``visible_to`` (three
    queries in all).
    """
    now = now or timezone.now()
    window = {
        "starts_at__gte": now - datetime.timedelta(days=PAST_DAYS),
        "starts_at__lte": now + datetime.timedelta(days=FUTURE_DAYS),
    }
    appointments = list(
        Appointment.objects.filter(staff=user, status__in=SHOWN_STATUSES, **window)
        .annotate(moves=Count("changes"))
        .only("pk", "citizen_id", "kind", "starts_at", "duration_minutes", "status")
        .order_by("starts_at", "pk")
    )
    # From the user's own invitations (few) to their meetings, not from every meeting in the window.
    invited = Participant.objects.filter(member__care_team_member__user=user).values("meeting_id")
    meetings = list(
        Meeting.objects.filter(pk__in=invited, status__in=SHOWN_MEETING_STATUSES, **window)
        .only("pk", "citizen_id", "kind", "starts_at", "duration_minutes", "sequence", "status")
        .order_by("starts_at", "pk")
    )
    citizen_ids = {entry.citizen_id for entry in [*appointments, *meetings]}
    citizens = list(access.visible_to(user).filter(pk__in=citizen_ids).only("pk", "user_id"))
    visible = {citizen.pk for citizen in citizens}
    return (
        [appointment for appointment in appointments if appointment.citizen_id in visible],
        [meeting for meeting in meetings if meeting.citizen_id in visible],
        citizens,
    )


def appointment_path(appointment):
    return reverse("pathways:appointment", args=[appointment.citizen_id, appointment.pk])


def build_calendar(appointments, *, meetings=(), absolute_url, language=None, now=None):
    """The VCALENDAR text; ``absolute_url(path)`` makes the links absolute."""
    now = now or timezone.now()
    with translation.override(language or settings.LANGUAGE_CODE):
        calendar = Calendar()
        calendar.add("prodid", "-//Samplan//Calendar feed//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("Samplan appointments"))
        calendar.add("x-published-ttl", "PT1H")
        for appointment in appointments:
            link = absolute_url(appointment_path(appointment))
            event = Event()
            event.add("uid", f"appointment-{appointment.pk}@samplan")
            event.add("dtstamp", now)
            event.add("dtstart", appointment.starts_at)
            event.add("dtend", appointment.starts_at + datetime.timedelta(minutes=appointment.duration_minutes))
            event.add("sequence", getattr(appointment, "moves", 0))
            event.add("summary", _("Samplan: %(kind)s") % {"kind": appointment.get_kind_display()})
            event.add("url", link)
            event.add("description", link)
            event.add("status", "CONFIRMED")
            event.add("class", "PRIVATE")
            calendar.add_component(event)
        for meeting in meetings:
            calendar.add_component(_meeting_event(meeting, link=absolute_url(meeting.get_absolute_url()), now=now))
        return calendar.to_ical()


def _meeting_event(meeting, *, link, now):
    """The kind of meeting, its time and a link; never the first name, even where invitations may carry it."""
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", now)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + datetime.timedelta(minutes=meeting.duration_minutes))
    event.add("sequence", meeting.sequence)
    event.add("summary", calendar_summary(meeting))
    event.add("url", link)
    event.add("description", link)
    event.add("status", "CONFIRMED")
    event.add("class", "PRIVATE")
    return event
