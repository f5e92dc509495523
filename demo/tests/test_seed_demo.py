"""The demo municipality: `make demo` must show a plan worth looking at, built through the real actions."""

import pytest
from django.core.management import call_command

from people.access import grant_for
from people.models import Citizen
from plans import actions
from plans.content import visible_content
from plans.models import PlanComment, PlanVersion


@pytest.fixture
def ingrid(db):
    call_command("seed_demo", citizens=3, verbosity=0)
    return Citizen.objects.get(user__username="innbygger")


def test_ingrid_has_a_complete_plan_in_effect_and_a_proposal_with_her_comment(ingrid):
    active = PlanVersion.objects.active(ingrid)
    assert active is not None and actions.missing_contents(active) == []
    proposal = PlanVersion.objects.open_draft(ingrid)
    assert proposal.number == active.number + 1
    assert PlanComment.objects.filter(version=proposal, author=ingrid.user, resolved_at__isnull=True).exists()


def test_nav_sees_the_finance_agreement_and_not_the_medication_plan(ingrid):
    nav = ingrid.care_team.get(role="nav").user
    content = visible_content(grant_for(nav, ingrid), PlanVersion.objects.active(ingrid))
    assert "finance" in content["texts"] and "medication" not in content["texts"]
    assert content["crisis_plans"] is None
