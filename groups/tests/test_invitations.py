"""The coordinator sends the invitations: each member, the external participant and the citizen get an
e-mail with a calendar file that says when, where and a link — never the agenda, a goal or a surname.
Reminders go the day before through the task queue and say nothing once the meeting has moved or
been cancelled. Signed minutes are announced with a date and a link."""

import datetime
import json

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from audit.models import AccessEvent
from groups import actions, invitations
from groups.models import Meeting, Participant
from people import access
from people.models import Block

from .conftest import agreement_text, member_specs

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SITE = "http://testserver"
GOAL = "Sove bedre"
PURPOSE = "trygg bolig"
REASON = "Ingrid er innlagt"


def absolute_url(path):
    """What the view passes: ``request.build_absolute_uri``."""
    return SITE + path


@pytest.fixture
def addresses(coordinator, gp, citizen):
    """The coordinator, the GP and the citizen have e-mail addresses; Nav has none; Kari (external) has one."""
    for person, address in [(coordinator, "koordinator@fjordby.example"), (gp, "fastlege@legekontor.example")]:
        person.email = address
        person.save()
    citizen.email = "ingrid@example.no"
    citizen.save()


def invite(grant, meeting, coordinator, capture):
    with capture(execute=True):
        return invitations.send_invitations(grant, meeting, acting_user=coordinator, absolute_url=absolute_url)


def calendar_of(message):
    """The ``invite.ics`` part of an e-mail, as the receiving mail program sees it."""
    parts = [part for part in message.message().walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    assert part.get_param("method") in ("REQUEST", "CANCEL")
    assert part.get_content_charset() == "utf-8"
    assert part.get_filename() == "invite.ics"
    raw = part.get_payload(decode=True)
    return part, raw.decode(), Calendar.from_ical(raw)


def everything_in(message):
    text = message.subject + "\n" + message.body
    if any(part.get_content_type() == "text/calendar" for part in message.message().walk()):
        text += calendar_of(message)[1]
    return text


def by_address(outbox):
    return {message.to[0]: message for message in outbox}


def run_worker_once(monkeypatch):
    """``manage.py db_worker`` until nothing is due, inside the test's transaction."""
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def test_everyone_with_an_address_gets_an_invitation_with_a_calendar_file_and_no_health_details(
    meeting, grant, coordinator, citizen, gp, nav, addresses, django_capture_on_commit_callbacks
):
    outcome = invite(grant, meeting, coordinator, django_capture_on_commit_callbacks)

    assert outcome.sent == ["Coordinator Test", "Gp Test", "Kari Lærer", "Ingrid Innbygger"]
    assert outcome.without_email == ["Nav Test"] and outcome.without_access == []
    assert invitations.describe(outcome) == "4 invited. Without an e-mail address, so not invited: Nav Test."
    mails = by_address(mail.outbox)
    assert set(mails) == {
        "koordinator@fjordby.example",
        "fastlege@legekontor.example",
        "kari@example.no",
        citizen.email,
    }
    assert len(mail.outbox) == 4  # reminders wait for the day before; the test queue cannot wait, so none
    link = f"{SITE}/citizens/{citizen.pk}/meetings/{meeting.pk}/"

    gp_mail = mails["fastlege@legekontor.example"]
    assert gp_mail.subject.startswith("Invitation: responsibility group meeting on ")
    assert "You are invited to a responsibility group meeting." in gp_mail.body
    assert "Where: Fjordby rådhus, møterom 2" in gp_mail.body and "(60 minutes)" in gp_mail.body
    assert link in gp_mail.body
    assert gp_mail.reply_to == ["koordinator@fjordby.example"]
    part, _raw, calendar = calendar_of(gp_mail)
    assert part["Content-Type"] == "text/calendar; method=REQUEST; charset=utf-8"
    assert part.get_param("filename", header="Content-Disposition") == "invite.ics"
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"group-meeting-{meeting.pk}@samplan"
    assert event.decoded("DTSTART") == meeting.starts_at.replace(microsecond=0)
    assert event["DTSTART"].to_ical().endswith(b"Z")  # UTC
    assert event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(minutes=60)
    assert event.decoded("SEQUENCE") == 0
    assert str(event["SUMMARY"]) == "Samplan: responsibility group meeting"
    assert str(event["LOCATION"]) == "Fjordby rådhus, møterom 2"
    assert str(event["DESCRIPTION"]) == link and str(event["URL"]) == link
    assert str(event["CLASS"]) == "PRIVATE" and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:koordinator@fjordby.example"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:fastlege@legekontor.example"
    assert (attendee.params["PARTSTAT"], attendee.params["RSVP"]) == ("NEEDS-ACTION", "TRUE")

    for message in mail.outbox:
        text = everything_in(message)
        for private in (GOAL, PURPOSE, citizen.family_name, citizen.given_name, citizen.national_id, "Medisiner"):
            assert private not in text, (message.to, private)

    # The external participant cannot log in: no link, the coordinator sends what is needed.
    external = mails["kari@example.no"]
    assert SITE not in everything_in(external)
    assert "The coordinator will send you what you need." in external.body
    [external_event] = calendar_of(external)[2].walk("VEVENT")
    assert "URL" not in external_event
    assert str(external_event["ATTENDEE"]) == "mailto:kari@example.no"

    # The citizen gets it in their own language (bokmål by default), with the link.
    with translation.override("nb"):
        day = date_format(timezone.localtime(meeting.starts_at), "l d.m.Y")
    assert day in mails[citizen.email].subject and link in mails[citizen.email].body

    not_invited = Participant.objects.filter(meeting=meeting, invited_at__isnull=True)
    assert [participant.member.care_team_member.user for participant in not_invited] == [nav]
    meeting.refresh_from_db()
    assert meeting.invitations_sent_at is not None
    event = AccessEvent.objects.filter(citizen_id=citizen.pk, section="group", action="write").latest("pk")
    assert event.actor_id == coordinator.pk
    assert event.detail == f"meeting {meeting.pk}: invitations sent to 4 (1 without e-mail, 0 without access)"


def test_a_double_click_invites_once(meeting, grant, coordinator, addresses, django_capture_on_commit_callbacks):
    invite(grant, meeting, coordinator, django_capture_on_commit_callbacks)
    again = invite(grant, meeting, coordinator, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 4
    assert again.sent == [] and len(again.already_invited) == 4
    assert AccessEvent.objects.filter(detail__contains="invitations sent").count() == 1


def test_the_first_name_only_when_the_agreement_allows_it(
    grant,
    citizen_grant,
    citizen,
    coordinator,
    coordinator_member,
    gp_member,
    nav_member,
    addresses,
    django_capture_on_commit_callbacks,
):
    group, agreement = actions.propose_group(
        grant,
        acting_user=coordinator,
        text=agreement_text(first_name_in_invitations=True),
        members=member_specs(coordinator_member, gp_member, nav_member),
    )
    actions.answer_agreement(citizen_grant, agreement, acting_user=citizen.user, consent="yes")
    group.refresh_from_db()
    meeting = actions.plan_meeting(
        grant,
        group,
        acting_user=coordinator,
        kind="network",
        starts_at=timezone.now() + datetime.timedelta(days=3),
        duration_minutes=90,
        video_link="https://video.example/rom/42",
        members=list(agreement.members.all()),
    )

    invite(grant, meeting, coordinator, django_capture_on_commit_callbacks)

    mails = by_address(mail.outbox)
    gp_mail, external = mails["fastlege@legekontor.example"], mails["kari@example.no"]
    assert "You are invited to a network meeting for Ingrid." in gp_mail.body
    assert gp_mail.subject.startswith("Invitation: network meeting on ")  # the subject names nobody
    assert "Video link: https://video.example/rom/42" in gp_mail.body
    [event] = calendar_of(gp_mail)[2].walk("VEVENT")
    assert str(event["SUMMARY"]) == "Samplan: network meeting – Ingrid"
    assert str(event["LOCATION"]) == "https://video.example/rom/42"
    assert "for Ingrid" in external.body
    assert "for Ingrid" not in mails[citizen.email].body  # the citizen is not told their own name
    for message in mail.outbox:
        assert citizen.family_name not in everything_in(message)
        assert "Open Dialogue" not in everything_in(message)  # the name of a treatment method says too much

    # A newer version of the agreement without it takes it back, also for meetings planned before.
    actions.revise_agreement(
        grant,
        group,
        acting_user=coordinator,
        text=agreement_text(first_name_in_invitations=False),
        members=member_specs(coordinator_member, gp_member, nav_member),
        change_note="Ikke navn i invitasjoner",
    )
    mail.outbox.clear()
    moved = actions.move_meeting(
        grant,
        meeting,
        acting_user=coordinator,
        starts_at=meeting.starts_at + datetime.timedelta(days=1),
        duration_minutes=90,
        video_link="https://video.example/rom/42",
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitations.send_updates(grant, moved, acting_user=coordinator, absolute_url=absolute_url)
    assert len(mail.outbox) == 4
    for message in mail.outbox:
        assert "Ingrid" not in everything_in(message)


def test_only_the_coordinator_sends_invitations(
    meeting, citizen, gp, gp_member, addresses, django_capture_on_commit_callbacks
):
    with pytest.raises(PermissionDenied), django_capture_on_commit_callbacks(execute=True):
        invitations.send_invitations(access.grant_for(gp, citizen), meeting, acting_user=gp, absolute_url=absolute_url)
    assert mail.outbox == []
    assert not Participant.objects.filter(meeting=meeting, invited_at__isnull=False).exists()


def test_a_meeting_that_is_cancelled_gets_no_invitations(
    meeting, grant, coordinator, addresses, django_capture_on_commit_callbacks
):
    actions.cancel_meeting(grant, meeting, acting_user=coordinator, reason=REASON)
    with pytest.raises(ValidationError):
        invite(grant, meeting, coordinator, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_a_blocked_member_is_not_invited_and_is_reported(
    meeting, grant, coordinator, citizen, gp, addresses, django_capture_on_commit_callbacks
):
    Block.objects.create(citizen=citizen, blocked_user=gp)

    outcome = invite(grant, meeting, coordinator, django_capture_on_commit_callbacks)

    assert outcome.without_access == ["Gp Test"]
    assert "fastlege@legekontor.example" not in by_address(mail.outbox)
    assert "No longer on the care team or blocked, so not invited: Gp Test." in invitations.describe(outcome)


def test_the_queue_holds_ids_and_reminders_wait_for_the_day_before(
    meeting, grant, coordinator, citizen, nav, addresses, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.TASKS = DATABASE_QUEUE
    nav_id = Participant.objects.get(meeting=meeting, member__care_team_member__user=nav).pk
    invite(grant, meeting, coordinator, django_capture_on_commit_callbacks)

    assert mail.outbox == []  # nothing leaves inside the coordinator's request
    queued = list(DBTaskResult.objects.order_by("pk"))
    messages = [row for row in queued if row.task_path == "groups.tasks.send_meeting_message"]
    reminders = [row for row in queued if row.task_path == "groups.tasks.send_meeting_reminder"]
    assert len(messages) == len(reminders) == 4
    day_before = meeting.starts_at - datetime.timedelta(hours=24)
    assert {row.run_after for row in reminders} == {day_before}
    reachable = [pk for pk in meeting.participants.values_list("pk", flat=True) if pk != nav_id]
    # Ids only (and the site's address for the links); the citizen's reminder has no participant.
    assert sorted((row.args_kwargs for row in reminders), key=lambda a: a["kwargs"]["participant_id"] or 0) == [
        {"args": [], "kwargs": {"meeting_id": meeting.pk, "sequence": 0, "participant_id": pk, "site": SITE}}
        for pk in [None, *reachable]
    ]
    stored = json.dumps([row.args_kwargs for row in queued])
    for private in (citizen.given_name, citizen.family_name, GOAL, "Fjordby", "kari@example.no"):
        assert private not in stored

    run_worker_once(monkeypatch)
    assert len(mail.outbox) == 4  # the invitations; the reminders are not due

    with time_machine.travel(day_before + datetime.timedelta(minutes=1)):
        run_worker_once(monkeypatch)
    reminders_sent = mail.outbox[4:]
    assert len(reminders_sent) == 4
    # Each in the recipient's language: the staff's is the site's (English here), Ingrid's bokmål.
    for message in reminders_sent:
        norwegian = citizen.email in message.to
        prefix = "Påminnelse: ansvarsgruppemøte " if norwegian else "Reminder: responsibility group meeting on "
        assert message.subject.startswith(prefix), message.subject
    assert all(not message.attachments for message in reminders_sent)
    gp_reminder = by_address(reminders_sent)["fastlege@legekontor.example"]
    assert f"{SITE}/citizens/{citizen.pk}/meetings/{meeting.pk}/" in gp_reminder.body
    for message in reminders_sent:
        assert GOAL not in message.body and citizen.family_name not in message.body
    assert AccessEvent.objects.filter(detail=f"group meeting reminder by e-mail (meeting {meeting.pk})").count() == 2


def test_a_cancelled_meeting_is_taken_out_of_calendars_and_its_reminders_send_nothing(
    meeting, grant, coordinator, citizen, addresses, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.TASKS = DATABASE_QUEUE
    invite(grant, meeting, coordinator, django_capture_on_commit_callbacks)
    run_worker_once(monkeypatch)
    mail.outbox.clear()

    actions.cancel_meeting(grant, meeting, acting_user=coordinator, reason=REASON)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = invitations.send_cancellations(grant, meeting, acting_user=coordinator, absolute_url=absolute_url)
    run_worker_once(monkeypatch)

    assert len(outcome.sent) == 4 and len(mail.outbox) == 4
    for message in mail.outbox:
        norwegian = citizen.email in message.to  # the citizen's own language
        prefix = "Avlyst: ansvarsgruppemøte " if norwegian else "Cancelled: responsibility group meeting on "
        assert message.subject.startswith(prefix), message.subject
        assert REASON not in everything_in(message) and GOAL not in everything_in(message)
        part, _raw, calendar = calendar_of(message)
        assert part.get_param("method") == "CANCEL" and str(calendar["METHOD"]) == "CANCEL"
        [event] = calendar.walk("VEVENT")
        assert str(event["UID"]) == f"group-meeting-{meeting.pk}@samplan"
        assert str(event["STATUS"]) == "CANCELLED" and event.decoded("SEQUENCE") == 1

    mail.outbox.clear()
    with time_machine.travel(meeting.starts_at - datetime.timedelta(hours=23)):
        run_worker_once(monkeypatch)
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(task_path="groups.tasks.send_meeting_reminder", status="SUCCESSFUL").count() == 4


def test_a_moved_meeting_gets_a_change_and_only_the_new_reminders_are_sent(
    meeting, grant, coordinator, citizen, gp, addresses, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.TASKS = DATABASE_QUEUE
    invite(grant, meeting, coordinator, django_capture_on_commit_callbacks)
    run_worker_once(monkeypatch)
    mail.outbox.clear()
    old_start = meeting.starts_at
    gp_grant = access.grant_for(gp, citizen)
    new_start = old_start + datetime.timedelta(days=3)

    moved = actions.move_meeting(
        grant, meeting, acting_user=coordinator, starts_at=new_start, duration_minutes=45, place="Legekontoret"
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitations.send_updates(grant, moved, acting_user=coordinator, absolute_url=absolute_url)
    run_worker_once(monkeypatch)

    assert len(mail.outbox) == 4
    change = by_address(mail.outbox)["fastlege@legekontor.example"]
    assert change.subject.startswith("Changed: responsibility group meeting on ")
    assert "Where: Legekontoret" in change.body and "(45 minutes)" in change.body
    [event] = calendar_of(change)[2].walk("VEVENT")
    assert str(event["UID"]) == f"group-meeting-{meeting.pk}@samplan"
    assert event.decoded("SEQUENCE") == 1 and event.decoded("DTSTART") == new_start.replace(microsecond=0)

    # The GP says they cannot come: no reminder for them.
    actions.answer_invitation(gp_grant, moved, acting_user=gp, answer=Participant.Answer.DECLINED)
    mail.outbox.clear()
    with time_machine.travel(old_start - datetime.timedelta(hours=23)):
        run_worker_once(monkeypatch)
    assert mail.outbox == []  # the old day-before: the meeting has moved
    with time_machine.travel(new_start - datetime.timedelta(hours=23)):
        run_worker_once(monkeypatch)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        ["koordinator@fjordby.example", "kari@example.no", citizen.email]
    )


def test_an_invitation_still_queued_when_the_meeting_is_cancelled_is_not_sent(
    meeting, grant, coordinator, addresses, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.TASKS = DATABASE_QUEUE
    invite(grant, meeting, coordinator, django_capture_on_commit_callbacks)
    actions.cancel_meeting(grant, meeting, acting_user=coordinator, reason=REASON)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.send_cancellations(grant, meeting, acting_user=coordinator, absolute_url=absolute_url)

    run_worker_once(monkeypatch)

    assert len(mail.outbox) == 4
    assert {message.subject.split(":")[0] for message in mail.outbox} == {"Cancelled", "Avlyst"}


def test_signed_minutes_are_announced_with_a_date_and_a_link_only(
    meeting, grant, coordinator, citizen, gp, nav, addresses, django_capture_on_commit_callbacks
):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2))
    meeting.refresh_from_db()
    minutes = actions.start_minutes(grant, meeting, acting_user=coordinator)
    minutes = actions.save_minutes(
        grant, minutes, acting_user=coordinator, summary="Ingrid sover dårlig", parts=[], expected_revision=0
    )
    signed = actions.sign_minutes(grant, minutes, acting_user=coordinator, expected_revision=minutes.revision)

    with django_capture_on_commit_callbacks(execute=True):
        queued = invitations.notify_minutes_signed(signed, absolute_url=absolute_url)

    # The GP (the coordinator signed them; Nav has no address; Kari cannot log in) and the citizen.
    assert queued == 2
    mails = by_address(mail.outbox)
    assert set(mails) == {"fastlege@legekontor.example", citizen.email}
    date = date_format(timezone.localtime(meeting.starts_at), "d.m.Y")
    link = f"{SITE}/citizens/{citizen.pk}/minutes/{signed.pk}/"
    gp_mail = mails["fastlege@legekontor.example"]
    assert gp_mail.subject == "Samplan: minutes are ready"
    assert gp_mail.body == f"Minutes from the meeting on {date} are ready in Samplan: {link}\n"
    for message in mail.outbox:
        assert "sover" not in message.body and GOAL not in message.body and not message.attachments


def test_minutes_are_not_announced_to_a_member_who_may_not_read_them_now(
    meeting, grant, coordinator, citizen, gp, addresses, django_capture_on_commit_callbacks
):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2))
    meeting.refresh_from_db()
    minutes = actions.start_minutes(grant, meeting, acting_user=coordinator)
    minutes = actions.save_minutes(grant, minutes, acting_user=coordinator, summary="x", parts=[], expected_revision=0)
    signed = actions.sign_minutes(grant, minutes, acting_user=coordinator, expected_revision=minutes.revision)
    Block.objects.create(citizen=citizen, blocked_user=gp)

    with django_capture_on_commit_callbacks(execute=True):
        invitations.notify_minutes_signed(signed, absolute_url=absolute_url)

    assert [message.to for message in mail.outbox] == [[citizen.email]]
