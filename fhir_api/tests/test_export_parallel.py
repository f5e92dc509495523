"""Bulk export on several cores: on PostgreSQL an export of more than one batch is written by forked
processes, each over a contiguous part of the citizens with files of its own. The same resources,
the same access events and the same manifest rules as one process; a part that fails, is killed or
sees a cancel leaves no files."""

import json
import os
import signal
import time

import pytest
from django.db import connection

from accounts.models import ApiToken
from audit.models import AccessEvent
from fhir_api import export
from fhir_api.models import BulkExport, BulkFile
from measures import actions as measures_actions
from people import access

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the export forks only on PostgreSQL; SQLite keeps one process"
)
ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}
CITIZENS = 7  # with batches of 2: four batches, two parts of two batches (4 and 3 citizens)


@pytest.fixture
def caseload(coordinator, make_citizen, phq9):
    """Seven citizens of the coordinator's; one in each part has a goal and a PHQ-9."""
    citizens = [make_citizen(coordinator, f"Borger{n}") for n in range(CITIZENS)]
    for n in (1, 5):
        grant = access.grant_for(coordinator, citizens[n])
        measures_actions.add_goal(grant, acting_user=coordinator, text=f"Maal {n}")
        measures_actions.record_response(
            grant,
            phq9,
            {f"phq9-{item}": "LA6569-3" for item in range(1, 10)},
            acting_user=coordinator,
            idempotency_key=f"k{n}",
            status="completed",
        )
    return sorted(c.pk for c in citizens)


@pytest.fixture
def small_batches(monkeypatch, settings):
    monkeypatch.setattr(export, "BATCH", 2)
    settings.BULK_EXPORT_PROCESSES = 2


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def exported(client, token):
    """Kick off a patient-level export (the task runs at once); its manifest and the job."""
    kicked = client.get("/fhir/Patient/$export", **bearer(token), **ASYNC)
    assert kicked.status_code == 202, kicked.content
    status = client.get(kicked["Content-Location"], **bearer(token))
    assert status.status_code == 200, status.content
    return status.json(), BulkExport.objects.order_by("-created_at").first()


def lines(client, token, url):
    response = client.get(url, **bearer(token))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode().splitlines()


def resources(client, token, manifest):
    """{type: {id: resource}} over every file of the manifest, each file's count checked."""
    found = {}
    for output in manifest["output"]:
        parsed = [json.loads(line) for line in lines(client, token, output["url"])]
        assert len(parsed) == output["count"]
        for resource in parsed:
            assert resource["resourceType"] == output["type"]
            assert resource["id"] not in found.setdefault(output["type"], {})  # no resource in two parts
            found[output["type"]][resource["id"]] = resource
    return found


def events_of(job):
    """The export's access events: {citizen id: detail without the export's id}."""
    events = AccessEvent.objects.filter(section=export.EXPORT_SECTION, detail__startswith=f"FHIR bulk export {job.pk}:")
    pairs = [(e.citizen_id, e.detail.split(":", 1)[1]) for e in events]
    assert len(pairs) == len({citizen for citizen, _ in pairs})  # one event per citizen
    return dict(pairs)


def files_named(manifest):
    return {output["url"].rsplit("/", 1)[1]: output["count"] for output in manifest["output"]}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_processes_export_what_one_does_in_two_parts(
    client, coordinator, make_staff, caseload, small_batches, settings
):
    token = ApiToken.issue(coordinator)
    settings.BULK_EXPORT_PROCESSES = 1
    one_manifest, one_job = exported(client, token)
    settings.BULK_EXPORT_PROCESSES = 2
    two_manifest, two_job = exported(client, token)

    assert all(name.endswith("-1.ndjson") for name in files_named(one_manifest))
    named = files_named(two_manifest)
    assert named["Patient-1.ndjson"] == 4 and named["Patient-2.ndjson"] == 3
    assert named["Goal-1.ndjson"] == 1 and named["Goal-2.ndjson"] == 1
    assert named["Observation-1.ndjson"] == 1 and named["Observation-2.ndjson"] == 1
    assert "Questionnaire-1.ndjson" in named and "Questionnaire-2.ndjson" not in named  # the forms once
    rows = BulkFile.objects.filter(export=two_job)
    assert {(f.resource_type, f.part) for f in rows} >= {("Patient", 1), ("Patient", 2)}

    one, two = resources(client, token, one_manifest), resources(client, token, two_manifest)
    assert two == one  # the same resources, id for id and field for field
    assert sorted(int(pk) for pk in two["Patient"]) == caseload
    first_url = next(o["url"] for o in two_manifest["output"] if o["url"].endswith("/Patient-1.ndjson"))
    first_part = [int(json.loads(line)["id"]) for line in lines(client, token, first_url)]
    assert first_part == caseload[:4]  # contiguous parts, in id order

    assert events_of(two_job) == events_of(one_job)
    assert sorted(events_of(two_job)) == caseload
    assert one_job.citizens == two_job.citizens == CITIZENS

    stranger = ApiToken.issue(make_staff("kollega"))
    for output in two_manifest["output"]:
        assert client.get(output["url"], **bearer(stranger)).status_code == 404
        assert client.get(output["url"]).status_code == 401


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_polling_counts_the_citizens_of_both_parts(client, coordinator, caseload, small_batches, monkeypatch):
    """The second part's last batch waits until the export's progress counts both parts' batches
    before it (4 from the first part, 2 from its own); if it never does, that part fails."""
    patients = export.PER_CITIZEN["Patient"]

    def wait_for_the_tally(run, grants):
        if caseload[-1] in grants:
            deadline = time.monotonic() + 30
            while BulkExport.objects.filter(pk=run.export.pk, progress="6 of 7 citizens", citizens=6).count() == 0:
                assert time.monotonic() < deadline, "the progress never counted both parts"
                time.sleep(0.05)
        return patients(run, grants)

    monkeypatch.setitem(export.PER_CITIZEN, "Patient", wait_for_the_tally)
    manifest, job = exported(client, ApiToken.issue(coordinator))
    assert job.status == BulkExport.Status.DONE and job.citizens == CITIZENS
    assert files_named(manifest)["Patient-2.ndjson"] == 3


def job_of(coordinator):
    return BulkExport.objects.create(
        user=coordinator,
        level=BulkExport.Level.PATIENT,
        types=list(export.TYPES),
        request_url="http://testserver/fhir/Patient/$export",
    )


def nothing_left(job, bulk_export_dir):
    return not BulkFile.objects.filter(export=job).exists() and not export.export_dir(job.pk).exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_part_that_fails_fails_the_export_and_leaves_no_files(coordinator, caseload, small_batches, bulk_export_dir):
    job = job_of(coordinator)
    (export.export_dir(job.pk) / "Patient-2.ndjson").mkdir(parents=True)  # the second part cannot write its file
    export.run_export(job.pk)
    job.refresh_from_db()
    assert job.status == BulkExport.Status.FAILED and job.error == "The export failed on the server."
    assert nothing_left(job, bulk_export_dir)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_part_that_is_killed_fails_the_export_and_leaves_no_files(
    coordinator, caseload, small_batches, bulk_export_dir, monkeypatch
):
    patients = export.PER_CITIZEN["Patient"]

    def killed(run, grants):
        if caseload[-1] in grants:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer would
        return patients(run, grants)

    monkeypatch.setitem(export.PER_CITIZEN, "Patient", killed)
    job = job_of(coordinator)
    export.run_export(job.pk)
    job.refresh_from_db()
    assert job.status == BulkExport.Status.FAILED
    assert nothing_left(job, bulk_export_dir)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_cancel_seen_by_one_part_leaves_no_files(coordinator, caseload, small_batches, bulk_export_dir, monkeypatch):
    patients = export.PER_CITIZEN["Patient"]

    def cancelled_meanwhile(run, grants):
        if caseload[4] in grants:  # the second part's first batch: the requester cancels (DELETE)
            BulkExport.objects.filter(pk=run.export.pk).update(status=BulkExport.Status.CANCELLED)
        return patients(run, grants)

    monkeypatch.setitem(export.PER_CITIZEN, "Patient", cancelled_meanwhile)
    job = job_of(coordinator)
    export.run_export(job.pk)
    job.refresh_from_db()
    assert job.status == BulkExport.Status.CANCELLED
    assert nothing_left(job, bulk_export_dir)


@pytest.mark.django_db
def test_on_sqlite_or_inside_a_transaction_one_process_writes_part_one(coordinator, caseload, small_batches):
    """A fork could not see an open transaction (the tests'), and SQLite has one writer: one part."""
    job = job_of(coordinator)
    export.run_export(job.pk)
    job.refresh_from_db()
    assert job.status == BulkExport.Status.DONE and job.citizens == CITIZENS
    files = {(f.resource_type, f.part): f.count for f in BulkFile.objects.filter(export=job)}
    assert {part for _, part in files} == {1}
    assert files[("Patient", 1)] == CITIZENS
