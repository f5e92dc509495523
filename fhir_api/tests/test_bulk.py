"""Bulk Data Access: kick-off at the three levels, polling, the manifest, download, cancel and
expiry, exactly what the requester may see under the access policy, and one access-log event per
exported citizen."""

import datetime
import json

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from accounts import smart
from accounts.models import ApiToken, SystemClient
from audit.models import AccessEvent
from fhir_api.export import EXPORT_SECTION
from fhir_api.models import BulkExport
from measures import actions as measures_actions
from measures.models import Score
from people import access
from people.models import Block, CareTeamMember, Organisation, Section
from plans import actions as plan_actions
from relatives import actions as relative_actions
from tests.concurrency import first_two_at_once

ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


@pytest.fixture
def world(municipality, coordinator, make_staff, make_citizen, phq9):
    """Two citizens of the coordinator's (one with a goal, a PHQ-9 and a plan), one of a colleague
    in the same unit, one of another municipality."""
    mine = [make_citizen(coordinator, "Ingrid"), make_citizen(coordinator, "Odd")]
    grant = access.grant_for(coordinator, mine[0])
    measures_actions.add_goal(grant, acting_user=coordinator, text="Sove bedre")
    measures_actions.record_response(
        grant,
        phq9,
        {f"phq9-{n}": "LA6569-3" for n in range(1, 10)},  # "several days" (1) on each of nine items
        acting_user=coordinator,
        idempotency_key="k1",
        status="completed",
    )
    plan_actions.start_draft(grant, acting_user=coordinator)
    colleague = make_staff("kollega")
    theirs = make_citizen(colleague, "Kollegas")
    elsewhere = Organisation.objects.create(name="Annen kommune", org_type=Organisation.Type.MUNICIPAL)
    other = make_citizen(make_staff("annen", elsewhere), "Annen")
    return {"mine": mine, "theirs": theirs, "other": other, "colleague": colleague, "elsewhere": elsewhere}


@pytest.fixture
def bulk(client, django_capture_on_commit_callbacks):
    """``bulk.kick_off(token, url)`` → the response (the export runs at commit, unless ``run=False``);
    ``bulk.get(token, url)``, ``bulk.delete(token, url)``; ``bulk.files(token, manifest)`` → {type: [resources]}."""

    class Bulk:
        def kick_off(self, token, url, data=None, *, run=True, method="get", headers=ASYNC):
            with django_capture_on_commit_callbacks(execute=run):
                send = getattr(client, method)
                if method == "post":
                    return send(
                        url,
                        json.dumps(data) if data is not None else "",
                        content_type="application/fhir+json",
                        HTTP_AUTHORIZATION=f"Bearer {token}",
                        **headers,
                    )
                return send(url, data, HTTP_AUTHORIZATION=f"Bearer {token}", **headers)

        def get(self, token, url):
            return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")

        def delete(self, token, url):
            return client.delete(url, HTTP_AUTHORIZATION=f"Bearer {token}")

        def manifest(self, token, kicked):
            assert kicked.status_code == 202, kicked.content
            status = self.get(token, kicked["Content-Location"])
            assert status.status_code == 200, status.content
            return status.json()

        def files(self, token, manifest):
            found = {}
            for output in manifest["output"]:
                response = self.get(token, output["url"])
                assert response.status_code == 200
                assert response["Content-Type"] == "application/fhir+ndjson"
                lines = b"".join(response.streaming_content).decode().splitlines()
                assert len(lines) == output["count"]
                resources = [json.loads(line) for line in lines]
                for resource in resources:
                    assert resource["resourceType"] == output["type"]
                    get_fhir_model_class(output["type"]).model_validate(resource)
                found[output["type"]] = resources
            return found

    return Bulk()


def token_of(user):
    return ApiToken.issue(user)


def patients(files):
    return sorted(int(p["id"]) for p in files.get("Patient", []))


def test_a_coordinator_exports_their_citizens_and_each_is_logged_once(bulk, coordinator, world):
    token = token_of(coordinator)
    kicked = bulk.kick_off(token, "/fhir/Patient/$export")
    assert kicked["Content-Location"].startswith("http://testserver/fhir/bulk/")
    manifest = bulk.manifest(token, kicked)
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"] == "http://testserver/fhir/Patient/$export"
    assert datetime.datetime.fromisoformat(manifest["transactionTime"]) <= timezone.now()
    assert manifest["error"] == []
    files = bulk.files(token, manifest)
    mine = sorted(c.pk for c in world["mine"])
    assert patients(files) == mine  # not the colleague's, not the other municipality's
    assert {r["subject"]["reference"] for r in files["Observation"]} == {f"Patient/{mine[0]}"}
    assert files["Observation"][0]["valueInteger"] == 9
    assert [g["description"]["text"] for g in files["Goal"]] == ["Sove bedre"]
    assert len(files["CarePlan"]) == 1 and len(files["CareTeam"]) == 2
    assert len(files["QuestionnaireResponse"]) == 1 and files["Questionnaire"]
    assert all("versionId" in r["meta"] and "lastUpdated" in r["meta"] for rs in files.values() for r in rs)
    events = AccessEvent.objects.filter(section=EXPORT_SECTION)
    assert sorted(events.values_list("citizen_id", flat=True)) == mine  # one per citizen, whatever was taken
    assert {e.actor_id for e in events} == {coordinator.pk} and {e.ground for e in events} == {"care_team"}
    assert "Patient, CareTeam, Goal, CarePlan, QuestionnaireResponse, Observation" in events[0].detail


def test_type_keeps_only_the_types_asked_for_and_since_only_what_changed_after(bulk, coordinator, world):
    token = token_of(coordinator)
    manifest = bulk.manifest(token, bulk.kick_off(token, "/fhir/Patient/$export", {"_type": "Patient,Observation"}))
    assert sorted(o["type"] for o in manifest["output"]) == ["Observation", "Patient"]
    BulkExport.objects.update(status=BulkExport.Status.DONE)
    later = timezone.now() + datetime.timedelta(hours=1)
    with time_machine.travel(later):
        odd = world["mine"][1]
        odd.phone = "99999999"
        odd.save()
        since = (later - datetime.timedelta(minutes=1)).isoformat()
        files = bulk.files(
            token, bulk.manifest(token, bulk.kick_off(token, "/fhir/Patient/$export", {"_since": since}))
        )
    assert patients(files) == [odd.pk]  # only the citizen changed since; nothing else changed
    assert set(files) == {"Patient"}


def test_a_post_kick_off_takes_a_parameters_resource(bulk, coordinator, world):
    token = token_of(coordinator)
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "_type", "valueString": "Goal"},
            {"name": "_outputFormat", "valueString": "application/fhir+ndjson"},
        ],
    }
    manifest = bulk.manifest(token, bulk.kick_off(token, "/fhir/Patient/$export", method="post", data=body))
    assert [o["type"] for o in manifest["output"]] == ["Goal"]


def test_a_group_export_is_the_groups_members_the_reader_may_open(bulk, coordinator, municipality, world):
    token = token_of(coordinator)
    files = bulk.files(token, bulk.manifest(token, bulk.kick_off(token, f"/fhir/Group/unit-{municipality.pk}/$export")))
    assert patients(files) == sorted(c.pk for c in world["mine"])
    BulkExport.objects.update(status=BulkExport.Status.DONE)
    caseload = bulk.kick_off(token, f"/fhir/Group/caseload-{coordinator.pk}/$export", {"_type": "Patient"})
    assert patients(bulk.files(token, bulk.manifest(token, caseload))) == sorted(c.pk for c in world["mine"])
    for group_id in (f"unit-{world['elsewhere'].pk}", f"caseload-{world['colleague'].pk}", "x"):
        assert bulk.kick_off(token, f"/fhir/Group/{group_id}/$export").status_code == 404


def test_blocks_and_ended_roles_are_honoured_when_the_export_runs(
    bulk, coordinator, world, django_capture_on_commit_callbacks
):
    from fhir_api import tasks

    token = token_of(coordinator)
    kicked = bulk.kick_off(token, "/fhir/Patient/$export", run=False)
    assert bulk.get(token, kicked["Content-Location"]).status_code == 202
    ingrid, odd = world["mine"]
    Block.objects.create(citizen=ingrid, blocked_user=coordinator)  # after the kick-off, before it runs
    CareTeamMember.objects.filter(citizen=odd, user=coordinator).update(
        active_to=timezone.localdate() - datetime.timedelta(days=1)
    )
    tasks.run_bulk_export.enqueue(str(BulkExport.objects.get().pk))
    manifest = bulk.manifest(token, kicked)
    assert manifest["output"] == [] or "Patient" not in {o["type"] for o in manifest["output"]}
    assert not AccessEvent.objects.filter(section=EXPORT_SECTION).exists()


def test_an_outsiders_export_holds_no_citizen(bulk, outsider, world):
    token = token_of(outsider)
    files = bulk.files(token, bulk.manifest(token, bulk.kick_off(token, "/fhir/Patient/$export")))
    assert set(files) <= {"Questionnaire"}  # the forms, which are nobody's data
    assert not AccessEvent.objects.filter(section=EXPORT_SECTION).exists()


def test_a_team_member_gets_only_the_types_their_sections_show(bulk, citizen, care_team_member, gp):
    token = token_of(gp)  # the GP sees the overview and measures, not the plan
    files = bulk.files(token, bulk.manifest(token, bulk.kick_off(token, "/fhir/Patient/$export")))
    assert patients(files) == [citizen.pk]
    assert "CarePlan" not in files
    event = AccessEvent.objects.get(section=EXPORT_SECTION)
    assert "CarePlan" not in event.detail and "Patient" in event.detail


def test_polling_says_how_far_it_has_come_until_the_manifest(bulk, coordinator, world):
    from fhir_api import tasks

    token = token_of(coordinator)
    kicked = bulk.kick_off(token, "/fhir/Patient/$export", run=False)
    waiting = bulk.get(token, kicked["Content-Location"])
    assert waiting.status_code == 202
    assert waiting["X-Progress"] == "queued" and int(waiting["Retry-After"]) > 0
    assert bulk.kick_off(token, "/fhir/Patient/$export").status_code == 429  # one at a time
    tasks.run_bulk_export.enqueue(str(BulkExport.objects.get().pk))
    done = bulk.get(token, kicked["Content-Location"])
    assert done.status_code == 200 and "Expires" in done


def test_another_user_can_neither_poll_nor_download_nor_cancel(bulk, coordinator, world):
    token = token_of(coordinator)
    kicked = bulk.kick_off(token, "/fhir/Patient/$export")
    manifest = bulk.manifest(token, kicked)
    stranger = token_of(world["colleague"])
    assert bulk.get(stranger, kicked["Content-Location"]).status_code == 404
    assert bulk.delete(stranger, kicked["Content-Location"]).status_code == 404
    for output in manifest["output"]:
        assert bulk.get(stranger, output["url"]).status_code == 404
        assert bulk.get("", output["url"]).status_code == 401
    assert bulk.get(token, kicked["Content-Location"]).status_code == 200  # still there for its owner


def test_cancel_deletes_the_files_and_the_export_is_gone(bulk, coordinator, world, bulk_export_dir):
    token = token_of(coordinator)
    kicked = bulk.kick_off(token, "/fhir/Patient/$export")
    manifest = bulk.manifest(token, kicked)
    assert any(bulk_export_dir.iterdir())
    cancelled = bulk.delete(token, kicked["Content-Location"])
    assert cancelled.status_code == 202
    assert bulk.get(token, kicked["Content-Location"]).status_code == 404
    assert bulk.get(token, manifest["output"][0]["url"]).status_code == 404
    assert not any(bulk_export_dir.iterdir())


def test_a_cancelled_export_that_had_not_run_writes_nothing(bulk, coordinator, world, bulk_export_dir):
    from fhir_api import tasks

    token = token_of(coordinator)
    kicked = bulk.kick_off(token, "/fhir/Patient/$export", run=False)
    assert bulk.delete(token, kicked["Content-Location"]).status_code == 202
    tasks.run_bulk_export.enqueue(str(BulkExport.objects.get().pk))
    assert not bulk_export_dir.exists() or not any(bulk_export_dir.iterdir())
    assert not AccessEvent.objects.filter(section=EXPORT_SECTION).exists()


def test_files_expire_and_are_deleted(bulk, coordinator, world, bulk_export_dir, settings):
    settings.BULK_EXPORT_EXPIRES_HOURS = 2
    token = token_of(coordinator)
    kicked = bulk.kick_off(token, "/fhir/Patient/$export")
    manifest = bulk.manifest(token, kicked)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        assert bulk.get(token, manifest["output"][0]["url"]).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=3)):
        call_command("expire_bulk_exports")
        assert not any(bulk_export_dir.iterdir())
        assert bulk.get(token, kicked["Content-Location"]).status_code == 404
        assert bulk.get(token, manifest["output"][0]["url"]).status_code == 404
    assert BulkExport.objects.get().status == BulkExport.Status.EXPIRED


def test_an_expired_export_is_refused_even_before_the_cleanup_runs(bulk, coordinator, world, bulk_export_dir):
    token = token_of(coordinator)
    kicked = bulk.kick_off(token, "/fhir/Patient/$export")
    manifest = bulk.manifest(token, kicked)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert bulk.get(token, manifest["output"][0]["url"]).status_code == 404
    assert not any(bulk_export_dir.iterdir())


@pytest.mark.parametrize(
    ("params", "headers", "status", "expression"),
    [
        ({}, {}, 400, "Prefer"),  # no Prefer: respond-async
        ({"_type": "Patient,Practitioner"}, ASYNC, 400, "_type"),
        ({"_since": "yesterday"}, ASYNC, 400, "_since"),
        ({"_since": "2026-01-01T00:00:00"}, ASYNC, 400, "_since"),  # no time zone
        ({"_since": "2026-02-30T00:00:00Z"}, ASYNC, 400, "_since"),
        ({"_outputFormat": "text/csv"}, ASYNC, 400, "_outputFormat"),
        ({"_typeFilter": "Observation?code=x"}, ASYNC, 400, "_typeFilter"),
        ({"patient": "Patient/1"}, ASYNC, 400, "patient"),
    ],
)
def test_bad_kick_offs_are_refused_with_an_outcome_and_start_nothing(
    bulk, coordinator, params, headers, status, expression
):
    response = bulk.kick_off(token_of(coordinator), "/fhir/Patient/$export", params, headers=headers)
    assert response.status_code == status
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == [expression]
    assert not BulkExport.objects.exists()


def test_lenient_handling_drops_what_it_does_not_know(bulk, coordinator, world):
    headers = {**ASYNC, "HTTP_PREFER": "respond-async, handling=lenient"}
    token = token_of(coordinator)
    kicked = bulk.kick_off(token, "/fhir/Patient/$export", {"_typeFilter": "x", "_type": "Patient"}, headers=headers)
    assert [o["type"] for o in bulk.manifest(token, kicked)["output"]] == ["Patient"]


def test_a_bad_post_body_is_refused(bulk, coordinator):
    token = token_of(coordinator)
    for body in ({"resourceType": "Patient"}, {"resourceType": "Parameters", "parameter": [{"name": "_type"}]}):
        response = bulk.kick_off(token, "/fhir/Patient/$export", method="post", data=body)
        assert response.status_code == 400, body
    assert not BulkExport.objects.exists()


def test_polling_an_unknown_export_is_a_404_outcome(bulk, coordinator):
    response = bulk.get(token_of(coordinator), "/fhir/bulk/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and response.json()["resourceType"] == "OperationOutcome"


def test_a_person_may_not_start_a_system_export(bulk, coordinator):
    response = bulk.kick_off(token_of(coordinator), "/fhir/$export")
    assert response.status_code == 403
    assert not BulkExport.objects.exists()


# System clients --------------------------------------------------------------------------------


@pytest.fixture
def register(municipality):
    client = SystemClient.objects.create(name="Register", sections=[Section.OVERVIEW, Section.MEASURES])
    client.units.add(municipality)
    return client


def test_a_system_client_exports_its_units_citizens_in_its_sections(bulk, register, world):
    token = smart.issue_token(register, "system/*.rs")
    files = bulk.files(token, bulk.manifest(token, bulk.kick_off(token, "/fhir/$export")))
    served = sorted([*(c.pk for c in world["mine"]), world["theirs"].pk])
    assert patients(files) == served  # the unit's citizens, the colleague's too; not the other municipality's
    assert "CarePlan" not in files  # registered for the overview and measures only
    assert [o["subject"]["reference"] for o in files["Observation"]] == [f"Patient/{world['mine'][0].pk}"]
    events = AccessEvent.objects.filter(section=EXPORT_SECTION)
    assert sorted(events.values_list("citizen_id", flat=True)) == served
    assert {e.client_id for e in events} == {register.pk} and {e.actor_label for e in events} == {
        "Register (system client)"
    }


def test_a_system_clients_scopes_limit_the_types(bulk, register, world):
    token = smart.issue_token(register, "system/Patient.rs")
    manifest = bulk.manifest(token, bulk.kick_off(token, "/fhir/$export"))
    assert {o["type"] for o in manifest["output"]} == {"Patient"}
    BulkExport.objects.update(status=BulkExport.Status.DONE)
    refused = bulk.kick_off(token, "/fhir/$export", {"_type": "Observation"})
    assert refused.status_code == 403 and refused.json()["issue"][0]["expression"] == ["_type"]


def test_a_revoked_client_is_refused_and_its_queued_export_fails(bulk, register, world):
    from fhir_api import tasks

    token = smart.issue_token(register, "system/*.rs")
    kicked = bulk.kick_off(token, "/fhir/$export", run=False)
    SystemClient.objects.filter(pk=register.pk).update(revoked_at=timezone.now())
    assert bulk.get(token, kicked["Content-Location"]).status_code == 401
    tasks.run_bulk_export.enqueue(str(BulkExport.objects.get().pk))
    assert BulkExport.objects.get().status == BulkExport.Status.FAILED
    assert not AccessEvent.objects.filter(section=EXPORT_SECTION).exists()


def test_the_capability_statement_names_the_export_operations(client):
    rest = client.get("/fhir/metadata").json()["rest"][0]
    assert {"name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"} in rest[
        "operation"
    ]
    by_type = {r["type"]: r for r in rest["resource"]}
    for resource_type, name in (("Patient", "export"), ("Group", "export")):
        assert name in [o["name"] for o in by_type[resource_type].get("operation", [])]


def test_an_export_lost_on_the_way_fails_and_no_longer_holds_the_requester_back(bulk, coordinator, world, settings):
    settings.BULK_EXPORT_EXPIRES_HOURS = 2
    token = token_of(coordinator)
    kicked = bulk.kick_off(token, "/fhir/Patient/$export", run=False)  # a worker that never comes
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=3)):
        assert bulk.kick_off(token, "/fhir/Patient/$export", run=False).status_code == 202
        call_command("expire_bulk_exports")
        response = bulk.get(token, kicked["Content-Location"])
    assert response.status_code == 500 and "lost" in response.json()["issue"][0]["diagnostics"]


def test_an_exported_resource_is_what_a_read_of_it_gives(bulk, coordinator, world, shipped):
    """Same mapping, same versionId: a client may mix exports and reads (and If-None-Match them)."""
    grant = access.grant_for(coordinator, world["mine"][0])
    started = measures_actions.start_response(grant, shipped["gad7"], acting_user=coordinator)  # in progress
    Score.objects.create(  # a score without a total: its reason comes from the scoring's working
        response=started,
        citizen=world["mine"][0],
        instrument="gad7",
        total=None,
        result={"reason": "Too many items missing"},
        effective_at=timezone.now(),
    )
    odd = relative_actions.add_relative(grant, acting_user=coordinator, name="Odd", relation="sibling", phone="9")
    earlier = relative_actions.give_consent(grant, odd, ["plan"], acting_user=coordinator, confirmed_with_citizen=True)
    relative_actions.revoke_consent(grant, earlier, acting_user=coordinator)
    relative_actions.give_consent(grant, odd, ["crisis_plan"], acting_user=coordinator, confirmed_with_citizen=True)
    token = token_of(coordinator)
    files = bulk.files(token, bulk.manifest(token, bulk.kick_off(token, "/fhir/Patient/$export")))
    assert len(files["QuestionnaireResponse"]) == 2
    assert [c["status"] for c in files["Consent"]] == ["active", "inactive"]
    assert [p["name"][0]["text"] for p in files["RelatedPerson"]] == ["Odd"]
    assert [o.get("dataAbsentReason", {}).get("text") for o in files["Observation"]] == [None, "Too many items missing"]
    for resource_type, resources in files.items():
        for resource in resources:
            read = bulk.get(token, f"/fhir/{resource_type}/{resource['id']}")
            assert read.status_code == 200, (resource_type, resource["id"])
            assert read.json() == resource, resource_type
            assert read["ETag"] == f'W/"{resource["meta"]["versionId"]}"'


@pytest.mark.parametrize("level", ["patient", "group", "system"])
def test_each_level_takes_type_and_since(bulk, coordinator, register, municipality, world, level):
    """At each level, ``_type`` keeps the types asked for and ``_since`` what changed after it."""
    url = {
        "patient": "/fhir/Patient/$export",
        "group": f"/fhir/Group/unit-{municipality.pk}/$export",
        "system": "/fhir/$export",
    }[level]
    odd = world["mine"][1]
    later = timezone.now() + datetime.timedelta(hours=1)
    with time_machine.travel(later):
        # A system client's token lives five minutes: issued in the hour the test travels to.
        token = smart.issue_token(register, "system/*.rs") if level == "system" else token_of(coordinator)
        odd.email = "odd@example.no"
        odd.save()
        since = (later - datetime.timedelta(minutes=1)).isoformat()
        kicked = bulk.kick_off(token, url, {"_type": "Patient,Goal", "_since": since})
        files = bulk.files(token, bulk.manifest(token, kicked))
    assert set(files) == {"Patient"}  # no goal changed since; Odd did
    assert patients(files) == [odd.pk]


def test_a_citizen_reached_only_by_emergency_access_is_not_exported(bulk, coordinator, world, make_staff):
    """Emergency access opens a record in an emergency; it does not let a record be taken out in bulk."""
    from people import actions as people_actions

    on_call = make_staff("vakt")
    people_actions.start_emergency_access(
        acting_user=on_call, citizen=world["mine"][0], reason="Akutt krise, trenger kriseplanen nå"
    )
    assert access.grant_for(on_call, world["mine"][0]).ground == "emergency"
    token = token_of(on_call)
    files = bulk.files(token, bulk.manifest(token, bulk.kick_off(token, "/fhir/Patient/$export")))
    assert "Patient" not in files
    assert not AccessEvent.objects.filter(section=EXPORT_SECTION).exists()


def test_a_queue_that_refuses_fails_the_export_not_the_request(bulk, coordinator, world, monkeypatch):
    class Away:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("the queue's database is away")

    monkeypatch.setattr("fhir_api.tasks.run_bulk_export", Away())
    token = token_of(coordinator)
    kicked = bulk.kick_off(token, "/fhir/Patient/$export")
    assert kicked.status_code == 202
    status = bulk.get(token, kicked["Content-Location"])
    assert status.status_code == 500 and "could not be queued" in status.json()["issue"][0]["diagnostics"]
    assert bulk.kick_off(token, "/fhir/Patient/$export", run=False).status_code == 202  # not held back


def test_the_citizen_sees_in_their_access_log_who_took_their_data(bulk, register, municipality, citizen, login):
    token = smart.issue_token(register, "system/*.rs")
    bulk.manifest(token, bulk.kick_off(token, "/fhir/$export", {"_type": "Patient,Observation"}))
    page = login(citizen.user).get(f"/citizens/{citizen.pk}/access-log/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Register (system client)" in text and "Bulk export (FHIR)" in text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_two_kick_offs_at_the_same_moment_start_one_export(coordinator, make_citizen, settings):
    """One running export per requester: a second kick-off sent while the first is between its check
    and its insert waits for it and is told to wait (429), not started beside it."""
    make_citizen(coordinator, "Ingrid")
    token = token_of(coordinator)
    answers = []

    def kick_off():
        answers.append(Client().get("/fhir/Patient/$export", HTTP_AUTHORIZATION=f"Bearer {token}", **ASYNC).status_code)

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, not run
    failures = first_two_at_once(kick_off, kick_off, hold=(BulkExport.objects, "create", "before"))
    assert failures == []
    assert sorted(answers) == [202, 429]
    assert BulkExport.objects.count() == 1
