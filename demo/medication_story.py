"""Medication pedagogy in the demo: Ingrid's own words on her medicine, and Tore on the medication-pedagogy pathway.

Ingrid (``innbygger``) writes her own words through ``plans.actions.write_medication_words``, as she would on her
phone; her coordinator and her GP (``fastlege``, whose scope includes the medication plan) read them on her plan page.

Tore (``tore``), one of the coordinator's citizens, was referred by his GP eight weeks ago. Four sessions are held,
each with his self-report "About my medicine" (scored by ``measures.actions.score_response``: side effects bother him
less, he knows more of what the medicine is for); two sessions are still planned, the last with the agreement with the
GP. His referral and first contact go through ``pathways.actions``; the sessions and the self-reports asked at each are
laid out from the template's steps as ``pathways.actions.start_episode`` lays them out, but in rows (the action refuses
a first session in the past), like ``demo.bulk``'s histories. His own words are written through the action too.

Called by ``seed_demo`` after the story and the shipped questionnaires and templates, outside any transaction.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from demo.bulk import care_team, synthetic_national_id
from measures.actions import score_response
from measures.fhir_forms import parse_items, walk
from measures.models import Questionnaire, QuestionnaireResponse
from pathways import actions as pathway_actions
from pathways.models import Appointment, Episode, PathwayTemplate, ScheduledQuestionnaire
from people.access import grant_for
from people.models import CareTeamMember, Citizen
from plans import actions as plan_actions

TEMPLATE_KEY = "medication-pedagogy"
QUESTIONNAIRE_KEY = "medication-self-report"
SCORING_KEY = "medication"

INGRID_WORDS = {
    "purpose": "Sertralin: den tar toppen av angsten og gjør at jeg orker mer om dagen.\n"
    "Sovetabletten tar jeg bare når jeg ikke har sovet på to netter.",
    "effects": "Jeg er roligere enn før. Men jeg er kvalm om morgenen den første timen, og jeg svetter mye om natta.",
    "wishes": "Ta sertralinen etter frokost i stedet for før. Snakke med fastlegen om jeg kan slutte med "
    "sovetabletten til sommeren.",
}
TORE_WORDS = {
    "purpose": "Medisinen skal holde stemmene på avstand så jeg klarer å være ute blant folk.",
    "effects": "Stemmene er svakere. Jeg er trøtt hele formiddagen og har gått opp åtte kilo.",
    "wishes": "Ta hele dosen om kvelden. Få hjelp med maten og trening. Spørre legen om en lavere dose.",
}
# Tore's four self-reports (items 1–5, 0–10, higher is better): what the medicine is for, how it helps, side effects
# (10 = no bother), everyday life, say in decisions.
TORE_REPORTS = [
    [3, 5, 2, 4, 2],
    [5, 5, 3, 5, 4],
    [6, 6, 5, 6, 6],
    [8, 6, 6, 7, 8],
]


def demo_medication(ingrid, coordinator, staff, orgs, password, rng):
    """Ingrid's own words, and Tore on the pathway with four sessions held and self-reports; returns Tore."""
    plan_actions.write_medication_words(
        grant_for(ingrid.user, ingrid), acting_user=ingrid.user, based_on=None, **INGRID_WORDS
    )
    tore = _make_tore(coordinator, staff, orgs, password, rng)
    _pathway(tore, coordinator, orgs[0])
    plan_actions.write_medication_words(grant_for(tore.user, tore), acting_user=tore.user, based_on=None, **TORE_WORDS)
    return tore


def _make_tore(coordinator, staff, orgs, password, rng):
    user = get_user_model().objects.create(username="tore", first_name="Tore", last_name="Dahl", password=password)
    born = datetime.date(1984, 9, 3)
    tore = Citizen.objects.create(
        user=user,
        given_name="Tore",
        family_name="Dahl",
        date_of_birth=born,
        national_id=synthetic_national_id(rng, born),
        phone="900 00 111",
    )
    CareTeamMember.objects.bulk_create(care_team(tore, staff, orgs, coordinator=coordinator, with_gp=True))
    return tore


def _pathway(tore, coordinator, unit):
    grant = grant_for(coordinator, tore)
    template = PathwayTemplate.objects.get(key=TEMPLATE_KEY)
    today = timezone.localdate()
    episode = pathway_actions.register_referral(
        grant,
        acting_user=coordinator,
        template=template,
        received=today - datetime.timedelta(days=60),
        source=Episode.Source.GP,
        reason="Fastlegen ønsker at Tore får forstå medisinen sin bedre; han har sluttet brått to ganger.",
        unit=unit,
    )
    pathway_actions.record_first_contact(
        grant, episode, acting_user=coordinator, on=today - datetime.timedelta(days=58)
    )
    # Every other week from 55 days ago: the fifth session falls tomorrow, so four are held and two
    # planned at any time of today (from 56 days ago the fifth was today at 10, held after 10 o'clock).
    first = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=55), datetime.time(10, 0)))
    Episode.objects.filter(pk=episode.pk).update(status=Episode.Status.ACTIVE, started_at=first)
    now = timezone.now()
    sessions = []
    for step in template.steps.all():
        for index in range(step.repeat_count):
            when = first + datetime.timedelta(days=step.offset_days + index * step.repeat_every_days)
            title = step.title if step.repeat_count == 1 else f"{step.title} ({index + 1}/{step.repeat_count})"
            sessions.append(
                Appointment(
                    citizen=tore,
                    episode=episode,
                    step=step,
                    staff=coordinator,
                    kind=step.contact_kind,
                    title=title,
                    starts_at=when,
                    duration_minutes=step.duration_minutes,
                    status=Appointment.Status.DONE if when < now else Appointment.Status.PLANNED,
                    created_by=coordinator,
                )
            )
    Appointment.objects.bulk_create(sessions)
    questionnaire = Questionnaire.objects.current().get(url__endswith=f"/{QUESTIONNAIRE_KEY}")
    held = [session for session in sessions if session.status == Appointment.Status.DONE]
    for number, session in enumerate(sessions):
        reason = "start" if number == 0 else "end" if number == len(sessions) - 1 else "session"
        response = None
        if session in held[: len(TORE_REPORTS)]:
            response = _self_report(tore, questionnaire, TORE_REPORTS[held.index(session)], session.starts_at)
        ScheduledQuestionnaire.objects.create(
            citizen=tore,
            episode=episode,
            appointment=session,
            questionnaire_key=QUESTIONNAIRE_KEY,
            reason=reason,
            due_on=timezone.localdate(session.starts_at),
            response=response,
            answered_at=response.authored_at if response else None,
        )


def _self_report(citizen, questionnaire, values, when):
    """A completed self-report with ``values`` (items 1–5), scored by the action that scores responses."""
    items = {item.link_id: item for item in walk(parse_items(questionnaire.resource))}
    answers = {}
    for number, value in enumerate(values, start=1):
        item = items[f"{SCORING_KEY}-{number}"]
        answers[item.link_id] = [next(option.code for option in item.options if option.value == value)]
    with transaction.atomic():  # the score keeps the outcome report's summaries in the same transaction
        response = QuestionnaireResponse.objects.create(
            citizen=citizen,
            questionnaire=questionnaire,
            status="completed",
            answers=answers,
            author=citizen.user,
            authored_at=when + datetime.timedelta(minutes=40),
        )
        score_response(response)
    return response
