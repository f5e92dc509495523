import pytest

from journal import actions
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
