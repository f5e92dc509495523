"""FHIR R4 JSON responses and OperationOutcome errors.

Every resource served gets ``meta.versionId``: a digest of its content (what this reader is shown),
so it changes exactly when the content does — a new rating on a goal, a member leaving the care
team, a part of the plan the reader may now see. A single resource also gets ``ETag: W/"<versionId>"``;
``fhir_api.edge`` answers a matching ``If-None-Match`` with 304 (the read is still logged: the door
was passed). The server keeps no history (no ``vread``), which the CapabilityStatement says. Where a resource has
``meta.lastUpdated`` (from the rows its content comes from), a read also has ``Last-Modified``.
"""

import datetime
import hashlib

import orjson
from django.http import HttpResponse
from django.utils.http import http_date

FHIR_JSON = "application/fhir+json; charset=utf-8"
NOT_VERSIONED = {"Bundle", "OperationOutcome", "CapabilityStatement"}


def versioned(resource):
    """``resource`` with ``meta.versionId`` (a digest of everything but that id); its version id.
    A resource that has one already (a subset of a versioned one) keeps it."""
    meta = resource.get("meta")
    if meta is None or "versionId" not in meta:
        # The digest is of the resource as it is (its meta without a versionId: it has none yet),
        # with an empty meta where it has none.
        content = resource if meta is not None else {**resource, "meta": {}}
        digest = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()[:20]
        resource["meta"] = {"versionId": digest, **(meta or {})}
    return resource["meta"]["versionId"]


def fhir_response(resource, status=200):
    kind = resource.get("resourceType")
    etag = None
    if kind == "Bundle":
        for entry in resource.get("entry", ()):
            versioned(entry["resource"])
    elif kind not in NOT_VERSIONED:
        etag = f'W/"{versioned(resource)}"'
    response = HttpResponse(orjson.dumps(resource), status=status, content_type=FHIR_JSON)
    if etag:
        response["ETag"] = etag
        updated = (resource.get("meta") or {}).get("lastUpdated")
        if updated:
            response["Last-Modified"] = http_date(datetime.datetime.fromisoformat(updated).timestamp())
    return response


def operation_outcome(status, code, diagnostics, *, severity="error", expression=None):
    issue = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    response = fhir_response({"resourceType": "OperationOutcome", "issue": [issue]}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="samplan"'
    return response


def not_found():
    return operation_outcome(404, "not-found", "Resource not found, or you may not see it.")


def forbidden():
    return operation_outcome(403, "forbidden", "You may not see this part of the patient's record.")
