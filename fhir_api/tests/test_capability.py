"""/fhir/metadata: a valid R4 CapabilityStatement that tells the truth about the running API.

The statement is made from the routes and the search lists (fhir_api.capability); these tests ask
the API itself for every interaction and search parameter it advertises, and walk the routes for
anything it does not, so that a new route or parameter cannot go unadvertised (or the reverse)."""

import pytest
from django.urls import reverse
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from accounts.models import ApiToken
from audit.models import AccessEvent
from fhir_api import urls

NOT_FOUND_HERE = "Resource not found, or you may not see it."  # a view's answer, not the router's


@pytest.fixture
def statement(client):
    response = client.get("/fhir/metadata")  # no token: the capabilities interaction is public
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    return response.json()


@pytest.fixture
def call(client, coordinator):
    token = ApiToken.issue(coordinator)
    return lambda method, url, *args, **kw: getattr(client, method)(
        url, *args, HTTP_AUTHORIZATION=f"Bearer {token}", **kw
    )


def test_the_statement_is_valid_r4_and_names_the_server(statement):
    capability = CapabilityStatement.model_validate(statement)
    assert capability.fhirVersion == "4.0.1" and capability.kind == "instance"
    assert "application/fhir+json" in capability.format
    assert statement["url"].endswith("/fhir/metadata")
    rest = statement["rest"][0]
    assert rest["mode"] == "server" and "Bearer" in rest["security"]["description"]
    types = {resource["type"] for resource in rest["resource"]}
    assert {"Patient", "Questionnaire", "QuestionnaireResponse", "Observation", "Goal", "CarePlan", "CareTeam"} <= types
    assert {"Appointment", "Composition", "Task"} <= types
    response = next(r for r in rest["resource"] if r["type"] == "QuestionnaireResponse")
    assert [i["code"] for i in response["interaction"]] == ["read", "create"]
    observation = next(r for r in rest["resource"] if r["type"] == "Observation")
    assert {"subject", "code", "date", "derived-from", "_count"} <= {p["name"] for p in observation["searchParam"]}


def test_every_route_is_advertised(statement):
    advertised = {resource["type"] for resource in statement["rest"][0]["resource"]}
    routed = {str(pattern.pattern).partition("/")[0] for pattern in urls.urlpatterns}
    assert routed - {"", "metadata", ".well-known", "$export", "bulk"} == advertised
    # Bulk export: each $export route is an operation at its level (the status and file URLs the
    # server hands out are no interaction of their own).
    exports = {
        str(p.pattern).partition("$")[0].rstrip("/").partition("/")[0]
        for p in urls.urlpatterns
        if "$export" in str(p.pattern)
    }
    rest = statement["rest"][0]
    operated = {r["type"] for r in rest["resource"] if any(o["name"] == "export" for o in r.get("operation", []))}
    assert exports == operated | ({""} if any(o["name"] == "export" for o in rest.get("operation", [])) else set())


def test_every_advertised_interaction_and_parameter_is_served(statement, call):
    for resource in statement["rest"][0]["resource"]:
        kind = resource["type"]
        for code in (interaction["code"] for interaction in resource["interaction"]):
            if code == "read":
                answer = call("get", f"/fhir/{kind}/999999")
                assert answer.status_code == 404 and answer.json()["issue"][0]["diagnostics"] == NOT_FOUND_HERE, kind
            elif code == "create":
                answer = call("post", f"/fhir/{kind}", data="{}", content_type="application/fhir+json")
                assert answer.status_code == 400 and answer.json()["issue"][0]["code"] != "not-supported", kind
            else:
                assert code == "search-type"
                for parameter in resource["searchParam"]:
                    answer = call("get", f"/fhir/{kind}", {parameter["name"]: "1"})
                    if answer.status_code == 400:
                        diagnostics = answer.json()["issue"][0]["diagnostics"]
                        assert not diagnostics.startswith("Unsupported search parameter"), (kind, parameter)
                answer = call("get", f"/fhir/{kind}", {"not-a-parameter": "1"})
                assert answer.status_code == 400, kind
                assert answer.json()["issue"][0]["expression"] == ["not-a-parameter"], kind
        assert call("delete", f"/fhir/{kind}/1").status_code == 405  # not advertised, not served


def test_a_type_the_server_does_not_have_is_a_404_outcome(client):
    response = client.get("/fhir/Encounter")
    assert response.status_code == 404
    OperationOutcome.model_validate(response.json())


def test_the_statement_reads_no_citizen_and_refuses_other_methods(client, citizen):
    assert client.post("/fhir/metadata").status_code == 405
    client.get("/fhir/metadata")
    assert not AccessEvent.objects.exists()
    assert reverse("fhir:metadata") == "/fhir/metadata"
