"""Plans reminders at once for appointments made or moved close to their time (pathways' signal)."""

import functools
import logging

from django.db import transaction
from django.utils import timezone

from . import reminders, tasks

logger = logging.getLogger(__name__)


def plan_reminders_soon(sender, appointments, **kwargs):
    """Queue planning after commit for those starting within the planning window; cron plans the rest.

    Far-future appointments put nothing on the queue: cron plans them once they are 48 hours away.
    A cancelled or finished one needs nothing: its reminders are not sent (``_deliver`` checks).
    """
    now = timezone.now()
    ids = [appointment.pk for appointment in appointments if reminders.in_planning_window(appointment, now=now)]
    if ids:
        transaction.on_commit(functools.partial(_enqueue_planning, ids))


def _enqueue_planning(appointment_ids):
    """After commit: the appointment is saved whatever happens here; cron is the backstop."""
    try:
        tasks.plan_reminders.enqueue(appointment_ids=appointment_ids)
    except Exception as error:
        logger.warning(
            "Reminder planning for appointment(s) %s could not be queued (%s); the next cron run plans them",
            appointment_ids,
            type(error).__name__,
        )
