"""Group meetings in a staff member's calendar feed: the kind of meeting, the time and a link, for the
meetings they are invited to, for citizens they may still open — never a name or a place."""

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from audit.models import AccessEvent
from groups import actions as group_actions
from groups.models import Member
from notify import actions
from people import actions as people_actions
from people.access import grant_for
from people.models import CareTeamMember, Section

PLACE = "Fjordby rådhus, møterom 2"
PURPOSE = "Ingrid vil sove bedre og komme i arbeid"


def _events(client, user):
    token, _feed = actions.create_feed(user)
    reply = client.get(reverse("notify:feed", args=[token]))
    assert reply.status_code == 200
    calendar = Calendar.from_ical(reply.content)
    return reply.content.decode(), {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def make_group(coordinator, gp, gp_office):
    """A consented group for ``citizen`` (who must have a login) with the coordinator and the GP."""

    def make(citizen):
        gp_row = CareTeamMember.objects.create(
            citizen=citizen,
            user=gp,
            role=CareTeamMember.Role.GP,
            organisation=gp_office,
            sections=[Section.OVERVIEW, "group"],
        )
        coordinator_row = CareTeamMember.objects.get(citizen=citizen, user=coordinator)
        group, agreement = group_actions.propose_group(
            grant_for(coordinator, citizen),
            acting_user=coordinator,
            text=group_actions.AgreementText(
                purpose=PURPOSE,
                meeting_frequency="Hver måned",
                ending="Når målene er nådd",
                first_name_in_invitations=True,  # invitations may name her; the feed still does not
            ),
            members=[
                group_actions.MemberSpec(care_team_member=coordinator_row, role=Member.Role.MUNICIPAL_COORDINATOR),
                group_actions.MemberSpec(care_team_member=gp_row),
            ],
        )
        group_actions.answer_agreement(
            grant_for(citizen.user, citizen), agreement, acting_user=citizen.user, consent="yes"
        )
        group.refresh_from_db()
        return group

    return make


@pytest.fixture
def plan_meeting(coordinator):
    def plan(group, starts_at, *, with_gp=True):
        members = [m for m in group_actions.current_agreement(group).members.all() if with_gp or m.is_coordinator]
        return group_actions.plan_meeting(
            grant_for(coordinator, group.citizen),
            group,
            acting_user=coordinator,
            kind="responsibility_group",
            starts_at=starts_at,
            duration_minutes=60,
            place=PLACE,
            members=members,
        )

    return plan


def test_the_gp_s_feed_has_the_meetings_they_are_invited_to_with_kind_time_and_link_only(
    client, coordinator, citizen, gp, make_group, plan_meeting, tomorrow_at_ten
):
    group = make_group(citizen)
    meeting = plan_meeting(group, tomorrow_at_ten)
    without_gp = plan_meeting(group, tomorrow_at_ten + datetime.timedelta(days=2), with_gp=False)
    cancelled = plan_meeting(group, tomorrow_at_ten + datetime.timedelta(days=3))
    grant = grant_for(coordinator, citizen)
    group_actions.cancel_meeting(grant, cancelled, acting_user=coordinator, reason="Ingrid er innlagt")
    group_actions.move_meeting(
        grant, meeting, acting_user=coordinator, starts_at=tomorrow_at_ten, duration_minutes=90, place=PLACE
    )

    text, events = _events(client, gp)

    assert set(events) == {f"group-meeting-{meeting.pk}@samplan"}
    event = events[f"group-meeting-{meeting.pk}@samplan"]
    assert str(event["SUMMARY"]) == "Samplan: responsibility group meeting"
    assert event.decoded("DTSTART") == tomorrow_at_ten
    assert event.decoded("DTEND") == tomorrow_at_ten + datetime.timedelta(minutes=90)
    assert event.decoded("SEQUENCE") == 1  # moved once: calendars take the new time
    link = f"http://testserver/citizens/{citizen.pk}/meetings/{meeting.pk}/"
    assert str(event["URL"]) == link and str(event["DESCRIPTION"]) == link
    assert "LOCATION" not in event
    for private in (citizen.given_name, citizen.family_name, PLACE, "Fjordby", PURPOSE, "innlagt"):
        assert private not in text, private
    reads = AccessEvent.objects.filter(actor_id=gp.pk, detail="calendar feed")
    assert [(e.citizen_id, e.action, e.section, e.ground) for e in reads] == [
        (citizen.pk, "read", "group", "care_team")
    ]

    # The coordinator is invited to both planned meetings.
    _text, coordinators = _events(client, coordinator)
    assert set(coordinators) == {f"group-meeting-{meeting.pk}@samplan", f"group-meeting-{without_gp.pk}@samplan"}


def test_an_outsider_sees_no_meeting_and_a_gp_off_the_team_loses_it(
    client, coordinator, citizen, gp, outsider, make_group, plan_meeting, tomorrow_at_ten
):
    meeting = plan_meeting(make_group(citizen), tomorrow_at_ten)
    assert set(_events(client, gp)[1]) == {f"group-meeting-{meeting.pk}@samplan"}

    assert _events(client, outsider)[1] == {}

    row = CareTeamMember.objects.get(citizen=citizen, user=gp)
    people_actions.end_care_team_member(grant_for(coordinator, citizen), row, acting_user=coordinator)
    assert _events(client, gp)[1] == {}
    assert not AccessEvent.objects.filter(actor_id=outsider.pk).exists()


def test_the_feed_takes_the_same_number_of_queries_for_1_and_20_meetings(
    client,
    coordinator,
    citizen,
    gp,
    make_citizen,
    make_group,
    plan_meeting,
    plan_appointment,
    tomorrow_at_ten,
    django_assert_max_num_queries,
):
    token, _feed = actions.create_feed(coordinator)
    path = reverse("notify:feed", args=[token])
    groups = [make_group(citizen)]
    plan_meeting(groups[0], tomorrow_at_ten)
    plan_appointment(tomorrow_at_ten + datetime.timedelta(hours=3))
    # feed token + user, appointments, group meetings, visible citizens, two access log inserts
    # (pathway and group), last_used_at update
    with django_assert_max_num_queries(7):
        assert len(Calendar.from_ical(client.get(path).content).walk("VEVENT")) == 2
    groups += [make_group(make_citizen(coordinator, f"Person {n}", with_login=True)) for n in range(4)]
    for day in range(1, 20):
        plan_meeting(groups[day % 5], tomorrow_at_ten + datetime.timedelta(days=day))
    with django_assert_max_num_queries(7):
        assert len(Calendar.from_ical(client.get(path).content).walk("VEVENT")) == 21
    logged = AccessEvent.objects.filter(detail="calendar feed", section="group")
    assert logged.values("citizen_id").distinct().count() == 5
