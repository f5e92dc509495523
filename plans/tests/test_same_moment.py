"""Two writers of the same plan at the same moment, on PostgreSQL: the second waits for the first and then
sees what it wrote — no plan in effect with text the citizen never approved, one proposal, and a form error
instead of a 500."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from people.access import grant_for
from plans import actions
from plans.models import AssessmentArea, PlanIntervention, PlanText, PlanVersion
from tests.concurrency import first_two_at_once

from .helpers import complete

ROW_LOCKS = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway"
)


@pytest.fixture
def coordinator_grant(coordinator, citizen):
    return grant_for(coordinator, citizen)


@pytest.fixture
def citizen_grant(citizen):
    return grant_for(citizen.user, citizen)


@pytest.fixture
def draft(coordinator_grant, coordinator):
    return actions.start_draft(coordinator_grant, acting_user=coordinator)


@pytest.fixture
def finished(coordinator_grant, coordinator, citizen, care_team_member, draft):
    """A complete proposal, ready for the citizen to approve."""
    return complete(coordinator_grant, draft, coordinator, citizen, care_team_member)


def _edits(grant, version, user):
    """The coordinator's edits, each with the version as the page loaded it (before the approval)."""
    intervention = PlanIntervention.objects.get(version=version)
    return {
        "text": lambda: actions.save_text(
            grant, version, PlanText.Key.WHAT_MATTERS, "Not approved", expected_revision=0, acting_user=user
        ),
        "row": lambda: actions.save_intervention(
            grant,
            version,
            acting_user=user,
            row=intervention,
            expected_revision=intervention.revision,
            what="Not approved",
            responsible=intervention.responsible,
            how=intervention.how,
        ),
        "delete": lambda: actions.delete_row(
            grant, version, intervention, acting_user=user, expected_revision=intervention.revision
        ),
    }


@ROW_LOCKS
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("edit", ["text", "row", "delete"])
def test_an_edit_at_the_moment_of_approval_never_goes_into_effect_unapproved(
    edit, coordinator_grant, citizen_grant, coordinator, citizen, finished
):
    """The citizen approves while the coordinator's autosave (the version loaded before) is saving: the save
    waits for the approval and is then refused, so the plan put into effect is the one the citizen saw."""
    seen = finished.content_revision
    stale = PlanVersion.objects.get(pk=finished.pk)
    failures = first_two_at_once(
        lambda: actions.approve(citizen_grant, finished, acting_user=citizen.user, seen_revision=seen),
        _edits(coordinator_grant, stale, coordinator)[edit],
        hold=(actions, "_log_write"),
    )
    version = PlanVersion.objects.get(pk=finished.pk)
    if version.status == PlanVersion.Status.APPROVED:
        # Approved means approved as it is: the citizen's approval stands and nothing changed since.
        assert (version.approved_by_citizen_at is not None, version.content_revision) == (True, seen)
    assert [type(failure) for failure in failures] == [ValidationError]
    active = actions.activate(coordinator_grant, version, acting_user=coordinator)
    assert PlanText.objects.get(version=active, key=PlanText.Key.WHAT_MATTERS).text == ""
    intervention = PlanIntervention.objects.get(version=active)
    assert intervention.what == "Ukentlig samtale"


@ROW_LOCKS
@pytest.mark.django_db(transaction=True)
def test_two_proposals_started_at_the_same_moment_are_one(coordinator_grant, coordinator, citizen):
    """A double click on "Start proposal": the second waits for the first and gets its proposal back."""
    drafts = []

    def start():
        drafts.append(actions.start_draft(coordinator_grant, acting_user=coordinator))

    failures = first_two_at_once(start, start, hold=(actions, "_log_write"))
    assert failures == []
    assert PlanVersion.objects.filter(citizen=citizen).count() == 1
    assert [draft.pk for draft in drafts] == [PlanVersion.objects.get(citizen=citizen).pk] * 2


@ROW_LOCKS
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["add", "change"])
def test_the_same_life_area_saved_twice_at_the_same_moment_is_a_form_error(
    second, coordinator_grant, coordinator, draft
):
    """A double click on "Add a life area" (or another tab changing a life area to it): one is saved, the
    other is told the life area is already there — a form error, not a 500."""
    work = actions.save_assessment(coordinator_grant, draft, acting_user=coordinator, life_area="work")

    def add():
        actions.save_assessment(coordinator_grant, draft, acting_user=coordinator, life_area="housing", needs="Hjelp")

    def change():
        actions.save_assessment(
            coordinator_grant, draft, acting_user=coordinator, row=work, expected_revision=0, life_area="housing"
        )

    failures = first_two_at_once(add, {"add": add, "change": change}[second], hold=(actions, "_log_write"))
    assert [type(failure) for failure in failures] == [ValidationError]
    assert "life_area" in failures[0].message_dict
    assert AssessmentArea.objects.filter(version=draft, life_area="housing").count() == 1
