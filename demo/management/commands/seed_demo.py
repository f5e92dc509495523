"""A plausible (and wholly invented) municipality for demos and benchmarks.

Two parts, each in its own module: ``demo.story`` (the named staff and Ingrid's story, through the actions)
and ``demo.bulk`` (the other ``--citizens N`` - 1 citizens, bulk-created for the benchmarks).
"""

import random
from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.models import SystemClient
from demo import bulk, outcomes_story, story
from demo.medication_story import demo_medication
from gatherings.demo import demo_gatherings, demo_relatives_survey
from improvement.demo import demo_improvement
from incidents.demo import demo_incidents
from insights import kept
from pathways.models import PathwayTemplate
from people.models import Citizen, Section
from recovery.demo import demo_recovery
from relatives.demo import demo_relatives
from social_emergency.demo import demo_social_emergency


class Command(BaseCommand):
    help = "Load demo data: organisations, staff, citizens with care teams. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--citizens", type=int, default=24, help="How many citizens in all (default 24).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, for repeatable data.")

    def handle(self, *args, citizens, seed, **options):
        if get_user_model().objects.filter(username="koordinator").exists():
            self.stdout.write("Demo data is already loaded.")
            return
        rng = random.Random(seed)
        password = make_password(story.DEMO_PASSWORD)  # hashed once, for every user
        call_command("import_questionnaire", "--shipped", stdout=StringIO())
        call_command("import_pathways", "--shipped", stdout=StringIO())
        # Ingrid's pathway history draws from its own generator; the bulk citizens go on from ``rng``.
        staff, orgs = story.load_story(rng, random.Random(seed + 1), password)
        bulk.make_citizens(rng, max(citizens - 1, 0), staff, orgs, password, progress=self.stdout.write)
        bulk_citizens = list(Citizen.objects.exclude(user__username="innbygger").order_by("pk"))
        outcomes_story.add_outcome_history(
            rng,
            bulk_citizens,
            [orgs[0], orgs[1]],
            list(PathwayTemplate.objects.filter(key__in=["guided-self-help", "coordinator-follow-up"])),
            [staff["koordinator"]],
        )
        # The bulk rows bypass the signals that keep the outcome report's summaries: recompute them once.
        kept.rebuild()
        coordinated = Citizen.objects.filter(
            care_team__user=staff["koordinator"], care_team__role="coordinator", care_team__ended_at__isnull=True
        ).distinct()
        demo_gatherings([orgs[0]], staff["leder"], list(coordinated.order_by("pk")[:12]), staff["koordinator"])
        # A relatives' evening three weeks ago: nine relatives answered the relatives' survey with a card.
        demo_relatives_survey(orgs[0], staff["leder"], rng=random.Random(seed + 7))
        demo_improvement(orgs[0], staff["leder"], [staff["koordinator"]])
        # Ingrid's incident at a housing unit became a crisis-plan proposal awaiting her approval (incidents.demo).
        demo_incidents(orgs, staff, password)
        # A 24-hour unit under Psykisk helse og rus, its night-shift worker and four weeks of anonymous contacts.
        demo_social_emergency(orgs[0], password, rng=random.Random(seed + 4))
        # Ingrid's brother Odd may know the crisis plan only (an earlier consent to the plan she took back);
        # the children question asked for most of the caseload.
        demo_relatives(
            Citizen.objects.get(user__username="innbygger"), staff["koordinator"], list(coordinated.order_by("pk"))
        )
        # A peer worker (likeperson) on Ingrid's team after she asked for one, her personal development plan,
        # and peer workers for a quarter of the coordinator's caseload (the outcome report compares).
        demo_recovery(
            Citizen.objects.get(user__username="innbygger"),
            staff["koordinator"],
            list(coordinated.order_by("pk")),
            password,
        )
        # Medication pedagogy: Ingrid's own words on her medicine, and Tore on the pathway with four self-reports.
        demo_medication(
            Citizen.objects.get(user__username="innbygger"),
            staff["koordinator"],
            staff,
            orgs,
            password,
            random.Random(seed + 9),
        )
        # A system client for the leader's units: `manage.py system_client_key "Demo register" --token`.
        register = SystemClient.objects.create(
            name="Demo register", sections=[Section.OVERVIEW, Section.MEASURES], scopes="system/*.rs"
        )
        register.units.add(orgs[0])
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
