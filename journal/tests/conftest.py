import datetime

import pytest
from django.utils import timezone

from journal import actions
from pathways import actions as pathway_actions
from people.access import grant_for
from people.models import CareTeamMember, Section


@pytest.fixture
def coordinator_grant(coordinator, citizen):
    return grant_for(coordinator, citizen)


@pytest.fixture
def nurse(make_staff, citizen):
    """A home nurse on the team who may see the overview and journal notes, not the measures."""
    user = make_staff("nurse")
    CareTeamMember.objects.create(
        citizen=citizen, user=user, role=CareTeamMember.Role.HOME_NURSING, sections=[Section.OVERVIEW, Section.NOTES]
    )
    return user


@pytest.fixture
def write_note(coordinator_grant, coordinator):
    """A draft by the coordinator (or ``user`` with ``grant``), with some text, optionally signed."""

    def write(*, kind="standard", signed=False, grant=None, user=None, **texts):
        grant, user = grant or coordinator_grant, user or coordinator
        texts = texts or ({"assessment": "Stabil, sover bedre"} if kind == "standard" else {"agenda": "Modul 2"})
        note = actions.create_note(grant, kind=kind, acting_user=user, **texts)
        if signed:
            note = actions.sign_note(grant, note, expected_revision=note.revision, acting_user=user)
        return note

    return write


@pytest.fixture
def make_appointment(coordinator):
    """A planned phone call tomorrow at 10:00 for the citizen of ``grant``, with the coordinator."""

    def make(grant, title="Veiledning uke 1"):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        return pathway_actions.add_appointment(
            grant,
            acting_user=coordinator,
            staff=coordinator,
            kind="phone",
            title=title,
            starts_at=timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(10, 0))),
            duration_minutes=20,
        )

    return make


@pytest.fixture
def appointment(make_appointment, coordinator_grant):
    return make_appointment(coordinator_grant)


@pytest.fixture
def other_citizens_appointment(make_appointment, make_citizen, coordinator):
    """An appointment of another citizen the coordinator also follows."""
    other = make_citizen(coordinator, "Per")
    return make_appointment(grant_for(coordinator, other), title="Annen borger")
