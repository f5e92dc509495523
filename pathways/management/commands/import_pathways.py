"""Load pathway templates from JSON (``--shipped``: the ones in pathways/shipped/).

A template whose key exists is left as it is: after the first import it belongs to the admin.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pathways.models import PathwayTemplate, TemplateStep

SHIPPED = Path(__file__).resolve().parents[2] / "shipped"
TEMPLATE_FIELDS = (
    "name",
    "description",
    "first_contact_days",
    "checkin_interval_days",
    "evaluation_questionnaire",
    "programme",
)
STEP_FIELDS = {field.name for field in TemplateStep._meta.fields} - {"id", "template", "order"}


class Command(BaseCommand):
    help = "Import pathway templates from JSON files."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="JSON files, one template each.")
        parser.add_argument("--shipped", action="store_true", help="Import the templates Samplan ships.")

    def handle(self, *args, files, shipped, **options):
        paths = [Path(name) for name in files]
        if shipped:
            paths += sorted(SHIPPED.glob("*.json"))
        if not paths:
            raise CommandError("Name a file or use --shipped.")
        for path in paths:
            created = import_template(json.loads(path.read_text(encoding="utf-8")))
            self.stdout.write(f"{'imported' if created else 'kept'} {path.stem}")


@transaction.atomic
def import_template(data):
    """Create the template and its steps unless its key exists; True if created."""
    unknown = {key for step in data["steps"] for key in step} - STEP_FIELDS
    if unknown:
        raise CommandError(f"{data.get('key')}: unknown step field(s) {sorted(unknown)}")
    template, created = PathwayTemplate.objects.get_or_create(
        key=data["key"], defaults={field: data[field] for field in TEMPLATE_FIELDS if field in data}
    )
    if created:
        TemplateStep.objects.bulk_create(
            TemplateStep(template=template, order=order, **step) for order, step in enumerate(data["steps"])
        )
    return created
