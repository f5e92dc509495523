"""A plausible (and wholly invented) municipality for demos and benchmarks.

National identity numbers are synthetic (Tenor style: month + 80), so they pass validation
and can never belong to a real person.
"""

import datetime
import random
from decimal import Decimal
from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from journal.models import Note
from measures import scoring
from measures.actions import score_response
from measures.fhir_forms import parse_items, walk
from measures.models import Goal, GoalRating, LifeArea, Questionnaire, QuestionnaireResponse, Score
from pathways.models import Appointment, Episode, PathwayTemplate
from people.access import all_sections, grant_for
from people.models import CareTeamMember, Citizen, Organisation, Section, StaffProfile, UnitLeadership
from people.national_id import with_check_digits
from plans import actions as plan_actions
from plans.models import PlanText, PlanVersion

DEMO_PASSWORD = "samplan-demo"

PLAN_TEXTS = {
    PlanText.Key.WHAT_MATTERS: "Å ha et trygt sted å bo og å klare meg selv.\nÅ ha kontakt med broren min.",
    PlanText.Key.PARTICIPANTS: "Ingrid, koordinator Kari Koordinator, fastlege Frida Fastlege, Nav-veileder Nils Nav "
    "og broren Odd (kriseplanen).",
    PlanText.Key.CONTRIBUTIONS: "Ingrid: gjør hjemmeoppgavene fra selvhjelpsprogrammet og sier fra når det butter.\n"
    "Kommunen: veiledet selvhjelp hver uke og koordinering.\nFastlegen: medisiner og helsesjekk.\n"
    "Nav: hjelp med økonomien.\nOdd: ringer når Ingrid ber om det.",
    PlanText.Key.COOPERATION: "Samarbeid med fastlegen om medisiner og med Nav om husleie og regninger. "
    "Ansvarsgruppemøte hver tredje måned.",
    PlanText.Key.FINANCE: "Nav betaler husleien direkte til utleier. Ingrid får 2 000 kr hver fredag.",
    PlanText.Key.MEDICATION: "Sertralin 50 mg hver morgen. Fastlegen fornyer resepten.",
    PlanText.Key.DAILY_PLAN: "Mandag: tur med nabo kl. 11.\nTorsdag: samtale med koordinator kl. 14.\n"
    "Lørdag: middag hos Odd.",
    PlanText.Key.MANDATE: "Koordinatoren kan snakke med fastlegen og Nav om planen på Ingrids vegne. "
    "Vi møtes eller snakkes hver uke. Avtalen varer til planperioden er over, "
    "eller til Ingrid sier den opp.",
}
PLAN_ASSESSMENT = (
    ("housing", "Trenger hjelp til å holde orden på post og regninger.", "Har egen leilighet og liker den."),
    ("mental_health", "Sover dårlig og blir lett engstelig.", "Vet hva som hjelper: tur og rutiner."),
    ("relationships", "Lite kontakt med andre enn broren.", "God kontakt med broren Odd."),
)
PLAN_MEASURES = (
    ("coordinator", "Veiledet selvhjelp", "Samtale på telefon, 20 minutter, fast tid", "Hver uke"),
    ("gp", "Oppfølging av medisiner", "Time hos fastlegen", "Hver tredje måned"),
    ("nav", "Hjelp med økonomien", "Nav betaler husleie direkte; samtale ved behov", "Hver måned"),
)
PLAN_CONTACTS = (
    ("gp", "Medisiner og resepter", "73 00 00 00, hverdager 8–15"),
    ("nav", "Penger, husleie og regninger", "55 55 33 33"),
    ("coordinator", "Alt annet, og når du er usikker", "73 00 00 00"),
)
PLAN_CRISIS = (
    (
        "worry",
        "Når jeg blir redd og ikke får sove",
        "Sover dårlig flere netter på rad. Holder meg inne. Svarer ikke på telefonen.",
        "Gå en tur. Ringe Odd. Ha lyset på.",
        ("coordinator", "relative"),
        "Koordinator ringer samme dag. Ved behov time hos fastlegen innen to dager.",
    ),
    (
        "substance",
        "",
        "Drikker alene på kvelden. Avlyser avtaler.",
        "At noen spør hvordan det går, uten å kjefte.",
        ("coordinator", "gp"),
        "Koordinator tar kontakt og avtaler et møte. Fastlegen vurderer videre hjelp.",
    ),
)
CITIZENS_PER_COORDINATOR = 60
BATCH = 2000

GIVEN_NAMES = [
    "Ola",
    "Kari",
    "Per",
    "Anne",
    "Jonas",
    "Ingrid",
    "Lars",
    "Sofie",
    "Emil",
    "Nora",
    "Ahmed",
    "Fatima",
    "Magnus",
    "Ida",
    "Henrik",
    "Maja",
    "Tor",
    "Sara",
    "Mats",
    "Hanne",
    "Ali",
    "Amina",
    "Erik",
    "Liv",
    "Sindre",
    "Marit",
    "Piotr",
    "Agnieszka",
    "Kristoffer",
    "Silje",
    "Bjørn",
    "Åse",
    "Øystein",
    "Eirin",
]
FAMILY_NAMES = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Jakobsen",
    "Moen",
    "Gundersen",
    "Iversen",
    "Strand",
    "Solberg",
    "Svendsen",
    "Eide",
    "Knutsen",
    "Mohammed",
    "Nowak",
]

ORGANISATIONS = [
    ("municipal", "Fjordby kommune – Psykisk helse og rus", None),
    ("municipal", "Fjordby kommune – Hjemmetjenesten", None),
    ("gp", "Sentrum legekontor", None),
    ("nav", "Nav Fjordby", None),
    ("specialist", "Fjordby DPS", None),
    ("ngo", "Likepersonstjenesten Fjordby", None),
    ("municipal", "Fjordby kommune – Tjenesteledelse", None),
]

# username, first, last, organisation index, profession
DEMO_STAFF = [
    ("koordinator", "Kari", "Koordinator", 0, "Psykiatrisk sykepleier"),
    ("fastlege", "Finn", "Fastlege", 2, "Allmennlege"),
    ("nav", "Nina", "Navesen", 3, "Veileder"),
    ("leder", "Lise", "Leder", 6, "Enhetsleder"),
    ("utenfor", "Ulf", "Utenfor", 1, "Hjelpepleier"),
]


def synthetic_national_id(rng, born):
    """A valid, synthetic number for ``born``: month + 80, individual number by century."""
    while True:
        individual = rng.randint(500, 999) if born.year >= 2000 else rng.randint(0, 499)
        prefix = f"{born.day:02d}{born.month + 80:02d}{born.year % 100:02d}{individual:03d}"
        number = with_check_digits(prefix)
        if number is not None:
            return number


class Command(BaseCommand):
    help = "Load demo data: organisations, staff, citizens with care teams. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--citizens", type=int, default=24, help="How many citizens in all (default 24).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, for repeatable data.")

    def handle(self, *args, citizens, seed, **options):
        user_model = get_user_model()
        if user_model.objects.filter(username="koordinator").exists():
            self.stdout.write("Demo data is already loaded.")
            return
        rng = random.Random(seed)
        password = make_password(DEMO_PASSWORD)
        call_command("import_questionnaire", "--shipped", stdout=StringIO())
        call_command("import_pathways", "--shipped", stdout=StringIO())
        with transaction.atomic():
            orgs = self._organisations()
            staff = self._staff(orgs, password)
            innbygger = self._innbygger(rng, staff, orgs, password)
            self._measures(rng, innbygger, staff["koordinator"])
        self._plan(innbygger, staff["koordinator"])
        self._history(
            random.Random(seed + 1),
            [innbygger],
            0,
            [staff["koordinator"]],
            list(PathwayTemplate.objects.filter(key="guided-self-help")),
            with_plan=False,
            with_measures=False,  # her ten weeks of measures come from _measures
        )
        self._citizens(rng, max(citizens - 1, 0), staff, orgs, password)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))

    def _organisations(self):
        orgs = []
        for org_type, name, _parent in ORGANISATIONS:
            orgs.append(Organisation.objects.create(name=name, org_type=org_type))
        for child in (orgs[1], orgs[6]):
            child.parent = orgs[0]
            child.save(update_fields=["parent"])
        return orgs

    def _staff(self, orgs, password):
        user_model = get_user_model()
        staff = {}
        for username, first, last, org_index, profession in DEMO_STAFF:
            user = user_model.objects.create(username=username, first_name=first, last_name=last, password=password)
            StaffProfile.objects.create(
                user=user, organisation=orgs[org_index], profession=profession, phone="73 00 00 00"
            )
            staff[username] = user
        staff["leder"].user_permissions.add(Permission.objects.get(codename="review_emergencyaccess"))
        # Lise leads Psykisk helse og rus (and the units under it): reports, never a record.
        UnitLeadership.objects.create(user=staff["leder"], organisation=orgs[0])
        admin = user_model.objects.create(
            username="admin", first_name="Ada", last_name="Admin", password=password, is_staff=True, is_superuser=True
        )
        StaffProfile.objects.create(user=admin, organisation=orgs[6], profession="Systemansvarlig")
        staff["admin"] = admin
        return staff

    def _innbygger(self, rng, staff, orgs, password):
        user = get_user_model().objects.create(
            username="innbygger", first_name="Ingrid", last_name="Innbygger", password=password
        )
        born = datetime.date(1991, 4, 17)
        citizen = Citizen.objects.create(
            user=user,
            given_name="Ingrid",
            family_name="Innbygger",
            date_of_birth=born,
            national_id=synthetic_national_id(rng, born),
            phone="900 00 000",
            email="ingrid@example.org",
        )
        CareTeamMember.objects.bulk_create(self._team(citizen, staff, orgs, with_gp=True, with_nav=True))
        CareTeamMember.objects.create(
            citizen=citizen,
            person_name="Odd Innbygger",
            person_contact="Bror, tlf. 911 11 111",
            role=CareTeamMember.Role.RELATIVE,
            sections=[Section.CRISIS_PLAN],
            added_by=staff["koordinator"],
        )
        return citizen

    def _measures(self, rng, citizen, coordinator):
        """Ten weeks of guided self-help for Ingrid: PHQ-9 and GAD-7 improving, check-ins, goals."""
        questionnaires = {q.key: q for q in Questionnaire.objects.current()}
        start = timezone.now() - datetime.timedelta(weeks=10)
        phq9 = [
            [2, 2, 2, 2, 1, 2, 1, 1, 0],
            [2, 2, 1, 2, 1, 1, 1, 1, 0],
            [1, 2, 1, 1, 1, 1, 1, 0, 0],
            [1, 1, 1, 1, 1, 1, 0, 0, 0],
            [1, 1, 0, 1, 0, 1, 0, 0, 0],
            [0, 1, 0, 1, 0, 0, 0, 0, 0],
        ]
        gad7 = [[2, 2, 2, 1, 1, 2, 1], [1, 1, 1, 1, 1, 1, 1], [1, 1, 0, 1, 0, 1, 0]]
        for week, values in enumerate(phq9):
            self._completed(citizen, questionnaires["phq9"], "phq9", values, start + datetime.timedelta(weeks=2 * week))
        for index, values in enumerate(gad7):
            when = start + datetime.timedelta(weeks=5 * index)
            self._completed(citizen, questionnaires["gad7"], "gad7", values, when)
        checkin = questionnaires.get("checkin")
        for day in range(0, 70, 3):
            level = min(10, 3 + day // 12)
            answers = {
                item: [str(max(0, min(10, level + rng.randint(-2, 2))))] for item in ("mood", "calm", "sleep", "hope")
            }
            answers["substance"] = ["not-applicable"]
            QuestionnaireResponse.objects.create(
                citizen=citizen,
                questionnaire=checkin,
                status="completed",
                answers=answers,
                author=citizen.user,
                authored_at=start + datetime.timedelta(days=day, hours=9),
            )
        goals = [
            Goal.objects.create(citizen=citizen, text=text, life_area=area, created_by=coordinator)
            for text, area in (
                ("Sove bedre om natta", LifeArea.MENTAL_HEALTH),
                ("Komme meg ut av huset hver dag", LifeArea.DAILY_LIVING),
                ("Få orden på regningene", LifeArea.FINANCES),
            )
        ]
        for conversation, ratings in enumerate(([2, 3, 2], [3, 4, 2], [5, 6, 4])):
            when = start + datetime.timedelta(weeks=4 * conversation)
            GoalRating.objects.bulk_create(
                GoalRating(goal=goal, rating=rating, rated_at=when, rated_by=coordinator)
                for goal, rating in zip(goals, ratings, strict=True)
            )

    def _plan(self, citizen, coordinator):
        """Ingrid's individual plan: version 1 in effect, and a proposal for version 2 with her comment."""
        grant = grant_for(coordinator, citizen)
        team = {member.role: member for member in CareTeamMember.objects.active().filter(citizen=citizen)}
        today = timezone.localdate()
        plan = plan_actions.start_draft(grant, acting_user=coordinator)
        for key, text in PLAN_TEXTS.items():
            plan_actions.save_text(grant, plan, key, text, expected_revision=0, acting_user=coordinator)
        for life_area, needs, resources in PLAN_ASSESSMENT:
            plan_actions.save_assessment(
                grant, plan, acting_user=coordinator, life_area=life_area, needs=needs, resources=resources
            )
        for role, what, how, frequency in PLAN_MEASURES:
            plan_actions.save_intervention(
                grant,
                plan,
                acting_user=coordinator,
                what=what,
                responsible=team[role],
                how=how,
                frequency=frequency,
                starts=today - datetime.timedelta(days=70),
                ends=today + datetime.timedelta(days=110),
            )
        for role, topic, how_to_reach in PLAN_CONTACTS:
            plan_actions.save_contact(
                grant, plan, acting_user=coordinator, topic=topic, member=team[role], how_to_reach=how_to_reach
            )
        for situation, title, signs, helps, roles, done in PLAN_CRISIS:
            plan_actions.save_crisis_plan(
                grant,
                plan,
                acting_user=coordinator,
                situation=situation,
                title=title,
                warning_signs=signs,
                what_helps=helps,
                contacts=[team[role] for role in roles],
                what_is_done=done,
            )
        plan.refresh_from_db()
        plan = plan_actions.save_period(
            grant,
            plan,
            acting_user=coordinator,
            expected_revision=plan.content_revision,
            period_start=today - datetime.timedelta(days=70),
            period_end=today + datetime.timedelta(days=295),
            next_revision=today + datetime.timedelta(days=20),
            consent_to_plan=True,
            consent_to_sharing=True,
        )
        own = grant_for(citizen.user, citizen)
        plan = plan_actions.approve(own, plan, acting_user=citizen.user, seen_revision=plan.content_revision)
        plan_actions.activate(grant, plan, acting_user=coordinator)

        proposal = plan_actions.start_draft(grant, acting_user=coordinator)
        plan_actions.save_text(
            grant,
            proposal,
            PlanText.Key.WHAT_MATTERS,
            PLAN_TEXTS[PlanText.Key.WHAT_MATTERS] + "\nÅ begynne på et kurs i høst.",
            expected_revision=0,
            acting_user=coordinator,
        )
        plan_actions.add_comment(
            own,
            proposal,
            acting_user=citizen.user,
            section=PlanText.Key.DAILY_PLAN,
            text="Kan samtalen på torsdag flyttes til formiddagen? Jeg sover dårlig før den.",
        )

    def _completed(self, citizen, questionnaire, key, values, when):
        items = {i.link_id: i for i in walk(parse_items(questionnaire.resource))}
        answers = {}
        for number, value in enumerate(values, start=1):
            item = items[f"{key}-{number}"]
            answers[item.link_id] = [next(o.code for o in item.options if o.value == value)]
        response = QuestionnaireResponse.objects.create(
            citizen=citizen,
            questionnaire=questionnaire,
            status="completed",
            answers=answers,
            author=citizen.user,
            authored_at=when,
        )
        score_response(response)

    def _team(self, citizen, staff, orgs, *, coordinator=None, with_gp=False, with_nav=False):
        members = [
            CareTeamMember(
                citizen=citizen,
                user=coordinator or staff["koordinator"],
                role=CareTeamMember.Role.COORDINATOR,
                organisation=orgs[0],
                sections=sorted(all_sections()),
                added_by=coordinator or staff["koordinator"],
            )
        ]
        if with_gp:
            members.append(
                CareTeamMember(
                    citizen=citizen,
                    user=staff["fastlege"],
                    role=CareTeamMember.Role.GP,
                    organisation=orgs[2],
                    sections=[
                        Section.OVERVIEW,
                        Section.CRISIS_PLAN,
                        Section.MEASURES,
                        Section.MEDICATION,
                        Section.CONTACTS,
                    ],
                    added_by=staff["koordinator"],
                )
            )
        if with_nav:
            members.append(
                CareTeamMember(
                    citizen=citizen,
                    user=staff["nav"],
                    role=CareTeamMember.Role.NAV,
                    organisation=orgs[3],
                    sections=[Section.OVERVIEW, Section.PLAN, Section.FINANCE, Section.CONTACTS],
                    added_by=staff["koordinator"],
                )
            )
        return members

    def _citizens(self, rng, count, staff, orgs, password):
        """Bulk-create ``count`` more citizens; the first ones belong to ``koordinator``."""
        user_model = get_user_model()
        used_ids = set(Citizen.objects.values_list("national_id", flat=True))
        coordinators = [staff["koordinator"]]
        extra_coordinators = max(0, (count - 1) // CITIZENS_PER_COORDINATOR)
        if extra_coordinators:
            new_users = user_model.objects.bulk_create(
                user_model(
                    username=f"koordinator{i:03d}",
                    first_name=rng.choice(GIVEN_NAMES),
                    last_name=rng.choice(FAMILY_NAMES),
                    password=password,
                )
                for i in range(1, extra_coordinators + 1)
            )
            StaffProfile.objects.bulk_create(
                StaffProfile(user=user, organisation=orgs[0], profession="Miljøterapeut") for user in new_users
            )
            coordinators.extend(new_users)
        templates = list(PathwayTemplate.objects.filter(key__in=["guided-self-help", "coordinator-follow-up"]))
        done = 0
        while done < count:
            size = min(BATCH, count - done)
            batch = []
            for _ in range(size):
                born = datetime.date(rng.randint(1950, 2006), rng.randint(1, 12), rng.randint(1, 28))
                national_id = synthetic_national_id(rng, born)
                while national_id in used_ids:
                    national_id = synthetic_national_id(rng, born)
                used_ids.add(national_id)
                batch.append(
                    Citizen(
                        given_name=rng.choice(GIVEN_NAMES),
                        family_name=rng.choice(FAMILY_NAMES),
                        date_of_birth=born,
                        national_id=national_id,
                        phone=f"9{rng.randint(0, 9999999):07d}",
                    )
                )
            with transaction.atomic():
                created = Citizen.objects.bulk_create(batch)
                members = []
                for offset, citizen in enumerate(created):
                    index = done + offset
                    coordinator = coordinators[min(index // CITIZENS_PER_COORDINATOR, len(coordinators) - 1)]
                    members.extend(
                        self._team(
                            citizen,
                            staff,
                            orgs,
                            coordinator=coordinator,
                            with_gp=index % 3 == 0,
                            with_nav=index % 4 == 0,
                        )
                    )
                CareTeamMember.objects.bulk_create(members)
                self._history(rng, created, done, coordinators, templates)
            done += size
            if count > BATCH:
                self.stdout.write(f"  citizens: {done}/{count}")

    def _history(self, rng, citizens, first_index, coordinators, templates, *, with_plan=True, with_measures=True):
        """Up to a year of pathway, appointments, check-ins, PHQ-9 scores, plans and notes per citizen.

        Bulk inserts only (no actions, no access log): this is what ``bench/worklist.py`` measures
        the worklist against, so every worklist source has rows to look through.
        """
        now = timezone.now()
        today = timezone.localdate()
        questionnaires = {q.key: q for q in Questionnaire.objects.current()}
        checkin, phq9 = questionnaires.get("checkin"), questionnaires.get("phq9")
        phq9_items = [f"phq9-{n}" for n in range(1, 10)]
        phq9_codes = self._option_codes(phq9) if phq9 else {}
        episodes, appointments, responses, plans, notes = [], [], [], [], []
        for offset, citizen in enumerate(citizens):
            index = first_index + offset
            coordinator = coordinators[min(index // CITIZENS_PER_COORDINATOR, len(coordinators) - 1)]
            weeks = rng.randint(0, 52)
            first_day = timezone.localdate(now - datetime.timedelta(weeks=weeks, days=rng.randint(0, 6)))
            office_hours = datetime.time(8 + index % 7, 15 * (index % 4))  # no appointments in the night
            started = timezone.make_aware(datetime.datetime.combine(first_day, office_hours))
            waiting = weeks == 0
            episode = Episode(
                citizen=citizen,
                template=rng.choice(templates),
                status=Episode.Status.WAITING if waiting else Episode.Status.ACTIVE,
                referral_received=timezone.localdate(started) - datetime.timedelta(days=rng.randint(0, 9)),
                referral_source=rng.choice(Episode.Source.values),
                referral_reason="Ønsker oppfølging",
                unit_id=coordinator.staff_profile.organisation_id if hasattr(coordinator, "staff_profile") else None,
                responsible=coordinator,
                started_at=None if waiting else started,
                created_by=coordinator,
            )
            episode.first_contact_due = episode.referral_received + datetime.timedelta(days=7)
            episode.first_contact_on = None if waiting else timezone.localdate(started)
            episodes.append(episode)
            for week in range(weeks + 4 if not waiting else 0):
                when = started + datetime.timedelta(weeks=week)
                if when < now:
                    status = rng.choices(["done", "missed", "cancelled"], weights=[90, 5, 5])[0]
                else:
                    status = "planned"
                appointments.append(
                    Appointment(
                        citizen=citizen,
                        episode=episode,
                        staff=coordinator,
                        kind="phone",
                        title="Oppfølging",
                        starts_at=when,
                        duration_minutes=30,
                        status=status,
                        followed_up_at=when if status == "missed" and rng.random() < 0.8 else None,
                    )
                )
                if with_measures and checkin and when < now and rng.random() < 0.85:
                    responses.append(
                        (
                            QuestionnaireResponse(
                                citizen=citizen,
                                questionnaire=checkin,
                                status="completed",
                                answers={},
                                authored_at=when - datetime.timedelta(hours=rng.randint(1, 48)),
                            ),
                            None,
                        )
                    )
                if with_measures and phq9 and when < now and week % 4 == 0:
                    values = [max(0, min(3, 2 - week // 16 + rng.randint(-1, 1))) for _ in phq9_items[:-1]] + [0]
                    answers = {link: [phq9_codes[link][value]] for link, value in zip(phq9_items, values, strict=True)}
                    responses.append(
                        (
                            QuestionnaireResponse(
                                citizen=citizen,
                                questionnaire=phq9,
                                status="completed",
                                answers=answers,
                                authored_at=when,
                            ),
                            scoring.score("phq9", values),
                        )
                    )
            if with_plan and not waiting:
                plans.append(
                    PlanVersion(
                        citizen=citizen,
                        number=1,
                        status=PlanVersion.Status.ACTIVE,
                        created_by=coordinator,
                        period_start=timezone.localdate(started),
                        next_revision=today + datetime.timedelta(days=rng.randint(-20, 180)),
                        activated_at=started,
                    )
                )
            if rng.random() < 0.05:
                notes.append(Note(citizen=citizen, author=coordinator, kind="standard", assessment="Utkast"))
        Episode.objects.bulk_create(episodes)
        for appointment in appointments:
            appointment.episode_id = appointment.episode.pk
        Appointment.objects.bulk_create(appointments, batch_size=5000)
        created = QuestionnaireResponse.objects.bulk_create([r for r, _ in responses], batch_size=5000)
        Score.objects.bulk_create(
            (
                Score(
                    response=response,
                    citizen_id=response.citizen_id,
                    instrument="phq9",
                    total=Decimal(str(result["total"])),
                    band=result.get("band") or "",
                    result=result,
                    effective_at=response.authored_at,
                )
                for response, (_r, result) in zip(created, responses, strict=True)
                if result is not None
            ),
            batch_size=5000,
        )
        PlanVersion.objects.bulk_create(plans, batch_size=5000)
        Note.objects.bulk_create(notes)

    @staticmethod
    def _option_codes(questionnaire):
        """For each PHQ-9 item, the answer code of each value 0–3."""
        return {
            item.link_id: {option.value: option.code for option in item.options}
            for item in walk(parse_items(questionnaire.resource))
            if item.options
        }
