"""Background tasks of the FHIR API (django-tasks; ``manage.py db_worker`` in production)."""

from django_tasks import task

from . import export


@task(priority=10)
def run_bulk_export(export_id):
    """Write the files of one bulk export (the id only: what it takes is decided when it runs)."""
    export.run_export(export_id)
