"""FHIR Questionnaire → QuestionnaireResponse → Observation, with an independent client (fhirpy)
against a live server, and the bad input a client can send."""

import json
import uuid

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhirpy import SyncFHIRClient

from accounts.models import ApiToken
from audit.models import AccessEvent
from measures.models import QuestionnaireResponse as StoredResponse
from measures.models import Score

PHQ9_URL = "https://samplan.no/fhir/Questionnaire/phq9"
CODES = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}


def phq9_response(citizen_id, values, **extra):
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": f"{PHQ9_URL}|1.0.0",
        "subject": {"reference": f"Patient/{citizen_id}"},
        "item": [
            {"linkId": f"phq9-{n}", "answer": [{"valueCoding": {"system": "http://loinc.org", "code": CODES[v]}}]}
            for n, v in enumerate(values, start=1)
            if v is not None
        ],
        **extra,
    }


@pytest.fixture
def api(client):
    def as_user(user):
        token = ApiToken.issue(user)

        def call(method, url, body=None, **kw):
            if body is not None:
                kw["data"] = json.dumps(body)
                kw["content_type"] = "application/fhir+json"
            return getattr(client, method)(url, HTTP_AUTHORIZATION=f"Bearer {token}", **kw)

        return call

    return as_user


def test_round_trip_with_an_independent_fhir_client(live_server, coordinator, citizen, shipped):
    token = ApiToken.issue(coordinator)
    fhir = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {token}")

    found = fhir.resources("Questionnaire").search(code="44249-1").fetch()
    assert len(found) == 1
    questionnaire = Questionnaire.model_validate(found[0].serialize())
    assert questionnaire.title == "PHQ-9"

    answers = [2, 2, 2, 1, 1, 1, 0, 0, 0]
    created = fhir.resource("QuestionnaireResponse", **phq9_response(citizen.pk, answers)).save()
    stored = QuestionnaireResponse.model_validate(created.serialize())
    assert stored.status == "completed" and stored.id

    observations = fhir.resources("Observation").search(**{"derived-from": f"QuestionnaireResponse/{stored.id}"})
    observations = observations.fetch()
    assert len(observations) == 1
    observation = Observation.model_validate(observations[0].serialize())
    assert observation.code.coding[0].code == "44261-6"
    assert observation.valueInteger == 9
    assert observation.interpretation[0].coding[0].code == "mild"

    read_back = fhir.reference("QuestionnaireResponse", stored.id).to_resource()
    assert {item["linkId"] for item in read_back["item"]} == {f"phq9-{n}" for n in range(1, 10)}


def test_questionnaire_search_pages_and_finds_by_url_and_code(api, coordinator, shipped):
    call = api(coordinator)
    bundle = Bundle.model_validate(call("get", "/fhir/Questionnaire", data={"_count": 4}).json())
    assert bundle.total == len(shipped) and len(bundle.entry) == 4
    assert any(link.relation == "next" for link in bundle.link)
    by_url = Bundle.model_validate(call("get", "/fhir/Questionnaire", data={"url": PHQ9_URL}).json())
    assert [e.resource.title for e in by_url.entry] == ["PHQ-9"]
    titles = {
        e.resource.title for e in Bundle.model_validate(call("get", "/fhir/Questionnaire?_count=50").json()).entry
    }
    assert {"PHQ-9", "GAD-7", "WHO-5", "AUDIT", "DUDIT"} <= titles


def test_the_client_total_is_ignored_and_the_server_scores(api, coordinator, citizen, shipped):
    body = phq9_response(citizen.pk, [3] * 9)
    body["item"].append({"linkId": "phq9-total", "answer": [{"valueInteger": 0}]})
    response = api(coordinator)("post", "/fhir/QuestionnaireResponse", body)
    assert response.status_code == 422  # unknown linkId: nothing is trusted from the client
    body["item"].pop()
    response = api(coordinator)("post", "/fhir/QuestionnaireResponse", body)
    assert response.status_code == 201
    assert Score.objects.get().total == 27


def test_the_same_identifier_stores_one_response(api, coordinator, citizen, shipped):
    body = phq9_response(
        citizen.pk, [1] * 9, identifier={"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"}
    )
    first = api(coordinator)("post", "/fhir/QuestionnaireResponse", body)
    second = api(coordinator)("post", "/fhir/QuestionnaireResponse", body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert StoredResponse.objects.count() == Score.objects.count() == 1


def test_observations_for_a_citizen_filtered_by_code_and_date(api, coordinator, citizen, shipped):
    call = api(coordinator)
    for values in ([3] * 9, [1] * 9):
        assert call("post", "/fhir/QuestionnaireResponse", phq9_response(citizen.pk, values)).status_code == 201
    bundle = Bundle.model_validate(
        call(
            "get",
            "/fhir/Observation",
            data={"subject": f"Patient/{citizen.pk}", "code": "http://loinc.org|44261-6", "date": "ge2020-01-01"},
        ).json()
    )
    assert [e.resource.valueInteger for e in bundle.entry] == [27, 9]
    empty = call("get", "/fhir/Observation", data={"subject": f"Patient/{citizen.pk}", "date": "ge2999-01-01"})
    assert Bundle.model_validate(empty.json()).total == 0


@pytest.mark.parametrize(
    "mutate, status, text",
    [
        (lambda b: b["item"][0]["answer"][0]["valueCoding"].update(code="LA0000-0"), 422, "phq9-1"),
        (lambda b: b["item"][0].update(answer=[{"valueInteger": 7}]), 422, "phq9-1"),
        (lambda b: b["item"].append({"linkId": "nope", "answer": [{"valueString": "x"}]}), 422, "nope"),
        (lambda b: b["item"].pop(), 422, "phq9-9"),
        (lambda b: b.update(questionnaire="https://example.org/unknown"), 422, "questionnaire"),
        (lambda b: b.update(subject={"reference": "Group/1"}), 422, "subject"),
        (lambda b: b.update(status="amended-ish"), 422, "status"),
        (lambda b: b["item"][0].update(answer="not a list"), 400, "item"),
    ],
)
def test_bad_responses_are_refused_with_an_operation_outcome_and_nothing_stored(
    api, coordinator, citizen, shipped, mutate, status, text
):
    body = phq9_response(citizen.pk, [1] * 9)
    mutate(body)
    response = api(coordinator)("post", "/fhir/QuestionnaireResponse", body)
    assert response.status_code == status, response.content
    outcome = OperationOutcome.model_validate(response.json())
    assert text in json.dumps(outcome.model_dump(mode="json"))
    assert not StoredResponse.objects.exists() and not Score.objects.exists()


def test_malformed_json_is_a_400(api, coordinator):
    response = api(coordinator)(
        "post", "/fhir/QuestionnaireResponse", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    OperationOutcome.model_validate(response.json())


def test_a_response_for_a_citizen_the_user_cannot_see_is_refused_and_logged(api, outsider, citizen, shipped):
    response = api(outsider)("post", "/fhir/QuestionnaireResponse", phq9_response(citizen.pk, [1] * 9))
    assert response.status_code == 404
    assert not StoredResponse.objects.exists()
    assert AccessEvent.objects.filter(actor_id=outsider.pk, citizen_id=citizen.pk, action="denied").exists()


def test_gp_without_measures_may_not_write_them(api, gp, citizen, care_team_member, shipped):
    care_team_member.sections = ["overview"]
    care_team_member.save()
    response = api(gp)("post", "/fhir/QuestionnaireResponse", phq9_response(citizen.pk, [1] * 9))
    assert response.status_code == 403
    assert AccessEvent.objects.filter(actor_id=gp.pk, action="denied", section="measures").exists()


def test_outsider_cannot_read_responses_or_observations(api, coordinator, outsider, citizen, shipped):
    created = api(coordinator)("post", "/fhir/QuestionnaireResponse", phq9_response(citizen.pk, [1] * 9)).json()
    score = Score.objects.get()
    call = api(outsider)
    for url in (
        f"/fhir/QuestionnaireResponse/{created['id']}",
        f"/fhir/Observation/{score.pk}",
        f"/fhir/Observation?derived-from=QuestionnaireResponse/{created['id']}",
        f"/fhir/Observation?subject=Patient/{citizen.pk}",
    ):
        assert call("get", url).status_code == 404, url
    assert AccessEvent.objects.filter(actor_id=outsider.pk, action="denied").count() == 4


def test_reads_are_logged_once_per_request(api, coordinator, citizen, shipped):
    call = api(coordinator)
    for values in ([3] * 9, [1] * 9):
        call("post", "/fhir/QuestionnaireResponse", phq9_response(citizen.pk, values))
    before = AccessEvent.objects.filter(action="read").count()
    call("get", f"/fhir/Observation?subject=Patient/{citizen.pk}")
    assert AccessEvent.objects.filter(action="read").count() == before + 1
