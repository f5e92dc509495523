""" "The plan must change" sent again: a repeat only while the proposal it went to is still open."""

import pytest

from groups import actions
from groups.models import PlanChange
from plans.models import PlanComment, PlanVersion

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("since", [PlanVersion.Status.APPROVED, PlanVersion.Status.ACTIVE])
def test_the_same_change_sent_again_after_the_proposal_was_approved_is_a_new_change(
    meeting, grant, coordinator, citizen, since
):
    """Within ten minutes, but the proposal it went to was approved (or put into use) meanwhile: the
    coordinator means it, so the change goes to the open proposal with its comment, not dropped."""
    first = actions.request_plan_change(grant, meeting, acting_user=coordinator, text="Arbeidstrening")
    PlanVersion.objects.filter(pk=first.plan_version_id).update(status=since)
    again = actions.request_plan_change(grant, meeting, acting_user=coordinator, text="Arbeidstrening")
    assert again != first
    assert again.plan_version.status == PlanVersion.Status.DRAFT
    assert PlanChange.objects.filter(meeting=meeting).count() == 2
    assert PlanComment.objects.filter(version=again.plan_version).filter(text__contains="Arbeidstrening").exists()
    if since == PlanVersion.Status.APPROVED:  # the approved proposal is reopened, not a second one made
        assert again.plan_version_id == first.plan_version_id
    # And a double click on the re-send is still one change.
    assert actions.request_plan_change(grant, meeting, acting_user=coordinator, text="Arbeidstrening") == again
    assert PlanChange.objects.filter(meeting=meeting).count() == 2
