"""Every URL of the project, walked from the resolver: nobody reaches a citizen without the
access policy, and every refusal is logged. A new URL without a case here fails the suite."""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import ApiToken
from audit.models import AccessEvent
from fhir_api.models import BulkExport, BulkFile
from groups import actions as group_actions
from groups.models import LearningLog
from incidents import actions as incident_actions
from journal import actions as journal_actions
from measures import actions as measures_actions
from pathways import actions as pathway_actions
from pathways.models import PathwayTemplate
from people import access, actions
from people.models import Block, CareTeamMember
from plans import actions as plan_actions
from recovery.models import PeerRequest
from relatives import actions as relative_actions

# Pages anyone may open (or that handle their own login, like the admin).
PUBLIC = {
    "accounts:login",
    "accounts:logout",
    "people:activate",
    "set_language",
    "fhir:root",
    "fhir:metadata",
    "fhir:smart_configuration",
    "accounts:smart_token",
    "gatherings:answer",
    "relatives:activate",
}
# Staff pages that show no single citizen; anonymous users are sent to log in.
LOGIN_REQUIRED = {
    "worklist:worklist",
    "home",
    "people:citizen_list",
    "people:citizen_create",
    "people:citizen_home",
    "people:emergency_start",
    "people:emergency_review_list",
    "accounts:otp_verify",
    "accounts:otp_setup",
    "measures:checkin",
    "notify:calendar",
    "notify:calendar_create",
    "notify:calendar_stop",
    "groups:learning_summary",
    "insights:report",
    "insights:outcomes_csv",
    "insights:outcomes_pdf",
    "gatherings:list",
    "gatherings:create",
    "gatherings:compare",
    "gatherings:rounds",
    "gatherings:round_summary",
    "improvement:teams",
    "improvement:team_new",
    "incidents:report",
    "social_emergency:registers",
    "relatives:home",
}
# Objects that belong to a citizen but are not addressed through the citizen's id.
CITIZEN_OBJECTS_ELSEWHERE = {
    "people:emergency_review",
    "fhir:questionnaire_response_create",
    "fhir:questionnaire_response_read",
    "fhir:observation_search",
    "fhir:observation_read",
    "fhir:care_team_search",
    "fhir:goal_search",
    "fhir:goal_read",
    "fhir:care_plan_search",
    "fhir:care_plan_read",
    "fhir:appointment_search",
    "fhir:composition_search",
    "fhir:task_search",
    "fhir:appointment_read",
    "fhir:composition_read",
    "fhir:task_read",
    "fhir:related_person_search",
    "fhir:related_person_read",
    "fhir:consent_search",
    "fhir:consent_read",
}
# The search parameter that names the citizen, where it is not ``subject``.
PATIENT_PARAMETER = {
    "fhir:appointment_search": "patient",
    "fhir:task_search": "patient",
    "fhir:related_person_search": "patient",
    "fhir:consent_search": "patient",
}
FHIR_LIST = {
    "fhir:patient_search",
    "fhir:patient_search_post",
    "fhir:questionnaire_search",
    "fhir:questionnaire_read",
    # A unit's citizens or a caseload: members only those the reader may open, each read logged
    # (fhir_api/tests/test_cohorts.py).
    "fhir:group_search",
    "fhir:group_read",
}
# Bulk export: kick-off, status and files. Each export is its requester's alone and holds only what
# the policy lets them see when it runs, each citizen logged (fhir_api/tests/test_bulk.py).
FHIR_BULK = {
    "fhir:system_export",
    "fhir:patient_export",
    "fhir:group_export",
    "fhir:bulk_status",
    "fhir:bulk_file",
}
# No login: a secret token in the address is the key (the staff member's calendar feed).
TOKEN_URLS = {"notify:feed"}
# A public page whose key is in the address (a course-evaluation card's code): a bad key is a 400.
KEY_IN_ADDRESS = {"gatherings:answer_code"}
# Staff pages addressed by a unit's object (a gathering, an interview round, an improvement team),
# not by a citizen: anonymous users are sent to log in; the apps' own tests refuse other units.
UNIT_OBJECTS = {
    "gatherings:gathering",
    "gatherings:cards",
    "gatherings:round_interview",
    "improvement:team",
    "improvement:team_edit",
    "improvement:cycle_new",
    "improvement:cycle",
    "improvement:checklist",
    # A social emergency unit's contact register (social_emergency/tests refuse other units, citizens, anonymous).
    "social_emergency:record",
    "social_emergency:recorded",
    "social_emergency:link",
    "social_emergency:figures",
}
# Aggregate reports for other systems: a session or a bearer token; anonymous gets 401, never a redirect.
SESSION_OR_BEARER = {"insights:outcomes_json"}


def walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            child_ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, child_ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or '<unnamed>'}", entry


ROUTES = [(name, pattern) for name, pattern in walk(get_resolver().url_patterns)]


def citizen_routes():
    return sorted(name for name, p in ROUTES if "citizen_id" in p.pattern.converters)


def test_every_url_has_a_name_and_a_case():
    unclassified = []
    for name, _pattern in ROUTES:
        if name.startswith("admin:"):
            continue
        known = (
            PUBLIC
            | LOGIN_REQUIRED
            | CITIZEN_OBJECTS_ELSEWHERE
            | FHIR_LIST
            | FHIR_BULK
            | TOKEN_URLS
            | SESSION_OR_BEARER
            | KEY_IN_ADDRESS
            | UNIT_OBJECTS
        ) | set(citizen_routes())
        if name not in known:
            unclassified.append(name)
    assert unclassified == [], f"URLs without an access case in tests/test_routes.py: {unclassified}"


def test_citizen_data_is_not_in_the_admin():
    from django.contrib import admin

    from people.models import AccessCode, CareTeamMember, Citizen, EmergencyAccess

    for model in (Citizen, CareTeamMember, Block, AccessCode, EmergencyAccess, AccessEvent):
        assert not admin.site.is_registered(model), model


@pytest.fixture
def objects(citizen, care_team_member, gp, outsider, coordinator, phq9):
    block = Block.objects.create(citizen=citizen, blocked_user=gp)
    grant = access.grant_for(coordinator, citizen)
    response = measures_actions.start_response(grant, phq9, acting_user=coordinator)
    goal = measures_actions.add_goal(grant, acting_user=coordinator, text="Sove bedre")
    plan = plan_actions.start_draft(grant, acting_user=coordinator)
    intervention = plan_actions.save_intervention(
        grant, plan, acting_user=coordinator, what="Samtale", responsible=care_team_member, how="", frequency=""
    )
    comment = plan_actions.add_comment(grant, plan, acting_user=coordinator, section="plan", text="Husk tannlege")
    template = PathwayTemplate.objects.create(key="test", name="Test", first_contact_days=7)
    episode = pathway_actions.register_referral(
        grant,
        acting_user=coordinator,
        template=template,
        received=timezone.localdate(),
        source="self",
        reason="Test",
        unit=coordinator.staff_profile.organisation,
    )
    appointment = pathway_actions.add_appointment(
        grant,
        acting_user=coordinator,
        staff=coordinator,
        kind="phone",
        title="Telefon",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        duration_minutes=20,
        episode=episode,
    )
    note = journal_actions.create_note(grant, kind="standard", acting_user=coordinator, assessment="Stabil")
    group, agreement = group_actions.propose_group(
        grant,
        acting_user=coordinator,
        text=group_actions.AgreementText(purpose="Bolig", meeting_frequency="Hver måned", ending="Når målene er nådd"),
        members=[
            group_actions.MemberSpec(
                care_team_member=CareTeamMember.objects.get(citizen=citizen, user=coordinator),
                role="municipal_coordinator",
            ),
            group_actions.MemberSpec(care_team_member=care_team_member),
        ],
    )
    group_actions.answer_agreement(
        access.grant_for(citizen.user, citizen), agreement, acting_user=citizen.user, consent="yes"
    )
    meeting = group_actions.plan_meeting(
        grant,
        group,
        acting_user=coordinator,
        kind="responsibility_group",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        duration_minutes=60,
        place="Rådhuset",
        members=list(agreement.members.all()),
    )
    item = group_actions.add_agenda_point(grant, meeting, acting_user=coordinator, title="Bolig")
    task = group_actions.add_task(
        grant,
        meeting,
        acting_user=coordinator,
        what="Ringe huseier",
        responsible=agreement.members.get(role="municipal_coordinator"),
        due_on=timezone.localdate(),
    )
    minutes = group_actions.start_minutes(grant, meeting, acting_user=coordinator)
    log = LearningLog.objects.create(
        group=group, citizen=citizen, number=1, event_on=timezone.localdate(), outcome="success", event="Godt møte"
    )
    # A finished bulk export of the coordinator's, with one (empty) file.
    export = BulkExport.objects.create(
        user=coordinator,
        level=BulkExport.Level.PATIENT,
        types=["Patient"],
        request_url="http://testserver/fhir/Patient/$export",
        status=BulkExport.Status.DONE,
        transaction_time=timezone.now(),
        finished_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    BulkFile.objects.create(export=export, resource_type="Patient")
    incident = incident_actions.record_incident(
        grant,
        acting_user=coordinator,
        occurred_at=timezone.now() - datetime.timedelta(hours=2),
        what_happened="Ropte i gangen",
        injuries=["none"],
    )
    relative = relative_actions.add_relative(grant, acting_user=coordinator, name="Odd Innbygger", relation="sibling")
    consent = relative_actions.give_consent(
        grant, relative, ["crisis_plan"], acting_user=coordinator, confirmed_with_citizen=True
    )
    peer_request = PeerRequest.objects.create(citizen=citizen, asked_by=citizen.user)
    child = relative_actions.add_child(grant, acting_user=coordinator, name="Mia", birth_year=2018, lives_with="shared")
    return {
        "citizen_id": citizen.pk,
        "member_id": care_team_member.pk,
        "block_id": block.pk,
        "response_id": response.pk,
        "questionnaire_id": phq9.pk,
        "goal_id": goal.pk,
        "version_id": plan.pk,
        "key": "what_matters",
        "kind": "interventions",
        "row_id": intervention.pk,
        "comment_id": comment.pk,
        "episode_id": episode.pk,
        "appointment_id": appointment.pk,
        "note_id": note.pk,
        "meeting_id": meeting.pk,
        "item_id": item.pk,
        "task_id": task.pk,
        "minutes_id": minutes.pk,
        "log_id": log.pk,
        "export_id": export.pk,
        "incident_id": incident.pk,
        "relative_id": relative.pk,
        "consent_id": consent.pk,
        "child_id": child.pk,
        "request_id": peer_request.pk,
        "name": "Patient-1.ndjson",
    }


def url_for(name, pattern, objects):
    kwargs = {key: objects[key] for key in pattern.pattern.converters}
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("name", citizen_routes())
def test_outsider_is_refused_every_citizen_url_and_the_refusal_is_logged(name, login, outsider, objects, client):
    pattern = dict(ROUTES)[name]
    url = url_for(name, pattern, objects)
    if name.startswith("fhir:"):
        token = ApiToken.issue(outsider)
        statuses = {client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code}
    else:
        client = login(outsider)
        statuses = {client.get(url).status_code, client.post(url).status_code}
    assert 404 in statuses and statuses <= {404, 405}, (url, statuses)
    assert AccessEvent.objects.filter(
        citizen_id=objects["citizen_id"], actor_id=outsider.pk, action=AccessEvent.Action.DENIED
    ).exists(), f"{url}: refusal not logged"
    assert not AccessEvent.objects.filter(actor_id=outsider.pk).exclude(action="denied").exists()


@pytest.mark.parametrize("name", citizen_routes())
def test_anonymous_is_sent_to_log_in_or_gets_401(name, client, objects):
    pattern = dict(ROUTES)[name]
    url = url_for(name, pattern, objects)
    response = client.get(url)
    if name.startswith("fhir:"):
        assert response.status_code == 401
    else:
        assert response.status_code in (302, 405)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:login"))
    assert not AccessEvent.objects.filter(actor_id=None).exclude(action="denied").exists()


@pytest.mark.parametrize("name", sorted(LOGIN_REQUIRED))
def test_anonymous_is_sent_to_log_in_on_staff_pages(name, client):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_outsider_cannot_review_emergency_access_and_is_logged(login, outsider, coordinator, make_citizen, make_staff):
    someone = make_staff("someone")
    citizen = make_citizen(coordinator)
    access = actions.start_emergency_access(acting_user=someone, citizen=citizen, reason="Akutt, trenger kriseplanen")
    response = login(outsider).post(reverse("people:emergency_review", args=[access.pk]))
    assert response.status_code == 403
    assert AccessEvent.objects.filter(citizen_id=citizen.pk, actor_id=outsider.pk, action="denied").exists()


@pytest.mark.parametrize("name", sorted(TOKEN_URLS))
def test_a_bad_token_gets_404_and_reads_nothing(name, client, objects):
    events = AccessEvent.objects.count()
    for token in ("x" * 43, "not-a-token"):
        assert client.get(reverse(name, kwargs={"token": token})).status_code == 404
    assert AccessEvent.objects.count() == events


@pytest.mark.parametrize("name", sorted(FHIR_LIST))
def test_fhir_search_needs_a_token(name, client, phq9):
    kwargs = {"fhir:questionnaire_read": {"questionnaire_id": phq9.pk}, "fhir:group_read": {"group_id": "unit-1"}}
    kwargs = kwargs.get(name, {})
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 401


@pytest.mark.parametrize("name", sorted(FHIR_BULK))
def test_bulk_export_needs_a_token(name, client):
    kwargs = {"group_id": "unit-1", "export_id": "00000000-0000-0000-0000-000000000000", "name": "Patient-1.ndjson"}
    pattern = dict(ROUTES)[name]
    url = reverse(name, kwargs={key: kwargs[key] for key in pattern.pattern.converters})
    assert client.get(url, HTTP_PREFER="respond-async").status_code == 401


FHIR_ELSEWHERE = sorted(CITIZEN_OBJECTS_ELSEWHERE - {"people:emergency_review"})


@pytest.mark.parametrize("name", FHIR_ELSEWHERE)
def test_fhir_citizen_objects_need_a_token(name, client, objects):
    pattern = dict(ROUTES)[name]
    # No score in the fixture: the token is checked before the id is looked up.
    kwargs = {key: objects.get(key, 1) for key in pattern.pattern.converters}
    method = "GET" if "read" in name or "search" in name else "POST"
    assert client.generic(method, reverse(name, kwargs=kwargs)).status_code == 401


@pytest.mark.parametrize("name", [n for n in FHIR_ELSEWHERE if n.endswith(("_read", "_search"))])
def test_outsider_is_refused_fhir_objects_addressed_elsewhere_and_the_refusal_is_logged(
    name, client, outsider, objects
):
    if name == "fhir:observation_read":
        pytest.skip("no score in the fixture; fhir_api/tests/test_measures_api.py refuses an outsider")
    pattern = dict(ROUTES)[name]
    url = reverse(name, kwargs={key: objects[key] for key in pattern.pattern.converters})
    parameter = PATIENT_PARAMETER.get(name, "subject")
    query = {parameter: f"Patient/{objects['citizen_id']}"} if name.endswith("_search") else {}
    token = ApiToken.issue(outsider)
    assert client.get(url, query, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404
    assert AccessEvent.objects.filter(
        citizen_id=objects["citizen_id"], actor_id=outsider.pk, action=AccessEvent.Action.DENIED
    ).exists(), f"{url}: refusal not logged"
    assert not AccessEvent.objects.filter(actor_id=outsider.pk).exclude(action="denied").exists()


@pytest.mark.parametrize("name", sorted(SESSION_OR_BEARER))
def test_aggregate_apis_answer_anonymous_with_401(name, client, db):
    response = client.get(reverse(name))
    assert response.status_code == 401 and "Bearer" in response["WWW-Authenticate"]
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("name", sorted(UNIT_OBJECTS))
def test_unit_objects_send_anonymous_to_log_in(name, client, db):
    pattern = dict(ROUTES)[name]
    url = reverse(name, kwargs=dict.fromkeys(pattern.pattern.converters, 1))
    response = client.get(url)
    assert response.status_code in (302, 405)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:login"))
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", sorted(KEY_IN_ADDRESS))
def test_a_bad_key_in_the_address_is_refused_and_saves_nothing(name, client, db):
    assert client.get(reverse(name, kwargs={"code": "NOT-A-CODE"})).status_code in (400, 404)
    assert not AccessEvent.objects.exists()
