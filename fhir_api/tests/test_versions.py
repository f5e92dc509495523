"""meta.versionId on every resource, ETag on a read, and a conditional read (If-None-Match → 304)."""

from audit.models import AccessEvent


def test_a_read_has_a_version_and_an_etag_that_a_search_agrees_with(ask, citizen):
    read = ask(f"/fhir/Patient/{citizen.pk}")
    version = read.json()["meta"]["versionId"]
    assert read["ETag"] == f'W/"{version}"'
    searched = ask("/fhir/Patient").json()["entry"][0]["resource"]
    assert searched["meta"]["versionId"] == version
    subset = ask("/fhir/Patient", {"_elements": "gender"}).json()["entry"][0]["resource"]
    assert subset["meta"]["versionId"] == version  # the resource's version, not the subset's


def test_the_version_changes_when_the_content_does_and_only_then(ask, citizen):
    first = ask(f"/fhir/Patient/{citizen.pk}")["ETag"]
    assert ask(f"/fhir/Patient/{citizen.pk}")["ETag"] == first
    citizen.family_name = "Nyttnavn"
    citizen.save(update_fields=["family_name"])
    assert ask(f"/fhir/Patient/{citizen.pk}")["ETag"] != first


def test_if_none_match_gives_304_while_unchanged_and_the_read_is_still_logged(ask, citizen):
    etag = ask(f"/fhir/Patient/{citizen.pk}")["ETag"]
    for header in (etag, etag.removeprefix("W/"), f'"nope", {etag}', "*"):
        unchanged = ask(f"/fhir/Patient/{citizen.pk}", HTTP_IF_NONE_MATCH=header)
        assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged["ETag"] == etag, header
    assert ask(f"/fhir/Patient/{citizen.pk}", HTTP_IF_NONE_MATCH='W/"old"').status_code == 200
    assert AccessEvent.objects.filter(citizen_id=citizen.pk, action="read").count() == 6


def test_other_resources_are_versioned_too(ask, citizen, coordinator, phq9):
    from measures import actions as measures_actions
    from people import access

    goal = measures_actions.add_goal(access.grant_for(coordinator, citizen), acting_user=coordinator, text="Sove")
    before = ask(f"/fhir/Goal/{goal.pk}")
    measures_actions.rate_goals(access.grant_for(coordinator, citizen), {goal.pk: 6}, acting_user=coordinator)
    after = ask(f"/fhir/Goal/{goal.pk}")
    assert before.json()["meta"]["versionId"] != after.json()["meta"]["versionId"]  # the new rating shows
    questionnaire = ask(f"/fhir/Questionnaire/{phq9.pk}")
    assert questionnaire["ETag"].startswith('W/"') and questionnaire.json()["meta"]["lastUpdated"]
    team = ask(f"/fhir/CareTeam/{citizen.pk}")
    assert team.status_code == 200 and team["ETag"] == f'W/"{team.json()["meta"]["versionId"]}"'


def test_last_updated_follows_the_citizen_and_is_the_reads_last_modified(ask, citizen):
    import datetime

    import time_machine
    from django.utils import timezone
    from django.utils.http import parse_http_date

    from people import actions

    first = ask(f"/fhir/Patient/{citizen.pk}")
    updated = datetime.datetime.fromisoformat(first.json()["meta"]["lastUpdated"])
    assert parse_http_date(first["Last-Modified"]) == int(updated.timestamp())
    later = timezone.now() + datetime.timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        citizen.phone = "99887766"
        citizen.save()
    assert datetime.datetime.fromisoformat(ask(f"/fhir/Patient/{citizen.pk}").json()["meta"]["lastUpdated"]) == later
    even_later = later + datetime.timedelta(hours=1)
    from django.contrib.auth import get_user_model

    citizen.user = get_user_model().objects.create_user(username="selv")
    citizen.save(update_fields=["user"])
    with time_machine.travel(even_later, tick=False):  # set with .update(), which skips auto_now
        assert actions.set_preferred_language(citizen.user, "en")
    read = ask(f"/fhir/Patient/{citizen.pk}").json()
    assert datetime.datetime.fromisoformat(read["meta"]["lastUpdated"]) == even_later


def test_scores_and_responses_say_when_they_were_written(ask, citizen, phq9):
    from decimal import Decimal

    from measures.models import QuestionnaireResponse, Score

    response = QuestionnaireResponse.objects.create(citizen=citizen, questionnaire=phq9, status="completed")
    score = Score.objects.create(
        response=response,
        citizen=citizen,
        instrument="phq9",
        total=Decimal(9),
        result={},
        effective_at=response.created_at,
    )
    observation = ask(f"/fhir/Observation/{score.pk}")
    assert observation.json()["meta"]["lastUpdated"] == score.created_at.isoformat()
    assert "Last-Modified" in observation
    read = ask(f"/fhir/QuestionnaireResponse/{response.pk}").json()
    assert read["meta"]["lastUpdated"] == response.updated_at.isoformat()


def test_a_goal_changes_when_it_is_closed_or_a_rating_is_written_down_even_if_dated_back(ask, citizen, coordinator):
    import datetime

    import time_machine
    from django.utils import timezone

    from measures import actions as measures_actions
    from people import access

    grant = access.grant_for(coordinator, citizen)
    goal = measures_actions.add_goal(grant, acting_user=coordinator, text="Sove bedre")

    def last_updated():
        return datetime.datetime.fromisoformat(ask(f"/fhir/Goal/{goal.pk}").json()["meta"]["lastUpdated"])

    assert last_updated() == goal.updated_at
    written = timezone.now() + datetime.timedelta(hours=3)
    with time_machine.travel(written, tick=False):  # a rating from last week's conversation, written today
        measures_actions.rate_goals(
            grant, {goal.pk: 7}, acting_user=coordinator, rated_at=written - datetime.timedelta(days=7)
        )
    assert last_updated() == written
    closed = written + datetime.timedelta(hours=1)
    with time_machine.travel(closed, tick=False):
        measures_actions.close_goal(grant, goal, acting_user=coordinator)
    assert last_updated() == closed
