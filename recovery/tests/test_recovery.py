"""The personal development plan (the citizen's words, kept as versions, read as the citizen allows),
asking for a peer worker from the phone, and the peer worker's default scope."""

import pytest
from django.urls import reverse

from audit import sections as section_registry
from audit.models import AccessEvent
from people import access
from people.models import CareTeamMember
from recovery.models import DevelopmentPlan, PeerRequest
from worklist.items import worklist_for

PLAN = {"what_matters": "Hunden min og å spille gitar", "what_helps": "En tur hver morgen", "based_on": 0}


def test_the_citizen_writes_the_plan_and_every_version_is_kept(citizen, login):
    client = login(citizen.user)
    url = reverse("recovery:development_plan_edit", args=[citizen.pk])
    assert client.post(url, PLAN).status_code == 302
    assert client.post(url, {**PLAN, "what_helps": "Tur og musikk", "based_on": 1}).status_code == 302
    assert list(DevelopmentPlan.objects.values_list("number", "what_helps")) == [
        (2, "Tur og musikk"),
        (1, "En tur hver morgen"),
    ]
    page = client.get(reverse("recovery:development_plan", args=[citizen.pk])).content.decode()
    assert "Tur og musikk" in page and "Earlier versions" in page


def test_a_stale_form_saves_nothing_and_keeps_what_was_typed(citizen, coordinator, login):
    login(citizen.user).post(reverse("recovery:development_plan_edit", args=[citizen.pk]), PLAN)
    response = login(citizen.user).post(
        reverse("recovery:development_plan_edit", args=[citizen.pk]), {**PLAN, "strengths": "Tålmodig"}
    )  # based on version 0, but version 1 exists
    assert response.status_code == 400
    assert "changed by someone else" in response.content.decode() and "Tålmodig" in response.content.decode()
    assert DevelopmentPlan.objects.count() == 1


def test_an_empty_or_too_long_plan_is_refused_with_a_message(citizen, login):
    url = reverse("recovery:development_plan_edit", args=[citizen.pk])
    response = login(citizen.user).post(url, {"based_on": 0})
    assert "Write at least one part" in response.content.decode()
    response = login(citizen.user).post(url, {"based_on": 0, "strengths": "x" * 4001, "what_helps": "Tur"})
    assert response.status_code == 400 and "at most 4000 characters" in response.content.decode()
    assert not DevelopmentPlan.objects.exists()


def test_the_coordinator_writes_only_with_the_citizen(citizen, coordinator, login):
    url = reverse("recovery:development_plan_edit", args=[citizen.pk])
    response = login(coordinator).post(url, PLAN)
    assert "Write it only with the citizen" in response.content.decode()
    assert login(coordinator).post(url, {**PLAN, "confirmed_with_citizen": "on"}).status_code == 302
    assert DevelopmentPlan.objects.get().by_citizen is False


def test_a_gp_sees_it_only_as_the_citizen_allows_and_never_writes(citizen, care_team_member, gp, login):
    login(citizen.user).post(reverse("recovery:development_plan_edit", args=[citizen.pk]), PLAN)
    url = reverse("recovery:development_plan", args=[citizen.pk])
    assert login(gp).get(url).status_code == 403
    assert AccessEvent.objects.filter(actor_id=gp.pk, action="denied", section="development_plan").exists()
    care_team_member.sections = [*care_team_member.sections, "development_plan"]
    care_team_member.save()
    assert "Hunden min" in login(gp).get(url).content.decode()
    edit = reverse("recovery:development_plan_edit", args=[citizen.pk])
    assert login(gp).post(edit, {**PLAN, "based_on": 1}).status_code == 403


def test_a_peer_worker_starts_with_the_overview_the_development_plan_and_the_pathway():
    assert set(section_registry.defaults_for(CareTeamMember.Role.PEER_WORKER)) >= {
        "overview",
        "development_plan",
        "pathway",
    }
    assert "crisis_plan" not in section_registry.defaults_for(CareTeamMember.Role.PEER_WORKER)


def test_asking_for_a_peer_worker_puts_it_on_the_worklist_until_answered(citizen, coordinator, login, make_staff):
    client = login(citizen.user)
    url = reverse("recovery:peer_support", args=[citizen.pk])
    assert client.post(url, {"wish": "Helst noen på min alder"}).status_code == 302
    assert client.post(url, {"wish": "igjen"}).status_code == 302  # a second tap adds nothing
    assert PeerRequest.objects.count() == 1
    [item] = [i for i in worklist_for(coordinator) if i.kind == "peer_request"]
    assert item.url == url
    peer = make_staff("likeperson")
    grant = access.grant_for(coordinator, citizen)
    from people.actions import add_care_team_member

    member = add_care_team_member(grant, acting_user=coordinator, user=peer, role=CareTeamMember.Role.PEER_WORKER)
    assert [i for i in worklist_for(coordinator) if i.kind == "peer_request"] == []
    assert access.grant_for(peer, citizen) is not None and member is not None
    request = PeerRequest.objects.get()
    answer = reverse("recovery:peer_answer", args=[citizen.pk, request.pk])
    login(coordinator).post(answer, {"answer": "Lise er likepersonen din. Hun ringer deg på mandag."})
    assert "Lise er likepersonen din" in login(citizen.user).get(url).content.decode()


def test_only_the_coordinator_answers_and_only_the_citizen_asks(citizen, coordinator, care_team_member, gp, login):
    url = reverse("recovery:peer_support", args=[citizen.pk])
    assert login(coordinator).post(url, {"wish": "x"}).status_code == 403
    assert login(gp).get(url).status_code == 403
    request = PeerRequest.objects.create(citizen=citizen, asked_by=citizen.user)
    answer = reverse("recovery:peer_answer", args=[citizen.pk, request.pk])
    assert login(gp).post(answer, {"answer": "Ja"}).status_code == 403
    request.refresh_from_db()
    assert request.answered_at is None


def test_a_written_version_cannot_be_changed_or_deleted_on_postgresql(citizen, login):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the append-only triggers are PostgreSQL's (audit.append_only)")
    login(citizen.user).post(reverse("recovery:development_plan_edit", args=[citizen.pk]), PLAN)
    plan = DevelopmentPlan.objects.get()
    for attempt in (lambda: DevelopmentPlan.objects.filter(pk=plan.pk).update(strengths="x"), plan.delete):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert DevelopmentPlan.objects.get().strengths == ""
