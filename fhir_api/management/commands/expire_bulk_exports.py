"""Delete the files of bulk exports past BULK_EXPORT_EXPIRES_HOURS (run it from cron, e.g. hourly)."""

from django.core.management.base import BaseCommand

from fhir_api import export


class Command(BaseCommand):
    help = "Delete the files of bulk exports whose time is up."

    def handle(self, *args, **options):
        self.stdout.write(f"{export.expire()} export(s) expired.")
