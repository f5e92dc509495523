"""The published figures, counted by hand: seed 001's table and seed 003's rounds."""

import datetime
from decimal import Decimal

import pytest

from gatherings import actions, reports
from gatherings.models import RoundInterview
from measures import actions as measures_actions
from measures import fhir_forms
from people.access import grant_for
from people.suppression import HIDDEN, UNDER, Figure

from .conftest import COURSE_DAY

SEVEN = [
    # useful, time_for_questions, clear, can_use, overall
    (6, 4, 1, 5, 6),
    (5, "dont-know", 2, 5, 6),
    (5, "not-relevant", "not-relevant", 5, 6),
    (4, 5, "dont-know", 5, 6),
    (6, 3, "not-relevant", 5, 5),
    ("not-relevant", 6, 6, 5, 5),
    (3, 2, 6, 4, 5),
]


def items_of(gathering):
    return fhir_forms.questionnaire_items(gathering.questionnaire, "en")


def by_question(report):
    return {q.link_id: q for q in report.questions}


def test_mean_and_n_per_question_leave_out_not_relevant_and_dont_know(gathering, answer):
    comments = ["Mer tid til spørsmål", "", "Bra kurs", "", "alt var fint", "", "Takk"]
    for values, comment in zip(SEVEN, comments, strict=True):
        answer(values, comment)
    report = reports.gathering_report(gathering, items_of(gathering))
    figures = by_question(report)
    # 7 answers beside "useful"'s n of 6 would give its one "not relevant" back: the 7 is hidden.
    assert report.answers == Figure(None, HIDDEN)
    # useful: 6+5+5+4+6+3 = 29 over 6 = 4.833… → 4.83; one "not relevant"
    assert (figures["useful"].n, figures["useful"].excluded, figures["useful"].mean) == (
        Figure(6),
        Figure(None, UNDER),
        Decimal("4.83"),
    )
    # time for questions: 4+5+3+6+2 = 20 over 5 = 4.00; two left out
    assert (figures["time_for_questions"].n, figures["time_for_questions"].mean) == (Figure(5), Decimal("4.00"))
    # clear: 1, 2, 6, 6 are only four numeric answers: no mean, n "under 5"
    assert (figures["clear"].n, figures["clear"].excluded, figures["clear"].mean) == (
        Figure(None, UNDER),
        Figure(None, UNDER),
        None,
    )
    # can use: 5·6 + 4 = 34 over 7 = 4.857… → 4.86; none left out (0 is shown)
    assert (figures["can_use"].n, figures["can_use"].excluded, figures["can_use"].mean) == (
        Figure(7),
        Figure(0),
        Decimal("4.86"),
    )
    # overall: 6·4 + 5·3 = 39 over 7 = 5.571… → 5.57
    assert figures["overall"].mean == Decimal("5.57")
    assert [q.link_id for q in report.questions] == ["useful", "time_for_questions", "clear", "can_use", "overall"]
    # Comments: with 7 answers, listed alphabetically, empty ones left out.
    assert report.comments == ["alt var fint", "Bra kurs", "Mer tid til spørsmål", "Takk"]


def test_four_answers_show_no_mean_no_count_and_no_comments(gathering, answer):
    for values in SEVEN[:4]:
        answer(values, "Hilsen Kari")
    report = reports.gathering_report(gathering, items_of(gathering))
    assert report.answers == Figure(None, UNDER)
    assert all(q.mean is None for q in report.questions)
    assert all(q.n == Figure(None, UNDER) for q in report.questions)
    assert report.comments is None
    assert HIDDEN  # suppression's own vocabulary is the one used


def test_no_answers_yet_are_zero_not_hidden(gathering):
    report = reports.gathering_report(gathering, items_of(gathering))
    assert report.answers == Figure(0)
    assert all(q.n == Figure(0) and q.mean is None for q in report.questions)


def test_gatherings_compared_over_time_each_mean_suppressed_on_its_own(shipped, gathering, answer, course_leader, unit):
    later = actions.create_gathering(
        acting_user=course_leader, unit=unit, title="Samling 2", held_on=COURSE_DAY + datetime.timedelta(days=60)
    )
    for values in SEVEN:
        answer(values)
    for values in [(6, 6, 6, 6, 6)] * 5 + [(2, 6, 6, 6, 6)]:
        answer(values, on=later)
    columns, rows = reports.comparison([later, gathering], items_of(gathering))
    assert [c.link_id for c in columns] == ["useful", "time_for_questions", "clear", "can_use", "overall"]
    assert [r.gathering for r in rows] == [gathering, later]  # oldest first
    assert rows[0].means == [Decimal("4.83"), Decimal("4.00"), None, Decimal("4.86"), Decimal("5.57")]
    # useful in the second: 6·5 + 2 = 32 over 6 = 5.33
    assert rows[1].means == [Decimal("5.33"), Decimal("6.00"), Decimal("6.00"), Decimal("6.00"), Decimal("6.00")]
    # The first gathering's 7 is hidden here as on its own page ("useful": 7 − 6 would give one back);
    # the second's 6 answered every question numerically, so nothing is given back.
    assert (rows[0].answers, rows[1].answers) == (Figure(None, HIDDEN), Figure(6))


# Interview rounds ----------------------------------------------------------------------------------

# q1, q3, q7, q8, q10 per citizen; None = skipped
BASELINE = {
    "A": (5, 6, 7, 5, 6),
    "B": (3, 4, 5, 5, 2),
    "C": (7, 9, 8, 6, 9),
    "D": (2, 1, 3, 2, 4),
    "E": (6, 6, 6, 9, 6),
    "F": (4, 5, None, 4, 5),
}
FOLLOW_UP = {
    "A": (6, 7, 7, 6, 6),
    "B": (5, 6, 6, 5, 4),
    "C": (7, 9, 9, 7, 9),
    "D": (4, 3, 4, 3, 5),
    "E": (7, 6, 5, 9, 8),
    "G": (8, 8, 8, 8, 8),  # only in the follow-up
}
SCALE = ("q1", "q3", "q7", "q8", "q10")


@pytest.fixture
def rounds(shipped, unit, unit_leader, coordinator, make_citizen):
    baseline = actions.create_round(
        acting_user=unit_leader, unit=unit, name="Baseline 2026", opened_on=datetime.date(2026, 1, 5)
    )
    follow_up = actions.create_round(
        acting_user=unit_leader, unit=unit, name="Follow-up 2026", opened_on=datetime.date(2026, 9, 1)
    )
    citizens = {name: make_citizen(coordinator, f"Innbygger {name}") for name in "ABCDEFGH"}

    def interview(interview_round, name, values, complete=True):
        grant = grant_for(coordinator, citizens[name])
        response = actions.start_interview(grant, interview_round, acting_user=coordinator)
        answers = {link_id: [str(v)] for link_id, v in zip(SCALE, values, strict=True) if v is not None}
        answers["q2"] = [f"Kontaktpersonen til {name}"]
        if complete:
            measures_actions.submit_response(grant, response, answers, acting_user=coordinator)
        else:
            measures_actions.save_draft(grant, response, answers, acting_user=coordinator)

    for name, values in BASELINE.items():
        interview(baseline, name, values)
    for name, values in FOLLOW_UP.items():
        interview(follow_up, name, values)
    interview(follow_up, "H", (1, 1, 1, 1, 1), complete=False)  # a draft is not counted
    return baseline, follow_up


def test_interview_rounds_mean_median_range_per_round_and_change_for_those_in_both(rounds):
    baseline, follow_up = rounds
    items = fhir_forms.questionnaire_items(baseline.questionnaire, "nb")
    first, second = reports.round_summaries([follow_up, baseline], items)
    assert (first.round, second.round, second.previous) == (baseline, follow_up, baseline)
    assert first.interviews == Figure(6) and second.interviews == Figure(6)
    figures = {q.link_id: q for q in first.questions}
    # q1 baseline: 5 3 7 2 6 4 → mean 27/6 = 4.5, median (4+5)/2 = 4.5, range 2–7
    q1 = figures["q1"]
    assert (q1.n, q1.mean, q1.median, q1.low, q1.high) == (Figure(6), Decimal("4.5"), Decimal("4.5"), 2, 7)
    # q3: 6 4 9 1 6 5 → 31/6 = 5.17 → 5.2; sorted 1 4 5 6 6 9 → median 5.5; 1–9 (the seed's "1-9")
    q3 = figures["q3"]
    assert (q3.mean, q3.median, q3.low, q3.high) == (Decimal("5.2"), Decimal("5.5"), 1, 9)
    # q7: F skipped it → 7 5 8 3 6: n 5, mean 29/5 = 5.8, median 6, range 3–8
    q7 = figures["q7"]
    assert (q7.n, q7.mean, q7.median, q7.low, q7.high) == (Figure(5), Decimal("5.8"), Decimal("6"), 3, 8)
    assert q1.text.startswith("1) Hvordan syns du alt i alt")
    # The follow-up's q1: 6 5 7 4 7 8 → 37/6 = 6.17 → 6.2, median (6+7)/2 = 6.5, range 4–8
    q1_after = {q.link_id: q for q in second.questions}["q1"]
    assert (q1_after.mean, q1_after.median, q1_after.low, q1_after.high) == (
        Decimal("6.2"),
        Decimal("6.5"),
        4,
        8,
    )
    # In both rounds: A–E (F only at baseline, G only in the follow-up, H a draft).
    assert second.both == Figure(5)
    changes = {c.link_id: c for c in second.changes}
    # q1: +1 +2 0 +2 +1 = 6 over 5 = 1.2
    assert (changes["q1"].n, changes["q1"].mean_change) == (Figure(5), Decimal("1.2"))
    # q3: +1 +2 0 +2 0 = 5 → 1.0
    assert changes["q3"].mean_change == Decimal("1.0")
    # q7: 0 +1 +1 +1 −1 = 2 → 0.4
    assert changes["q7"].mean_change == Decimal("0.4")
    # q10: 0 +2 0 +1 +2 = 5 → 1.0
    assert changes["q10"].mean_change == Decimal("1.0")
    assert first.changes == [] and first.both is None
    assert RoundInterview.objects.filter(round=follow_up).count() == 7


def test_a_round_with_four_interviews_shows_no_mean_median_or_range(rounds, make_citizen, coordinator, unit_leader):
    baseline, _ = rounds
    third = actions.create_round(acting_user=unit_leader, unit=baseline.unit, name="3", opened_on=COURSE_DAY)
    assert third.number == 3
    for name in "WXYZ":
        citizen = make_citizen(coordinator, name)
        grant = grant_for(coordinator, citizen)
        response = actions.start_interview(grant, third, acting_user=coordinator)
        measures_actions.submit_response(grant, response, {"q1": ["9"]}, acting_user=coordinator)
    items = fhir_forms.questionnaire_items(third.questionnaire, "en")
    summary = reports.round_summaries([third], items)[0]
    assert summary.interviews == Figure(None, UNDER)
    q1 = summary.questions[0]
    assert (q1.n, q1.mean, q1.median, q1.low, q1.high) == (Figure(None, UNDER), None, None, None, None)
    assert all(q.n == Figure(0) for q in summary.questions[1:])


def test_the_number_of_answers_is_shown_when_no_question_gives_a_small_count_back(gathering, answer):
    for _ in range(5):
        answer((6, 5, 4, 5, 6))
    for _ in range(5):
        answer(("not-relevant", 5, "dont-know", 5, 6))
    report = reports.gathering_report(gathering, items_of(gathering))
    # 10 answers; "useful" and "clear" have 5 numeric and 5 left out: nothing from 1 to 4 to give back.
    assert report.answers == Figure(10)
    assert by_question(report)["useful"].excluded == Figure(5)
    answer((6, 5, 4, 5, 6))  # now 11 − "time for questions"' 11 = 0, but 11 − "useful"'s 6 = 5: still shown
    assert reports.gathering_report(gathering, items_of(gathering)).answers == Figure(11)
    answer((6, 5, "dont-know", 5, "not-relevant"))  # "overall": 12 − 11 = 1 would be given back
    assert reports.gathering_report(gathering, items_of(gathering)).answers == Figure(None, HIDDEN)
