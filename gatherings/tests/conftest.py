"""A municipal unit with a leader, a course leader on its staff, a GP from another organisation,
the shipped questionnaires, and a gathering of the unit."""

import datetime

import pytest

from gatherings import actions
from people.models import UnitLeadership

COURSE_DAY = datetime.date(2026, 3, 12)


@pytest.fixture
def unit(municipality):
    return municipality


@pytest.fixture
def unit_leader(leader, unit):
    UnitLeadership.objects.create(user=leader, organisation=unit, active_from=datetime.date(2020, 1, 1))
    return leader


@pytest.fixture
def course_leader(make_staff, unit):
    return make_staff("kursholder", unit)


@pytest.fixture
def gathering(shipped, unit, course_leader):
    return actions.create_gathering(
        acting_user=course_leader, unit=unit, title="Mestringskurs, samling 1", held_on=COURSE_DAY
    )


def full_answers(values, comment=""):
    """``values``: the five questions' codes in the questionnaire's order."""
    link_ids = ["useful", "time_for_questions", "clear", "can_use", "overall"]
    answers = {link_id: [str(value)] for link_id, value in zip(link_ids, values, strict=True)}
    if comment:
        answers["comments"] = [comment]
    return answers


@pytest.fixture
def answer(gathering, course_leader):
    """Hand out one card and answer with it."""

    def give(values, comment="", on=None):
        (code,) = actions.issue_cards(on or gathering, 1, acting_user=course_leader)
        return actions.answer_with_code(code, on or gathering, full_answers(values, comment))

    return give
