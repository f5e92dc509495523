"""Cards and anonymous answers: a code gives one answer, and the answer holds nothing of the card."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from gatherings import actions
from gatherings.models import CourseAnswer, EvaluationCard, Gathering
from people.models import ACCESS_CODE_ALPHABET, Organisation

from .conftest import COURSE_DAY, full_answers

GOOD = [5, 4, 6, "not-relevant", 5]


def test_codes_are_ten_unambiguous_characters_and_only_their_hash_is_stored(gathering, course_leader):
    codes = actions.issue_cards(gathering, 30, acting_user=course_leader)
    assert len(set(codes)) == 30
    assert all(len(code) == 10 and set(code) <= set(ACCESS_CODE_ALPHABET) for code in codes)
    assert not set("01OIL") & set(ACCESS_CODE_ALPHABET)
    stored = list(EvaluationCard.objects.values_list("code_hash", flat=True))
    assert len(stored) == 30
    assert not set(codes) & set(stored)
    assert all(len(h) == 64 for h in stored)


def test_a_participant_answers_once_with_a_code_typed_loosely(gathering, course_leader):
    (code,) = actions.issue_cards(gathering, 1, acting_user=course_leader)
    typed = f" {actions.formatted(code).lower()} "
    answer = actions.answer_with_code(typed, gathering, full_answers(GOOD, "Fin dag"))
    assert answer.answers == {
        "useful": ["5"],
        "time_for_questions": ["4"],
        "clear": ["6"],
        "can_use": ["not-relevant"],
        "overall": ["5"],
        "comments": ["Fin dag"],
    }
    assert EvaluationCard.objects.get().used is True


def test_the_answer_row_holds_nothing_that_points_to_the_card(answer):
    stored = answer(GOOD)
    fields = {field.name for field in CourseAnswer._meta.get_fields()}
    assert fields == {"id", "gathering", "answered_on", "answers"}
    assert stored.answered_on == timezone.localdate()  # the day, no time
    card = EvaluationCard.objects.get()
    assert card.code_hash not in str(stored.answers)
    # The key is random: nothing in it says which answer came first.
    assert stored.pk.version == 4


def test_a_used_code_is_refused_and_nothing_is_saved(gathering, course_leader):
    (code,) = actions.issue_cards(gathering, 1, acting_user=course_leader)
    actions.answer_with_code(code, gathering, full_answers(GOOD))
    with pytest.raises(actions.CodeError) as refused:
        actions.answer_with_code(code, gathering, full_answers([1, 1, 1, 1, 1]))
    assert refused.value.kind == "used"
    assert "already been used" in refused.value.message
    assert CourseAnswer.objects.count() == 1


def test_two_submissions_of_one_code_store_one_answer(gathering, course_leader):
    (code,) = actions.issue_cards(gathering, 1, acting_user=course_leader)
    results = []
    for _ in range(2):
        try:
            results.append(actions.answer_with_code(code, gathering, full_answers(GOOD)))
        except actions.CodeError as error:
            results.append(error.kind)
    assert results[1] == "used"
    assert CourseAnswer.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_two_submissions_of_one_code_at_the_same_moment_store_exactly_one_answer(gathering, course_leader):
    (code,) = actions.issue_cards(gathering, 1, acting_user=course_leader)
    start = threading.Barrier(4)
    stored, refused, failures = [], [], []

    def submit():
        try:
            start.wait()
            stored.append(actions.answer_with_code(code, gathering, full_answers(GOOD)))
        except actions.CodeError as error:
            refused.append(error.kind)
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(stored) == 1 and refused == ["used"] * 3
    assert CourseAnswer.objects.count() == 1


def test_an_unknown_code_is_refused(gathering):
    for typed in ("ABCDE FGHJK", "", "short", "x" * 300):
        with pytest.raises(actions.CodeError) as refused:
            actions.answer_with_code(typed, gathering, full_answers(GOOD))
        assert refused.value.kind == "unknown"
        assert "do not recognise" in refused.value.message
    assert CourseAnswer.objects.count() == 0


def test_a_code_of_another_gathering_is_refused_and_stays_usable_there(shipped, gathering, course_leader, unit):
    other = actions.create_gathering(acting_user=course_leader, unit=unit, title="Nettverk", held_on=COURSE_DAY)
    (code,) = actions.issue_cards(other, 1, acting_user=course_leader)
    with pytest.raises(actions.CodeError) as refused:
        actions.answer_with_code(code, gathering, full_answers(GOOD))
    assert refused.value.kind == "foreign"
    assert "another evaluation" in refused.value.message
    assert CourseAnswer.objects.count() == 0
    assert EvaluationCard.objects.get().used is False
    actions.answer_with_code(code, other, full_answers(GOOD))
    assert CourseAnswer.objects.get().gathering == other


def test_incomplete_answers_leave_the_card_unused(gathering, course_leader):
    (code,) = actions.issue_cards(gathering, 1, acting_user=course_leader)
    with pytest.raises(ValidationError) as refused:
        actions.answer_with_code(code, gathering, {"useful": ["5"], "clear": ["9"]})
    assert set(refused.value.message_dict) == {"time_for_questions", "clear", "can_use", "overall"}
    assert EvaluationCard.objects.get().used is False
    assert CourseAnswer.objects.count() == 0


def test_a_card_used_between_the_check_and_the_answer_gives_no_second_answer(gathering, course_leader):
    (code,) = actions.issue_cards(gathering, 1, acting_user=course_leader)
    checked = actions.check_course_answers(gathering, full_answers(GOOD))
    assert actions.find_card(code, gathering.pk)
    EvaluationCard.objects.update(used=True)  # another device got there first
    with pytest.raises(actions.CodeError):
        actions.answer_with_code(code, gathering, checked)
    assert CourseAnswer.objects.count() == 0


def test_card_count_is_checked(gathering, course_leader):
    for count in (0, -1, 201, "5"):
        with pytest.raises(ValidationError):
            actions.issue_cards(gathering, count, acting_user=course_leader)
    assert EvaluationCard.objects.count() == 0


def test_only_staff_of_the_unit_or_its_leaders_create_gatherings_and_cards(
    shipped, unit, gathering, gp, unit_leader, citizen
):
    for user in (gp, citizen.user):
        with pytest.raises(PermissionDenied):
            actions.create_gathering(acting_user=user, unit=unit, title="Kurs", held_on=COURSE_DAY)
        with pytest.raises(PermissionDenied):
            actions.issue_cards(gathering, 3, acting_user=user)
    sub_unit = Organisation.objects.create(name="Rustjenesten", parent=unit)
    made = actions.create_gathering(acting_user=unit_leader, unit=sub_unit, title="Kurs", held_on=COURSE_DAY)
    assert made.unit == sub_unit
    assert len(actions.issue_cards(made, 3, acting_user=unit_leader)) == 3


def test_a_gathering_names_every_missing_field_at_once(shipped, unit, course_leader):
    with pytest.raises(ValidationError) as refused:
        actions.create_gathering(acting_user=course_leader, unit=unit, title="  ", held_on=None, kind="party")
    assert set(refused.value.message_dict) == {"title", "held_on", "kind"}
    assert Gathering.objects.count() == 0
