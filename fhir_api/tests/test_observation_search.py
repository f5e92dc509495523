"""The Observation search (one compiled query per shape of its parameters, fhir_api.measures) finds
exactly the scores its parameters describe, for any values, on every page."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import clear_script_prefix, set_script_prefix
from fhir.resources.R4B.bundle import Bundle

from measures.models import QuestionnaireResponse, Score

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def scores(citizen, shipped):
    """Twelve scores, one a month of 2026 (PHQ-9 in odd months, GAD-7 in even), each on the 15th at noon."""
    made = []
    for month in range(1, 13):
        key = "phq9" if month % 2 else "gad7"
        at = datetime.datetime(2026, month, 15, 12, tzinfo=OSLO)
        response = QuestionnaireResponse.objects.create(
            citizen=citizen, questionnaire=shipped[key], status="completed", authored_at=at
        )
        made.append(
            Score.objects.create(
                response=response, citizen=citizen, instrument=key, total=month, band="", result={}, effective_at=at
            )
        )
    return made


def found(ask, citizen, **params):
    data = ask("/fhir/Observation", {"subject": f"Patient/{citizen.pk}", **params}).json()
    bundle = Bundle.model_validate(data)
    return [int(entry.resource.id) for entry in bundle.entry or []], bundle


def months(scores, *wanted):
    return [scores[month - 1].pk for month in wanted]


def test_each_shape_of_search_finds_what_its_values_say_with_any_later_values(ask, citizen, scores):
    phq9, gad7 = "http://loinc.org|44261-6", "http://loinc.org|70274-6"
    cases = [
        ({}, range(1, 13)),
        ({"code": phq9}, [1, 3, 5, 7, 9, 11]),
        ({"code": gad7}, [2, 4, 6, 8, 10, 12]),  # the same shape, another value
        ({"code": "http://loinc.org|0000-0"}, []),  # no instrument has it
        ({"date": "ge2026-06-15"}, range(6, 13)),
        ({"date": "ge2026-06-16"}, range(7, 13)),  # the same shape, another day
        ({"date": "gt2026-06-15"}, range(7, 13)),
        ({"date": "lt2026-03-15"}, [1, 2]),
        ({"date": "le2026-03-15"}, [1, 2, 3]),
        ({"date": "2026-04-15"}, [4]),
        ({"date": "2026-04-14"}, []),
        ({"date": ["ge2026-02-01", "le2026-05-31"]}, [2, 3, 4, 5]),
        ({"date": ["ge2026-08-01", "le2026-11-30"]}, [8, 9, 10, 11]),
        ({"date": "ge2026-06-15T12:00:00+02:00"}, range(6, 13)),  # a moment, not a day
        ({"date": "ge2026-06-15T12:00:01+02:00"}, range(7, 13)),
        ({"code": phq9, "date": ["ge2026-03-01", "lt2026-10-01"]}, [3, 5, 7, 9]),
        ({"_lastUpdated": "ge2000-01-01"}, range(1, 13)),
        ({"_lastUpdated": "lt2000-01-01"}, []),
        ({"derived-from": f"QuestionnaireResponse/{scores[4].response_id}"}, [5]),
        ({"derived-from": f"QuestionnaireResponse/{scores[5].response_id}"}, [6]),
    ]
    for params, expected in cases:
        ids, bundle = found(ask, citizen, **params)
        assert ids == months(scores, *expected), params
        assert bundle.total == len(ids), params


def test_the_pages_of_a_search_hold_every_score_once_in_order(ask, citizen, scores):
    seen, offset = [], 0
    while True:
        ids, bundle = found(ask, citizen, _count=5, _offset=offset)
        assert bundle.total == 12
        seen += ids
        following = [link.url for link in bundle.link if link.relation == "next"]
        if not following:
            break
        offset += 5
    assert seen == months(scores, *range(1, 13))
    assert found(ask, citizen, _count=5, _offset=20)[0] == []
    ids, bundle = found(ask, citizen, _count=0)  # the total only
    assert ids == [] and bundle.total == 12
    ids, bundle = found(ask, citizen, code="http://loinc.org|44261-6", _count=2, _offset=2)
    assert ids == months(scores, 5, 7) and bundle.total == 6


def test_another_citizens_scores_are_never_found(ask, citizen, make_citizen, coordinator, scores):
    other = make_citizen(coordinator, "Per")
    assert found(ask, other)[0] == []
    assert found(ask, other, date="ge2026-01-01")[0] == []


def test_links_and_full_urls_follow_the_servers_prefix(ask, citizen, scores):
    """Served under a path prefix (SCRIPT_NAME, a proxy's sub-path), a search's links and fullUrls
    carry it; served at the root again, they do not (the reversed paths are kept per prefix). The
    test client does not set the prefix from SCRIPT_NAME as the WSGI handler does: set here."""
    for prefix in ("", "/samplan", ""):
        set_script_prefix(f"{prefix}/")
        try:
            data = ask("/fhir/Observation", {"subject": f"Patient/{citizen.pk}", "_count": 5}).json()
        finally:
            clear_script_prefix()
        urls = [link["url"] for link in data["link"]] + [entry["fullUrl"] for entry in data["entry"]]
        assert all(url.startswith(f"http://testserver{prefix}/fhir/") for url in urls), (prefix, urls)
        assert data["link"][1]["url"].startswith(f"http://testserver{prefix}/fhir/Observation?")


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 1, 15, 11, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 1, 15, 11, 0, 0, 1, tzinfo=datetime.UTC),
        datetime.datetime(2026, 6, 15, 23, 59, 59, 500000, tzinfo=OSLO),  # a summer evening in Oslo: another day in UTC
        datetime.datetime(2026, 3, 29, 1, 30, 0, 120, tzinfo=datetime.UTC),
        datetime.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
        datetime.datetime(1, 1, 1, 0, 0, 0, 10, tzinfo=datetime.UTC),
    ],
)
def test_a_searched_observations_moments_are_the_stored_ones_in_fhirs_form(ask, citizen, shipped, moment):
    """The search reads the moments as the database's text (fhir_api.mapping.instant): the same
    effectiveDateTime and lastUpdated as a read of the score, for any fraction of a second."""
    response = QuestionnaireResponse.objects.create(
        citizen=citizen, questionnaire=shipped["phq9"], status="completed", authored_at=moment
    )
    score = Score.objects.create(
        response=response, citizen=citizen, instrument="phq9", total=3, band="", result={}, effective_at=moment
    )
    Score.objects.filter(pk=score.pk).update(created_at=moment)
    searched = ask("/fhir/Observation", {"subject": f"Patient/{citizen.pk}"}).json()["entry"][0]["resource"]
    read = ask(f"/fhir/Observation/{score.pk}").json()
    utc = moment.astimezone(datetime.UTC).isoformat()
    assert searched["effectiveDateTime"] == read["effectiveDateTime"] == utc
    assert searched["meta"]["lastUpdated"] == read["meta"]["lastUpdated"] == utc
    assert searched["meta"]["versionId"] == read["meta"]["versionId"]


def test_a_moment_in_another_form_is_parsed_and_nonsense_refused():
    from fhir_api.mapping import instant

    assert instant("2026-01-15T11:00:00") == "2026-01-15T11:00:00+00:00"  # naive: UTC, as Django stores it
    assert instant("2026-01-15 12:00:00.25+01") == "2026-01-15T11:00:00.250000+00:00"
    assert instant("2026-01-15 11:00:00.000001+00") == "2026-01-15T11:00:00.000001+00:00"
    with pytest.raises(ValueError, match="Not a stored moment"):
        instant("15.01.2026 11:00:00 UTC")


@pytest.mark.django_db
def test_every_postgresql_connection_writes_dates_in_the_iso_style():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's DateStyle; SQLite stores its own text")
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SET DateStyle = 'German, DMY'")
        connection._configure_connection(connection.connection)  # what a new connection runs
        cursor.execute("SHOW DateStyle")
        assert cursor.fetchone()[0].startswith("ISO")
        cursor.execute("SELECT TIMESTAMPTZ '2026-01-15 11:00:00.5+00'::text")
        assert cursor.fetchone()[0] == "2026-01-15 11:00:00.5+00"
