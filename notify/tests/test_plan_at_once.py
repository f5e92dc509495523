"""Reminders are planned as soon as an appointment is made or moved close to its time; cron is the backstop."""

import datetime
import io
import logging
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.signals import task_enqueued

from notify import reminders
from notify.models import Reminder
from pathways import actions as pathway_actions
from pathways.models import Appointment, TemplateStep

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
MONDAY_16 = datetime.datetime(2027, 3, 1, 16, 0, tzinfo=OSLO)
TUESDAY_9 = datetime.datetime(2027, 3, 2, 9, 0, tzinfo=OSLO)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_16, tick=False) as traveller:
        yield traveller


@pytest.fixture
def reachable(citizen, coordinator):
    """Ingrid and her coordinator both have e-mail: two reminders per appointment."""
    citizen.email = "ingrid@example.no"
    citizen.save()
    coordinator.email = "koordinator@kommune.example"
    coordinator.save()
    return citizen


@pytest.fixture
def queued():
    """The tasks put on the queue, as (name, keyword arguments)."""
    seen = []

    def on_enqueued(sender, task_result, **kwargs):
        seen.append((task_result.task.name, task_result.kwargs))

    task_enqueued.connect(on_enqueued)
    yield seen
    task_enqueued.disconnect(on_enqueued)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the action leaves for after its commit, as a real request would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def _planned():
    return set(Reminder.objects.values_list("recipient", "appointment_starts_at", "send_at"))


def test_an_appointment_made_at_16_for_tomorrow_9_has_its_reminders_at_once(
    clock, reachable, committed, plan_appointment, queued
):
    appointment = committed(plan_appointment, TUESDAY_9)

    # Less than 24 hours ahead: due at once, sent by the next send run.
    assert _planned() == {("citizen", TUESDAY_9, MONDAY_16), ("staff", TUESDAY_9, MONDAY_16)}
    assert queued == [("plan_reminders", {"appointment_ids": [appointment.pk]})]
    assert reminders.plan_reminders() == 0  # the cron run after it finds nothing more to do


def test_a_moved_appointment_gets_reminders_for_its_new_time_at_once_and_the_old_ones_are_not_sent(
    clock, reachable, coordinator, grant, committed, plan_appointment, mailoutbox
):
    old_time, new_time = TUESDAY_9 + DAY, TUESDAY_9 + DAY + 4 * HOUR  # Wednesday 09:00, then 13:00
    appointment = committed(plan_appointment, old_time)
    committed(pathway_actions.reschedule, grant, appointment, acting_user=coordinator, starts_at=new_time)

    assert _planned() == {
        ("citizen", old_time, old_time - DAY),
        ("staff", old_time, old_time - DAY),
        ("citizen", new_time, new_time - DAY),
        ("staff", new_time, new_time - DAY),
    }
    clock.move_to(new_time - DAY)
    assert reminders.send_due_reminders() == {"sent": 2, "failed": 2}
    assert len(mailoutbox) == 2 and all("13:00" in m.body and "09:00" not in m.body for m in mailoutbox)


def test_a_far_future_appointment_queues_nothing_until_cron_finds_it_in_the_window(
    clock, reachable, coordinator, grant, committed, plan_appointment, queued
):
    appointment = committed(plan_appointment, MONDAY_16 + 10 * DAY)
    committed(pathway_actions.reschedule, grant, appointment, acting_user=coordinator, starts_at=MONDAY_16 + 9 * DAY)

    assert queued == [] and not Reminder.objects.exists()

    clock.move_to(MONDAY_16 + 7 * DAY)  # two days before
    call_command("enqueue_reminders", stdout=io.StringIO())
    assert Reminder.objects.count() == 2


def test_a_cancelled_appointment_queues_nothing_and_its_reminders_are_not_sent(
    clock, reachable, coordinator, grant, committed, plan_appointment, queued, mailoutbox
):
    appointment = committed(plan_appointment, TUESDAY_9)
    queued.clear()
    committed(pathway_actions.set_status, grant, appointment, "cancelled", acting_user=coordinator)

    assert queued == []
    assert reminders.send_due_reminders() == {"sent": 0, "failed": 2}
    assert mailoutbox == []


def test_starting_a_pathway_with_the_first_session_tomorrow_plans_its_reminders_at_once(
    clock, reachable, coordinator, grant, committed, episode, queued
):
    """The start makes every session in one go (bulk_create): only the first is near enough."""
    episode.template.steps.create(
        kind=TemplateStep.Kind.CONTACT, title="Telefonveiledning", contact_kind="phone", repeat_count=4
    )

    committed(
        pathway_actions.start_episode,
        grant,
        episode,
        acting_user=coordinator,
        first_session_at=TUESDAY_9,
        staff=coordinator,
    )

    first = Appointment.objects.get(episode=episode, starts_at=TUESDAY_9)
    assert Appointment.objects.filter(episode=episode).count() == 4
    assert queued == [("plan_reminders", {"appointment_ids": [first.pk]})]
    assert set(Reminder.objects.values_list("appointment_id", "recipient")) == {
        (first.pk, "citizen"),
        (first.pk, "staff"),
    }


class RefusingTaskBackend(ImmediateBackend):
    """The task queue's database table is unreachable."""

    def enqueue(self, task, args, kwargs):
        raise ConnectionError("queue unreachable")


def test_when_the_queue_refuses_the_appointment_is_saved_and_cron_plans_it(
    clock, reachable, committed, plan_appointment, settings, caplog
):
    settings.TASKS = {"default": {"BACKEND": "notify.tests.test_plan_at_once.RefusingTaskBackend"}}

    with caplog.at_level(logging.WARNING, logger="notify.receivers"):
        appointment = committed(plan_appointment, TUESDAY_9)

    assert Appointment.objects.filter(pk=appointment.pk, status="planned").exists()
    assert not Reminder.objects.exists()
    assert caplog.messages == [
        f"Reminder planning for appointment(s) [{appointment.pk}] could not be queued (ConnectionError); "
        "the next cron run plans them"
    ]
    assert reminders.plan_reminders() == 2


def test_the_planner_for_named_appointments_leaves_the_others_to_cron(clock, reachable, plan_appointment):
    """Made without a commit (as in the other tests): nothing planned until someone asks."""
    first = plan_appointment(TUESDAY_9)
    plan_appointment(TUESDAY_9 + HOUR)

    assert reminders.plan_reminders(appointment_ids=[first.pk]) == 2
    assert reminders.plan_reminders(appointment_ids=[first.pk]) == 0
    assert set(Reminder.objects.values_list("appointment_id", flat=True)) == {first.pk}
    assert reminders.plan_reminders() == 2
