"""Appointment reminders: one per recipient and channel, sent once, never stale, never with health details."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AccessEvent
from notify import reminders
from notify.models import Reminder
from notify.sms import LocmemSmsBackend
from pathways import actions as pathway_actions
from people import actions as people_actions
from people.models import CareTeamMember

from .conftest import REASON, TITLE

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
MONDAY_8 = datetime.datetime(2027, 3, 1, 8, 0, tzinfo=OSLO)
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_8, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "notify.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox = []


@pytest.fixture
def reachable(citizen, coordinator):
    """Ingrid has e-mail and a mobile number; so has her coordinator (e-mail)."""
    citizen.email, citizen.phone = "ingrid@example.no", "+4791234567"
    citizen.save()
    coordinator.email = "koordinator@kommune.example"
    coordinator.save()
    return citizen


def _by_recipient(outbox):
    return {message.to[0]: message for message in outbox}


def test_one_message_per_recipient_and_channel_at_the_right_time_and_only_once(
    clock, reachable, coordinator, plan_appointment, sms_outbox, mailoutbox
):
    appointment = plan_appointment(MONDAY_8 + 30 * HOUR)  # Tuesday 14:00

    assert reminders.plan_reminders() == 3
    assert reminders.plan_reminders() == 0
    assert {(r.recipient, r.channel, r.send_at) for r in Reminder.objects.all()} == {
        ("citizen", "email", MONDAY_8 + 6 * HOUR),
        ("citizen", "sms", MONDAY_8 + 6 * HOUR),
        ("staff", "email", MONDAY_8 + 6 * HOUR),
    }
    assert reminders.send_due_reminders() == {"sent": 0, "failed": 0}
    assert mailoutbox == [] and sms_outbox == []

    clock.shift(6 * HOUR)
    assert reminders.send_due_reminders() == {"sent": 3, "failed": 0}
    assert reminders.send_due_reminders() == {"sent": 0, "failed": 0}
    call_command("enqueue_reminders", stdout=io.StringIO())

    assert sorted(_by_recipient(mailoutbox)) == ["ingrid@example.no", "koordinator@kommune.example"]
    assert [message["phone"] for message in sms_outbox] == ["+4791234567"]
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    link = f"http://127.0.0.1:8000/citizens/{reachable.pk}/appointments/{appointment.pk}/"
    staff_mail = _by_recipient(mailoutbox)["koordinator@kommune.example"]
    assert staff_mail.subject == "Reminder from Samplan"
    assert staff_mail.body == (
        "Reminder from Samplan: you have an appointment on Tuesday 02.03.2027 at 14:00. "
        f"Log in to Samplan to see it: {link}"
    )


def test_the_citizen_gets_the_day_in_their_own_language_and_the_sms_gets_the_same_text(
    clock, reachable, plan_appointment, sms_outbox, mailoutbox
):
    plan_appointment(MONDAY_8 + 30 * HOUR)
    clock.shift(6 * HOUR)
    call_command("enqueue_reminders", stdout=io.StringIO())

    citizen_mail = _by_recipient(mailoutbox)["ingrid@example.no"]
    assert reachable.preferred_language == "nb"
    assert "tirsdag 02.03.2027" in citizen_mail.body and "14:00" in citizen_mail.body
    assert sms_outbox[0]["text"] == citizen_mail.body


def test_staff_get_the_reminder_in_their_own_language_or_else_the_sites(
    clock, reachable, coordinator, nurse, plan_appointment, settings, mailoutbox
):
    settings.LANGUAGE_CODE = "nb"
    nurse.staff_profile.preferred_language = "en"
    nurse.staff_profile.save()
    reachable.email = ""
    reachable.save()
    plan_appointment(MONDAY_8 + 30 * HOUR)  # the coordinator's, no language chosen
    plan_appointment(MONDAY_8 + 31 * HOUR, staff=nurse)
    clock.shift(7 * HOUR)
    call_command("enqueue_reminders", stdout=io.StringIO())

    by_recipient = _by_recipient(mailoutbox)
    assert by_recipient["nurse@kommune.example"].subject == "Reminder from Samplan"
    assert "Tuesday 02.03.2027 at 15:00" in by_recipient["nurse@kommune.example"].body
    assert by_recipient["koordinator@kommune.example"].subject == "Påminnelse fra Samplan"
    assert "tirsdag 02.03.2027" in by_recipient["koordinator@kommune.example"].body


def test_no_name_title_reason_or_kind_in_any_message(clock, reachable, plan_appointment, sms_outbox, mailoutbox):
    plan_appointment(MONDAY_8 + 30 * HOUR, kind="home_visit")
    clock.shift(6 * HOUR)
    reminders.plan_reminders()
    reminders.send_due_reminders()

    texts = [m.subject + m.body for m in mailoutbox] + [m["text"] for m in sms_outbox]
    assert len(texts) == 3
    for text in texts:
        for secret in (
            reachable.given_name,
            reachable.family_name,
            reachable.national_id,
            reachable.national_id[:6],
            TITLE,
            "Telefonveiledning",
            REASON,
            "Home visit",
            "home_visit",
        ):
            assert secret not in text, (secret, text)


class CrashingEmailBackend(BaseEmailBackend):
    """The worker process dies in the middle of handing the e-mail over."""

    def send_messages(self, messages):
        raise KeyboardInterrupt


def test_a_reminder_claimed_by_a_worker_that_died_is_not_sent_again_and_is_failed_after_the_timeout(
    clock, reachable, plan_appointment, settings, mailoutbox
):
    reachable.phone = ""
    reachable.save()
    plan_appointment(MONDAY_8 + 30 * HOUR)
    reminders.plan_reminders()
    clock.shift(6 * HOUR)
    settings.EMAIL_BACKEND = "notify.tests.test_reminders.CrashingEmailBackend"
    with pytest.raises(KeyboardInterrupt):
        reminders.send_due_reminders()
    crashed = Reminder.objects.get(claimed_at__isnull=False)
    assert crashed.sent_at is None and crashed.failed_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    clock.shift(datetime.timedelta(minutes=1))
    assert reminders.send_due_reminders() == {"sent": 1, "failed": 0}  # the other one, never claimed
    sent_to = [m.to[0] for m in mail.outbox]
    crashed.refresh_from_db()
    assert crashed.failed_at is None and crashed.state == "sending"

    clock.shift(datetime.timedelta(minutes=settings.REMINDER_CLAIM_TIMEOUT_MINUTES))
    assert reminders.send_due_reminders() == {"sent": 0, "failed": 1}
    crashed.refresh_from_db()
    assert crashed.sent_at is None and crashed.failed_at == timezone.now()
    assert "stopped while sending" in crashed.error
    assert [m.to[0] for m in mail.outbox] == sent_to and len(sent_to) == 1
    assert reminders.send_due_reminders() == {"sent": 0, "failed": 0}


def test_a_cancelled_appointment_gets_no_reminder(
    clock, reachable, coordinator, grant, plan_appointment, sms_outbox, mailoutbox
):
    appointment = plan_appointment(MONDAY_8 + 30 * HOUR)
    reminders.plan_reminders()
    pathway_actions.set_status(grant, appointment, "cancelled", acting_user=coordinator)
    clock.shift(6 * HOUR)

    assert reminders.send_due_reminders() == {"sent": 0, "failed": 3}
    assert mailoutbox == [] and sms_outbox == []
    assert set(Reminder.objects.values_list("error", flat=True)) == {"Not sent: the appointment is cancelled."}
    assert reminders.plan_reminders() == 0


def test_a_moved_appointment_is_reminded_of_its_new_time_only(
    clock, reachable, coordinator, grant, plan_appointment, sms_outbox, mailoutbox
):
    appointment = plan_appointment(MONDAY_8 + 30 * HOUR)  # Tuesday 14:00
    reminders.plan_reminders()
    clock.shift(HOUR)
    pathway_actions.reschedule(grant, appointment, acting_user=coordinator, starts_at=MONDAY_8 + 28 * HOUR)

    clock.shift(3 * HOUR)  # 24 hours before the new time, Tuesday 12:00
    call_command("enqueue_reminders", stdout=io.StringIO())
    assert len(mailoutbox) == 2 and len(sms_outbox) == 1
    assert all("12:00" in m.body and "14:00" not in m.body for m in mailoutbox)

    clock.shift(2 * HOUR)  # when the old reminders fall due
    assert reminders.send_due_reminders() == {"sent": 0, "failed": 3}
    assert len(mailoutbox) == 2 and len(sms_outbox) == 1
    stale = Reminder.objects.filter(appointment_starts_at=MONDAY_8 + 30 * HOUR)
    assert {r.error for r in stale} == {"Not sent: the appointment has moved; a new reminder is planned."}


def test_an_appointment_planned_at_short_notice_is_reminded_at_once(clock, reachable, plan_appointment, mailoutbox):
    plan_appointment(MONDAY_8 + 3 * HOUR)
    reminders.plan_reminders()
    assert set(Reminder.objects.values_list("send_at", flat=True)) == {MONDAY_8}
    reminders.send_due_reminders()
    assert len(mailoutbox) == 2


def test_no_reminder_after_the_appointment_has_started(clock, reachable, plan_appointment, mailoutbox):
    """The worker was down for a day: a reminder for a time that has passed is worse than none."""
    plan_appointment(MONDAY_8 + 30 * HOUR)
    reminders.plan_reminders()
    clock.shift(31 * HOUR)
    assert reminders.send_due_reminders() == {"sent": 0, "failed": 2}
    assert mailoutbox == []


def test_without_an_sms_backend_no_sms_is_planned_and_without_an_address_no_email(
    clock, citizen, coordinator, plan_appointment
):
    citizen.phone = "+4791234567"
    citizen.save()
    plan_appointment(MONDAY_8 + 30 * HOUR)
    assert reminders.plan_reminders() == 0  # no SMS backend, no e-mail for Ingrid or the coordinator


def test_a_staff_member_taken_off_the_care_team_gets_no_reminder(
    clock, citizen, coordinator, nurse, grant, plan_appointment, mailoutbox
):
    plan_appointment(MONDAY_8 + 30 * HOUR, staff=nurse)
    assert reminders.plan_reminders() == 1
    member = CareTeamMember.objects.get(citizen=citizen, user=nurse)
    people_actions.end_care_team_member(grant, member, acting_user=coordinator)
    clock.shift(6 * HOUR)

    assert reminders.send_due_reminders() == {"sent": 0, "failed": 1}
    assert mailoutbox == []
    assert Reminder.objects.get().error == "Not sent: the staff member may no longer open this citizen."


def test_the_staff_reminder_is_in_the_citizens_access_log(clock, citizen, nurse, plan_appointment, mailoutbox):
    appointment = plan_appointment(MONDAY_8 + 30 * HOUR, staff=nurse)
    reminders.plan_reminders()
    clock.shift(6 * HOUR)
    reminders.send_due_reminders()

    assert [m.to for m in mailoutbox] == [["nurse@kommune.example"]]
    event = AccessEvent.objects.get(actor_id=nurse.pk, citizen_id=citizen.pk)
    assert (event.action, event.section, event.ground) == ("read", "pathway", "care_team")
    assert event.detail == f"appointment reminder by e-mail (appointment {appointment.pk})"


class RefusingEmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp.example: connection refused for ingrid@example.no")


def test_a_refused_send_is_failed_once_with_the_kind_of_error_and_not_the_address(
    clock, reachable, plan_appointment, settings
):
    reachable.phone = ""
    reachable.save()
    plan_appointment(MONDAY_8 + 30 * HOUR)
    reminders.plan_reminders()
    clock.shift(6 * HOUR)
    settings.EMAIL_BACKEND = "notify.tests.test_reminders.RefusingEmailBackend"

    assert reminders.send_due_reminders() == {"sent": 0, "failed": 2}
    assert set(Reminder.objects.values_list("error", flat=True)) == {
        "Sending failed (ConnectionRefusedError); not tried again."
    }
    assert reminders.send_due_reminders() == {"sent": 0, "failed": 0}


def test_the_database_keeps_one_reminder_per_appointment_time(clock, reachable, plan_appointment):
    appointment = plan_appointment(MONDAY_8 + 30 * HOUR)
    reminders.plan_reminders()
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            appointment=appointment,
            recipient="citizen",
            channel="email",
            appointment_starts_at=appointment.starts_at,
            send_at=MONDAY_8 + 7 * HOUR,
        )


def test_enqueue_reminders_runs_both_tasks(clock, reachable, plan_appointment, mailoutbox, capsys):
    plan_appointment(MONDAY_8 + 3 * HOUR)
    call_command("enqueue_reminders")
    out = capsys.readouterr().out
    assert "plan_reminders: SUCCESSFUL" in out and "send_due_reminders: SUCCESSFUL" in out
    assert len(mailoutbox) == 2


def test_operations_see_failed_reminders_in_the_admin_without_names_or_titles(
    clock, reachable, coordinator, grant, plan_appointment, client, django_user_model
):
    appointment = plan_appointment(MONDAY_8 + 30 * HOUR)
    reminders.plan_reminders()
    pathway_actions.set_status(grant, appointment, "cancelled", acting_user=coordinator)
    clock.shift(6 * HOUR)
    reminders.send_due_reminders()
    admin = django_user_model.objects.create_superuser("admin", "admin@example.no", "correct-horse-battery")
    client.force_login(admin, backend="accounts.backends.UserBackend")

    page = client.get("/admin/notify/reminder/?failed_at__isnull=False")

    assert page.status_code == 200
    assert "Not sent: the appointment is cancelled." in page.text
    for secret in (reachable.given_name, reachable.family_name, reachable.email, reachable.phone, TITLE):
        assert secret not in page.text
    detail = client.get(f"/admin/notify/reminder/{Reminder.objects.first().pk}/change/")
    assert detail.status_code == 200 and TITLE not in detail.text and reachable.email not in detail.text
