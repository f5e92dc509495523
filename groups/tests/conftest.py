"""A citizen with a care team big enough for a responsibility group: coordinator, GP, Nav, a guardian-free
family; the group proposed, consented to, and a meeting with an agenda built from an active plan."""

import datetime

import pytest
from django.utils import timezone

from groups import actions
from groups.models import Member
from measures import actions as measures_actions
from people import access
from people.models import CareTeamMember, Organisation, Section
from plans import actions as plan_actions
from plans.models import PlanText, PlanVersion


@pytest.fixture
def nav_office(db):
    return Organisation.objects.create(name="Nav Fjordby", org_type=Organisation.Type.NAV)


@pytest.fixture
def nav(make_staff, nav_office):
    return make_staff("nav", nav_office)


@pytest.fixture
def nav_member(citizen, nav, nav_office):
    """Nav sees the overview, the group and the plan, never the medication plan."""
    return CareTeamMember.objects.create(
        citizen=citizen,
        user=nav,
        role=CareTeamMember.Role.NAV,
        organisation=nav_office,
        sections=[Section.OVERVIEW, "group", Section.PLAN, Section.MEASURES],
    )


@pytest.fixture
def gp_member(citizen, gp, gp_office):
    """The GP sees the group, the plan, the measures and the medication plan."""
    return CareTeamMember.objects.create(
        citizen=citizen,
        user=gp,
        role=CareTeamMember.Role.GP,
        organisation=gp_office,
        sections=[Section.OVERVIEW, "group", Section.PLAN, Section.MEASURES, Section.MEDICATION],
    )


@pytest.fixture
def coordinator_member(citizen, coordinator):
    return CareTeamMember.objects.get(citizen=citizen, user=coordinator, role=CareTeamMember.Role.COORDINATOR)


@pytest.fixture
def grant(citizen, coordinator):
    return access.grant_for(coordinator, citizen)


@pytest.fixture
def citizen_grant(citizen):
    return access.grant_for(citizen.user, citizen)


def agreement_text(**changes):
    values = {
        "purpose": "Ingrid vil ha en trygg bolig og komme i arbeid.",
        "meeting_frequency": "Hver tredje måned",
        "ending": "Når Ingrid og gruppen er enige om at målene er nådd.",
        "citizen_absent": "postpone",
    }
    return actions.AgreementText(**(values | changes))


def member_specs(coordinator_member, gp_member, nav_member, **nav_changes):
    return [
        actions.MemberSpec(
            care_team_member=coordinator_member, role=Member.Role.MUNICIPAL_COORDINATOR, key="m_coordinator"
        ),
        actions.MemberSpec(care_team_member=gp_member, responsibility="Medisiner", key="m_gp"),
        actions.MemberSpec(care_team_member=nav_member, responsibility="Arbeid og økonomi", key="m_nav", **nav_changes),
        actions.MemberSpec(
            external_name="Kari Lærer",
            external_organisation="Fjordby voksenopplæring",
            email="kari@example.no",
            key="m_external",
        ),
    ]


@pytest.fixture
def active_plan(grant, coordinator, gp_member):
    """An active plan with an intervention, a medication plan and a revision due soon."""
    draft = plan_actions.start_draft(grant, acting_user=coordinator)
    for key, text in [
        ("what_matters", "Egen bolig"),
        ("medication", "Sertralin 50 mg morgen"),
        ("participants", "Ingrid, koordinator, fastlege, Nav"),
        ("contributions", "Jeg møter opp"),
        ("cooperation", "Ansvarsgruppe"),
        ("mandate", "Koordinator kaller inn"),
    ]:
        text_row = PlanText.objects.get(version=draft, key=key)
        plan_actions.save_text(grant, draft, key, text, expected_revision=text_row.revision, acting_user=coordinator)
    plan_actions.save_intervention(
        grant, draft, acting_user=coordinator, what="Samtale hver uke", responsible=gp_member, how="", frequency=""
    )
    # Approval and activation are the plans app's story (plans/tests); here the plan is simply in force.
    PlanVersion.objects.filter(pk=draft.pk).update(
        status=PlanVersion.Status.ACTIVE, next_revision=timezone.localdate() + datetime.timedelta(days=10)
    )
    draft.refresh_from_db()
    return draft


@pytest.fixture
def goal(grant, coordinator):
    goal = measures_actions.add_goal(grant, acting_user=coordinator, text="Sove bedre")
    measures_actions.rate_goals(grant, {goal.pk: 3}, acting_user=coordinator)
    return goal


@pytest.fixture
def group(grant, citizen_grant, citizen, coordinator, coordinator_member, gp_member, nav_member):
    group, agreement = actions.propose_group(
        grant,
        acting_user=coordinator,
        text=agreement_text(),
        members=member_specs(coordinator_member, gp_member, nav_member),
    )
    actions.answer_agreement(citizen_grant, agreement, acting_user=citizen.user, consent="yes")
    group.refresh_from_db()
    return group


@pytest.fixture
def meeting(grant, group, coordinator, goal):
    members = list(actions.current_agreement(group).members.all())
    return actions.plan_meeting(
        grant,
        group,
        acting_user=coordinator,
        kind="responsibility_group",
        starts_at=timezone.now() + datetime.timedelta(days=7),
        duration_minutes=60,
        place="Fjordby rådhus, møterom 2",
        members=members,
    )
