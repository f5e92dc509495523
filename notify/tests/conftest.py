import datetime

import pytest
from django.utils import timezone

from pathways import actions as pathway_actions
from pathways.models import Appointment, PathwayTemplate
from people.access import grant_for
from people.models import CareTeamMember, Section

REASON = "Angst og søvnvansker etter samlivsbrudd"
TITLE = "Telefonveiledning (2/6)"


@pytest.fixture
def grant(coordinator, citizen):
    return grant_for(coordinator, citizen)


@pytest.fixture
def episode(grant, coordinator, municipality):
    template = PathwayTemplate.objects.create(key="self-help", name="Veiledet selvhjelp", first_contact_days=7)
    return pathway_actions.register_referral(
        grant,
        acting_user=coordinator,
        template=template,
        received=timezone.localdate(),
        source="gp",
        reason=REASON,
        unit=municipality,
    )


@pytest.fixture
def plan_appointment(grant, coordinator, episode):
    """A planned appointment through the pathway action (so it must be in the future)."""

    def plan(starts_at, *, staff=None, kind="phone", title=TITLE, minutes=20, on_grant=None):
        return pathway_actions.add_appointment(
            on_grant or grant,
            acting_user=coordinator,
            staff=staff or coordinator,
            kind=kind,
            title=title,
            starts_at=starts_at,
            duration_minutes=minutes,
            episode=episode if on_grant is None else None,
        )

    return plan


@pytest.fixture
def past_appointment(citizen, coordinator, episode):
    """Appointments that have happened cannot be planned through the action; they are stored as they ended."""

    def make(starts_at, status, *, staff=None, kind="office"):
        return Appointment.objects.create(
            citizen=citizen,
            episode=episode,
            staff=staff or coordinator,
            kind=kind,
            title=TITLE,
            starts_at=starts_at,
            duration_minutes=45,
            status=status,
        )

    return make


@pytest.fixture
def tomorrow_at_ten():
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


@pytest.fixture
def nurse(make_staff, citizen):
    """Home nursing on the care team, with sight of the pathway."""
    user = make_staff("nurse", email="nurse@kommune.example")
    CareTeamMember.objects.create(
        citizen=citizen,
        user=user,
        role=CareTeamMember.Role.HOME_NURSING,
        organisation=user.staff_profile.organisation,
        sections=[Section.OVERVIEW, Section.PATHWAY],
    )
    return user
