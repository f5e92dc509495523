"""FHIR measures API edge cases: Observation date prefixes on whole days, impossible dates, totals on
every page, and a replayed identifier that names another questionnaire."""

import datetime
import warnings

import pytest
import time_machine
from django.utils import timezone

from accounts.models import ApiToken
from measures import actions
from people.access import grant_for

CODES = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
OSLO = datetime.timezone(datetime.timedelta(hours=1))  # Europe/Oslo in winter


@pytest.fixture
def weekly_scores(coordinator, citizen, phq9):
    """Five weekly PHQ-9 totals (5, 10, 15, 20, 25 minus a few), late in the evening Oslo time."""
    grant = grant_for(coordinator, citizen)
    for week in range(5):
        answers = {f"phq9-{i}": [CODES[min(3, (week + i) // 3)]] for i in range(1, 9)}
        answers["phq9-9"] = [CODES[0]]
        moment = datetime.datetime(2026, 1, 5, 23, 30, tzinfo=OSLO) + datetime.timedelta(weeks=week)
        with time_machine.travel(moment, tick=False):
            actions.record_response(
                grant, phq9, answers, acting_user=coordinator, idempotency_key=f"week-{week}", status="completed"
            )


@pytest.fixture
def search(client, coordinator, citizen):
    token = ApiToken.issue(coordinator)

    def get(**params):
        return client.get(
            "/fhir/Observation",
            {"subject": f"Patient/{citizen.pk}", **params},
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return get


def days(bundle):
    return [
        timezone.localtime(datetime.datetime.fromisoformat(e["resource"]["effectiveDateTime"])).date().isoformat()
        for e in bundle["entry"]
    ]


def test_a_date_without_prefix_finds_that_whole_day(search, weekly_scores):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no naive datetimes reach the database
        bundle = search(date="2026-01-12").json()
    assert days(bundle) == ["2026-01-12"]


@pytest.mark.parametrize(
    "date, expected",
    [
        ("ge2026-01-12", ["2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02"]),
        ("gt2026-01-12", ["2026-01-19", "2026-01-26", "2026-02-02"]),
        ("le2026-01-12", ["2026-01-05", "2026-01-12"]),
        ("lt2026-01-12", ["2026-01-05"]),
        ("eq2026-01-19", ["2026-01-19"]),
    ],
)
def test_date_prefixes_compare_whole_days(search, weekly_scores, date, expected):
    assert days(search(date=date).json()) == expected


def test_a_date_with_a_time_and_zone_compares_the_moment(search, weekly_scores):
    assert days(search(date="ge2026-01-12T23:00:00+01:00").json())[0] == "2026-01-12"
    assert days(search(date="gt2026-01-12T23:45:00+01:00").json())[0] == "2026-01-19"


@pytest.mark.parametrize("date", ["ge2026-02-30", "gesoon", "ge2026-13-01T10:00:00Z"])
def test_an_impossible_date_is_a_400_with_an_operation_outcome(search, weekly_scores, date):
    response = search(date=date)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["date"]


@pytest.mark.parametrize(
    "count, offset, entries",
    [("2", "0", 2), ("2", "4", 1), ("5", "0", 5), ("10", "0", 5), ("2", "6", 0), ("10", "5", 0)],
)
def test_every_page_has_the_total(search, weekly_scores, count, offset, entries):
    bundle = search(_count=count, _offset=offset).json()
    assert (bundle["total"], len(bundle.get("entry", []))) == (5, entries)


def phq9_body(citizen, code=CODES[1], **more):
    """A completed PHQ-9 for ``citizen``, every answer ``code``."""
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "https://samplan.no/fhir/Questionnaire/phq9|1.0.0",
        "subject": {"reference": f"Patient/{citizen.pk}"},
        "item": [
            {"linkId": f"phq9-{n}", "answer": [{"valueCoding": {"system": "http://loinc.org", "code": code}}]}
            for n in range(1, 10)
        ],
        **more,
    }


@pytest.fixture
def post(client, coordinator):
    """POST a QuestionnaireResponse as the coordinator, with a bearer token."""
    token = ApiToken.issue(coordinator)

    def send(resource):
        return client.post(
            "/fhir/QuestionnaireResponse",
            resource,
            content_type="application/fhir+json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return send


def test_a_replayed_identifier_with_another_questionnaire_returns_the_stored_response(post, citizen, shipped):
    identifier = {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:5b0c2f3e-0000-4000-8000-000000000001"}
    body = phq9_body(citizen, identifier=identifier)
    first = post(body)
    assert first.status_code == 201
    replay = post({**body, "questionnaire": "https://samplan.no/fhir/Questionnaire/gad7|1.0.0"})
    assert replay.status_code == 200
    assert replay.json()["questionnaire"] == first.json()["questionnaire"]
    assert replay.json()["item"] == first.json()["item"]


@pytest.mark.parametrize(
    "change, where",
    [
        (lambda body: body.update(authored="yesterday"), "authored"),
        (lambda body: body["item"][2]["answer"][0]["valueCoding"].update(code=5), "item.2.answer.0.valueCoding.code"),
        (lambda body: body["item"][8]["answer"][0].update(valueFlavour="sweet"), "item.8.answer.0.valueFlavour"),
        (lambda body: body["item"][0].update(linkId=None), "item.0.linkId"),
        (lambda body: body.update(item="phq9-1"), "item"),
        (lambda body: body.update(item=[["phq9-1"]]), "item.0"),
    ],
)
def test_a_response_that_is_not_valid_fhir_is_refused_at_the_place_it_breaks(post, citizen, shipped, change, where):
    """Each structural error is a 400 naming its place, whether the item around it was seen valid
    before (items already checked are remembered) or not; nothing is stored."""
    from measures.models import QuestionnaireResponse as Stored

    assert post(phq9_body(citizen, CODES[0])).status_code == 201  # the valid items are now remembered
    broken = phq9_body(citizen, CODES[0])
    change(broken)
    refused = post(broken)
    assert refused.status_code == 400
    issue = refused.json()["issue"][0]
    [place] = issue["expression"]
    assert issue["code"] == "structure" and (place == where or place.startswith(f"{where}."))  # e.g. item.0.root
    assert place in issue["diagnostics"]
    assert Stored.objects.count() == 1
