"""FHIR CareTeam, Goal and CarePlan: each reader gets only the parts of the plan their sections
allow, every read is logged once, and every refusal too. Output validated with fhir.resources."""

import datetime

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.operationoutcome import OperationOutcome

from accounts.models import ApiToken
from audit.models import AccessEvent
from fhir_api import mapping
from measures import actions as measure_actions
from people.access import grant_for
from people.models import CareTeamMember, Organisation, Section
from plans import actions
from plans.models import PlanText

RESOURCES = {"CarePlan": CarePlan, "CareTeam": CareTeam, "Goal": Goal}


@pytest.fixture
def api(client):
    def as_user(user):
        token = ApiToken.issue(user)
        return lambda url, **kw: client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}", **kw)

    return as_user


def valid(response, status=200):
    """The response as a validated R4 resource (a Bundle's entries each validated too)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    if body["resourceType"] == "OperationOutcome":
        return OperationOutcome.model_validate(body)
    if body["resourceType"] == "Bundle":
        for entry in body.get("entry", []):
            RESOURCES[entry["resource"]["resourceType"]].model_validate(entry["resource"])
        return Bundle.model_validate(body)
    return RESOURCES[body["resourceType"]].model_validate(body)


def reads(user, citizen):
    return AccessEvent.objects.filter(actor_id=user.pk, citizen_id=citizen.pk, action="read")


def denials(user, citizen):
    return AccessEvent.objects.filter(actor_id=user.pk, citizen_id=citizen.pk, action="denied")


@pytest.fixture
def coordinator_grant(coordinator, citizen):
    return grant_for(coordinator, citizen)


@pytest.fixture
def nav(make_staff, citizen):
    """The Nav adviser: the plan and the finance agreement, not the medication plan."""
    office = Organisation.objects.create(name="Nav Fjordby", org_type=Organisation.Type.NAV)
    user = make_staff("nav", office)
    CareTeamMember.objects.create(
        citizen=citizen,
        user=user,
        role=CareTeamMember.Role.NAV,
        organisation=office,
        sections=[Section.OVERVIEW, Section.PLAN, Section.FINANCE],
    )
    return user


@pytest.fixture
def plan(coordinator_grant, coordinator, care_team_member):
    """A proposal with the citizen's words, attachments, a tiltak, a crisis plan and a rated goal."""
    grant, user = coordinator_grant, coordinator
    draft = actions.start_draft(grant, acting_user=user)
    texts = {
        PlanText.Key.WHAT_MATTERS: "Å bo i egen leilighet og ha noe å stå opp til.",
        PlanText.Key.PARTICIPANTS: "Ingrid, koordinator, fastlege og Nav.",
        PlanText.Key.FINANCE: "Nav betaler husleie direkte fra trygden.",
        PlanText.Key.MEDICATION: "Quetiapin 50 mg kveld, multidose fra apoteket.",
    }
    for key, text in texts.items():
        actions.save_text(grant, draft, key, text, expected_revision=0, acting_user=user)
    actions.save_intervention(
        grant,
        draft,
        acting_user=user,
        what="Samtale om søvn",
        responsible=care_team_member,
        how="På legekontoret",
        frequency="Hver fjortende dag",
    )
    actions.save_crisis_plan(
        grant,
        draft,
        acting_user=user,
        situation="symptoms",
        title="Når stemmene blir sterke",
        warning_signs="Sover lite, trekker meg unna.",
        what_helps="Gå tur med søster.",
        what_is_done="Fastlegen ringer meg samme dag.",
        contacts=[care_team_member],
    )
    goal = measure_actions.add_goal(grant, acting_user=user, text="Jeg vil sove hele natta", life_area="daily_living")
    measure_actions.rate_goals(grant, {goal.pk: 3}, acting_user=user)
    draft.refresh_from_db()
    return draft


# CarePlan ---------------------------------------------------------------------------------------


def test_coordinator_sees_the_whole_plan(api, coordinator, citizen, plan, care_team_member):
    care_plan = valid(api(coordinator)(f"/fhir/CarePlan/{plan.pk}"))
    assert (care_plan.status, care_plan.intent, care_plan.title) == ("draft", "plan", "Individuell plan 1")
    assert care_plan.subject.reference == f"Patient/{citizen.pk}"
    assert care_plan.description == "Å bo i egen leilighet og ha noe å stå opp til."
    notes = [note.text for note in care_plan.note]
    assert notes == [
        "Who takes part in the planning: Ingrid, koordinator, fastlege og Nav.",
        "Finance management agreement: Nav betaler husleie direkte fra trygden.",
        "Medication plan: Quetiapin 50 mg kveld, multidose fra apoteket.",
    ]
    [tiltak] = care_plan.activity
    assert tiltak.detail.description == "Samtale om søvn"
    assert tiltak.detail.status == "not-started"  # a proposal is not yet in effect
    assert tiltak.detail.scheduledString == "Hver fjortende dag"
    assert tiltak.detail.performer[0].reference == f"Practitioner/{care_team_member.user_id}"
    assert tiltak.detail.extension[0].valueString == "På legekontoret"
    [crisis] = care_plan.contained
    assert crisis.title == "Når stemmene blir sterke"
    assert crisis.activity[0].detail.description == "Fastlegen ringer meg samme dag."
    assert care_plan.supportingInfo[0].reference == f"#{crisis.id}"
    assert [goal.reference for goal in care_plan.goal] == [f"Goal/{citizen.goals.get().pk}"]
    [event] = reads(coordinator, citizen)
    assert event.section == Section.PLAN and event.path == f"/fhir/CarePlan/{plan.pk}"


def test_nav_sees_the_finance_agreement_not_the_medication_plan(api, nav, citizen, plan):
    care_plan = valid(api(nav)(f"/fhir/CarePlan/{plan.pk}"))
    notes = " ".join(note.text for note in care_plan.note)
    assert "Nav betaler husleie direkte fra trygden." in notes
    assert "Quetiapin" not in notes and "Medication plan" not in notes
    assert not care_plan.contained and not care_plan.supportingInfo  # no crisis plan section
    assert care_plan.activity[0].detail.description == "Samtale om søvn"
    [event] = reads(nav, citizen)
    assert (event.section, event.detail) == (Section.PLAN, f"FHIR CarePlan {plan.pk} (plan, finance)")

    bundle = valid(api(nav)("/fhir/CarePlan", data={"subject": f"Patient/{citizen.pk}"}))
    assert "Quetiapin" not in bundle.model_dump_json()
    assert reads(nav, citizen).count() == 2


def test_a_reader_with_only_the_finance_agreement_sees_only_that(api, make_staff, citizen, plan):
    adviser = make_staff("adviser")
    CareTeamMember.objects.create(
        citizen=citizen, user=adviser, role="nav", sections=[Section.OVERVIEW, Section.FINANCE]
    )
    care_plan = valid(api(adviser)(f"/fhir/CarePlan/{plan.pk}"))
    assert [note.text for note in care_plan.note] == [
        "Finance management agreement: Nav betaler husleie direkte fra trygden."
    ]
    assert care_plan.description is None and care_plan.activity is None and care_plan.goal is None
    assert reads(adviser, citizen).get().section == Section.FINANCE


def test_gp_without_plan_sections_gets_403_and_the_refusal_is_logged(api, gp, citizen, plan, care_team_member):
    for url, query in ((f"/fhir/CarePlan/{plan.pk}", {}), ("/fhir/CarePlan", {"subject": f"Patient/{citizen.pk}"})):
        outcome = valid(api(gp)(url, data=query), status=403)
        assert outcome.issue[0].code == "forbidden"
    assert [e.section for e in denials(gp, citizen)] == [Section.PLAN, Section.PLAN]
    assert not reads(gp, citizen).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/fhir/CarePlan/{plan}",
        "/fhir/CarePlan?subject=Patient/{citizen}",
        "/fhir/Goal/{goal}",
        "/fhir/Goal?patient={citizen}",
        "/fhir/CareTeam/{citizen}",
        "/fhir/CareTeam?subject=Patient/{citizen}",
    ],
)
def test_outsider_gets_404_and_the_refusal_is_logged(api, outsider, citizen, plan, url):
    url = url.format(plan=plan.pk, citizen=citizen.pk, goal=citizen.goals.get().pk)
    outcome = valid(api(outsider)(url), status=404)
    assert outcome.issue[0].code == "not-found"
    assert denials(outsider, citizen).count() == 1
    assert not reads(outsider, citizen).exists()


@pytest.mark.parametrize("url", ["/fhir/CarePlan/999999", "/fhir/Goal/999999", "/fhir/CareTeam/999999"])
def test_unknown_ids_are_404(api, coordinator, url):
    valid(api(coordinator)(url), status=404)


@pytest.mark.parametrize("url", ["/fhir/CarePlan/1", "/fhir/CarePlan", "/fhir/Goal/1", "/fhir/Goal"])
def test_no_token_is_401(client, url):
    valid(client.get(url), status=401)
    assert client.get(url.replace("/fhir/Goal", "/fhir/CareTeam")).status_code == 401


@pytest.fixture
def two_versions(coordinator_grant, coordinator, citizen, plan, care_team_member):
    """Plan 1 approved by Ingrid and put into effect, then a proposal for plan 2."""
    grant, user = coordinator_grant, coordinator
    for key in (PlanText.Key.CONTRIBUTIONS, PlanText.Key.COOPERATION):
        actions.save_text(grant, plan, key, f"Tekst for {key}", expected_revision=0, acting_user=user)
    actions.save_assessment(grant, plan, acting_user=user, life_area="housing", needs="Hjelp", resources="Orden")
    plan.refresh_from_db()
    today = timezone.localdate()
    plan = actions.save_period(
        grant,
        plan,
        acting_user=user,
        expected_revision=plan.content_revision,
        period_start=today,
        period_end=today + datetime.timedelta(days=365),
        next_revision=today + datetime.timedelta(days=180),
        consent_to_plan=True,
        consent_to_sharing=True,
    )
    actions.approve(
        grant_for(citizen.user, citizen), plan, acting_user=citizen.user, seen_revision=plan.content_revision
    )
    active = actions.activate(grant, plan, acting_user=user)
    return active, actions.start_draft(grant, acting_user=user)


def test_care_plans_page_and_filter_by_status(api, coordinator, citizen, two_versions):
    active, draft = two_versions
    call = api(coordinator)
    first = valid(call("/fhir/CarePlan", data={"subject": f"Patient/{citizen.pk}", "_count": 1}))
    assert first.total == 2 and [e.resource.id for e in first.entry] == [str(draft.pk)]
    assert first.entry[0].resource.replaces[0].reference == f"CarePlan/{active.pk}"
    next_url = next(link.url for link in first.link if link.relation == "next")
    second = valid(call(next_url))
    assert [e.resource.id for e in second.entry] == [str(active.pk)]
    assert second.entry[0].resource.status == "active"
    assert second.entry[0].resource.activity[0].detail.status == "in-progress"
    assert second.entry[0].resource.period.start is not None
    assert not any(link.relation == "next" for link in second.link)

    query = {"patient": str(citizen.pk)}
    assert [e.resource.id for e in valid(call("/fhir/CarePlan", data={**query, "status": "active"})).entry] == [
        str(active.pk)
    ]
    either = valid(call("/fhir/CarePlan", data={**query, "status": "draft,active"}))
    assert either.total == 2
    assert valid(call("/fhir/CarePlan", data={**query, "status": "completed"})).total == 0
    assert reads(coordinator, citizen).count() == 5


@pytest.mark.parametrize(
    "query, code, expression",
    [
        ({}, "required", "subject"),
        ({"subject": "Group/1"}, "invalid", "subject"),
        ({"patient": "Patient/abc"}, "invalid", "patient"),
        ({"subject": "Patient/{citizen}", "status": "finished"}, "invalid", "status"),
        ({"subject": "Patient/{citizen}", "category": "x"}, "not-supported", "category"),
        ({"subject": "Patient/{citizen}", "_count": "many"}, "invalid", "_count"),
    ],
)
def test_bad_care_plan_search_parameters_get_a_400(api, coordinator, citizen, query, code, expression):
    query = {name: value.format(citizen=citizen.pk) for name, value in query.items()}
    outcome = valid(api(coordinator)("/fhir/CarePlan", data=query), status=400)
    assert (outcome.issue[0].code, outcome.issue[0].expression) == (code, [expression])
    assert not AccessEvent.objects.filter(actor_id=coordinator.pk).exists()


def test_bad_goal_and_care_team_parameters_get_a_400(api, coordinator, citizen):
    call = api(coordinator)
    query = {"subject": f"Patient/{citizen.pk}"}
    assert valid(call("/fhir/Goal", data={**query, "lifecycle-status": "done"}), 400).issue[0].expression == [
        "lifecycle-status"
    ]
    assert valid(call("/fhir/CareTeam", data={**query, "status": "active"}), 400).issue[0].code == "not-supported"
    assert valid(call("/fhir/Goal"), 400).issue[0].code == "required"


@pytest.mark.parametrize("rows", [1, 20])
def test_care_plan_search_query_count_does_not_grow(
    api, coordinator, coordinator_grant, citizen, plan, care_team_member, rows, django_assert_max_num_queries
):
    for n in range(rows):
        actions.save_intervention(
            coordinator_grant, plan, acting_user=coordinator, what=f"T{n}", responsible=care_team_member
        )
        actions.save_crisis_plan(
            coordinator_grant,
            plan,
            acting_user=coordinator,
            situation="worry",
            warning_signs="S",
            what_is_done="D",
            contacts=[care_team_member],
        )
        measure_actions.add_goal(coordinator_grant, acting_user=coordinator, text=f"G{n}")
    call = api(coordinator)
    # token (with the staff profile), token use, citizen, block, roles, versions, a count (when the
    # page is full), texts, tiltak, open goals, crisis plans, their contacts, access event
    with django_assert_max_num_queries(13):
        bundle = valid(call("/fhir/CarePlan", data={"subject": f"Patient/{citizen.pk}"}))
    assert len(bundle.entry[0].resource.activity) == rows + 1


# Goal -------------------------------------------------------------------------------------------


def test_goal_shows_the_citizens_words_and_the_latest_rating(api, coordinator, coordinator_grant, citizen, plan):
    goal = citizen.goals.get()
    measure_actions.rate_goals(coordinator_grant, {goal.pk: 6}, acting_user=coordinator)
    resource = valid(api(coordinator)(f"/fhir/Goal/{goal.pk}"))
    assert resource.description.text == "Jeg vil sove hele natta"
    assert resource.lifecycleStatus == "active"
    assert resource.expressedBy.reference == f"Patient/{citizen.pk}"
    assert resource.category[0].coding[0].system == mapping.LIFE_AREA_SYSTEM
    assert resource.category[0].coding[0].code == "daily_living"
    assert resource.extension[0].url == mapping.GOAL_RATING_EXTENSION
    assert resource.extension[0].valueInteger == 6
    assert resource.note[0].text == "6/10"
    assert reads(coordinator, citizen).get().section == Section.MEASURES


def test_closed_goals_are_completed_and_found_by_lifecycle_status(api, coordinator, coordinator_grant, citizen):
    kept = measure_actions.add_goal(coordinator_grant, acting_user=coordinator, text="Få en jobb")
    done = measure_actions.add_goal(coordinator_grant, acting_user=coordinator, text="Flytte")
    measure_actions.close_goal(coordinator_grant, done, acting_user=coordinator)
    call = api(coordinator)
    query = {"subject": f"Patient/{citizen.pk}"}
    closed = valid(call("/fhir/Goal", data={**query, "lifecycle-status": "completed"}))
    assert [(e.resource.id, e.resource.lifecycleStatus) for e in closed.entry] == [(str(done.pk), "completed")]
    assert closed.entry[0].resource.statusDate == timezone.localdate()
    assert closed.entry[0].resource.extension is None  # never rated
    open_ = valid(call("/fhir/Goal", data={**query, "lifecycle-status": "active"}))
    assert [e.resource.id for e in open_.entry] == [str(kept.pk)]
    assert valid(call("/fhir/Goal", data={**query, "lifecycle-status": "active,completed"})).total == 2
    assert valid(call("/fhir/Goal", data={**query, "lifecycle-status": "proposed"})).total == 0


def test_goals_page_with_count(api, coordinator, coordinator_grant, citizen):
    ids = [measure_actions.add_goal(coordinator_grant, acting_user=coordinator, text=f"G{n}").pk for n in range(5)]
    call = api(coordinator)
    seen, url = [], f"/fhir/Goal?subject=Patient/{citizen.pk}&_count=2"
    while url:
        bundle = valid(call(url))
        assert bundle.total == 5
        seen += [int(e.resource.id) for e in bundle.entry]
        url = next((link.url for link in bundle.link if link.relation == "next"), None)
    assert seen == ids
    assert reads(coordinator, citizen).count() == 3


def test_plan_section_is_enough_to_see_goals_and_measures_too(api, nav, gp, care_team_member, citizen, plan):
    goal = citizen.goals.get()
    valid(api(nav)(f"/fhir/Goal/{goal.pk}"))
    assert reads(nav, citizen).get().section == Section.PLAN
    valid(api(gp)(f"/fhir/Goal/{goal.pk}"))
    assert reads(gp, citizen).get().section == Section.MEASURES


def test_member_with_neither_measures_nor_plan_gets_403_on_goals(api, make_staff, citizen, plan):
    adviser = make_staff("adviser")
    CareTeamMember.objects.create(citizen=citizen, user=adviser, role="nav", sections=[Section.OVERVIEW])
    goal = citizen.goals.get()
    valid(api(adviser)(f"/fhir/Goal/{goal.pk}"), status=403)
    valid(api(adviser)("/fhir/Goal", data={"subject": f"Patient/{citizen.pk}"}), status=403)
    assert [e.section for e in denials(adviser, citizen)] == [Section.MEASURES, Section.MEASURES]


@pytest.mark.parametrize("rows", [1, 20])
def test_goal_search_query_count_does_not_grow(
    api, coordinator, coordinator_grant, citizen, rows, django_assert_max_num_queries
):
    for n in range(rows):
        goal = measure_actions.add_goal(coordinator_grant, acting_user=coordinator, text=f"G{n}")
        measure_actions.rate_goals(coordinator_grant, {goal.pk: 4}, acting_user=coordinator)
    call = api(coordinator)
    # token (with the staff profile), token use, citizen, block, roles, goals with their latest
    # rating, a count (when the page is full), access event
    with django_assert_max_num_queries(8):
        assert valid(call("/fhir/Goal", data={"subject": f"Patient/{citizen.pk}"})).total == rows


# CareTeam ---------------------------------------------------------------------------------------


def test_care_team_lists_only_active_members(api, coordinator, gp, care_team_member, citizen, make_staff):
    today = timezone.localdate()
    sister = CareTeamMember.objects.create(citizen=citizen, person_name="Kari Søster", role="relative")
    CareTeamMember.objects.create(citizen=citizen, user=make_staff("gone"), role="other", ended_at=timezone.now())
    CareTeamMember.objects.create(
        citizen=citizen, user=make_staff("expired"), role="other", active_to=today - datetime.timedelta(days=1)
    )
    CareTeamMember.objects.create(
        citizen=citizen, user=make_staff("later"), role="other", active_from=today + datetime.timedelta(days=1)
    )
    team = valid(api(coordinator)(f"/fhir/CareTeam/{citizen.pk}"))
    assert (team.id, team.status, team.subject.reference) == (str(citizen.pk), "active", f"Patient/{citizen.pk}")
    members = [(p.member.reference, p.member.display, p.role[0].coding[0].code) for p in team.participant]
    assert members == [
        (f"Practitioner/{coordinator.pk}", "Coordinator Test", "coordinator"),
        (f"Practitioner/{gp.pk}", "Gp Test", "gp"),
        (None, "Kari Søster", "relative"),
    ]
    coordinator_part, gp_part, sister_part = team.participant
    assert coordinator_part.role[0].coding[0].system == mapping.CARE_TEAM_ROLE_SYSTEM
    assert coordinator_part.role[0].coding[0].display == "Coordinator"
    assert gp_part.onBehalfOf.display == "Sentrum legekontor"
    assert sister_part.onBehalfOf is None
    assert sister_part.period.start == sister.active_from
    assert reads(coordinator, citizen).get().section == Section.OVERVIEW


def test_care_team_search_by_patient(api, gp, care_team_member, citizen):
    bundle = valid(api(gp)("/fhir/CareTeam", data={"patient": f"Patient/{citizen.pk}"}))
    assert bundle.total == 1 and bundle.entry[0].resource.id == str(citizen.pk)
    assert bundle.entry[0].fullUrl.endswith(f"/fhir/CareTeam/{citizen.pk}")
    assert reads(gp, citizen).count() == 1


def test_member_without_the_overview_gets_403_on_the_care_team(api, make_staff, citizen):
    adviser = make_staff("adviser")
    CareTeamMember.objects.create(citizen=citizen, user=adviser, role="nav", sections=[Section.FINANCE])
    valid(api(adviser)(f"/fhir/CareTeam/{citizen.pk}"), status=403)
    assert denials(adviser, citizen).get().section == Section.OVERVIEW


@pytest.mark.parametrize("rows", [1, 20])
def test_care_team_query_count_does_not_grow(
    api, coordinator, citizen, make_staff, rows, django_assert_max_num_queries
):
    for n in range(rows):
        CareTeamMember.objects.create(citizen=citizen, user=make_staff(f"m{n}"), role="other")
    call = api(coordinator)
    # token (with the staff profile), token use, citizen, block, roles, access event, the members
    with django_assert_max_num_queries(7):
        team = valid(call(f"/fhir/CareTeam/{citizen.pk}"))
    assert len(team.participant) == rows + 1
