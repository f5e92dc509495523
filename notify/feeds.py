"""The iCalendar feed of one staff member's appointments: time, kind and a link — nothing else.

No name, no title (a title such as "Telefonveiledning" can tell which service the citizen gets),
no health detail. Cancelled and missed appointments are left out: a subscribed calendar drops an
event that disappears from the feed, which is what a cancellation should do on a phone.
"""

import datetime

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from pathways.models import Appointment
from people import access

PAST_DAYS = 30
FUTURE_DAYS = 365
SHOWN_STATUSES = (Appointment.Status.PLANNED, Appointment.Status.DONE)


def feed_appointments(user, *, now=None):
    """The user's planned and done appointments in the feed's window, for citizens the user may open now.

    Returns ``(appointments, citizens)``; ``citizens`` come from ``visible_to`` (two queries in all).
    """
    now = now or timezone.now()
    appointments = list(
        Appointment.objects.filter(
            staff=user,
            status__in=SHOWN_STATUSES,
            starts_at__gte=now - datetime.timedelta(days=PAST_DAYS),
            starts_at__lte=now + datetime.timedelta(days=FUTURE_DAYS),
        )
        .annotate(moves=Count("changes"))
        .only("pk", "citizen_id", "kind", "starts_at", "duration_minutes", "status")
        .order_by("starts_at", "pk")
    )
    citizen_ids = {appointment.citizen_id for appointment in appointments}
    citizens = list(access.visible_to(user).filter(pk__in=citizen_ids).only("pk", "user_id"))
    visible = {citizen.pk for citizen in citizens}
    return [appointment for appointment in appointments if appointment.citizen_id in visible], citizens


def appointment_path(appointment):
    return reverse("pathways:appointment", args=[appointment.citizen_id, appointment.pk])


def build_calendar(appointments, *, absolute_url, language=None, now=None):
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
        return calendar.to_ical()
