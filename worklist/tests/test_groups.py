"""The group's work on the staff worklist: actions, invitations to answer, minutes to sign — at a fixed cost."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from groups import actions
from groups.models import Meeting, Member
from groups.tests.conftest import agreement_text
from people import access
from people.models import CareTeamMember, Section
from worklist.items import worklist_for


def _group_with_work(citizen, coordinator, gp, gp_office):
    """A consented group with an invitation to answer, an action for the GP and one for the
    coordinator, and an earlier meeting without signed minutes."""
    grant = access.grant_for(coordinator, citizen)
    leader = CareTeamMember.objects.get(citizen=citizen, user=coordinator)
    doctor = CareTeamMember.objects.create(
        citizen=citizen, user=gp, role="gp", organisation=gp_office, sections=[Section.OVERVIEW, "group"]
    )
    group, agreement = actions.propose_group(
        grant,
        acting_user=coordinator,
        text=agreement_text(),
        members=[
            actions.MemberSpec(care_team_member=leader, role=Member.Role.MUNICIPAL_COORDINATOR),
            actions.MemberSpec(care_team_member=doctor),
        ],
    )
    actions.answer_agreement(
        access.grant_for(citizen.user, citizen), agreement, acting_user=citizen.user, consent="yes"
    )
    group.refresh_from_db()
    members = list(agreement.members.all())

    def plan(days):
        return actions.plan_meeting(
            grant,
            group,
            acting_user=coordinator,
            kind="responsibility_group",
            starts_at=timezone.now() + datetime.timedelta(days=days),
            duration_minutes=60,
            place="Rådhuset",
            members=members,
        )

    earlier, upcoming = plan(1), plan(3)
    Meeting.objects.filter(pk=earlier.pk).update(starts_at=timezone.now() - datetime.timedelta(days=3))
    for member in members:
        actions.add_task(
            grant, upcoming, acting_user=coordinator, what="Ringe Nav", responsible=member, due_on=timezone.localdate()
        )
    return upcoming


def test_actions_invitations_and_unsigned_minutes_are_listed(coordinator, gp, gp_office, make_citizen):
    citizen = make_citizen(coordinator, with_login=True)
    meeting = _group_with_work(citizen, coordinator, gp, gp_office)
    mine = {item.kind: item for item in worklist_for(coordinator)}
    assert set(mine) == {"group_task", "group_meeting", "unsigned_minutes"}
    assert "answer the invitation" in mine["group_meeting"].text
    assert mine["group_meeting"].url == meeting.get_absolute_url()
    # The GP gets their own action and the invitation, not the coordinator's minutes to sign.
    assert {item.kind for item in worklist_for(gp)} == {"group_task", "group_meeting"}
    task = next(item for item in worklist_for(gp) if item.kind == "group_task")
    assert "Ringe Nav" in task.text
    actions.answer_invitation(access.grant_for(gp, citizen), meeting, acting_user=gp, answer="accepted")
    assert {item.kind for item in worklist_for(gp)} == {"group_task"}


@pytest.mark.parametrize("citizens", [1, 12])
def test_the_worklist_keeps_its_query_budget_with_groups(
    citizens, coordinator, gp, gp_office, make_citizen, login, django_assert_num_queries
):
    """20 queries whatever the caseload (see worklist/tests): the four group sources are one query each."""
    for n in range(citizens):
        _group_with_work(make_citizen(coordinator, f"Person{n}", with_login=True), coordinator, gp, gp_office)
    client = login(coordinator)
    with django_assert_num_queries(20):
        page = client.get(reverse("worklist:worklist"))
    assert page.text.count('data-kind="group_task"') == citizens
    assert page.text.count('data-kind="group_meeting"') == citizens
    assert page.text.count('data-kind="unsigned_minutes"') == citizens


def test_a_no_to_the_agreement_is_on_the_coordinators_list_until_it_is_changed(
    coordinator, gp, gp_office, make_citizen
):
    citizen = make_citizen(coordinator, with_login=True)
    grant = access.grant_for(coordinator, citizen)
    leader = CareTeamMember.objects.get(citizen=citizen, user=coordinator)
    doctor = CareTeamMember.objects.create(
        citizen=citizen, user=gp, role="gp", organisation=gp_office, sections=["group"]
    )
    members = [
        actions.MemberSpec(care_team_member=leader, role=Member.Role.MUNICIPAL_COORDINATOR),
        actions.MemberSpec(care_team_member=doctor),
    ]
    group, agreement = actions.propose_group(grant, acting_user=coordinator, text=agreement_text(), members=members)
    actions.answer_agreement(access.grant_for(citizen.user, citizen), agreement, acting_user=citizen.user, consent="no")
    declined = [item for item in worklist_for(coordinator) if item.kind == "declined_agreement"]
    assert len(declined) == 1 and "said no" in declined[0].text
    actions.revise_agreement(
        grant, group, acting_user=coordinator, text=agreement_text(), members=members, change_note="Uten fastlegen"
    )
    assert not [item for item in worklist_for(coordinator) if item.kind == "declined_agreement"]
