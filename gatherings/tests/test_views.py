"""The pages: who may open which, what a participant sees, and what the leader reads."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from gatherings import actions, guessing
from gatherings.models import CourseAnswer, EvaluationCard, Gathering, RoundInterview
from measures.models import QuestionnaireResponse
from people.models import Organisation

from .conftest import COURSE_DAY, full_answers

ALL_FIVE = {"useful": "5", "time_for_questions": "4", "clear": "6", "can_use": "dont-know", "overall": "5"}


@pytest.fixture
def code(gathering, course_leader):
    return actions.issue_cards(gathering, 1, acting_user=course_leader)[0]


def aggregate_events(report):
    return AccessEvent.objects.filter(action=AccessEvent.Action.AGGREGATE, section=report)


# Access -------------------------------------------------------------------------------------------


def test_staff_of_the_unit_see_the_gathering_and_the_read_is_logged(login, course_leader, gathering, answer):
    for values in [(6, 6, 6, 6, 6)] * 4 + [(3, 6, 6, 6, 6)]:
        answer(values)
    page = login(course_leader).get(reverse("gatherings:gathering", args=[gathering.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mestringskurs, samling 1" in html
    assert "5.40" in html  # useful: 6·4 + 3 = 27 over 5
    assert "<svg" in html and "<title id=" in html
    (event,) = aggregate_events("course_evaluations")
    assert event.actor_id == course_leader.pk and event.citizen_id is None
    assert f"gathering={gathering.pk}" in event.detail


def test_four_answers_are_under_5_and_no_mean_on_the_page(login, course_leader, gathering, answer):
    for values in [(6, 6, 6, 6, 6)] * 4:
        answer(values, "Bra")
    html = login(course_leader).get(reverse("gatherings:gathering", args=[gathering.pk])).content.decode()
    assert "under 5" in html
    assert "6.00" not in html
    assert 'data-testid="comments-hidden"' in html
    assert "not shown (under 5 answers)" in html


@pytest.mark.parametrize("who", ["gp", "citizen", "other_unit_staff"])
def test_others_are_refused_the_gathering_pages(who, request, client, login, gathering, shipped):
    if who == "other_unit_staff":
        from django.contrib.auth import get_user_model

        from people.models import StaffProfile

        other = Organisation.objects.create(name="Nabokommune")
        user = get_user_model().objects.create_user(username="nabo", password="x")
        StaffProfile.objects.create(user=user, organisation=other)
    elif who == "citizen":
        user = request.getfixturevalue("citizen").user
    else:
        user = request.getfixturevalue("gp")
    browser = login(user)
    expected = 403 if who == "citizen" else 404
    for name in ("gatherings:gathering", "gatherings:cards"):
        assert browser.get(reverse(name, args=[gathering.pk])).status_code == expected
    assert browser.post(reverse("gatherings:cards", args=[gathering.pk]), {"count": 5}).status_code == expected
    assert EvaluationCard.objects.count() == 0
    if who == "citizen":
        for name in ("gatherings:list", "gatherings:create", "gatherings:compare", "gatherings:rounds"):
            assert browser.get(reverse(name)).status_code == 403
    assert browser.get(reverse("gatherings:round_summary")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in_except_on_the_answer_page(client, gathering):
    for url in (
        reverse("gatherings:list"),
        reverse("gatherings:gathering", args=[gathering.pk]),
        reverse("gatherings:round_summary"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("gatherings:answer")).status_code == 200


def test_only_leaders_read_the_interview_summary(login, course_leader, unit_leader, shipped):
    assert login(course_leader).get(reverse("gatherings:round_summary")).status_code == 403
    assert login(unit_leader).get(reverse("gatherings:round_summary")).status_code == 200
    assert aggregate_events("interview_rounds").count() == 1


# Creating a gathering and printing cards ------------------------------------------------------------


def test_a_course_leader_creates_a_gathering_and_prints_cards_shown_once(login, course_leader, unit, shipped):
    browser = login(course_leader)
    bad = browser.post(reverse("gatherings:create"), {"unit": unit.pk, "title": "", "held_on": "12.13.2026"})
    assert bad.status_code == 400
    assert "Write the name of the course" in bad.content.decode() or "Enter a valid date" in bad.content.decode()
    assert Gathering.objects.count() == 0
    made = browser.post(
        reverse("gatherings:create"),
        {"unit": unit.pk, "title": "Kurs i mestring", "held_on": "2026-03-12", "kind": "course"},
    )
    gathering = Gathering.objects.get()
    assert made["Location"] == reverse("gatherings:cards", args=[gathering.pk])
    printed = browser.post(reverse("gatherings:cards", args=[gathering.pk]), {"count": 3})
    assert printed.status_code == 200
    assert "no-store" in printed["Cache-Control"] or "no-cache" in printed["Cache-Control"]
    html = printed.content.decode()
    assert html.count('data-testid="card"') == 3
    assert EvaluationCard.objects.filter(gathering=gathering).count() == 3
    again = browser.get(reverse("gatherings:cards", args=[gathering.pk])).content.decode()
    assert 'data-testid="card"' not in again and "3 cards have been printed" in again
    too_many = browser.post(reverse("gatherings:cards", args=[gathering.pk]), {"count": 500})
    assert too_many.status_code == 400 and EvaluationCard.objects.count() == 3


def test_a_title_alone_missing_keeps_what_was_typed(login, course_leader, unit, shipped):
    page = login(course_leader).post(
        reverse("gatherings:create"), {"unit": unit.pk, "title": "  ", "held_on": "2026-03-12", "kind": "network"}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "Write the name of the course or gathering." in html
    assert 'value="2026-03-12"' in html


# The participant --------------------------------------------------------------------------------------


def test_a_participant_answers_with_the_code_and_no_login(client, gathering, code):
    first = client.post(reverse("gatherings:answer"), {"code": actions.formatted(code).lower()})
    assert first.status_code == 200
    assert "How useful the content was to me" in first.content.decode()
    done = client.post(reverse("gatherings:answer"), {"code": code, "gathering": gathering.pk, **ALL_FIVE})
    assert done.status_code == 302
    stored = CourseAnswer.objects.get()
    assert stored.answers["can_use"] == ["dont-know"]
    assert "Thank you" in client.get(done["Location"]).content.decode()


def test_the_link_on_the_card_opens_the_questions(client, gathering, code):
    page = client.get(reverse("gatherings:answer_code", args=[code]))
    assert page.status_code == 200 and 'name="gathering"' in page.content.decode()
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]


def test_missing_answers_keep_what_was_given_and_the_card(client, gathering, code):
    page = client.post(reverse("gatherings:answer"), {"code": code, "gathering": gathering.pk, "useful": "5"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Answer this question." in html
    assert 'value="5" checked' in html or 'checked value="5"' in html or "checked" in html
    assert CourseAnswer.objects.count() == 0 and EvaluationCard.objects.get().used is False


@pytest.mark.parametrize("kind", ["used", "unknown", "foreign"])
def test_a_used_unknown_or_foreign_code_gets_a_clear_message_and_nothing_is_saved(
    kind, client, gathering, code, course_leader, unit
):
    posted = {"code": code, "gathering": gathering.pk, **ALL_FIVE}
    if kind == "used":
        actions.answer_with_code(code, gathering, full_answers([5, 5, 5, 5, 5]))
        expected = "This code has already been used."
    elif kind == "unknown":
        posted["code"] = "ABCDE FGHJK"
        expected = "We do not recognise this code."
    else:
        other = actions.create_gathering(acting_user=course_leader, unit=unit, title="Annen", held_on=COURSE_DAY)
        posted["gathering"] = other.pk
        expected = "This code belongs to another evaluation."
    before = CourseAnswer.objects.count()
    page = client.post(reverse("gatherings:answer"), posted)
    assert page.status_code == 400
    assert expected in page.content.decode()
    assert CourseAnswer.objects.count() == before
    # The first step says the same for a used or unknown code.
    if kind != "foreign":
        step = client.post(reverse("gatherings:answer"), {"code": posted["code"]})
        assert expected in step.content.decode()


def test_nonsense_is_a_message_never_a_500(client, gathering, code):
    for posted in (
        {},
        {"code": "x" * 100},
        {"code": code, "gathering": "abc", **ALL_FIVE},
        {"code": code, "gathering": gathering.pk, "useful": "99"},
        {"code": code, "gathering": "999999", **ALL_FIVE},
    ):
        assert client.post(reverse("gatherings:answer"), posted).status_code == 400
    assert client.get(reverse("gatherings:answer_code", args=["nonsense"])).status_code == 400
    assert CourseAnswer.objects.count() == 0


def test_too_many_wrong_codes_from_one_device_are_stopped(client, gathering, code):
    for _ in range(guessing.LIMIT):
        assert client.post(reverse("gatherings:answer"), {"code": "ABCDE FGHJK"}).status_code == 400
    stopped = client.post(reverse("gatherings:answer"), {"code": code})
    assert stopped.status_code == 429
    assert "Too many wrong codes" in stopped.content.decode()
    # Another address is not stopped.
    other = client.post(reverse("gatherings:answer"), {"code": code}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


# Interview rounds --------------------------------------------------------------------------------------


@pytest.fixture
def baseline(shipped, unit, unit_leader):
    return actions.create_round(
        acting_user=unit_leader, unit=unit, name="Baseline 2026", opened_on=datetime.date(2026, 1, 5)
    )


def test_the_coordinator_starts_the_interview_from_the_citizen_overview(login, coordinator, citizen, baseline):
    browser = login(coordinator)
    overview = browser.get(citizen.get_absolute_url()).content.decode()
    assert 'data-testid="interview-panel"' in overview and "Baseline 2026" in overview
    started = browser.post(reverse("gatherings:round_interview", args=[baseline.pk]), {"citizen": citizen.pk})
    response = QuestionnaireResponse.objects.get()
    assert started["Location"] == response.get_absolute_url()
    assert response.questionnaire.url.endswith("/interview-guide") and response.entered_on_behalf
    again = browser.post(reverse("gatherings:round_interview", args=[baseline.pk]), {"citizen": citizen.pk})
    assert again["Location"] == started["Location"] and RoundInterview.objects.count() == 1
    write = AccessEvent.objects.filter(action=AccessEvent.Action.WRITE, citizen_id=citizen.pk, section="measures")
    assert write.filter(detail__contains=f"round {baseline.pk}").count() == 1


def test_a_gp_on_the_care_team_cannot_start_an_interview_in_the_units_round(
    login, gp, citizen, care_team_member, baseline
):
    refused = login(gp).post(reverse("gatherings:round_interview", args=[baseline.pk]), {"citizen": citizen.pk})
    assert refused.status_code == 404
    assert RoundInterview.objects.count() == 0


def test_staff_without_the_citizen_get_404_and_the_refusal_is_logged(login, outsider, citizen, baseline):
    refused = login(outsider).post(reverse("gatherings:round_interview", args=[baseline.pk]), {"citizen": citizen.pk})
    assert refused.status_code == 404
    assert AccessEvent.objects.filter(action=AccessEvent.Action.DENIED, citizen_id=citizen.pk).exists()
    assert RoundInterview.objects.count() == 0


def test_rounds_page_opens_a_round_and_shows_errors_where_they_belong(login, unit_leader, unit, shipped):
    browser = login(unit_leader)
    bad = browser.post(reverse("gatherings:rounds"), {"unit": unit.pk, "name": "", "opened_on": ""})
    assert bad.status_code == 400 and "Name the round" in bad.content.decode()
    ok = browser.post(reverse("gatherings:rounds"), {"unit": unit.pk, "name": "Baseline", "opened_on": "2026-01-05"})
    assert ok.status_code == 302
    assert "Baseline" in browser.get(reverse("gatherings:rounds")).content.decode()
