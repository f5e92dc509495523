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


def test_last_updated_is_a_search_parameter(ask, citizen, coordinator):
    """``_lastUpdated`` finds what changed after (or before) a moment, by the same lastUpdated a read shows."""
    import datetime

    import time_machine
    from django.utils import timezone

    from measures import actions as measures_actions
    from people import access

    grant = access.grant_for(coordinator, citizen)
    sleeping, walking = (measures_actions.add_goal(grant, acting_user=coordinator, text=t) for t in ("Sove", "Gå"))
    later = timezone.now() + datetime.timedelta(days=2)
    with time_machine.travel(later, tick=False):
        measures_actions.rate_goals(grant, {walking.pk: 5}, acting_user=coordinator)  # a rating moves the goal
    since = (later - datetime.timedelta(hours=1)).isoformat()

    def goal_ids(*values):
        params = {"subject": f"Patient/{citizen.pk}", "_lastUpdated": list(values)}
        return [int(entry["resource"]["id"]) for entry in ask("/fhir/Goal", params).json().get("entry", [])]

    assert goal_ids(f"gt{since}") == [walking.pk]
    assert goal_ids(f"le{since}") == [sleeping.pk]
    assert goal_ids(f"ge{later.date().isoformat()}") == [walking.pk]  # a day: the whole day
    assert goal_ids(f"ge{timezone.localdate().isoformat()}", f"lt{later.date().isoformat()}") == [sleeping.pk]
    patients = ask("/fhir/Patient", {"_lastUpdated": f"gt{since}"}).json()
    assert patients["total"] == 0
    refused = ask("/fhir/Patient", {"_lastUpdated": "yesterday"})
    assert refused.status_code == 400 and refused.json()["issue"][0]["expression"] == ["_lastUpdated"]


def test_a_care_plan_and_a_care_team_say_when_they_last_changed(ask, citizen, coordinator, gp, gp_office):
    import datetime

    import time_machine
    from django.utils import timezone

    from people import access
    from people import actions as people_actions
    from people.models import CareTeamMember
    from plans import actions as plan_actions

    grant = access.grant_for(coordinator, citizen)
    plan = plan_actions.start_draft(grant, acting_user=coordinator)

    def last(path):
        return datetime.datetime.fromisoformat(ask(path).json()["meta"]["lastUpdated"])

    edited = timezone.now() + datetime.timedelta(hours=2)
    with time_machine.travel(edited, tick=False):
        revision = plan.texts.get(key="what_matters").revision
        plan_actions.save_text(
            grant, plan, "what_matters", "Å bo hjemme", expected_revision=revision, acting_user=coordinator
        )
    assert last(f"/fhir/CarePlan/{plan.pk}") == edited
    assert ask(f"/fhir/CarePlan/{plan.pk}")["Last-Modified"]  # a read says it as an HTTP date too
    joined = edited + datetime.timedelta(hours=1)
    with time_machine.travel(joined, tick=False):
        people_actions.add_care_team_member(
            grant, acting_user=coordinator, user=gp, role=CareTeamMember.Role.GP, organisation=gp_office, sections=[]
        )
    assert last(f"/fhir/CareTeam/{citizen.pk}") == joined
