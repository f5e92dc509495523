"""A relatives' survey in a real browser: a staff member of the unit starts one and prints a card; a relative on
a phone answers with the card code (a used code and an answer left out first get clear messages); the leader
reads the survey on the outcome report. axe-core on every page added or changed.

Set RELATIVES_SURVEY_SCREENSHOTS to a folder to keep screenshots of each page at 390 and 1280 px."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from gatherings import actions
from gatherings.models import CourseAnswer, Gathering
from people.models import UnitLeadership
from tests.browser.conftest import make_staff, screenshots

pytestmark = pytest.mark.browser

ANSWERS = {
    "listened": "5",
    "information": "not-relevant",
    "crisis_contact": "4",
    "own_conversation": "6",
    "able_to_help": "4",
    "overall": "5",
}


@pytest.fixture(autouse=True)
def english(page: Page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def staff(municipality):
    call_command("import_questionnaire", "--shipped", stdout=io.StringIO())
    worker = make_staff("miljo", "Mia", municipality, "Miljøterapeut")
    leader = make_staff("leder", "Lene", municipality, "Enhetsleder")
    UnitLeadership.objects.create(user=leader, organisation=municipality, active_from=datetime.date(2020, 1, 1))
    return {"worker": worker, "leader": leader}


def shot(page: Page, name):
    screenshots(page, "RELATIVES_SURVEY_SCREENSHOTS", name)


def test_a_relative_answers_the_survey_with_a_card_code_on_a_phone_and_the_leader_reads_it(
    page: Page, live_server, log_in, log_out, axe_clean, on_phone, on_desktop, staff
):
    base = live_server.url
    today = timezone.localdate()

    # A staff member starts the survey: the kind says which questions the relatives get.
    log_in("miljo")
    page.goto(f"{base}/evaluations/new/")
    expect(page.locator("#id_kind_2")).to_have_value("relatives")
    page.locator("#id_kind_2").check()
    page.locator("#id_held_on").fill(today.isoformat())
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".ds-error-summary")).to_contain_text("Write the name of the survey")
    expect(page.locator("#id_kind_2")).to_be_checked()
    axe_clean(page, "new survey with an error")
    shot(page, "create-error")
    page.locator("#id_title").fill("Pårørendekveld")
    page.locator("main form button[type=submit]").click()
    survey = Gathering.objects.get()
    assert survey.kind == "relatives" and survey.questionnaire.url.endswith("/relatives-satisfaction")
    page.locator("#id_count").fill("7")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("card")).to_have_count(7)
    codes = [text.replace(" ", "") for text in page.get_by_test_id("code").all_inner_texts()]
    log_out()

    # Five relatives answered already (one of them with the first card).
    for code in codes[:5]:
        actions.answer_with_code(code, survey, {k: [v] for k, v in ANSWERS.items()})

    # A relative on a phone, no login: the used card first, then their own.
    on_phone()
    page.goto(f"{base}/evaluations/answer/")
    axe_clean(page, "answer: the code")
    shot(page, "answer-code")
    page.locator("#id_code").fill(codes[0])
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".ds-error-summary")).to_contain_text("This code has already been used.")
    page.locator("#id_code").fill(f"{codes[5][:5].lower()} {codes[5][5:].lower()}")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("gathering")).to_contain_text("Pårørendekveld")
    expect(page.get_by_test_id("anonymous")).to_contain_text("the person you are close to")
    expect(page.locator("main h1")).to_have_text("Relatives' satisfaction")
    axe_clean(page, "answer: the relatives' questions")
    page.locator("input[name=listened][value='6']").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".ds-error-summary")).to_contain_text("Answer this question.")
    expect(page.locator("input[name=listened][value='6']")).to_be_checked()
    axe_clean(page, "answer: a question left out")
    for link_id, value in ANSWERS.items():
        if link_id != "listened":
            page.locator(f"input[name={link_id}][value='{value}']").check()
    page.locator("#id_comments").fill("Godt å bli spurt")
    shot(page, "answer-questions")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Thank you!")
    assert CourseAnswer.objects.filter(gathering=survey).count() == 6

    # The leader reads it on the outcome report: mean and n per question.
    on_desktop()
    log_in("leder")
    page.goto(f"{base}/insights/")
    table = page.get_by_test_id(f"relatives-survey-{survey.pk}")
    expect(table).to_contain_text("Pårørendekveld")
    expect(table.get_by_test_id("question-listened").get_by_test_id("mean")).to_have_text("5.17")
    expect(table.get_by_test_id("question-listened").get_by_test_id("n")).to_have_text("6")
    expect(table.get_by_test_id("question-information").get_by_test_id("mean")).to_contain_text("not shown")
    axe_clean(page, "outcome report with the relatives' surveys")
    page.get_by_test_id("relatives-surveys").scroll_into_view_if_needed()
    shot(page, "insights")
    on_phone()
    page.get_by_test_id("relatives-surveys").scroll_into_view_if_needed()
    axe_clean(page, "outcome report on a phone")
    page.goto(f"{base}/evaluations/")
    expect(page.get_by_test_id("gatherings")).to_contain_text("Relatives' survey")
    axe_clean(page, "the evaluations with a relatives' survey")
    page.goto(f"{base}/evaluations/{survey.pk}/")
    expect(page.get_by_test_id("comments")).to_contain_text("Godt å bli spurt")
    axe_clean(page, "the survey's page")
    shot(page, "survey")
