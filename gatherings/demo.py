"""Demo data for the evaluations, through the actions: two gatherings with anonymous course
evaluations, a relatives' survey with anonymous answers, and the interview guide given in two
rounds. Called by ``seed_demo`` (outside any transaction: the actions open their own) after the
shipped questionnaires are imported."""

import datetime
import random

from django.utils import timezone

from measures import actions as measures_actions
from people.access import grant_for

from . import actions
from .models import Gathering

LINK_IDS = ("useful", "time_for_questions", "clear", "can_use", "overall")
SCALE_ITEMS = ("q1", "q3", "q7", "q8", "q10")
COMMENTS = ("Nyttig å møte andre i samme situasjon.", "Litt lite tid til spørsmål.", "Gode eksempler.", "")


def _course_answers(rng, mood):
    answers = {}
    for link_id in LINK_IDS:
        roll = rng.random()
        if roll < 0.08:
            answers[link_id] = ["not-relevant"]
        elif roll < 0.12:
            answers[link_id] = ["dont-know"]
        else:
            answers[link_id] = [str(max(1, min(6, round(rng.gauss(mood, 0.9)))))]
    comment = rng.choice(COMMENTS)
    if comment:
        answers["comments"] = [comment]
    return answers


def _interview(rng, base):
    answers = {link_id: [str(max(1, min(9, round(rng.gauss(base, 1.5)))))] for link_id in SCALE_ITEMS}
    answers["q2"] = [rng.choice(["Kontaktpersonen min og fastlegen.", "Familien og miljøterapeuten."])]
    answers["q19"] = ["Fin samtale."]
    return answers


def demo_gatherings(units, leader, citizens, staff, *, rng=None):
    """``units``: the unit (or a list whose first is the unit) that holds the gatherings and rounds;
    ``leader`` leads it; ``citizens`` are served by it, with ``staff`` (who runs the unit) on their
    care teams with the measures section. Returns ``(gatherings, rounds)``."""
    rng = rng or random.Random(2026)  # noqa: S311 - invented demo data, not secrets
    unit = units[0] if isinstance(units, list | tuple) else units
    today = timezone.localdate()
    gatherings = []
    for title, days_ago, answers, mood in (
        ("Mestringskurs, samling 1", 70, 12, 4.6),
        ("Mestringskurs, samling 2", 14, 9, 5.1),
    ):
        gathering = actions.create_gathering(
            acting_user=leader, unit=unit, title=title, held_on=today - datetime.timedelta(days=days_ago)
        )
        for code in actions.issue_cards(gathering, answers + 3, acting_user=leader)[:answers]:
            actions.answer_with_code(code, gathering, _course_answers(rng, mood))
        gatherings.append(gathering)
    baseline = actions.create_round(
        acting_user=leader, unit=unit, name="Kartlegging 2026", opened_on=today - datetime.timedelta(days=180)
    )
    follow_up = actions.create_round(
        acting_user=leader, unit=unit, name="Oppfølging 2026", opened_on=today - datetime.timedelta(days=20)
    )
    for index, citizen in enumerate(citizens):
        grant = grant_for(staff, citizen)
        if grant is None or not actions.may_interview(staff, grant, baseline):
            continue
        base = rng.uniform(3.5, 6.5)
        for interview_round, shift in ((baseline, 0), (follow_up, 1)):
            if interview_round is follow_up and index % 4 == 3:
                continue  # not everyone is interviewed again
            response = actions.start_interview(grant, interview_round, acting_user=staff)
            measures_actions.submit_response(grant, response, _interview(rng, base + shift), acting_user=staff)
    return gatherings, [baseline, follow_up]


RELATIVES_LINK_IDS = ("listened", "information", "crisis_contact", "own_conversation", "able_to_help", "overall")
RELATIVES_COMMENTS = ("Fint å få en egen samtale.", "Vi vet nå hvem vi skal ringe.", "", "")


def _relatives_answers(rng, mood):
    answers = {}
    for link_id in RELATIVES_LINK_IDS:
        roll = rng.random()
        if roll < 0.06:
            answers[link_id] = ["not-relevant"]
        elif roll < 0.09:
            answers[link_id] = ["dont-know"]
        else:
            answers[link_id] = [str(max(1, min(6, round(rng.gauss(mood, 1.0)))))]
    comment = rng.choice(RELATIVES_COMMENTS)
    if comment:
        answers["comments"] = [comment]
    return answers


def demo_relatives_survey(unit, leader, *, answers=9, rng=None):
    """A relatives' survey of ``unit`` three weeks ago (a relatives' evening), with ``answers`` anonymous
    answers of the relatives' satisfaction questionnaire and a few cards not used. Returns the survey."""
    rng = rng or random.Random(2027)  # noqa: S311 - invented demo data, not secrets
    survey = actions.create_gathering(
        acting_user=leader,
        unit=unit,
        title="Pårørendekveld, høsten",
        held_on=timezone.localdate() - datetime.timedelta(days=21),
        kind=Gathering.Kind.RELATIVES,
    )
    for code in actions.issue_cards(survey, answers + 4, acting_user=leader)[:answers]:
        actions.answer_with_code(code, survey, _relatives_answers(rng, 4.4))
    return survey
