"""FHIR R4 JSON responses and OperationOutcome errors."""

import json

from django.http import HttpResponse

FHIR_JSON = "application/fhir+json; charset=utf-8"


def fhir_response(resource, status=200):
    return HttpResponse(json.dumps(resource, ensure_ascii=False), status=status, content_type=FHIR_JSON)


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
