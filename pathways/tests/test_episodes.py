"""Running a pathway: referral, deadline, start from the template, ending with a reason, evaluation for all."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AccessEvent
from measures import actions as measure_actions
from measures.models import Questionnaire
from pathways import actions
from pathways.models import Appointment, AppointmentChange, Episode, ScheduledQuestionnaire
from people.access import grant_for


def referral(grant, user, pathway, municipality, **overrides):
    fields = {
        "template": pathway,
        "received": timezone.localdate(),
        "source": Episode.Source.GP,
        "reason": "Nedstemt og engstelig, ønsker veiledet selvhjelp",
        "unit": municipality,
    }
    return actions.register_referral(grant, acting_user=user, **{**fields, **overrides})


def test_a_referral_waits_with_the_first_contact_deadline_of_the_template(grant, coordinator, self_help, municipality):
    received = timezone.localdate() - datetime.timedelta(days=2)
    episode = referral(grant, coordinator, self_help, municipality, received=received)
    assert episode.status == "waiting"
    assert episode.first_contact_due == received + datetime.timedelta(days=7)
    assert AccessEvent.objects.filter(section="pathway", action="write", detail__startswith="registered").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"received": timezone.localdate() + datetime.timedelta(days=1)}, "received"),
        ({"received": None}, "received"),
        ({"template": None}, "template"),
    ],
)
def test_a_bad_referral_is_refused_and_nothing_is_saved(grant, coordinator, self_help, municipality, overrides, field):
    with pytest.raises(ValidationError) as error:
        referral(grant, coordinator, self_help, municipality, **overrides)
    assert field in error.value.error_dict
    assert not Episode.objects.exists()


def test_only_staff_with_the_pathway_section_run_it(citizen, gp, care_team_member, self_help, municipality):
    with pytest.raises(PermissionDenied):
        referral(grant_for(gp, citizen), gp, self_help, municipality)
    with pytest.raises(PermissionDenied):
        referral(grant_for(citizen.user, citizen), citizen.user, self_help, municipality)


def test_starting_plans_the_contacts_and_questionnaires_of_guided_self_help(
    grant, coordinator, self_help, municipality, first_session
):
    episode = referral(grant, coordinator, self_help, municipality)
    episode = actions.start_episode(
        grant, episode, acting_user=coordinator, first_session_at=first_session, staff=coordinator
    )
    assert episode.status == "active"
    plan = [(a.kind, a.starts_at - first_session, a.duration_minutes) for a in episode.appointments.all()]
    week = datetime.timedelta(days=7)
    assert plan == [
        ("office", datetime.timedelta(0), 60),
        ("phone", week, 20),
        ("phone", 2 * week, 20),
        ("phone", 3 * week, 20),
        ("phone", 4 * week, 20),
        ("office", 5 * week, 45),
    ]
    scheduled = [(s.questionnaire_key, s.reason) for s in ScheduledQuestionnaire.objects.filter(episode=episode)]
    assert sorted(scheduled) == [("gad7", "start"), ("phq9", "end"), ("phq9", "start")]


def test_a_first_session_in_the_past_is_refused(grant, coordinator, self_help, municipality):
    episode = referral(grant, coordinator, self_help, municipality)
    with pytest.raises(ValidationError):
        actions.start_episode(
            grant,
            episode,
            acting_user=coordinator,
            first_session_at=timezone.now() - datetime.timedelta(hours=1),
            staff=coordinator,
        )
    episode.refresh_from_db()
    assert episode.status == "waiting" and not Appointment.objects.exists()


def test_ending_needs_a_reason_and_nothing_changes_without_one(grant, coordinator, self_help, municipality):
    episode = referral(grant, coordinator, self_help, municipality)
    for status, reason in (("dropped_out", ""), ("dropped_out", "   "), ("active", "Ferdig")):
        with pytest.raises(ValidationError):
            actions.end_episode(grant, episode, acting_user=coordinator, status=status, reason=reason)
    episode.refresh_from_db()
    assert episode.status == "waiting"
    assert not ScheduledQuestionnaire.objects.exists()


def test_a_drop_out_after_two_sessions_still_gets_the_evaluation(
    grant, coordinator, self_help, municipality, first_session
):
    episode = referral(grant, coordinator, self_help, municipality)
    actions.start_episode(grant, episode, acting_user=coordinator, first_session_at=first_session, staff=coordinator)
    sessions = list(episode.appointments.all())
    with time_machine.travel(first_session + datetime.timedelta(days=7, hours=1)):
        for appointment in sessions[:2]:
            actions.set_status(grant, appointment, "done", acting_user=coordinator)
        actions.end_episode(
            grant, episode, acting_user=coordinator, status="dropped_out", reason="Møtte ikke, svarer ikke på telefon"
        )
    episode.refresh_from_db()
    assert episode.status == "dropped_out" and episode.end_reason.startswith("Møtte ikke")
    statuses = [a.status for a in episode.appointments.all()]
    assert statuses == ["done", "done", "cancelled", "cancelled", "cancelled", "cancelled"]
    evaluation = ScheduledQuestionnaire.objects.get(episode=episode, reason="evaluation")
    assert evaluation.questionnaire_key == "user-evaluation" and evaluation.is_pending
    # The closing PHQ-9 is no longer asked for.
    assert ScheduledQuestionnaire.objects.get(episode=episode, reason="end").cancelled_at is not None


def test_a_referral_that_never_started_is_evaluated_too(grant, coordinator, self_help, municipality):
    episode = referral(grant, coordinator, self_help, municipality)
    actions.end_episode(grant, episode, acting_user=coordinator, status="transferred", reason="Henvist til DPS")
    assert ScheduledQuestionnaire.objects.filter(episode=episode, reason="evaluation").count() == 1
    with pytest.raises(ValidationError):
        actions.end_episode(grant, episode, acting_user=coordinator, status="completed", reason="Igjen")


def test_answering_the_questionnaire_marks_the_request_answered(
    grant, coordinator, citizen, self_help, municipality, shipped
):
    episode = referral(grant, coordinator, self_help, municipality)
    actions.end_episode(grant, episode, acting_user=coordinator, status="dropped_out", reason="Flyttet")
    evaluation = Questionnaire.objects.current().get(url__endswith="/user-evaluation")
    own = grant_for(citizen.user, citizen)
    response = measure_actions.start_response(own, evaluation, acting_user=citizen.user)
    answers = _complete_answers(evaluation)
    measure_actions.submit_response(own, response, answers, acting_user=citizen.user)
    scheduled = ScheduledQuestionnaire.objects.get(episode=episode, reason="evaluation")
    assert scheduled.response_id == response.pk and scheduled.answered_at is not None


def _complete_answers(questionnaire):
    """The first option of every required item, text for text items."""
    from measures.fhir_forms import parse_items, walk

    answers = {}
    for item in walk(parse_items(questionnaire.resource)):
        if item.options:
            answers[item.link_id] = [item.options[0].code]
        elif item.type in ("string", "text"):
            answers[item.link_id] = ["Greit"]
    return answers


# Appointments -----------------------------------------------------------------------------------


def test_an_appointment_in_the_past_cannot_be_planned(grant, coordinator):
    with pytest.raises(ValidationError) as error:
        actions.add_appointment(
            grant,
            acting_user=coordinator,
            staff=coordinator,
            kind="phone",
            title="Telefon",
            starts_at=timezone.now() - datetime.timedelta(minutes=5),
            duration_minutes=20,
        )
    assert "starts_at" in error.value.error_dict
    assert not Appointment.objects.exists()


def test_a_future_appointment_cannot_be_done_or_missed_and_a_status_is_set_once(grant, coordinator):
    appointment = actions.add_appointment(
        grant,
        acting_user=coordinator,
        staff=coordinator,
        kind="phone",
        title="Telefon",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        duration_minutes=20,
    )
    for status in ("done", "missed"):
        with pytest.raises(ValidationError):
            actions.set_status(grant, appointment, status, acting_user=coordinator)
    with time_machine.travel(appointment.starts_at + datetime.timedelta(minutes=30)):
        actions.set_status(grant, appointment, "missed", acting_user=coordinator)
        with pytest.raises(ValidationError, match="already marked"):
            actions.set_status(grant, appointment, "done", acting_user=coordinator)
        actions.follow_up_missed(grant, appointment, acting_user=coordinator)
    appointment.refresh_from_db()
    assert appointment.status == "missed" and appointment.followed_up_at is not None


def test_moving_an_appointment_keeps_the_old_time(grant, coordinator):
    first = timezone.now() + datetime.timedelta(days=2)
    appointment = actions.add_appointment(
        grant,
        acting_user=coordinator,
        staff=coordinator,
        kind="office",
        title="Samtale",
        starts_at=first,
        duration_minutes=45,
    )
    later = first + datetime.timedelta(days=1)
    actions.reschedule(grant, appointment, acting_user=coordinator, starts_at=later, reason="Sykdom")
    change = AppointmentChange.objects.get(appointment=appointment)
    assert (change.previous_starts_at, change.new_starts_at, change.reason) == (first, later, "Sykdom")
    with pytest.raises(ValidationError):
        actions.reschedule(
            grant, appointment, acting_user=coordinator, starts_at=timezone.now() - datetime.timedelta(hours=1)
        )


def test_the_first_done_contact_counts_as_first_contact(grant, coordinator, self_help, municipality, first_session):
    episode = referral(grant, coordinator, self_help, municipality)
    actions.start_episode(grant, episode, acting_user=coordinator, first_session_at=first_session, staff=coordinator)
    with time_machine.travel(first_session + datetime.timedelta(hours=1)):
        actions.set_status(grant, episode.appointments.first(), "done", acting_user=coordinator)
    episode.refresh_from_db()
    assert episode.first_contact_on == first_session.date()


def test_appointments_are_held_by_someone_on_the_team(
    grant, coordinator, outsider, self_help, municipality, first_session
):
    episode = referral(grant, coordinator, self_help, municipality)
    with pytest.raises(ValidationError) as error:
        actions.start_episode(grant, episode, acting_user=coordinator, first_session_at=first_session, staff=outsider)
    assert "staff" in error.value.error_dict
    with pytest.raises(ValidationError):
        actions.add_appointment(
            grant,
            acting_user=coordinator,
            staff=outsider,
            kind="phone",
            title="Telefon",
            starts_at=first_session,
            duration_minutes=20,
        )
    assert not Appointment.objects.exists()


def test_a_pathway_cannot_end_before_its_referral(grant, coordinator, self_help, municipality):
    episode = referral(grant, coordinator, self_help, municipality)
    with pytest.raises(ValidationError) as error:
        actions.end_episode(
            grant,
            episode,
            acting_user=coordinator,
            status="completed",
            reason="Ferdig",
            on=episode.referral_received - datetime.timedelta(days=1),
        )
    assert "on" in error.value.error_dict
