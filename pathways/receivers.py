"""Keeps scheduled questionnaires in step with the responses the citizen completes."""

from django.utils import timezone

from .models import ScheduledQuestionnaire


def mark_scheduled_answered(sender, response, **kwargs):
    """The oldest pending request for this questionnaire counts as answered by ``response``."""
    pending = (
        ScheduledQuestionnaire.objects.filter(
            citizen_id=response.citizen_id,
            questionnaire_key=response.questionnaire.key,
            answered_at__isnull=True,
            cancelled_at__isnull=True,
            due_on__lte=timezone.localdate(response.authored_at) if response.authored_at else timezone.localdate(),
        )
        .order_by("due_on", "pk")
        .first()
    )
    if pending is not None:
        pending.response, pending.answered_at = response, response.authored_at or timezone.now()
        pending.save(update_fields=["response", "answered_at"])
