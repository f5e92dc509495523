"""A staff member's private calendar feed: times, kinds and links only, for citizens they may still open."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from audit.models import AccessEvent
from notify import actions
from notify.models import FeedToken
from pathways import actions as pathway_actions
from people import actions as people_actions
from people.access import grant_for
from people.models import Block, CareTeamMember

from .conftest import REASON, TITLE


def _feed_path(client):
    """The coordinator makes a feed on their page and copies the address shown there."""
    page = client.post(reverse("notify:calendar_create"))
    assert page.status_code == 200
    match = re.search(r'data-testid="feed-url"[^>]*>http://testserver(/calendar/[^<]+\.ics)</textarea>', page.text)
    assert match, page.text
    return match.group(1)


def _events(body):
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_has_time_kind_and_link_and_nothing_that_tells_who_or_why(
    client, login, coordinator, citizen, plan_appointment, past_appointment, tomorrow_at_ten, make_staff
):
    citizen.email, citizen.phone = "ingrid@example.no", "+4791234567"
    citizen.save()
    coming = plan_appointment(tomorrow_at_ten)
    done = past_appointment(timezone.now() - datetime.timedelta(days=3), "done")
    missed = past_appointment(timezone.now() - datetime.timedelta(days=2), "missed")
    long_ago = past_appointment(timezone.now() - datetime.timedelta(days=40), "done")
    cancelled = plan_appointment(tomorrow_at_ten + datetime.timedelta(days=7))
    pathway_actions.set_status(grant_for(coordinator, citizen), cancelled, "cancelled", acting_user=coordinator)
    colleague = make_staff("colleague")
    CareTeamMember.objects.create(citizen=citizen, user=colleague, role="other", sections=["overview"])
    someone_elses = plan_appointment(tomorrow_at_ten, staff=colleague)  # on the team, but not mine

    path = _feed_path(login(coordinator))
    client.logout()
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    events = _events(response.content)
    assert set(events) == {f"appointment-{coming.pk}@samplan", f"appointment-{done.pk}@samplan"}
    event = events[f"appointment-{coming.pk}@samplan"]
    assert str(event["SUMMARY"]) == "Samplan: Phone"
    assert event.decoded("DTSTART") == coming.starts_at
    assert event.decoded("DTEND") == coming.starts_at + datetime.timedelta(minutes=20)
    link = f"http://testserver/citizens/{citizen.pk}/appointments/{coming.pk}/"
    assert str(event["URL"]) == link and str(event["DESCRIPTION"]) == link
    assert "DTSTAMP" in event
    text = response.content.decode()
    for secret in (citizen.given_name, citizen.family_name, citizen.national_id, citizen.email, TITLE, REASON):
        assert secret not in text, secret
    assert "Telefonveiledning" not in text
    assert not {missed.pk, long_ago.pk, cancelled.pk, someone_elses.pk} & {int(uid[12:-8]) for uid in events}


def test_every_fetch_logs_a_read_per_citizen_without_the_key_and_notes_the_time(
    client, login, coordinator, citizen, make_citizen, plan_appointment, tomorrow_at_ten
):
    plan_appointment(tomorrow_at_ten)
    plan_appointment(tomorrow_at_ten + datetime.timedelta(days=1))
    other = make_citizen(coordinator, "Ola")  # no appointments: not in the feed, not logged
    path = _feed_path(login(coordinator))
    client.logout()
    token = path.rsplit("/", 1)[1].removesuffix(".ics")

    client.get(path)

    reads = AccessEvent.objects.filter(detail="calendar feed")
    assert [(e.citizen_id, e.actor_id, e.action, e.section, e.ground) for e in reads] == [
        (citizen.pk, coordinator.pk, "read", "pathway", "care_team")
    ]
    assert token not in reads[0].path
    assert not AccessEvent.objects.filter(citizen_id=other.pk, detail="calendar feed").exists()
    assert not AccessEvent.objects.filter(path__contains=token).exists()
    assert FeedToken.objects.get(revoked_at__isnull=True).last_used_at is not None


def test_a_staff_member_taken_off_the_care_team_loses_that_citizens_appointments(
    client, coordinator, citizen, nurse, plan_appointment, tomorrow_at_ten
):
    appointment = plan_appointment(tomorrow_at_ten, staff=nurse)
    token, _feed = actions.create_feed(nurse)
    path = reverse("notify:feed", args=[token])
    assert set(_events(client.get(path).content)) == {f"appointment-{appointment.pk}@samplan"}

    member = CareTeamMember.objects.get(citizen=citizen, user=nurse)
    people_actions.end_care_team_member(grant_for(coordinator, citizen), member, acting_user=coordinator)
    reply = client.get(path)

    assert reply.status_code == 200
    assert _events(reply.content) == {}
    assert AccessEvent.objects.filter(actor_id=nurse.pk, detail="calendar feed").count() == 1


def test_a_blocked_staff_member_loses_that_citizens_appointments(
    client, citizen, nurse, plan_appointment, tomorrow_at_ten
):
    plan_appointment(tomorrow_at_ten, staff=nurse)
    token, _feed = actions.create_feed(nurse)
    Block.objects.create(citizen=citizen, blocked_user=nurse)

    assert _events(client.get(reverse("notify:feed", args=[token])).content) == {}
    assert not AccessEvent.objects.filter(actor_id=nurse.pk, citizen_id=citizen.pk).exists()


def test_a_new_address_stops_the_old_one_and_stopping_stops_both(client, login, coordinator):
    staff_client = login(coordinator)
    first = _feed_path(staff_client)
    second = _feed_path(staff_client)
    assert first != second
    assert FeedToken.objects.filter(user=coordinator, revoked_at__isnull=True).count() == 1

    anonymous = type(client)()
    stopped = anonymous.get(first)
    assert stopped.status_code == 404 and stopped.content == b"Not found."
    assert anonymous.get(second).status_code == 200

    staff_client.post(reverse("notify:calendar_stop"))
    assert anonymous.get(second).status_code == 404
    assert not FeedToken.objects.filter(revoked_at__isnull=True).exists()


@pytest.mark.parametrize(
    "token",
    ["x", "a" * 43, "a" * 42 + "!", "%2e%2e", "a" * 200],
)
def test_unknown_or_malformed_tokens_get_a_bare_404(client, coordinator, token):
    actions.create_feed(coordinator)
    reply = client.get(f"/calendar/{token}.ics")
    assert reply.status_code == 404
    assert reply.content == b"Not found."


def test_a_deactivated_user_s_feed_is_gone(client, coordinator):
    token, _feed = actions.create_feed(coordinator)
    coordinator.is_active = False
    coordinator.save()
    assert client.get(reverse("notify:feed", args=[token])).status_code == 404


def test_the_page_shows_the_address_once(login, coordinator):
    client = login(coordinator)
    page = client.get(reverse("notify:calendar"))
    assert "You have no calendar feed." in page.text
    assert "Never the citizen&#x27;s name" in page.text or "Never the citizen's name" in page.text

    path = _feed_path(client)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    again = client.get(reverse("notify:calendar"))
    assert token not in again.text
    assert "Stop the feed" in again.text and "Not yet" in again.text
    stopped = client.post(reverse("notify:calendar_stop"), follow=True)
    assert "The feed is stopped." in stopped.text and "You have no calendar feed." in stopped.text


def test_citizens_do_not_get_a_feed_page(login, citizen):
    assert login(citizen.user).get(reverse("notify:calendar")).status_code == 403
    assert login(citizen.user).post(reverse("notify:calendar_create")).status_code == 403
    assert not FeedToken.objects.exists()


def test_the_feed_takes_the_same_number_of_queries_for_1_and_20_appointments(
    client, coordinator, citizen, make_citizen, plan_appointment, tomorrow_at_ten, django_assert_max_num_queries
):
    token, _feed = actions.create_feed(coordinator)
    path = reverse("notify:feed", args=[token])
    plan_appointment(tomorrow_at_ten)
    # feed token + user, appointments, group meetings, visible citizens, access log insert, last_used_at update
    with django_assert_max_num_queries(6):
        assert len(_events(client.get(path).content)) == 1
    others = [grant_for(coordinator, make_citizen(coordinator, f"Person {n}")) for n in range(4)]
    for day in range(1, 20):
        plan_appointment(tomorrow_at_ten + datetime.timedelta(days=day), on_grant=others[day % 4])
    with django_assert_max_num_queries(6):
        assert len(_events(client.get(path).content)) == 20
    assert AccessEvent.objects.filter(detail="calendar feed").values("citizen_id").distinct().count() == 5
