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
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

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
        done += size
        if count > BATCH and progress is not None:
            progress(f"  citizens: {done}/{count}")


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
