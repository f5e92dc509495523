"""Recording an incident, its follow-up and debrief, who may do what, and bad input."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from incidents import actions
from incidents.models import Conversation, Incident
from incidents.sections import INCIDENTS
from people.models import CareTeamMember, Section

from .conftest import incident_values


def _form(**changes):
    values = incident_values(**changes)
    data = {key: value for key, value in values.items() if not isinstance(value, bool)}
    data["occurred_at"] = timezone.localtime(values["occurred_at"]).strftime("%Y-%m-%dT%H:%M")
    for flag in ("police_involved", "emergency_services_involved"):
        if values[flag]:
            data[flag] = "on"
    return data


def test_housing_staff_record_an_incident_at_their_own_unit_and_it_is_logged(
    login, citizen, housing_staff, housing_unit
):
    client = login(housing_staff)
    url = reverse("incidents:new", args=[citizen.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(police_involved=True))
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert incident.unit == housing_unit and incident.recorded_by == housing_staff
    assert incident.injuries == ["none"] and incident.police_involved
    assert AccessEvent.objects.filter(
        actor_id=housing_staff.pk, citizen_id=citizen.pk, action="write", section=INCIDENTS
    ).exists()
    page = client.get(incident.get_absolute_url())
    assert "Gikk fram og tilbake i gangen" in page.content.decode()
    assert AccessEvent.objects.filter(actor_id=housing_staff.pk, action="read", section=INCIDENTS).exists()


def test_the_coordinator_records_an_incident(login, citizen, coordinator, municipality):
    response = login(coordinator).post(reverse("incidents:new", args=[citizen.pk]), _form())
    assert response.status_code == 302
    assert Incident.objects.get().unit == municipality


def test_a_double_click_stores_one_incident(grant, coordinator):
    values = incident_values()
    first = actions.record_incident(grant, acting_user=coordinator, **values)
    second = actions.record_incident(grant, acting_user=coordinator, **values)
    assert first.pk == second.pk and Incident.objects.count() == 1


def test_outsider_gets_404_and_the_refusal_is_logged(login, citizen, outsider, incident):
    client = login(outsider)
    for url in (reverse("incidents:list", args=[citizen.pk]), incident.get_absolute_url()):
        assert client.get(url).status_code == 404
    assert client.post(reverse("incidents:new", args=[citizen.pk]), _form()).status_code == 404
    assert Incident.objects.count() == 1
    assert AccessEvent.objects.filter(actor_id=outsider.pk, action="denied", section=INCIDENTS).count() == 3


def test_a_gp_on_the_team_without_the_section_is_refused_and_logged(login, citizen, care_team_member, gp, incident):
    client = login(gp)
    assert client.get(reverse("incidents:list", args=[citizen.pk])).status_code == 403
    assert client.get(incident.get_absolute_url()).status_code == 403
    assert client.post(reverse("incidents:new", args=[citizen.pk]), _form()).status_code == 403
    assert Incident.objects.count() == 1
    assert AccessEvent.objects.filter(actor_id=gp.pk, action="denied", section=INCIDENTS).count() == 3


def test_a_member_sees_incidents_once_the_section_is_ticked(login, citizen, care_team_member, gp, incident):
    care_team_member.sections = [*care_team_member.sections, INCIDENTS]
    care_team_member.save()
    assert login(gp).get(incident.get_absolute_url()).status_code == 200


def test_the_section_is_granted_to_nobody_by_default():
    from audit import sections as registry

    assert INCIDENTS in registry.grantable_keys()
    for role in CareTeamMember.Role.values:
        assert INCIDENTS not in registry.defaults_for(role)


def test_the_citizen_reads_their_incidents_but_cannot_record_anything(login, citizen, incident):
    client = login(citizen.user)
    listing = client.get(reverse("incidents:list", args=[citizen.pk]))
    assert listing.status_code == 200 and "Incidents recorded about you" in listing.content.decode()
    assert "Record an incident" not in listing.content.decode()
    page = client.get(incident.get_absolute_url())
    assert page.status_code == 200 and "Ingrid kastet en kopp" in page.content.decode()
    assert "Record the debrief" not in page.content.decode()
    assert "Learning log" not in page.content.decode()
    assert client.post(reverse("incidents:new", args=[citizen.pk]), _form()).status_code == 403
    debrief = reverse("incidents:debrief", args=[citizen.pk, incident.pk])
    assert client.post(debrief, {"said": "x"}).status_code == 403
    assert Incident.objects.count() == 1 and not Conversation.objects.exists()
    assert AccessEvent.objects.filter(actor_id=citizen.user.pk, action="denied", section=INCIDENTS).count() == 2
    home = client.get(reverse("people:citizen_home"))
    assert "Incidents where you live" in home.content.decode()


def test_an_incident_of_another_citizen_is_404_under_this_citizen(login, coordinator, make_citizen, incident):
    other = make_citizen(coordinator, "Per")
    url = reverse("incidents:incident", args=[other.pk, incident.pk])
    assert login(coordinator).get(url).status_code == 404
    assert AccessEvent.objects.filter(citizen_id=other.pk, action="denied", section=INCIDENTS).exists()


# Bad input ---------------------------------------------------------------------------------------


def test_an_incident_dated_in_the_future_is_refused_with_a_clear_message(login, citizen, coordinator):
    future = timezone.now() + datetime.timedelta(days=2)
    response = login(coordinator).post(reverse("incidents:new", args=[citizen.pk]), _form(occurred_at=future))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The time is in the future. Write when it happened." in page
    assert "Ingrid kastet en kopp i veggen" in page  # what was typed is kept
    assert not Incident.objects.exists()
    assert not AccessEvent.objects.filter(action="write", section=INCIDENTS).exists()


def test_an_incident_without_what_happened_is_refused(login, citizen, coordinator):
    response = login(coordinator).post(reverse("incidents:new", args=[citizen.pk]), _form(what_happened="   "))
    assert response.status_code == 400
    assert "Write what happened." in response.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("injuries", "description", "message"),
    [
        ([], "", "Choose whether anyone was injured, and who."),
        (["none", "staff"], "", "You chose both"),
        (["staff"], "", "Describe the injuries briefly."),
        (["robot"], "", "Choose from the list who was injured."),
    ],
)
def test_injuries_must_be_answered_clearly(login, citizen, coordinator, injuries, description, message):
    data = _form(injury_description=description)
    data["injuries"] = injuries
    response = login(coordinator).post(reverse("incidents:new", args=[citizen.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Incident.objects.exists()


def test_a_nonsense_time_is_a_form_error(login, citizen, coordinator):
    data = _form()
    data["occurred_at"] = "yesterday-ish"
    response = login(coordinator).post(reverse("incidents:new", args=[citizen.pk]), data)
    assert response.status_code == 400 and "Write the date and the time" in response.content.decode()


def test_injured_staff_with_a_description_is_kept(grant, coordinator):
    incident = actions.record_incident(
        grant, acting_user=coordinator, **incident_values(injuries=["staff", "citizen"], injury_description="Kutt")
    )
    assert incident.injuries == ["staff", "citizen"] and incident.anyone_injured


# Follow-up conversation and debrief ------------------------------------------------------------------


def test_follow_up_and_debrief_are_recorded_and_shown_as_done(login, citizen, housing_staff, incident):
    client = login(housing_staff)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Record the follow-up conversation" in page and "Record the debrief" in page
    held = timezone.localtime(timezone.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    for name, said in (("follow_up", "Ingrid sa hun ble redd."), ("debrief", "Vi gikk gjennom hendelsen.")):
        response = client.post(
            reverse(f"incidents:{name}", args=[citizen.pk, incident.pk]),
            {"held_at": held, "participants": "Ingrid og Miljo", "said": said, "learned": "Rolig stemme hjelper"},
        )
        assert response.status_code == 302, response.content.decode()
    assert set(Conversation.objects.values_list("kind", flat=True)) == {"follow_up", "debrief"}
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Ingrid sa hun ble redd." in page and "Vi gikk gjennom hendelsen." in page
    assert "Record the debrief" not in page
    listing = client.get(reverse("incidents:list", args=[citizen.pk])).content.decode()
    assert "Follow-up done" in listing and "Debrief done" in listing
    assert AccessEvent.objects.filter(actor_id=housing_staff.pk, action="write", detail__contains="debrief").exists()


def test_a_debrief_is_recorded_once_and_a_second_one_is_refused(grant, coordinator, incident):
    held = timezone.now() - datetime.timedelta(hours=1)
    first = actions.record_conversation(
        grant, incident, acting_user=coordinator, kind="debrief", held_at=held, participants="Alle", said="Gjennomgang"
    )
    again = actions.record_conversation(
        grant, incident, acting_user=coordinator, kind="debrief", held_at=held, participants="Alle", said="Gjennomgang"
    )
    assert again.pk == first.pk
    with pytest.raises(actions.ValidationError, match="already recorded"):
        actions.record_conversation(
            grant, incident, acting_user=coordinator, kind="debrief", held_at=held, participants="Alle", said="Annet"
        )
    assert Conversation.objects.count() == 1


def test_a_debrief_before_the_incident_or_in_the_future_is_refused(login, citizen, coordinator, incident):
    client = login(coordinator)
    url = reverse("incidents:debrief", args=[citizen.pk, incident.pk])
    for when in (incident.occurred_at - datetime.timedelta(days=1), timezone.now() + datetime.timedelta(days=1)):
        response = client.post(
            url,
            {"held_at": timezone.localtime(when).strftime("%Y-%m-%dT%H:%M"), "participants": "Alle", "said": "Noe"},
        )
        assert response.status_code == 400
    response = client.post(url, {"held_at": "", "participants": "", "said": ""})
    page = response.content.decode()
    assert "Write who took part." in page and "Write what was said." in page
    assert not Conversation.objects.exists()


def test_an_incident_without_a_debrief_after_a_week_shows_as_overdue(login, citizen, coordinator, grant):
    actions.record_incident(
        grant, acting_user=coordinator, **incident_values(occurred_at=timezone.now() - datetime.timedelta(days=9))
    )
    listing = login(coordinator).get(reverse("incidents:list", args=[citizen.pk])).content.decode()
    assert "Debrief overdue" in listing


def test_the_overview_shows_the_incidents_panel_to_readers_with_the_section(
    login, citizen, coordinator, gp, care_team_member, incident
):
    page = login(coordinator).get(reverse("people:citizen", args=[citizen.pk])).content.decode()
    assert 'data-testid="incidents-panel"' in page and "1 without a debrief." in page
    gp_page = login(gp).get(reverse("people:citizen", args=[citizen.pk])).content.decode()
    assert 'data-testid="incidents-panel"' not in gp_page


def test_the_incident_list_keeps_its_query_count(login, citizen, coordinator, grant, django_assert_max_num_queries):
    client = login(coordinator)
    url = reverse("incidents:list", args=[citizen.pk])
    actions.record_incident(grant, acting_user=coordinator, **incident_values())
    client.get(url)
    with django_assert_max_num_queries(12) as one:
        client.get(url)
    for hours in range(4, 24):
        actions.record_incident(
            grant,
            acting_user=coordinator,
            **incident_values(
                occurred_at=timezone.now() - datetime.timedelta(hours=hours), what_happened=f"Nr {hours}"
            ),
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('data-testid="incident-') == 21


def test_the_overview_section_alone_does_not_show_incidents(login, citizen, make_staff, incident):
    someone = make_staff("nurse")
    CareTeamMember.objects.create(
        citizen=citizen, user=someone, role=CareTeamMember.Role.HOME_NURSING, sections=[Section.OVERVIEW]
    )
    assert login(someone).get(incident.get_absolute_url()).status_code == 403


@pytest.mark.parametrize("when", ["0001-01-01T00:30", "9999-12-31T23:59", "2026-02-30T10:00", "\u0661\u0662:00"])
def test_extreme_times_are_a_clear_answer_never_a_crash(login, citizen, coordinator, incident, when):
    client = login(coordinator)
    for url, data in (
        (reverse("incidents:new", args=[citizen.pk]), _form() | {"occurred_at": when}),
        (
            reverse("incidents:debrief", args=[citizen.pk, incident.pk]),
            {"held_at": when, "participants": "Alle", "said": "Noe"},
        ),
    ):
        response = client.post(url, data)
        assert response.status_code in (302, 400), (url, when, response.status_code)
