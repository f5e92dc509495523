"""Bad input never reaches a 500: what a careless client or an attacker sends is refused with a
400 (413 for a body over the limit) before it reaches a query — an OperationOutcome on the FHIR
API, a plain page on the web pages. The last part feeds a generated corpus through every route."""

import json

import pytest
from django.test import Client
from fhir.resources.R4B.operationoutcome import OperationOutcome

from accounts.models import ApiToken
from measures.models import QuestionnaireResponse

FHIR_JSON = "application/fhir+json"


@pytest.fixture
def fhir(coordinator):
    """A FHIR client with the coordinator's token; a 500 is returned, not raised, so it can be asserted."""
    token = ApiToken.issue(coordinator)
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def outcome(response, status):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith(FHIR_JSON)
    return OperationOutcome.model_validate(response.json())


# The findings of the probe ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000],
    ids=["lists-5000-deep", "objects-3000-deep"],
)
def test_deeply_nested_json_is_a_400_operation_outcome(fhir, body):
    response = fhir.post("/fhir/QuestionnaireResponse", body, content_type=FHIR_JSON)
    outcome(response, 400)


def test_a_huge_offset_is_a_400_naming_the_parameter(fhir):
    issue = outcome(fhir.get("/fhir/Patient", {"_offset": "99999999999999999999"}), 400).issue[0]
    assert issue.expression == ["_offset"]


def test_a_nul_byte_in_a_search_is_a_400(fhir):
    outcome(fhir.get("/fhir/Patient?identifier=%00"), 400)


def test_a_body_over_the_limit_is_a_413_operation_outcome(fhir, settings):
    body = b'{"resourceType": "QuestionnaireResponse", "text": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    outcome(fhir.post("/fhir/QuestionnaireResponse", body, content_type=FHIR_JSON), 413)
    assert not QuestionnaireResponse.objects.exists()


def test_a_nul_inside_a_json_string_is_a_400(fhir, citizen):
    body = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "https://samplan.no/fhir/Questionnaire/phq9\x00",
        "subject": {"reference": f"Patient/{citizen.pk}"},
    }
    outcome(fhir.post("/fhir/QuestionnaireResponse", json.dumps(body), content_type=FHIR_JSON), 400)
