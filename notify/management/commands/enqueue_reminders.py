from django.core.management.base import BaseCommand

from notify.tasks import plan_reminders, send_due_reminders


class Command(BaseCommand):
    help = "Put planning and sending of appointment reminders on the task queue (run from cron every few minutes)."

    def handle(self, *args, **options):
        for task in (plan_reminders, send_due_reminders):
            result = task.enqueue()
            self.stdout.write(f"{task.name}: {result.status} ({result.id})")
