"""From an incident to the group's learning log, and to the crisis plan through the plan's own approval."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from groups.models import LearningLog
from groups.sections import GROUP
from incidents import actions, queries
from incidents.models import Incident
from incidents.sections import INCIDENTS
from plans import actions as plan_actions
from plans.models import CrisisPlan, PlanVersion


@pytest.fixture
def debriefed(grant, coordinator, incident):
    held = timezone.now() - datetime.timedelta(hours=1)
    actions.record_conversation(
        grant,
        incident,
        acting_user=coordinator,
        kind="follow_up",
        held_at=held,
        participants="Ingrid og koordinator",
        said="Ingrid sa at bråket i gangen gjorde henne urolig.",
        learned="Å få gå ut alene en stund.",
    )
    actions.record_conversation(
        grant,
        incident,
        acting_user=coordinator,
        kind="debrief",
        held_at=held,
        participants="Personalet på vakt",
        said="Vi så tegnene, men ventet for lenge.",
        learned="Tidlig, rolig kontakt hjelper mer enn å vente.",
        next_time="Tilby en tur ut når hun går fram og tilbake i gangen.",
    )
    return queries.incident_of(incident.citizen, incident.pk)


def test_a_learning_log_is_made_in_the_citizens_group_prefilled_from_the_debrief(
    login, citizen, coordinator, active_group, debriefed
):
    client = login(coordinator)
    url = reverse("incidents:learning_log", args=[citizen.pk, debriefed.pk])
    page = client.get(url).content.decode()
    assert "Tidlig, rolig kontakt hjelper mer enn å vente." in page  # the lesson, from the debrief
    assert "Tilby en tur ut" in page  # what we decided to try, from the debrief
    event_on = timezone.localtime(debriefed.occurred_at).date().isoformat()
    response = client.post(
        url,
        {
            "event_on": event_on,
            "outcome": "failure",
            "event": debriefed.what_happened,
            "causes": debriefed.warning_signs,
            "decision": "Tilby en tur ut når hun går fram og tilbake i gangen.",
            "lessons": "Tidlig, rolig kontakt hjelper mer enn å vente.",
        },
    )
    assert response.status_code == 302
    log = LearningLog.objects.get()
    assert log.group == active_group and log.citizen == citizen and log.number == 1
    assert log.lessons == "Tidlig, rolig kontakt hjelper mer enn å vente."
    incident = Incident.objects.get()
    assert incident.learning_log == log
    assert AccessEvent.objects.filter(action="write", section=GROUP, detail__contains="learning log 1").exists()
    assert AccessEvent.objects.filter(action="write", section=INCIDENTS, detail__contains="learning log 1").exists()
    page = client.get(incident.get_absolute_url()).content.decode()
    assert reverse("groups:learning_log", args=[citizen.pk, log.pk]) in page
    # A second click makes no second log.
    again = actions.make_learning_log(
        _grant(coordinator, citizen),
        debriefed,
        acting_user=coordinator,
        event_on=log.event_on,
        outcome="failure",
        event="x",
    )
    assert again == log and LearningLog.objects.count() == 1


def _grant(user, citizen):
    from people.access import grant_for

    return grant_for(user, citizen)


def test_without_an_active_group_no_learning_log_is_made(login, citizen, coordinator, debriefed):
    client = login(coordinator)
    url = reverse("incidents:learning_log", args=[citizen.pk, debriefed.pk])
    assert 'data-testid="no-active-group"' in client.get(url).content.decode()
    response = client.post(url, {"event_on": "2026-01-01", "outcome": "failure", "event": "Noe"})
    assert response.status_code == 400
    assert "no active responsibility group" in response.content.decode()
    assert not LearningLog.objects.exists() and Incident.objects.get().learning_log is None


def test_housing_staff_may_not_make_the_learning_log_or_the_proposal(
    login, citizen, housing_staff, active_group, debriefed
):
    client = login(housing_staff)
    assert client.get(reverse("incidents:learning_log", args=[citizen.pk, debriefed.pk])).status_code == 403
    assert client.get(reverse("incidents:crisis_plan", args=[citizen.pk, debriefed.pk])).status_code == 403
    page = client.get(debriefed.get_absolute_url()).content.decode()
    assert "The coordinator can do it from this page." in page


def test_proposal_for_the_crisis_plan_is_approved_by_the_citizen_and_the_plan_holds_the_warning_signs(
    login, citizen, coordinator, coordinator_member, plan_in_effect, debriefed
):
    client = login(coordinator)
    url = reverse("incidents:crisis_plan", args=[citizen.pk, debriefed.pk])
    page = client.get(url).content.decode()
    assert "Gikk fram og tilbake i gangen." in page  # the warning signs, prefilled
    assert "Å få gå ut alene en stund." in page  # what helps, from the follow-up conversation
    response = client.post(
        url,
        {
            "situation": "threats",
            "title": "Når det blir for mye i gangen",
            "warning_signs": debriefed.warning_signs,
            "what_helps": "Å gå ut sammen og snakke rolig om noe annet.\nÅ få gå ut alene en stund.",
            "contacts": [coordinator_member.pk],
            "what_is_done": "Tilby en tur ut. Koordinator ringes samme dag.",
        },
    )
    assert response.status_code == 302, response.content.decode()
    incident = Incident.objects.get()
    proposal = incident.proposed_in
    assert proposal.status == PlanVersion.Status.DRAFT and proposal.number == 2
    assert incident.proposed_crisis_plan.version_id == proposal.pk
    assert AccessEvent.objects.filter(action="write", section="crisis_plan", actor_id=coordinator.pk).exists()

    # The citizen sees it on the incident and approves the proposal as any plan proposal.
    own = login(citizen.user)
    page = own.get(incident.get_absolute_url()).content.decode()
    assert "Read it, and approve the proposal if you agree." in page
    plan_page = own.get(reverse("plans:plan", args=[citizen.pk]) + f"?version={proposal.pk}").content.decode()
    assert "Gikk fram og tilbake i gangen." in plan_page
    proposal.refresh_from_db()
    response = own.post(
        reverse("plans:approve", args=[citizen.pk, proposal.pk]), {"seen_revision": proposal.content_revision}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == PlanVersion.Status.APPROVED
    plan_actions.activate(_grant(coordinator, citizen), proposal, acting_user=coordinator)
    active = PlanVersion.objects.active(citizen)
    assert active.pk == proposal.pk
    signs = CrisisPlan.objects.filter(version=active).values_list("warning_signs", flat=True)
    assert "Gikk fram og tilbake i gangen. Svarte ikke når hun ble snakket til." in signs


def test_the_proposal_lands_in_the_open_proposal_when_there_is_one(
    grant, coordinator, coordinator_member, plan_in_effect, debriefed
):
    open_draft = plan_actions.start_draft(grant, acting_user=coordinator)
    actions.propose_for_crisis_plan(
        grant,
        debriefed,
        acting_user=coordinator,
        contacts=[coordinator_member],
        situation="threats",
        title="",
        warning_signs="Uro",
        what_helps="Ro",
        other_contacts="",
        what_is_done="Ringe",
    )
    assert Incident.objects.get().proposed_in_id == open_draft.pk
    assert PlanVersion.objects.filter(citizen=grant.citizen).count() == 2


def test_a_proposal_missing_what_is_done_opens_no_proposal(login, citizen, coordinator, plan_in_effect, debriefed):
    response = login(coordinator).post(
        reverse("incidents:crisis_plan", args=[citizen.pk, debriefed.pk]),
        {"situation": "threats", "warning_signs": "", "what_is_done": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Write the early warning signs." in page and "Write what is done." in page
    assert "Choose at least one person to contact." in page
    assert PlanVersion.objects.filter(citizen=citizen).count() == 1  # no proposal opened
    assert Incident.objects.get().proposed_in is None


def test_proposing_twice_stores_once(grant, coordinator, coordinator_member, plan_in_effect, debriefed):
    fields = {
        "situation": "threats",
        "title": "",
        "warning_signs": "Uro",
        "what_helps": "",
        "other_contacts": "",
        "what_is_done": "Ringe",
    }
    actions.propose_for_crisis_plan(grant, debriefed, acting_user=coordinator, contacts=[coordinator_member], **fields)
    # The second tab still holds the incident as it was before the first proposal.
    actions.propose_for_crisis_plan(grant, debriefed, acting_user=coordinator, contacts=[coordinator_member], **fields)
    assert CrisisPlan.objects.filter(warning_signs="Uro").count() == 1
    assert Incident.objects.get().proposed_in is not None
