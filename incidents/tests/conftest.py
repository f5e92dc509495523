"""A housing unit with a staff member on the citizen's care team (with the incidents section), the
citizen's active responsibility group, and an individual plan in effect that the citizen approved."""

import datetime

import pytest
from django.utils import timezone

from groups import actions as group_actions
from incidents import actions
from incidents.sections import INCIDENTS
from people import access
from people.models import CareTeamMember, Organisation, Section
from plans import actions as plan_actions
from plans.tests.helpers import complete


@pytest.fixture
def housing_unit(db, municipality):
    return Organisation.objects.create(
        name="Bofellesskapet Lia", org_type=Organisation.Type.MUNICIPAL, parent=municipality
    )


@pytest.fixture
def housing_staff(make_staff, housing_unit, citizen):
    """A milieu therapist at the housing unit, on the team with the overview and incidents only."""
    user = make_staff("miljo", housing_unit)
    CareTeamMember.objects.create(
        citizen=citizen,
        user=user,
        role=CareTeamMember.Role.OTHER,
        organisation=housing_unit,
        sections=[Section.OVERVIEW, INCIDENTS],
    )
    return user


@pytest.fixture
def grant(citizen, coordinator):
    return access.grant_for(coordinator, citizen)


@pytest.fixture
def citizen_grant(citizen):
    return access.grant_for(citizen.user, citizen)


@pytest.fixture
def coordinator_member(citizen, coordinator):
    return CareTeamMember.objects.get(citizen=citizen, user=coordinator, role=CareTeamMember.Role.COORDINATOR)


def incident_values(**changes):
    values = {
        "occurred_at": timezone.now() - datetime.timedelta(hours=3),
        "place": "Fellesstua",
        "what_happened": "Ingrid kastet en kopp i veggen og ropte til en ansatt.",
        "warning_signs": "Gikk fram og tilbake i gangen. Svarte ikke når hun ble snakket til.",
        "what_deescalated": "Å gå ut sammen og snakke rolig om noe annet.",
        "injuries": ["none"],
        "injury_description": "",
        "police_involved": False,
        "emergency_services_involved": False,
    }
    return values | changes


@pytest.fixture
def incident(citizen, coordinator, grant):
    return actions.record_incident(grant, acting_user=coordinator, **incident_values())


@pytest.fixture
def active_group(citizen, coordinator, grant, coordinator_member, citizen_grant, housing_staff):
    housing_member = CareTeamMember.objects.get(citizen=citizen, user=housing_staff)
    group, agreement = group_actions.propose_group(
        grant,
        acting_user=coordinator,
        text=group_actions.AgreementText(
            purpose="Trygg bolig", meeting_frequency="Hver måned", ending="Når målene er nådd"
        ),
        members=[
            group_actions.MemberSpec(care_team_member=coordinator_member, role="municipal_coordinator"),
            group_actions.MemberSpec(care_team_member=housing_member),
        ],
    )
    group_actions.answer_agreement(citizen_grant, agreement, acting_user=citizen.user, consent="yes")
    group.refresh_from_db()
    return group


@pytest.fixture
def plan_in_effect(citizen, coordinator, grant, citizen_grant, coordinator_member):
    """Version 1, complete, approved by the citizen and in effect."""
    draft = plan_actions.start_draft(grant, acting_user=coordinator)
    draft = complete(grant, draft, coordinator, citizen, coordinator_member)
    approved = plan_actions.approve(
        citizen_grant, draft, acting_user=citizen.user, seen_revision=draft.content_revision
    )
    return plan_actions.activate(grant, approved, acting_user=coordinator)
