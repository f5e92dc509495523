"""Recompute the outcome report's kept summaries from the raw rows (after a bulk load or a restore)."""

import time

from django.core.management.base import BaseCommand

from insights import kept


class Command(BaseCommand):
    help = (
        "Throw away and recompute the kept summaries of the outcome report (first/latest score and rating per episode)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only compare the kept rows with a recomputation.")

    def handle(self, *args, check=False, **options):
        started = time.monotonic()
        if check:
            differences = kept.differences()
            if differences:
                self.stderr.write(f"{len(differences)} kept rows differ from a recomputation, e.g. {differences[:3]}")
                raise SystemExit(1)
            self.stdout.write(f"The kept summaries equal a recomputation ({time.monotonic() - started:.1f} s).")
            return
        scores, goals = kept.rebuild()
        self.stdout.write(
            f"Rebuilt {scores} episode scores and {goals} episode goals in {time.monotonic() - started:.1f} s."
        )
