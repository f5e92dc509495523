import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from measures.actions import import_questionnaire
from measures.fhir_forms import QuestionnaireError

SHIPPED = Path(__file__).resolve().parents[2] / "questionnaires"


class Command(BaseCommand):
    help = "Import FHIR R4 Questionnaire JSON files. --shipped imports those that come with Samplan."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="Questionnaire JSON files")
        parser.add_argument("--shipped", action="store_true", help="Import Samplan's own questionnaires.")

    def handle(self, *args, files, shipped, **options):
        paths = [Path(f) for f in files]
        if shipped:
            paths += sorted(SHIPPED.glob("*.json"))
        if not paths:
            raise CommandError("Give one or more files, or --shipped.")
        failed = False
        for path in paths:
            try:
                resource = json.loads(path.read_text(encoding="utf-8"))
                questionnaire, created = import_questionnaire(resource)
            except (OSError, json.JSONDecodeError) as error:
                self.stderr.write(f"{path}: cannot read JSON: {error}")
                failed = True
            except QuestionnaireError as error:
                self.stderr.write(f"{path}: refused: {error}")
                failed = True
            else:
                state = "imported" if created else "already there"
                self.stdout.write(f"{path.name}: {questionnaire.title} {questionnaire.version} {state}")
        if failed:
            raise CommandError("Some files were refused; nothing was stored for them.")
