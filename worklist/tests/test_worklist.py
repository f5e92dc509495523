"""The coordinator's worklist: the right items, most urgent first, gone when handled, at a fixed cost."""

import datetime
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from journal import actions as journal_actions
from measures import actions as measure_actions
from measures.models import Questionnaire, QuestionnaireResponse, Score
from pathways import actions as pathway_actions
from pathways.management.commands.import_pathways import SHIPPED, import_template
from pathways.models import PathwayTemplate
from people.access import grant_for
from plans import actions as plan_actions
from plans.models import PlanVersion
from worklist.items import OVERDUE, SOON, TODAY, worklist_for


@pytest.fixture
def self_help(db):
    import_template(json.loads((SHIPPED / "guided-self-help.json").read_text(encoding="utf-8")))
    return PathwayTemplate.objects.get(key="guided-self-help")


def referral(citizen, coordinator, template, municipality, received):
    return pathway_actions.register_referral(
        grant_for(coordinator, citizen),
        acting_user=coordinator,
        template=template,
        received=received,
        source="gp",
        reason="Uro",
        unit=municipality,
    )


def kinds(items):
    return [(item.kind, item.urgency) for item in items]


def test_an_overdue_first_contact_comes_before_todays_appointment_and_goes_when_recorded(
    coordinator, citizen, make_citizen, self_help, municipality
):
    # At noon: five minutes ahead is still today (just before midnight it would be tomorrow's).
    noon = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12)))
    with time_machine.travel(noon, tick=True):
        today = timezone.localdate()
        episode = referral(citizen, coordinator, self_help, municipality, today - datetime.timedelta(days=8))
        other = make_citizen(coordinator, "Per")
        appointment = pathway_actions.add_appointment(
            grant_for(coordinator, other),
            acting_user=coordinator,
            staff=coordinator,
            kind="phone",
            title="Oppfølging",
            starts_at=timezone.now() + datetime.timedelta(minutes=5),
            duration_minutes=20,
        )
        items = worklist_for(coordinator)
        assert kinds(items)[:2] == [("first_contact", OVERDUE), ("appointment", TODAY)]
        assert items[0].url == reverse("pathways:episode", args=[citizen.pk, episode.pk])
        pathway_actions.record_first_contact(grant_for(coordinator, citizen), episode, acting_user=coordinator)
        with time_machine.travel(appointment.starts_at + datetime.timedelta(minutes=30)):
            pathway_actions.set_status(grant_for(coordinator, other), appointment, "done", acting_user=coordinator)
            assert worklist_for(coordinator) == []


def test_a_missed_appointment_stays_until_followed_up(coordinator, citizen):
    grant = grant_for(coordinator, citizen)
    appointment = pathway_actions.add_appointment(
        grant,
        acting_user=coordinator,
        staff=coordinator,
        kind="office",
        title="Samtale",
        starts_at=timezone.now() + datetime.timedelta(hours=1),
        duration_minutes=45,
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        pathway_actions.set_status(grant, appointment, "missed", acting_user=coordinator)
        assert kinds(worklist_for(coordinator)) == [("missed", OVERDUE)]
        pathway_actions.follow_up_missed(grant, appointment, acting_user=coordinator)
        assert worklist_for(coordinator) == []


def test_a_drop_out_leaves_the_evaluation_on_the_list_until_it_is_answered(
    coordinator, citizen, self_help, municipality, shipped
):
    grant = grant_for(coordinator, citizen)
    episode = referral(citizen, coordinator, self_help, municipality, timezone.localdate())
    pathway_actions.record_first_contact(grant, episode, acting_user=coordinator)
    pathway_actions.end_episode(grant, episode, acting_user=coordinator, status="dropped_out", reason="Flyttet")
    assert kinds(worklist_for(coordinator)) == [("evaluation", SOON)]
    own = grant_for(citizen.user, citizen)
    evaluation = Questionnaire.objects.current().get(url__endswith="/user-evaluation")
    response = measure_actions.start_response(own, evaluation, acting_user=citizen.user)
    from measures.fhir_forms import parse_items, walk

    answers = {
        item.link_id: [item.options[0].code] if item.options else ["Greit"]
        for item in walk(parse_items(evaluation.resource))
        if item.options or item.type in ("string", "text")
    }
    measure_actions.submit_response(own, response, answers, acting_user=citizen.user)
    assert worklist_for(coordinator) == []


def test_an_unsigned_note_older_than_a_day_is_listed(coordinator, citizen):
    grant = grant_for(coordinator, citizen)
    journal_actions.create_note(grant, kind="standard", acting_user=coordinator, assessment="Stabil")
    assert worklist_for(coordinator) == []
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, hours=1)):
        assert kinds(worklist_for(coordinator)) == [("unsigned_note", OVERDUE)]


def test_missing_checkins_deterioration_revision_and_comments(coordinator, citizen, shipped, care_team_member):
    grant = grant_for(coordinator, citizen)
    now = timezone.now()
    checkin = Questionnaire.objects.current().get(url__endswith="/checkin")
    QuestionnaireResponse.objects.create(
        citizen=citizen,
        questionnaire=checkin,
        status="completed",
        answers={},
        authored_at=now - datetime.timedelta(days=20),
    )
    phq9 = Questionnaire.objects.current().get(url__endswith="/phq9")
    for days, total in ((40, 6), (10, 16)):
        response = QuestionnaireResponse.objects.create(
            citizen=citizen,
            questionnaire=phq9,
            status="completed",
            answers={},
            authored_at=now - datetime.timedelta(days=days),
        )
        Score.objects.create(
            response=response,
            citizen=citizen,
            instrument="phq9",
            total=total,
            result={},
            effective_at=response.authored_at,
        )
    version = plan_actions.start_draft(grant, acting_user=coordinator)
    PlanVersion.objects.filter(pk=version.pk).update(
        status="active", next_revision=timezone.localdate() - datetime.timedelta(days=1)
    )
    plan_actions.add_comment(
        grant_for(citizen.user, citizen), version, acting_user=citizen.user, section="plan", text="Hei"
    )
    items = worklist_for(coordinator)
    assert sorted(kinds(items)) == sorted(
        [("deterioration", OVERDUE), ("plan_revision", OVERDUE), ("checkin", SOON), ("plan_comment", SOON)]
    )
    assert [item.urgency for item in items] == sorted(item.urgency for item in items)


def test_another_coordinators_citizens_are_not_on_my_list(
    coordinator, make_staff, make_citizen, self_help, municipality
):
    colleague = make_staff("kollega")
    theirs = make_citizen(colleague, "Kari")
    referral(theirs, colleague, self_help, municipality, timezone.localdate() - datetime.timedelta(days=9))
    assert worklist_for(coordinator) == []
    assert len(worklist_for(colleague)) == 1


@pytest.mark.parametrize("citizens", [1, 12])
def test_the_query_count_does_not_grow_with_the_caseload(
    login, coordinator, make_citizen, self_help, municipality, citizens, django_assert_num_queries
):
    """The same 20 queries for 1 citizen as for 12: session, user, TOTP device, the citizens the user may
    open, 13 for the sources (appointments, and check-ins with children, are one each), the access log
    (one INSERT) and the menu's permission check (two, then kept for a few minutes). The session is not
    written again within a minute of the login (accounts.sessions)."""
    noon = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12)))
    with time_machine.travel(noon, tick=False):  # so the appointments below are today's whenever this runs
        _caseload_page(login, coordinator, make_citizen, self_help, municipality, citizens, django_assert_num_queries)


def _caseload_page(login, coordinator, make_citizen, self_help, municipality, citizens, django_assert_num_queries):
    for n in range(citizens):
        person = make_citizen(coordinator, f"Person{n}", with_login=True)
        referral(person, coordinator, self_help, municipality, timezone.localdate() - datetime.timedelta(days=10))
        pathway_actions.add_appointment(
            grant_for(coordinator, person),
            acting_user=coordinator,
            staff=coordinator,
            kind="phone",
            title="Telefon",
            starts_at=timezone.now() + datetime.timedelta(minutes=30),
            duration_minutes=20,
        )
    client = login(coordinator)
    with django_assert_num_queries(20):
        page = client.get(reverse("worklist:worklist"))
    assert page.status_code == 200
    assert page.text.count('class="worklist-item') == 2 * citizens


def test_the_page_logs_each_citizen_shown_and_is_the_staff_start_page(
    login, coordinator, citizen, self_help, municipality
):
    referral(citizen, coordinator, self_help, municipality, timezone.localdate() - datetime.timedelta(days=8))
    client = login(coordinator)
    assert client.get("/").url == reverse("worklist:worklist")
    page = client.get(reverse("worklist:worklist"))
    assert "First contact due" in page.text
    event = AccessEvent.objects.get(actor_id=coordinator.pk, detail="worklist")
    assert (event.citizen_id, event.ground) == (citizen.pk, "care_team")


def test_a_citizen_cannot_open_the_worklist(login, citizen):
    assert login(citizen.user).get(reverse("worklist:worklist")).status_code == 403


def test_my_own_missed_appointment_with_someone_else_s_citizen_is_on_my_list(
    coordinator, citizen, gp, care_team_member
):
    grant = grant_for(coordinator, citizen)
    appointment = pathway_actions.add_appointment(
        grant,
        acting_user=coordinator,
        staff=gp,
        kind="office",
        title="Legetime",
        starts_at=timezone.now() + datetime.timedelta(hours=1),
        duration_minutes=20,
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        pathway_actions.set_status(grant, appointment, "missed", acting_user=coordinator)
        assert kinds(worklist_for(gp)) == [("missed", OVERDUE)]  # the GP held it
        assert kinds(worklist_for(coordinator)) == [("missed", OVERDUE)]  # the coordinator's citizen, once


def test_the_check_in_item_names_the_latest_check_in_and_goes_with_a_new_one(coordinator, citizen, shipped):
    now = timezone.now()
    checkin = Questionnaire.objects.current().get(url__endswith="/checkin")
    phq9 = Questionnaire.objects.current().get(url__endswith="/phq9")

    def answered(questionnaire, days_ago):
        QuestionnaireResponse.objects.create(
            citizen=citizen,
            questionnaire=questionnaire,
            status="completed",
            answers={},
            authored_at=now - datetime.timedelta(days=days_ago),
        )

    answered(checkin, 30)
    answered(checkin, 20)
    answered(phq9, 1)  # not a check-in
    [item] = [item for item in worklist_for(coordinator) if item.kind == "checkin"]
    latest = timezone.localtime(now - datetime.timedelta(days=20))
    assert item.text == f"No check-in since {latest:%d.%m.%Y}"
    answered(checkin, 2)
    assert [item for item in worklist_for(coordinator) if item.kind == "checkin"] == []
