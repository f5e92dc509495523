"""The demo's named people and Ingrid's story: what ``make demo`` shows.

A plausible (and wholly invented) municipality: the organisations, the staff who log in to the demo
(password ``DEMO_PASSWORD``), and the citizen Ingrid (``innbygger``) with her care team (coordinator, GP,
Nav, and her brother Odd for the crisis plan), ten weeks of guided self-help (PHQ-9, GAD-7, check-ins,
goals), her individual plan, her pathway and her responsibility group (``demo.group_story``), where Odd
sits too.

Her plan is built through ``plans.actions``, as her coordinator and she would build it (version 1 in
effect, a proposal for version 2 with her comment), so it passes the same checks and leaves the same
access-log events; her PHQ-9 and GAD-7 answers are scored by ``measures.actions.score_response``. The
people, care team, check-ins and goals are plain creates, one row at a time. Her pathway and appointments
come from the bulk loader's ``demo.bulk.add_history``, like those of the benchmark citizens. Her
responsibility group (two meetings held, one planned, actions and a learning log) is built through
``groups.actions`` in ``demo.group_story``.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from demo.bulk import add_history, care_team, synthetic_national_id
from demo.group_story import add_group
from groups.sections import GROUP
from measures.actions import score_response
from measures.fhir_forms import parse_items, walk
from measures.models import Goal, GoalRating, LifeArea, Questionnaire, QuestionnaireResponse
from pathways.models import PathwayTemplate
from people.access import grant_for
from people.models import CareTeamMember, Citizen, Organisation, Section, StaffProfile, UnitLeadership
from plans import actions as plan_actions
from plans.models import PlanText

DEMO_PASSWORD = "samplan-demo"

PLAN_TEXTS = {
    PlanText.Key.WHAT_MATTERS: "Å ha et trygt sted å bo og å klare meg selv.\nÅ ha kontakt med broren min.",
    PlanText.Key.PARTICIPANTS: "Ingrid, koordinator Kari Koordinator, fastlege Finn Fastlege, "
    "Nav-veileder Nina Navesen og broren Odd (kriseplanen og ansvarsgruppa).",
    PlanText.Key.CONTRIBUTIONS: "Ingrid: gjør hjemmeoppgavene fra selvhjelpsprogrammet og sier fra når det butter.\n"
    "Kommunen: veiledet selvhjelp hver uke og koordinering.\nFastlegen: medisiner og helsesjekk.\n"
    "Nav: hjelp med økonomien.\nOdd: ringer når Ingrid ber om det.",
    PlanText.Key.COOPERATION: "Samarbeid med fastlegen om medisiner og med Nav om husleie og regninger. "
    "Ansvarsgruppemøte hver sjette uke det første halvåret, deretter hver tredje måned.",
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


def load_story(rng, history_rng, password):
    """Organisations, staff and Ingrid's story; returns ``(staff, orgs)`` for the bulk loader.

    ``rng`` draws Ingrid's national identity number and check-ins (the caller goes on drawing the bulk
    citizens from it), ``history_rng`` her pathway history; ``password`` is a hash, for every user.
    Needs the shipped questionnaires and pathway templates.
    """
    with transaction.atomic():
        orgs = make_organisations()
        staff = make_staff(orgs, password)
        ingrid = make_ingrid(rng, staff, orgs, password)
        add_measures(rng, ingrid, staff["koordinator"])
    add_plan(ingrid, staff["koordinator"])
    add_history(
        history_rng,
        [ingrid],
        0,
        [staff["koordinator"]],
        list(PathwayTemplate.objects.filter(key="guided-self-help")),
        with_plan=False,
        with_measures=False,  # her ten weeks of measures come from add_measures
    )
    add_group(ingrid, staff)
    return staff, orgs


def make_organisations():
    orgs = []
    for org_type, name, _parent in ORGANISATIONS:
        orgs.append(Organisation.objects.create(name=name, org_type=org_type))
    for child in (orgs[1], orgs[6]):
        child.parent = orgs[0]
        child.save(update_fields=["parent"])
    return orgs


def make_staff(orgs, password):
    """``DEMO_STAFF`` and ``admin``, by username."""
    user_model = get_user_model()
    staff = {}
    for username, first, last, org_index, profession in DEMO_STAFF:
        user = user_model.objects.create(username=username, first_name=first, last_name=last, password=password)
        StaffProfile.objects.create(user=user, organisation=orgs[org_index], profession=profession, phone="73 00 00 00")
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


def make_ingrid(rng, staff, orgs, password):
    """Ingrid, who logs in as ``innbygger``, with her care team and her brother Odd."""
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
    CareTeamMember.objects.bulk_create(care_team(citizen, staff, orgs, with_gp=True, with_nav=True))
    CareTeamMember.objects.create(
        citizen=citizen,
        person_name="Odd Innbygger",
        person_contact="Bror, tlf. 911 11 111",
        role=CareTeamMember.Role.RELATIVE,
        # Odd knows what she takes (she is often at his place) and sits in her responsibility group, where the
        # agreement shields him from the medication plan (demo.group_story).
        sections=[Section.CRISIS_PLAN, Section.MEDICATION, GROUP],
        added_by=staff["koordinator"],
    )
    return citizen


def add_measures(rng, citizen, coordinator):
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
        _completed(citizen, questionnaires["phq9"], "phq9", values, start + datetime.timedelta(weeks=2 * week))
    for index, values in enumerate(gad7):
        when = start + datetime.timedelta(weeks=5 * index)
        _completed(citizen, questionnaires["gad7"], "gad7", values, when)
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


def add_plan(citizen, coordinator):
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


def _completed(citizen, questionnaire, key, values, when):
    """A completed response with ``values`` (item 1, 2, …), scored by the action that scores responses."""
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
