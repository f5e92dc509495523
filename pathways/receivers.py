"""Keeps scheduled questionnaires in step with the responses the citizen completes."""

import datetime

from django.utils import timezone

from samplan.prepared import Prepared, columns, instance

from .models import ScheduledQuestionnaire

# Asked on every completed questionnaire (and most often finds nothing): compiled once.
_OLDEST_PENDING = Prepared(
    lambda citizen, key, day: (
        ScheduledQuestionnaire.objects.filter(
            citizen_id=citizen,
            questionnaire_key=key,
            answered_at__isnull=True,
            cancelled_at__isnull=True,
            due_on__lte=day,
        )
        .order_by("due_on", "pk")
        .values_list(*columns(ScheduledQuestionnaire))[:1]
    ),
    citizen=int,
    key=str,
    day=datetime.date,
)


def mark_scheduled_answered(sender, response, **kwargs):
    """The oldest pending request for this questionnaire counts as answered by ``response``."""
    row = _OLDEST_PENDING.first(
        citizen=response.citizen_id,
        key=response.questionnaire.key,
        day=timezone.localdate(response.authored_at) if response.authored_at else timezone.localdate(),
    )
    pending = instance(ScheduledQuestionnaire, row)[0] if row is not None else None
    if pending is not None:
        pending.response, pending.answered_at = response, response.authored_at or timezone.now()
        pending.save(update_fields=["response", "answered_at"])
