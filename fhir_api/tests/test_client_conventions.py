"""What a FHIR client library sends besides the search itself: _format, Accept, _summary=count,
_total, _elements, and Prefer: handling=lenient — each answered as the specification says, and
every bad value a 400 (or a 406 for a format this server does not speak) naming the parameter."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from audit.models import AccessEvent


@pytest.fixture
def two(citizen, make_citizen, coordinator):
    return [citizen, make_citizen(coordinator, "Per")]


def refused(response, status, parameter):
    assert response.status_code == status
    outcome = OperationOutcome.model_validate(response.json())
    assert outcome.issue[0].expression == [parameter]


@pytest.mark.parametrize(
    "wanted", ["json", "application/json", "application/fhir+json", "application/fhir+json; fhirVersion=4.0"]
)
def test_a_json_format_is_fhir_json(ask, citizen, wanted):
    response = ask(f"/fhir/Patient/{citizen.pk}", {"_format": wanted})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/fhir+json")
    Patient.model_validate(response.json())
    assert ask("/fhir/Patient", {"_format": wanted}).status_code == 200


def test_another_format_is_406_and_plain_json_accept_is_fhir_json(ask, citizen):
    refused(ask(f"/fhir/Patient/{citizen.pk}", {"_format": "xml"}), 406, "_format")
    refused(ask("/fhir/Patient", {"_format": "application/fhir+xml"}), 406, "_format")
    response = ask(f"/fhir/Patient/{citizen.pk}", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    Patient.model_validate(response.json())


def test_summary_count_gives_the_total_and_no_entries_and_logs_no_read(ask, two):
    response = ask("/fhir/Patient", {"_summary": "count"})
    bundle = Bundle.model_validate(response.json())
    assert bundle.total == 2 and not bundle.entry
    assert not AccessEvent.objects.filter(action="read").exists()
    refused(ask("/fhir/Patient", {"_summary": "true"}), 400, "_summary")


def test_total_none_leaves_the_total_out(ask, two):
    data = ask("/fhir/Patient", {"_total": "none"}).json()
    assert "total" not in data and len(data["entry"]) == 2
    assert ask("/fhir/Patient", {"_total": "accurate"}).json()["total"] == 2
    refused(ask("/fhir/Patient", {"_total": "some"}), 400, "_total")


def test_elements_keeps_the_named_elements_and_marks_the_subset(ask, two):
    data = ask("/fhir/Patient", {"_elements": "name,gender"}).json()
    for entry in data["entry"]:
        resource = entry["resource"]
        assert set(resource) <= {"resourceType", "id", "meta", "name", "gender"} and "name" in resource
        assert "identifier" not in resource and "birthDate" not in resource
        assert {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"} in (
            resource["meta"]["tag"]
        )
        Patient.model_validate(resource)
    refused(ask("/fhir/Patient", {"_elements": "name;drop"}), 400, "_elements")


def test_an_unknown_parameter_is_refused_unless_the_client_asks_for_lenience(ask, two):
    refused(ask("/fhir/Patient", {"family": "Innbygger"}), 400, "family")
    response = ask("/fhir/Patient", {"family": "Innbygger", "_count": "1"}, HTTP_PREFER="handling=lenient")
    assert response.status_code == 200 and response["Preference-Applied"] == "handling=lenient"
    bundle = Bundle.model_validate(response.json())
    assert bundle.total == 2 and len(bundle.entry) == 1
    assert all("family" not in link.url for link in bundle.link)  # the links say what was searched
    # Lenience is about unknown names: a known parameter's bad value is still refused.
    refused(ask("/fhir/Patient", {"_id": "x"}, HTTP_PREFER="handling=lenient"), 400, "_id")
    refused(ask("/fhir/Patient", {"family": "x"}, HTTP_PREFER="handling=strict"), 400, "family")
