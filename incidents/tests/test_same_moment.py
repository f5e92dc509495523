"""A double-clicked submit at the same moment, on PostgreSQL: the second waits for the first and stores
nothing more — one incident, one crisis plan in the proposal."""

import pytest
from django.db import connection
from django.utils import timezone

from groups.models import LearningLog
from incidents import actions
from incidents.models import Incident
from plans.models import CrisisPlan, PlanVersion
from tests.concurrency import first_two_at_once

from .conftest import incident_values

ROW_LOCKS = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway"
)


@ROW_LOCKS
@pytest.mark.django_db(transaction=True)
def test_an_incident_sent_twice_at_the_same_moment_is_stored_once(grant, coordinator, citizen):
    """The unit's figures count each incident once, however fast the second click."""
    values = incident_values()
    incidents = []

    def record():
        incidents.append(actions.record_incident(grant, acting_user=coordinator, **values))

    failures = first_two_at_once(record, record, hold=(actions, "_log"))
    assert failures == []
    assert Incident.objects.filter(citizen=citizen).count() == 1
    assert incidents[0].pk == incidents[1].pk


@ROW_LOCKS
@pytest.mark.django_db(transaction=True)
def test_an_incident_proposed_twice_at_the_same_moment_is_one_crisis_plan(
    grant, coordinator, coordinator_member, citizen, incident
):
    """A double click on "Propose for the crisis plan": one crisis plan in one proposal for the citizen to approve."""
    fields = {
        "situation": "threats",
        "title": "",
        "warning_signs": "Uro",
        "what_helps": "Ro",
        "other_contacts": "",
        "what_is_done": "Ringe",
    }

    def propose():
        actions.propose_for_crisis_plan(
            grant, incident, acting_user=coordinator, contacts=[coordinator_member], **fields
        )

    failures = first_two_at_once(propose, propose, hold=(actions, "_log"))
    assert failures == []
    draft = PlanVersion.objects.get(citizen=citizen)
    assert CrisisPlan.objects.filter(version=draft).count() == 1
    assert Incident.objects.get(pk=incident.pk).proposed_crisis_plan == CrisisPlan.objects.get(version=draft)


@ROW_LOCKS
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second_event", ["same", "edited"])
def test_a_learning_log_made_twice_at_the_same_moment_is_one_log_linked_to_the_incident(
    grant, coordinator, incident, active_group, second_event
):
    """A double click on "Make a learning log" (or a second tab with the text a little changed): the
    group gets one log, the one linked to the incident, and both clicks are shown it."""
    event_on = timezone.localtime(incident.occurred_at).date()
    logs = []

    def make(event):
        def run():
            logs.append(
                actions.make_learning_log(
                    grant, incident, acting_user=coordinator, event_on=event_on, outcome="failure", event=event
                )
            )

        return run

    second = "Uro i gangen" if second_event == "same" else "Uro i gangen, rettet"
    failures = first_two_at_once(make("Uro i gangen"), make(second), hold=(actions, "_log"))
    assert failures == []
    log = LearningLog.objects.get(group=active_group)
    assert Incident.objects.get(pk=incident.pk).learning_log == log
    assert [made.pk for made in logs] == [log.pk, log.pk]
