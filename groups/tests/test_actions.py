"""The group's rules as actions: consent makes a proposal a group, shielding only narrows, minutes
signed once never change, decisions become actions with a responsible member and a date."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AccessEvent
from groups import actions
from groups.models import Group, GroupTask, Meeting, Member, Minutes, PlanChange
from groups.shielding import reader_sections
from measures.models import GoalRating
from people import access
from people.models import CareTeamMember, Section

from .conftest import agreement_text, member_specs


def test_a_proposal_is_no_group_until_the_citizen_consents(
    grant, citizen_grant, citizen, coordinator, coordinator_member, gp_member, nav_member
):
    group, agreement = actions.propose_group(
        grant,
        acting_user=coordinator,
        text=agreement_text(),
        members=member_specs(coordinator_member, gp_member, nav_member),
    )
    assert group.status == Group.Status.PROPOSED
    with pytest.raises(ValidationError) as refused:
        actions.plan_meeting(
            grant,
            group,
            acting_user=coordinator,
            kind="responsibility_group",
            starts_at=timezone.now() + datetime.timedelta(days=3),
            duration_minutes=60,
            place="Rådhuset",
            members=list(agreement.members.all()),
        )
    assert "consented" in str(refused.value)
    actions.answer_agreement(citizen_grant, agreement, acting_user=citizen.user, consent="no", comment="Ikke Nav")
    group.refresh_from_db()
    assert group.status == Group.Status.PROPOSED
    actions.answer_agreement(citizen_grant, agreement, acting_user=citizen.user, consent="yes")
    group.refresh_from_db()
    assert group.status == Group.Status.ACTIVE
    assert AccessEvent.objects.filter(citizen_id=citizen.pk, section="group", action="write").count() == 3


def test_a_registered_guardian_must_consent_too(
    grant, citizen_grant, citizen, coordinator, coordinator_member, gp_member, nav_member, make_staff
):
    guardian = make_staff("verge")
    CareTeamMember.objects.create(
        citizen=citizen, user=guardian, role=CareTeamMember.Role.GUARDIAN, sections=[Section.OVERVIEW, "group"]
    )
    group, agreement = actions.propose_group(
        grant,
        acting_user=coordinator,
        text=agreement_text(),
        members=member_specs(coordinator_member, gp_member, nav_member),
    )
    actions.answer_agreement(citizen_grant, agreement, acting_user=citizen.user, consent="yes")
    group.refresh_from_db()
    assert group.status == Group.Status.PROPOSED
    actions.answer_agreement(access.grant_for(guardian, citizen), agreement, acting_user=guardian, consent="yes")
    group.refresh_from_db()
    assert group.status == Group.Status.ACTIVE


def test_only_the_citizen_or_guardian_answers(group, citizen, gp):
    agreement = actions.current_agreement(group)
    with pytest.raises(PermissionDenied):
        actions.answer_agreement(access.grant_for(gp, citizen), agreement, acting_user=gp, consent="yes")


def test_members_get_clear_errors_and_nothing_is_saved(grant, coordinator, coordinator_member, gp_member, nav_member):
    specs = member_specs(coordinator_member, gp_member, nav_member)
    specs[3].email = "kari(at)example"
    specs[2].shielded_sections = [Section.MEDICATION]  # Nav cannot see the medication plan anyway
    with pytest.raises(ValidationError) as refused:
        actions.propose_group(grant, acting_user=coordinator, text=agreement_text(purpose=" "), members=specs)
    errors = refused.value.message_dict
    assert "not an e-mail address" in errors["m_external"][0]
    assert "cannot see Medication plan anyway" in errors["m_nav"][0]
    assert "purpose" in errors
    assert not Group.objects.exists()


def test_the_group_needs_one_leading_coordinator(grant, coordinator, coordinator_member, gp_member, nav_member):
    specs = member_specs(coordinator_member, gp_member, nav_member)
    specs[0].role = Member.Role.MEMBER
    with pytest.raises(ValidationError) as refused:
        actions.propose_group(grant, acting_user=coordinator, text=agreement_text(), members=specs)
    assert "one municipal coordinator" in refused.value.message_dict["members"][0]


def test_only_the_coordinator_proposes(citizen, gp, gp_member, coordinator_member, nav_member):
    with pytest.raises(PermissionDenied):
        actions.propose_group(
            access.grant_for(gp, citizen),
            acting_user=gp,
            text=agreement_text(),
            members=member_specs(coordinator_member, gp_member, nav_member),
        )


def test_shielding_narrows_what_the_scope_allows(
    group, grant, citizen, coordinator, coordinator_member, gp_member, nav_member, gp
):
    gp_grant = access.grant_for(gp, citizen)
    agreement = actions.current_agreement(group)
    assert Section.MEDICATION in reader_sections(gp_grant, gp, agreement)
    specs = member_specs(coordinator_member, gp_member, nav_member)
    specs[1].shielded_sections = [Section.MEDICATION]
    newer = actions.revise_agreement(
        grant, group, acting_user=coordinator, text=agreement_text(), members=specs, change_note="Skjerming"
    )
    assert newer.number == 2
    assert Section.MEDICATION not in reader_sections(gp_grant, gp, newer)
    # The first version is kept as it was.
    assert agreement.members.get(care_team_member=gp_member).shielded_sections == []


def test_a_changed_agreement_needs_a_note(group, grant, coordinator, coordinator_member, gp_member, nav_member):
    with pytest.raises(ValidationError) as refused:
        actions.revise_agreement(
            grant,
            group,
            acting_user=coordinator,
            text=agreement_text(),
            members=member_specs(coordinator_member, gp_member, nav_member),
            change_note="",
        )
    assert "change_note" in refused.value.message_dict


def test_the_agenda_is_built_from_the_plan_goals_and_open_actions(meeting, active_plan, grant, coordinator):
    kinds = list(meeting.agenda.values_list("kind", "section"))
    assert ("goal", Section.MEASURES) in kinds


def test_agenda_from_an_active_plan(group, grant, coordinator, active_plan, goal):
    meeting = actions.plan_meeting(
        grant,
        group,
        acting_user=coordinator,
        kind="responsibility_group",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        duration_minutes=60,
        place="Rådhuset",
        members=list(actions.current_agreement(group).members.all()),
    )
    agenda = {(item.kind, item.section) for item in meeting.agenda.all()}
    assert ("intervention", Section.PLAN) in agenda
    assert ("plan_part", Section.MEDICATION) in agenda
    assert ("goal", Section.MEASURES) in agenda
    assert ("plan_revision", Section.PLAN) in agenda


def test_a_meeting_needs_members_and_a_place(group, grant, coordinator):
    with pytest.raises(ValidationError) as refused:
        actions.plan_meeting(
            grant,
            group,
            acting_user=coordinator,
            kind="responsibility_group",
            starts_at=timezone.now() - datetime.timedelta(days=3),
            duration_minutes=60,
            place="",
            members=[],
        )
    errors = refused.value.message_dict
    assert set(errors) >= {"members", "place", "starts_at"}
    assert not Meeting.objects.exists()


def test_the_citizen_adds_a_point_only_to_their_own_meeting(meeting, citizen_grant, citizen, make_citizen, coordinator):
    item = actions.add_agenda_point(citizen_grant, meeting, acting_user=citizen.user, title="Jeg vil snakke om jobb")
    assert item.kind == "citizen_point" and item.section == "group"
    other = make_citizen(coordinator, "Per", with_login=True)
    other_grant = access.grant_for(other.user, other)
    with pytest.raises(PermissionDenied):
        actions.add_agenda_point(other_grant, meeting, acting_user=other.user, title="Min sak")
    assert meeting.agenda.filter(title="Min sak").count() == 0


def in_the_past(meeting):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2))
    meeting.refresh_from_db()
    return meeting


def test_minutes_are_signed_once_and_a_rating_becomes_the_goals_rating(meeting, grant, coordinator, goal):
    meeting = in_the_past(meeting)
    minutes = actions.start_minutes(grant, meeting, acting_user=coordinator)
    goal_index = next(i for i, part in enumerate(minutes.parts) if part.get("goal") == goal.pk)
    typed = [{} for _ in minutes.parts]
    typed[goal_index] = {"said": "Sover bedre", "status": "on_track", "agreed": "Fortsette", "rating": 6}
    minutes = actions.save_minutes(
        grant, minutes, acting_user=coordinator, summary="Godt møte", parts=typed, expected_revision=0
    )
    signed = actions.sign_minutes(grant, minutes, acting_user=coordinator, expected_revision=minutes.revision)
    assert signed.is_signed
    assert list(GoalRating.objects.filter(goal=goal).order_by("pk").values_list("rating", flat=True)) == [3, 6]
    with pytest.raises(actions.MinutesLocked):
        actions.sign_minutes(grant, signed, acting_user=coordinator, expected_revision=signed.revision)
    with pytest.raises(actions.MinutesLocked):
        actions.save_minutes(
            grant, signed, acting_user=coordinator, summary="x", parts=[], expected_revision=signed.revision
        )
    assert GoalRating.objects.filter(goal=goal).count() == 2


def test_a_correction_is_new_signed_minutes_and_both_are_kept(meeting, grant, coordinator):
    meeting = in_the_past(meeting)
    minutes = actions.start_minutes(grant, meeting, acting_user=coordinator)
    minutes = actions.save_minutes(
        grant, minutes, acting_user=coordinator, summary="Først", parts=[], expected_revision=0
    )
    first = actions.sign_minutes(grant, minutes, acting_user=coordinator, expected_revision=minutes.revision)
    correction = actions.start_correction(grant, first, acting_user=coordinator)
    assert correction.summary == "Først" and correction.corrects_id == first.pk
    correction = actions.save_minutes(
        grant, correction, acting_user=coordinator, summary="Rettet", parts=[], expected_revision=correction.revision
    )
    actions.sign_minutes(grant, correction, acting_user=coordinator, expected_revision=correction.revision)
    assert list(Minutes.objects.filter(meeting=meeting).order_by("pk").values_list("summary", flat=True)) == [
        "Først",
        "Rettet",
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database's own refusal; SQLite has no triggers")
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_change_signed_minutes(meeting, grant, coordinator):
    meeting = in_the_past(meeting)
    minutes = actions.start_minutes(grant, meeting, acting_user=coordinator)
    minutes = actions.save_minutes(
        grant, minutes, acting_user=coordinator, summary="Signert", parts=[], expected_revision=0
    )
    actions.sign_minutes(grant, minutes, acting_user=coordinator, expected_revision=minutes.revision)
    from django.db import DatabaseError

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Minutes.objects.filter(pk=minutes.pk).update(summary="Endret i smug")
    # The runtime role (CI) is not even granted DELETE; the owner meets the trigger.
    with pytest.raises(DatabaseError, match=r"append-only|permission denied"), transaction.atomic():
        Minutes.objects.filter(pk=minutes.pk).delete()
    assert Minutes.objects.get(pk=minutes.pk).summary == "Signert"


def test_an_action_needs_a_member_and_a_date_not_in_the_past(meeting, grant, coordinator, gp_member):
    member = meeting.participants.get(member__care_team_member=gp_member).member
    with pytest.raises(ValidationError) as refused:
        actions.add_task(
            grant, meeting, acting_user=coordinator, what="Ny resept", responsible=None, due_on=timezone.localdate()
        )
    assert "responsible" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        actions.add_task(
            grant,
            meeting,
            acting_user=coordinator,
            what="Ny resept",
            responsible=member,
            due_on=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert "past" in refused.value.message_dict["due_on"][0]
    assert not GroupTask.objects.exists()
    task = actions.add_task(
        grant, meeting, acting_user=coordinator, what="Ny resept", responsible=member, due_on=timezone.localdate()
    )
    assert task.responsible_user_id == gp_member.user_id


def test_an_action_in_a_part_the_member_may_not_see_is_refused(meeting, grant, coordinator, nav_member):
    member = meeting.participants.get(member__care_team_member=nav_member).member
    with pytest.raises(ValidationError) as refused:
        actions.add_task(
            grant,
            meeting,
            acting_user=coordinator,
            what="Hente medisiner",
            responsible=member,
            due_on=timezone.localdate(),
            section=Section.MEDICATION,
        )
    assert "may not see" in refused.value.message_dict["section"][0]


def test_the_responsible_member_closes_their_action_and_cancelling_needs_a_reason(
    meeting, grant, coordinator, gp_member, gp, citizen
):
    member = meeting.participants.get(member__care_team_member=gp_member).member
    task = actions.add_task(
        grant, meeting, acting_user=coordinator, what="Ny resept", responsible=member, due_on=timezone.localdate()
    )
    gp_grant = access.grant_for(gp, citizen)
    with pytest.raises(ValidationError):
        actions.set_task_status(gp_grant, task, acting_user=gp, status="cancelled", reason="")
    actions.set_task_status(gp_grant, task, acting_user=gp, status="completed")
    task.refresh_from_db()
    assert task.status == "completed" and task.closed_by == gp


def test_the_plan_must_change_opens_the_next_draft_linked_to_the_meeting(meeting, grant, coordinator):
    change = actions.request_plan_change(grant, meeting, acting_user=coordinator, text="Legg til arbeidstrening")
    assert change.plan_version.status == "draft"
    assert PlanChange.objects.get().meeting == meeting
    comment = change.plan_version.comments.get()
    assert "Legg til arbeidstrening" in comment.text


def test_the_plan_must_change_clicked_twice_is_one_change_and_one_comment(meeting, grant, coordinator):
    first = actions.request_plan_change(grant, meeting, acting_user=coordinator, text="Legg til arbeidstrening")
    again = actions.request_plan_change(grant, meeting, acting_user=coordinator, text=" Legg til arbeidstrening ")
    assert again == first
    assert PlanChange.objects.count() == 1 and first.plan_version.comments.count() == 1
    # Another change agreed in the same meeting is its own change, on the same proposal.
    other = actions.request_plan_change(grant, meeting, acting_user=coordinator, text="Ny kontaktperson hos Nav")
    assert other != first and other.plan_version == first.plan_version
    assert PlanChange.objects.count() == 2 and first.plan_version.comments.count() == 2


def test_attendance_without_the_citizen_only_if_agreed(meeting, grant, coordinator):
    meeting = in_the_past(meeting)
    with pytest.raises(ValidationError) as refused:
        actions.record_attendance(
            grant, meeting, acting_user=coordinator, attendance={}, citizen_attendance="absent_agreed"
        )
    assert "does not let the group meet without" in refused.value.message_dict["citizen_attendance"][0]
    present = {participant.pk: "present" for participant in meeting.participants.all()}
    actions.record_attendance(
        grant, meeting, acting_user=coordinator, attendance=present, citizen_attendance="took_part"
    )
    meeting.refresh_from_db()
    assert meeting.status == "held"


def test_a_member_is_not_shielded_from_the_group_itself(grant, coordinator, coordinator_member, gp_member, nav_member):
    specs = member_specs(coordinator_member, gp_member, nav_member)
    specs[1].shielded_sections = ["group"]
    with pytest.raises(ValidationError) as refused:
        actions.propose_group(grant, acting_user=coordinator, text=agreement_text(), members=specs)
    assert "Leave Gp Test out of the group instead" in refused.value.message_dict["m_gp"][0]
