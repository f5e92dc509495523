"""Bulk Data Access (HL7 FHIR Bulk Data IG 2.0.0): kick-off, status, cancel and download.

* Kick-off: ``GET`` or ``POST`` (a ``Parameters`` body) on ``/fhir/Patient/$export`` (every citizen
  the requester may see), ``/fhir/Group/<id>/$export`` (a unit's citizens or one's caseload,
  ``fhir_api.cohorts``) or ``/fhir/$export`` (system clients only), with ``Prefer: respond-async``.
  ``_type``, ``_since`` and ``_outputFormat`` (NDJSON) are understood; any other parameter is a 400
  naming it, unless ``Prefer: handling=lenient``. 202 with ``Content-Location``: the status URL.
* Status: 202 with ``X-Progress`` and ``Retry-After`` while it runs; 200 with the manifest when
  done; a 500 OperationOutcome if it failed; 404 for an export that is not the requester's, was
  cancelled or has expired. ``DELETE`` cancels (202) and deletes its files.
* Download: the manifest's URLs, with the same bearer token as the kick-off (``requiresAccessToken``).

The export itself runs on the task queue (``fhir_api.tasks``, ``fhir_api.export``). A requester has
one export running at a time (429 with ``Retry-After`` otherwise).
"""

import logging

from django.db import transaction
from django.http import FileResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from django.views.decorators.http import require_http_methods

from accounts import smart
from people import access
from samplan.locks import lock_row

from . import cohorts, export, tasks
from .edge import BadInput, bearer_required, prefers, read_json
from .models import BulkExport, BulkFile
from .responses import not_found, operation_outcome

logger = logging.getLogger(__name__)

NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = {NDJSON, "application/ndjson", "ndjson"}
# What a kick-off understands; the IG's others (_typeFilter, patient, _elements, ...) are refused by
# name, or dropped with Prefer: handling=lenient.
KICK_OFF_PARAMETERS = {"_type", "_since", "_outputFormat"}
RETRY_SECONDS = 2


def _post_parameters(request):
    """A POST kick-off's ``Parameters`` body as (name, value) pairs; an empty body has none."""
    body = read_json(request)
    if body is None:
        return []
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise BadInput("A POST kick-off takes a FHIR Parameters resource.", code="structure")
    pairs = []
    for parameter in body.get("parameter") or []:
        if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
            raise BadInput("Each parameter needs a name.", "parameter", code="structure")
        values = [v for k, v in parameter.items() if k.startswith("value") and isinstance(v, str)]
        if len(values) != 1:
            raise BadInput(f"Parameter {parameter['name']} needs one value.", parameter["name"], code="structure")
        pairs.append((parameter["name"], values[0]))
    return pairs


def _parameters(request):
    if request.method == "POST":
        pairs = _post_parameters(request)
    else:
        pairs = [(name, value) for name, values in request.GET.lists() for value in values]
    params = {}
    for name, value in pairs:
        if name == "_format":
            continue  # checked at the edge
        if name not in KICK_OFF_PARAMETERS:
            if prefers(request, "handling=lenient"):
                continue
            raise BadInput(f"Unsupported export parameter: {name}", name, code="not-supported")
        params.setdefault(name, []).append(value)
    return params


def _output_format(params):
    for value in params.get("_outputFormat", []):
        if value not in OUTPUT_FORMATS:
            raise BadInput("_outputFormat must be application/fhir+ndjson.", "_outputFormat", code="not-supported")


def _since(params):
    values = params.get("_since", [])
    if not values:
        return None
    if len(values) > 1:
        raise BadInput("Give _since once.", "_since")
    try:
        moment = parse_datetime(values[0])
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        raise BadInput("_since must be a FHIR instant with a time zone, e.g. 2026-01-01T00:00:00Z.", "_since")
    return moment


def _allowed_types(requester):
    types = list(export.TYPES)
    if access.is_system_client(requester):
        types = [t for t in types if smart.permits(requester.granted_scopes, t, "r")]
    return types


def _types(params, requester):
    allowed = _allowed_types(requester)
    asked = [t.strip() for value in params.get("_type", []) for t in value.split(",") if t.strip()]
    if not asked:
        if not allowed:
            raise BadInput("The token's scopes allow no resource type.", code="forbidden", status=403)
        return allowed
    for resource_type in asked:
        if resource_type not in export.TYPES:
            raise BadInput(f"_type {resource_type} is not a type this server exports.", "_type", code="not-supported")
        if resource_type not in allowed:
            raise BadInput(f"The token's scopes do not allow {resource_type}.", "_type", code="forbidden", status=403)
    return [t for t in export.TYPES if t in asked]


def _kick_off(request, level, group_id=""):
    if not prefers(request, "respond-async"):
        raise BadInput("A bulk export is asynchronous: send Prefer: respond-async.", "Prefer", code="required")
    params = _parameters(request)
    _output_format(params)
    since = _since(params)
    requester = request.user
    types = _types(params, requester)
    with transaction.atomic():
        # One running export per requester: two kick-offs at once take turns on the requester's row,
        # so the second sees the first's export (its check alone would find nothing uncommitted).
        lock_row(requester)
        running = BulkExport.objects.of(requester).unfinished()
        if running.filter(created_at__gte=export.stale_before(timezone.now())).exists():
            response = operation_outcome(429, "throttled", "An export of yours is still running; wait for it first.")
            response["Retry-After"] = "30"
            return response
        owner = {"client": requester} if access.is_system_client(requester) else {"user": requester}
        job = BulkExport.objects.create(
            level=level, group_id=group_id, types=types, since=since, request_url=request.build_absolute_uri(), **owner
        )
        transaction.on_commit(lambda: _enqueue(job))
    response = operation_outcome(
        202, "informational", "The export has started: poll Content-Location.", severity="information"
    )
    response["Content-Location"] = request.build_absolute_uri(reverse("fhir:bulk_status", args=[job.pk]))
    return response


def _enqueue(job):
    """After commit; a queue that refuses fails the export (its status says so) instead of the request."""
    try:
        tasks.run_bulk_export.enqueue(str(job.pk))
    except Exception as error:
        logger.error("Bulk export %s could not be queued (%s)", job.pk, type(error).__name__)
        BulkExport.objects.filter(pk=job.pk).update(
            status=BulkExport.Status.FAILED, error="The export could not be queued; try again later."
        )


def _outcome_of(run):
    try:
        return run()
    except BadInput as error:
        return error.response()


@bearer_required
@require_http_methods(["GET", "POST"])
def patient_export(request):
    return _outcome_of(lambda: _kick_off(request, BulkExport.Level.PATIENT))


@bearer_required
@require_http_methods(["GET", "POST"])
def system_export(request):
    if not access.is_system_client(request.user):
        return operation_outcome(403, "forbidden", "A system-level export is for registered system clients.")
    return _outcome_of(lambda: _kick_off(request, BulkExport.Level.SYSTEM))


@bearer_required
@require_http_methods(["GET", "POST"])
def group_export(request, group_id):
    if not any(cohort.id == group_id for cohort in cohorts.cohorts(request.user)):
        return not_found()
    return _outcome_of(lambda: _kick_off(request, BulkExport.Level.GROUP, group_id))


def _own_export(request, export_id):
    """The requester's export, expired first if its time is up; None if it is not theirs or gone."""
    job = BulkExport.objects.of(request.user).filter(pk=export_id).first()
    if job is None:
        return None
    if job.expires_at is not None and job.expires_at <= timezone.now() and job.status != BulkExport.Status.EXPIRED:
        export.expire(among=BulkExport.objects.filter(pk=job.pk))
        job.refresh_from_db()
    if job.status in (BulkExport.Status.CANCELLED, BulkExport.Status.EXPIRED):
        return None
    return job


def _manifest(request, job):
    def url(file):
        return request.build_absolute_uri(reverse("fhir:bulk_file", args=[job.pk, file.name]))

    files = list(job.files.all())
    return {
        "transactionTime": job.transaction_time.isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [{"type": f.resource_type, "url": url(f), "count": f.count} for f in files if not f.error],
        "error": [{"type": "OperationOutcome", "url": url(f), "count": f.count} for f in files if f.error],
    }


@bearer_required
@require_http_methods(["GET", "DELETE"])
def bulk_status(request, export_id):
    job = _own_export(request, export_id)
    if job is None:
        return operation_outcome(404, "not-found", "No such export of yours: it may have expired or been cancelled.")
    if request.method == "DELETE":
        BulkExport.objects.filter(pk=job.pk).update(status=BulkExport.Status.CANCELLED, finished_at=timezone.now())
        export.delete_files(job)
        return operation_outcome(202, "informational", "The export is cancelled.", severity="information")
    if job.status == BulkExport.Status.FAILED:
        return operation_outcome(500, "exception", job.error or "The export failed.")
    if job.status != BulkExport.Status.DONE:
        response = operation_outcome(202, "informational", "Still exporting.", severity="information")
        response["X-Progress"] = job.progress or "queued"
        response["Retry-After"] = str(RETRY_SECONDS)
        return response
    response = JsonResponse(_manifest(request, job), json_dumps_params={"ensure_ascii": False})
    response["Expires"] = http_date(job.expires_at.timestamp())
    return response


@bearer_required
@require_http_methods(["GET"])
def bulk_file(request, export_id, name):
    job = _own_export(request, export_id)
    if job is None or job.status != BulkExport.Status.DONE:
        return not_found()
    file = next((f for f in BulkFile.objects.filter(export=job) if f.name == name), None)
    if file is None:
        return not_found()
    try:
        handle = open(export.export_dir(job.pk) / file.name, "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:
        return not_found()
    response = FileResponse(handle, content_type=NDJSON)
    response["Cache-Control"] = "no-store"
    return response
