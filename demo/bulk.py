"""Many synthetic citizens, fast: the load the benchmarks measure against (``seed_demo --citizens N``).

This module skips the actions on purpose. Citizens, care teams and a year of history are written with
``bulk_create`` in batches of ``BATCH`` citizens, one transaction a batch, so that 20,000 citizens take
minutes instead of hours. What that skips: no access-log event and no validation by an action; plans are
a bare version 1 without contents; check-ins carry no answers; responses have no author; the citizens have
no login. Ingrid's story (``demo.story``) is where the actions are shown.

What it still guarantees, for a given ``rng`` (the same seed and clock give the same data; dates are relative to now):

* every citizen has exactly one coordinator (all sections) from "Psykisk helse og rus": the first
  ``CITIZENS_PER_COORDINATOR`` belong to ``koordinator``, then one more coordinator (``koordinator001``, …,
  with a staff profile) per ``CITIZENS_PER_COORDINATOR`` citizens, so no coordinator has more than that;
  every third citizen also has the GP ``fastlege``, every fourth the Nav adviser ``nav``;
* national identity numbers are synthetic (Tenor style: month + 80), so they pass validation and can never
  belong to a real person, and unique among all citizens, Ingrid included;
* every citizen has one pathway episode, with its coordinator responsible: waiting (no appointments, no
  plan) or active, with an active plan (version 1, with a revision date) and weekly appointments from its
  start to a few weeks ahead, in office hours (starting 08:00–14:45), done, missed or cancelled in the past
  and planned in the future, with check-ins and four-weekly PHQ-9 scores; one in twenty or so has a draft
  note.
  ``bench/worklist.py`` relies on this: every worklist source has rows to look through.
* the first ``GROUPS`` citizens with an active pathway and the GP or Nav on their care team have an active
  responsibility group (an agreement they consented to, the coordinator leading it, the GP and Nav as members)
  with two or three learning logs each, from ``LEARNING_LOGS`` in turn: for the leaders' summary of learning
  logs, some of whose factors are named five times or more and some fewer (``LEARNING_LOGS`` says which).
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from groups.models import Agreement, Consent, Group, LearningFactor, LearningLog, Member
from groups.sections import GROUP
from journal.models import Note
from measures import scoring
from measures.fhir_forms import parse_items, walk
from measures.models import Questionnaire, QuestionnaireResponse, Score
from pathways.models import Appointment, Episode, PathwayTemplate
from people.access import coordinator_sections
from people.models import CareTeamMember, Citizen, Section, StaffProfile
from people.national_id import with_check_digits
from plans.models import PlanVersion

CITIZENS_PER_COORDINATOR = 60
BATCH = 2000
GROUPS = 10  # responsibility groups with learning logs, besides Ingrid's (demo.group_story)

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


GROUP_AGREEMENT = {
    "purpose": "Samordne hjelpen rundt målene i den individuelle planen, og evaluere planen sammen.",
    "meeting_frequency": "Hver tredje måned",
    "ending": "Når målene i planen er nådd, eller når innbyggeren ønsker det.",
}

# The learning logs of the bulk groups: outcome, factors, what happened, causes, decision, evaluation, and
# a lesson for each time the log is used. Used in turn (log n of all is LEARNING_LOGS[n % 10], its lesson
# number n // 10): with GROUPS = 10 groups of three logs and two in turn (25 logs, all in one calendar year,
# see ``_log_days``), logs 0–4 are used three times and 5–9 twice. Their factors in the leaders' summary, by
# outcome: went wrong, information flow 8 and continuity 6; went well, a clear coordinator 8, availability 5
# and the citizen's participation 5; the others are 0 or from 1 to 4 (shown as "under 5"). Ingrid's log
# (demo.group_story) adds one to information flow and economy when it falls in the same year. The lessons are
# listed for the leaders: no names, no dates, no numbers (``groups.learning.scrub`` would take them out).
LEARNING_LOGS = (
    (
        LearningLog.Outcome.FAILURE,
        ("information_flow", "continuity"),
        "Personen fikk ny saksbehandler hos Nav, som ikke kjente til avtalen om at husleien skulle betales "
        "direkte. Husleien ble ikke betalt i en måned.",
        "Avtalen sto bare i den gamle saksbehandlerens notater. Ingen i gruppa fikk beskjed om byttet.",
        "Avtalene om økonomi står i planen, og Nav sier fra til koordinatoren når saksbehandler byttes.",
        "Ved neste bytte fikk koordinatoren beskjed samme uke, og ingen betalinger falt ut.",
        (
            "Avtaler som flere tjenester er avhengige av, må stå i planen og ikke bare hos den ene tjenesten.",
            "Bytte av saksbehandler må meldes til koordinatoren, ellers faller avtaler mellom to stoler.",
            "Det som er avtalt om penger, må kunne leses av den som overtar saken, fra første dag.",
        ),
    ),
    (
        LearningLog.Outcome.SUCCESS,
        ("clear_coordinator", "citizen_participation"),
        "Før utskrivning fra døgnavdelingen samlet koordinatoren gruppa, og innbyggeren ledet selv deler "
        "av møtet. Alt var på plass dagen etter utskrivning.",
        "Én person hadde ansvaret for å kalle inn, og innbyggeren hadde forberedt hva som var viktig.",
        "Vi gjør det samme før hver overgang mellom tjenester.",
        "Brukt ved to overganger til; begge gikk uten brudd i oppfølgingen.",
        (
            "Et møte før en overgang, med én tydelig ansvarlig, hindrer brudd i oppfølgingen.",
            "Når innbyggeren forbereder egne punkter, blir møtet kortere og avtalene bedre.",
            "Overganger går best når én person har ansvaret for at alle vet hva som skjer dagen etter.",
        ),
    ),
    (
        LearningLog.Outcome.FAILURE,
        ("economy", "information_flow"),
        "Strømmen ble stengt fordi regningene gikk til en gammel adresse etter flytting.",
        "Ingen hadde ansvar for adresseendring. Kommunen og Nav visste om flyttingen, men ikke strømselskapet.",
        "En sjekkliste for flytting i planen: hvem melder adresseendring, og til hvem.",
        "Brukt ved neste flytting; ingen regninger kom bort.",
        (
            "Ved flytting trengs en sjekkliste med navngitt ansvar for hver adresseendring.",
            "At flere tjenester vet om en flytting, betyr ikke at noen har sagt fra til dem som sender regningene.",
            "Regninger som kommer bort, blir fort til inkasso; det lønner seg å spørre etter posten tidlig.",
        ),
    ),
    (
        LearningLog.Outcome.SUCCESS,
        ("availability", "clear_coordinator"),
        "En kveld med sterk uro ringte innbyggeren det avtalte nummeret i kriseplanen, fikk svar med en gang "
        "og slapp innleggelse.",
        "Kriseplanen hadde ett nummer, og de som svarte kjente planen.",
        "Kriseplanen holdes til ett nummer, og den oppdateres etter hver krise.",
        "To nye kriser på et halvt år, begge håndtert hjemme.",
        (
            "Ett nummer som alltid svarer, og som kjenner kriseplanen, er bedre enn en lang liste med numre.",
            "En kriseplan virker når de som svarer i telefonen har lest den.",
            "Rask hjelp hjemme kan være nok; innleggelse er ikke alltid det eneste svaret på en krise.",
        ),
    ),
    (
        LearningLog.Outcome.FAILURE,
        ("continuity", "availability"),
        "Fire ulike vikarer fra hjemmetjenesten på tre uker. Innbyggeren sluttet å åpne døra.",
        "Ferieavvikling uten plan for faste hjelpere; ingen fortalte innbyggeren hvem som skulle komme.",
        "To faste hjelpere, og beskjed på forhånd når noen andre kommer.",
        "Innbyggeren åpner igjen, og ingen besøk er uteblitt siden.",
        (
            "Faste hjelpere må planlegges også i feriene.",
            "Innbyggeren må vite på forhånd hvem som kommer, særlig når det er noen nye.",
            "Mange nye ansikter på kort tid kan få noen til å trekke seg unna hjelpen helt.",
        ),
    ),
    (
        LearningLog.Outcome.SUCCESS,
        ("citizen_participation", "shared_picture"),
        "Innbyggeren skrev selv målene sine før møtet, og gruppa ble enig om én plan i stedet for tre.",
        "Målene med egne ord ga alle det samme bildet av hva som er viktig.",
        "Innbyggeren skriver eller sier målene sine før hver revisjon.",
        "Gruppa bruker kortere tid på møtene og er oftere enige.",
        (
            "Når innbyggerens egne mål er utgangspunktet, får tjenestene en felles forståelse raskere.",
            "Mål skrevet med egne ord gjør det lettere å bli enige om hvem som gjør hva.",
        ),
    ),
    (
        LearningLog.Outcome.FAILURE,
        ("housing", "information_flow", "leadership"),
        "Et varsel om utkastelse ble oppdaget bare en uke før fristen.",
        "Ingen i gruppa hadde ansvar for kontakten med utleieren, og saken var ikke forankret hos lederne.",
        "Boligkontoret er med i gruppa så lenge boligen er usikker, og lederne får beskjed om saker med frist.",
        "Utleieren tar nå kontakt med boligkontoret, og husleien er betalt i fire måneder.",
        (
            "Når boligen er usikker, må én tjeneste ha ansvaret for kontakten med utleieren.",
            "Saker med en frist, som et varsel om utkastelse, må lederne få vite om tidlig.",
        ),
    ),
    (
        LearningLog.Outcome.SUCCESS,
        ("continuity", "clear_coordinator"),
        "Samme kontaktperson fulgte innbyggeren fra DPS og over til kommunen, og det ble ikke noe opphold.",
        "Overgangen var avtalt i gruppa i god tid, og kontaktpersonen ble med i de første samtalene.",
        "Vi avtaler overlapp mellom tjenestene ved hver overgang.",
        "Innbyggeren møtte til alle avtaler den første måneden i kommunen.",
        (
            "Overlapp mellom gammel og ny kontaktperson gjør overgangen trygg.",
            "En overgang mellom tjenester planlegges best i gruppa, i god tid før den skjer.",
        ),
    ),
    (
        LearningLog.Outcome.FAILURE,
        ("shared_picture", "citizen_participation"),
        "Innbyggeren fikk ulike råd om rusbehandling fra tre tjenester samme uke, og avlyste alle avtalene.",
        "Tjenestene hadde ikke snakket sammen, og innbyggeren var ikke spurt om hva hen selv ville.",
        "Gruppa blir enig om ett råd i møtet, med innbyggeren til stede.",
        "Innbyggeren har valgt behandling selv og møter til avtalene.",
        (
            "Råd fra flere tjenester må samordnes i gruppa før de gis.",
            "Innbyggeren må være med og bestemme behandlingen; motstridende råd får folk til å gi opp.",
        ),
    ),
    (
        LearningLog.Outcome.SUCCESS,
        ("economy", "availability"),
        "Nav og koordinatoren satte opp budsjett sammen med innbyggeren; ingen ubetalte regninger på tre måneder.",
        "Nav kunne møte hjemme hos innbyggeren, og budsjettet ble laget der regningene lå.",
        "Hjemmebesøk fra Nav når økonomien er en del av planen.",
        "Budsjettet holder fortsatt, og innbyggeren betaler selv.",
        (
            "Hjelp med økonomi virker best der regningene faktisk er.",
            "Et budsjett som lages sammen med innbyggeren og to tjenester, holder lenger.",
        ),
    ),
)


def synthetic_national_id(rng, born):
    """A valid, synthetic number for ``born``: month + 80, individual number by century."""
    while True:
        individual = rng.randint(500, 999) if born.year >= 2000 else rng.randint(0, 499)
        prefix = f"{born.day:02d}{born.month + 80:02d}{born.year % 100:02d}{individual:03d}"
        number = with_check_digits(prefix)
        if number is not None:
            return number


def care_team(citizen, staff, orgs, *, coordinator=None, with_gp=False, with_nav=False):
    """Unsaved care-team rows for ``citizen``, for ``bulk_create``: a coordinator, and the GP and Nav if asked.

    ``staff`` and ``orgs`` are the story's (``demo.story.make_staff`` and ``make_organisations``): the
    coordinator defaults to ``koordinator``, the GP is ``fastlege``, Nav is ``nav``.
    """
    members = [
        CareTeamMember(
            citizen=citizen,
            user=coordinator or staff["koordinator"],
            role=CareTeamMember.Role.COORDINATOR,
            organisation=orgs[0],
            sections=coordinator_sections(),
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
                    GROUP,
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
                sections=[Section.OVERVIEW, Section.PLAN, Section.FINANCE, Section.CONTACTS, GROUP],
                added_by=staff["koordinator"],
            )
        )
    return members


def make_citizens(rng, count, staff, orgs, password, *, progress=None):
    """Bulk-create ``count`` more citizens; the first ones belong to ``koordinator``.

    When there is more than one batch, ``progress`` (e.g. the command's ``stdout.write``) is called with a
    line after each: ``"  citizens: 2000/20000"``. ``bench/worklist.py`` shows these lines as they come.
    """
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
                    care_team(
                        citizen,
                        staff,
                        orgs,
                        coordinator=coordinator,
                        with_gp=index % 3 == 0,
                        with_nav=index % 4 == 0,
                    )
                )
            CareTeamMember.objects.bulk_create(members)
            add_history(rng, created, done, coordinators, templates)
            if done == 0:
                add_groups(created, members)
        done += size
        if count > BATCH and progress is not None:
            progress(f"  citizens: {done}/{count}")


def add_groups(citizens, members):
    """Responsibility groups with learning logs for the first ``GROUPS`` of ``citizens`` that have an active
    pathway and the GP or Nav on their care team (``members``, saved); returns the groups.

    Bulk inserts, no actions: the group is active with agreement 1 consented to, its members are the care
    team's coordinator (leading), GP and Nav, and each group gets two or three logs from ``LEARNING_LOGS``.
    """
    now = timezone.now()
    today = timezone.localdate()
    active = set(
        Episode.objects.filter(citizen__in=citizens, status=Episode.Status.ACTIVE).values_list("citizen_id", flat=True)
    )
    team = {}
    for member in members:
        team.setdefault(member.citizen_id, []).append(member)
    chosen = [
        citizen
        for citizen in citizens
        if citizen.pk in active and any(member.role != CareTeamMember.Role.COORDINATOR for member in team[citizen.pk])
    ][:GROUPS]
    groups = Group.objects.bulk_create(Group(citizen=citizen, status=Group.Status.ACTIVE) for citizen in chosen)
    agreements = Agreement.objects.bulk_create(
        Agreement(
            group=group,
            number=1,
            citizen_consent=Consent.YES,
            citizen_answered_at=now,
            created_by=_coordinator(team[group.citizen_id]).user,
            **GROUP_AGREEMENT,
        )
        for group in groups
    )
    Member.objects.bulk_create(
        Member(
            agreement=agreement,
            care_team_member=member,
            role=Member.Role.MUNICIPAL_COORDINATOR
            if member.role == CareTeamMember.Role.COORDINATOR
            else Member.Role.MEMBER,
            order=order,
        )
        for agreement, group in zip(agreements, groups, strict=True)
        for order, member in enumerate(team[group.citizen_id])
    )
    factors = LearningFactor.objects.in_bulk(field_name="key")
    per_group = [3 if index % 2 == 0 else 2 for index in range(len(groups))]
    days = _log_days(sum(per_group), today)
    logs, links = [], []
    for group, count in zip(groups, per_group, strict=True):
        for number in range(1, count + 1):
            turn, template = divmod(len(logs), len(LEARNING_LOGS))
            outcome, keys, event, causes, decision, evaluation, lessons = LEARNING_LOGS[template]
            event_on = days[len(logs)]  # in order: a group's later logs are later
            logs.append(
                LearningLog(
                    group=group,
                    citizen_id=group.citizen_id,
                    number=number,
                    event_on=event_on,
                    outcome=outcome,
                    event=event,
                    causes=causes,
                    decision=decision,
                    evaluation=evaluation,
                    evaluated_on=min(event_on + datetime.timedelta(days=30), today),
                    lessons=lessons[turn % len(lessons)],
                    written_by=_coordinator(team[group.citizen_id]).user,
                )
            )
            links.append([factors[key] for key in keys if key in factors])
    LearningLog.objects.bulk_create(logs)
    LearningLog.factors.through.objects.bulk_create(
        LearningLog.factors.through(learninglog_id=log.pk, learningfactor_id=factor.pk)
        for log, chosen_factors in zip(logs, links, strict=True)
        for factor in chosen_factors
    )
    return groups


def _log_days(count, today):
    """``count`` days in order, spread over one calendar year, for the learning logs: the leaders' summary counts
    per year. This year when it has room for them and a month's evaluation (from April on), last year before."""
    start = today.replace(month=1, day=1)
    end = today - datetime.timedelta(days=30)
    if (end - start).days < 60:
        start, end = start.replace(year=start.year - 1), start - datetime.timedelta(days=1)
    span = (end - start).days
    return [start + datetime.timedelta(days=span * n // max(count - 1, 1)) for n in range(count)]


def _coordinator(members):
    return next(member for member in members if member.role == CareTeamMember.Role.COORDINATOR)


def add_history(rng, citizens, first_index, coordinators, templates, *, with_plan=True, with_measures=True):
    """Up to a year of pathway, appointments, check-ins, PHQ-9 scores, plans and notes per citizen.

    Bulk inserts only (no actions, no access log): this is what ``bench/worklist.py`` measures
    the worklist against, so every worklist source has rows to look through. The citizen at
    ``first_index + i`` belongs to the coordinator ``CITIZENS_PER_COORDINATOR`` citizens a piece.
    """
    now = timezone.now()
    today = timezone.localdate()
    questionnaires = {q.key: q for q in Questionnaire.objects.current()}
    checkin, phq9 = questionnaires.get("checkin"), questionnaires.get("phq9")
    phq9_items = [f"phq9-{n}" for n in range(1, 10)]
    phq9_codes = _option_codes(phq9) if phq9 else {}
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
            status = rng.choices(["done", "missed", "cancelled"], weights=[90, 5, 5])[0] if when < now else "planned"
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


def _option_codes(questionnaire):
    """For each PHQ-9 item, the answer code of each value 0–3."""
    return {
        item.link_id: {option.value: option.code for option in item.options}
        for item in walk(parse_items(questionnaire.resource))
        if item.options
    }
