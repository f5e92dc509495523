"""The demo: Ingrid's incident at the housing unit, followed up and debriefed, became a crisis-plan proposal
that waits for her approval, and the leader's run chart has enough months to show."""

from django.contrib.auth import get_user_model
from django.core.management import call_command

from incidents import report
from incidents.models import Conversation, Incident
from people.access import aggregate_scope, grant_for
from people.models import Citizen
from plans import actions as plan_actions
from plans.models import CrisisPlan, PlanVersion


def test_ingrids_incident_is_debriefed_logged_and_awaits_her_approval_in_the_crisis_plan(db):
    call_command("seed_demo", citizens=6, verbosity=0)
    ingrid = Citizen.objects.get(user__username="innbygger")
    incident = Incident.objects.get(citizen=ingrid)
    assert incident.unit.name == "Fjordby kommune – Bofellesskapet Lia"
    assert set(incident.conversations.values_list("kind", flat=True)) == set(Conversation.Kind.values)
    assert incident.learning_log is None  # left for the demo: her group is active, so the page offers it
    proposal = incident.proposed_in
    assert proposal.status == PlanVersion.Status.DRAFT and proposal.approved_by_citizen_at is None

    approved = plan_actions.approve(
        grant_for(ingrid.user, ingrid), proposal, acting_user=ingrid.user, seen_revision=proposal.content_revision
    )
    assert approved.status == PlanVersion.Status.APPROVED
    assert CrisisPlan.objects.filter(version=approved, warning_signs__contains="fram og tilbake i gangen").exists()

    leader = get_user_model().objects.get(username="leder")
    _start, charts = report.incidents_per_unit(aggregate_scope(leader), month_count=24)
    housing = next(chart for chart in charts if chart.unit.name == incident.unit.name)
    assert sum(point.value is not None for point in housing.drawing.points) >= 12
