"""Recompute the outcome report's kept summaries from the raw rows (after a bulk load or a restore)."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from insights import days as insights_days
from insights import kept


class Command(BaseCommand):
    help = (
        "Throw away and recompute the kept summaries of the outcome report (first/latest score and rating per "
        "episode, and the counts per unit, pathway and referral day)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only compare the kept rows with a recomputation.")
        parser.add_argument(
            "--days",
            action="store_true",
            help="Only count the days again (DayScore, DayCount) from the kept rows as they are: minutes faster.",
        )

    def handle(self, *args, check=False, days=False, **options):
        started = time.monotonic()
        if days:
            with transaction.atomic():
                insights_days.rebuild()
            self.stdout.write(f"Counted the days again in {time.monotonic() - started:.1f} s.")
            return
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
