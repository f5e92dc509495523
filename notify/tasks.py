"""Background tasks (django-tasks; the database backend in production, run by ``manage.py db_worker``).

``manage.py enqueue_reminders`` (from cron or a systemd timer) puts both on the queue; each is safe
to run any number of times, and in any order. Planning is also queued for the appointments just
made or moved (``notify.receivers``), so that they need not wait for the next cron run.
"""

from django_tasks import task

from . import reminders


@task(priority=10)
def plan_reminders(appointment_ids=None):
    return reminders.plan_reminders(appointment_ids=appointment_ids)


@task()
def send_due_reminders():
    return reminders.send_due_reminders()
