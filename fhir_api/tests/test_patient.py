"""FHIR R4 Patient read and search under the same access policy; output validated with fhir.resources."""

import pytest
from django.core.management import call_command
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from accounts.models import ApiToken
from audit.models import AccessEvent
from people.national_id import FNR_SYSTEM


@pytest.fixture
def api(client):
    def as_user(user):
        token = ApiToken.issue(user)
        return lambda method, url, **kw: getattr(client, method)(url, HTTP_AUTHORIZATION=f"Bearer {token}", **kw)

    return as_user


def test_patient_read_is_valid_r4_and_logged(api, coordinator, citizen):
    response = api(coordinator)("get", f"/fhir/Patient/{citizen.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    patient = Patient.model_validate(response.json())
    assert patient.identifier[0].system == FNR_SYSTEM
    assert patient.identifier[0].value == citizen.national_id
    assert patient.name[0].family == citizen.family_name
    assert str(patient.birthDate) == "1990-05-17"
    assert AccessEvent.objects.filter(citizen_id=citizen.pk, actor_id=coordinator.pk, action="read").count() == 1


def test_outsider_gets_404_operation_outcome_and_is_logged(api, outsider, citizen):
    response = api(outsider)("get", f"/fhir/Patient/{citizen.pk}")
    assert response.status_code == 404
    OperationOutcome.model_validate(response.json())
    assert AccessEvent.objects.get(citizen_id=citizen.pk).action == "denied"


def test_unknown_patient_is_404_too(api, coordinator):
    assert api(coordinator)("get", "/fhir/Patient/999999").status_code == 404


def test_no_token_or_a_bad_token_is_401(client, citizen):
    response = client.get(f"/fhir/Patient/{citizen.pk}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    OperationOutcome.model_validate(response.json())
    assert client.get("/fhir/Patient", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_revoked_token_is_401(client, coordinator, citizen):
    from django.utils import timezone

    token = ApiToken.issue(coordinator)
    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_search_by_identifier_finds_only_visible_citizens(api, coordinator, outsider, citizen):
    query = {"identifier": f"{FNR_SYSTEM}|{citizen.national_id}"}
    bundle = Bundle.model_validate(api(coordinator)("get", "/fhir/Patient", data=query).json())
    assert bundle.type == "searchset" and bundle.total == 1
    assert bundle.entry[0].resource.id == str(citizen.pk)
    empty = Bundle.model_validate(api(outsider)("get", "/fhir/Patient", data=query).json())
    assert empty.total == 0 and not empty.entry


def test_search_by_post_keeps_the_national_id_out_of_the_url(api, coordinator, citizen):
    response = api(coordinator)("post", "/fhir/Patient/_search", data={"identifier": citizen.national_id})
    assert Bundle.model_validate(response.json()).total == 1


def test_search_without_parameters_pages_through_exactly_the_visible_citizens(
    api, coordinator, outsider, make_citizen, citizen
):
    mine = {str(citizen.pk)} | {str(make_citizen(coordinator, f"P{i}").pk) for i in range(4)}
    make_citizen(outsider, "NotMine")
    call = api(coordinator)
    seen, url, pages = set(), "/fhir/Patient?_count=2", 0
    while url:
        bundle = Bundle.model_validate(call("get", url).json())
        assert bundle.total == 5
        seen |= {entry.resource.id for entry in bundle.entry}
        url = next((link.url for link in bundle.link if link.relation == "next"), None)
        pages += 1
    assert seen == mine and pages == 3
    reads = AccessEvent.objects.filter(actor_id=coordinator.pk, action="read")
    assert {str(e.citizen_id) for e in reads} == mine
    assert {e.ground for e in reads} == {"care_team"}


@pytest.mark.parametrize(
    "query, expression",
    [({"_count": "many"}, "_count"), ({"birthdate": "1990"}, "birthdate"), ({"identifier": "urn:oid:1.2|1"}, None)],
)
def test_bad_search_parameters_get_a_400_operation_outcome(api, coordinator, query, expression):
    response = api(coordinator)("get", "/fhir/Patient", data=query)
    assert response.status_code == 400
    outcome = OperationOutcome.model_validate(response.json())
    if expression:
        assert outcome.issue[0].expression == [expression]


def test_create_api_token_prints_the_token_last(coordinator, citizen, client, capsys):
    call_command("create_api_token", coordinator.username)
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert client.get(f"/fhir/Patient/{citizen.pk}", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
