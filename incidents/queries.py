"""Reading incidents: one place for what a list, a page and a panel load."""

import datetime

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from .models import Conversation, Incident

# A debrief not held this many days after the incident is late (shown on the incident and in lists).
DEBRIEF_DAYS = 7


def with_conversations(queryset):
    """``queryset`` with each incident's follow-up and debrief as ``follow_up`` / ``debrief`` (None if not yet)."""
    return queryset.select_related("unit", "recorded_by", "learning_log", "proposed_in").annotate(
        has_follow_up=Exists(Conversation.objects.filter(incident=OuterRef("pk"), kind=Conversation.Kind.FOLLOW_UP)),
        has_debrief=Exists(Conversation.objects.filter(incident=OuterRef("pk"), kind=Conversation.Kind.DEBRIEF)),
    )


def incidents_of(citizen):
    """The citizen's incidents, newest first, with whether each has its follow-up and debrief. One query."""
    return list(with_conversations(Incident.objects.filter(citizen=citizen)))


def incident_of(citizen, incident_id):
    """One of the citizen's incidents with its conversations (by kind), or None."""
    incident = (
        with_conversations(Incident.objects.filter(citizen=citizen, pk=incident_id))
        .prefetch_related(Prefetch("conversations", queryset=Conversation.objects.select_related("recorded_by")))
        .first()
    )
    if incident is not None:
        incident.by_kind = {conversation.kind: conversation for conversation in incident.conversations.all()}
    return incident


def debrief_is_late(incident, now=None):
    now = now or timezone.now()
    return not incident.has_debrief and incident.occurred_at < now - datetime.timedelta(days=DEBRIEF_DAYS)


def summary(citizen):
    """For the panels: the number of incidents, the latest, and how many have no debrief yet. One query."""
    incidents = incidents_of(citizen)
    return {
        "citizen": citizen,
        "count": len(incidents),
        "latest": incidents[0] if incidents else None,
        "without_debrief": sum(1 for incident in incidents if not incident.has_debrief),
    }
