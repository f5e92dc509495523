"""Course evaluations in a real browser: a course leader creates a gathering and prints cards; a
participant answers anonymously with a card code on a phone (a used code first gets a clear
message); the gathering's table goes from "under 5" to a mean. The leader reads the comparison
and the interview rounds' summary. axe-core on every page of the gatherings app.

Set GATHERINGS_SCREENSHOTS to a folder to keep screenshots of each page at 390 and 1280 px."""

import datetime
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from gatherings import actions
from gatherings.models import CourseAnswer, Gathering
from people.models import UnitLeadership
from tests.browser.conftest import make_staff, screenshots

pytestmark = pytest.mark.browser

ANSWERS = {"useful": "5", "time_for_questions": "4", "clear": "not-relevant", "can_use": "6", "overall": "5"}


@pytest.fixture(autouse=True)
def english(page: Page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def staff(municipality):
    call_command("import_questionnaire", "--shipped", stdout=io.StringIO())
    course_leader = make_staff("kursholder", "Kim", municipality, "Miljøterapeut")
    leader = make_staff("leder", "Lene", municipality, "Enhetsleder")
    UnitLeadership.objects.create(user=leader, organisation=municipality, active_from=datetime.date(2020, 1, 1))
    return {"course_leader": course_leader, "leader": leader}


def shot(page: Page, name):
    screenshots(page, "GATHERINGS_SCREENSHOTS", name)


def answer_on_the_page(page: Page):
    for link_id, value in ANSWERS.items():
        page.locator(f"input[name={link_id}][value='{value}']").check()
    page.locator("#id_comments").fill("Nyttig dag")


def test_a_participant_answers_with_a_card_code_on_a_phone_and_the_table_updates(
    page: Page, live_server, log_in, log_out, axe_clean, on_phone, on_desktop, staff, municipality
):
    base = live_server.url

    # The course leader creates the gathering; a missing title is said next to the field.
    log_in("kursholder")
    page.goto(f"{base}/evaluations/")
    expect(page.get_by_test_id("no-gatherings")).to_be_visible()
    axe_clean(page, "gatherings list (empty)")
    page.get_by_test_id("new-gathering").click()
    page.locator("#id_held_on").fill("2026-03-12")
    axe_clean(page, "new gathering")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".ds-error-summary")).to_contain_text("Write the name of the course or gathering.")
    expect(page.locator("#id_held_on")).to_have_value("2026-03-12")
    axe_clean(page, "new gathering with an error")
    page.locator("#id_title").fill("Mestringskurs, samling 1")
    page.locator("main form button[type=submit]").click()
    gathering = Gathering.objects.get()
    expect(page.locator("#id_count")).to_be_visible()
    axe_clean(page, "print cards")
    page.locator("#id_count").fill("6")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("card")).to_have_count(6)
    codes = [text.replace(" ", "") for text in page.get_by_test_id("code").all_inner_texts()]
    axe_clean(page, "the printed cards")
    shot(page, "cards")

    # Four participants have answered already: the table says "under 5" and shows no mean.
    for code in codes[:4]:
        actions.answer_with_code(code, gathering, {k: [v] for k, v in ANSWERS.items()})
    page.goto(f"{base}/evaluations/{gathering.pk}/")
    expect(page.get_by_test_id("answers")).to_contain_text("under 5")
    expect(page.get_by_test_id("question-useful").get_by_test_id("mean")).to_contain_text("not shown")
    axe_clean(page, "gathering with four answers")
    log_out()

    # A participant on a phone, no login: a used code gets a clear message, then their own card works.
    on_phone()
    page.goto(f"{base}/evaluations/answer/")
    axe_clean(page, "answer: the code")
    shot(page, "answer-code")
    page.locator("#id_code").fill(codes[0])
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".ds-error-summary")).to_contain_text("This code has already been used.")
    axe_clean(page, "answer: a used code")
    page.locator("#id_code").fill(f"{codes[4][:5].lower()} {codes[4][5:].lower()}")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("gathering")).to_contain_text("Mestringskurs, samling 1")
    axe_clean(page, "answer: the questions")
    # Sending with a question left out says where, and keeps what was chosen.
    page.locator("input[name=useful][value='5']").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".ds-error-summary")).to_contain_text("Answer this question.")
    expect(page.locator("input[name=useful][value='5']")).to_be_checked()
    axe_clean(page, "answer: a question left out")
    answer_on_the_page(page)
    shot(page, "answer-questions")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Thank you!")
    axe_clean(page, "answer: thanks")
    assert CourseAnswer.objects.count() == 5

    # The leader sees the table update: five answers, the means.
    on_desktop()
    log_in("leder")
    page.goto(f"{base}/evaluations/{gathering.pk}/")
    expect(page.get_by_test_id("answers")).to_contain_text("5")
    expect(page.get_by_test_id("question-useful").get_by_test_id("mean")).to_have_text("5.00")
    expect(page.get_by_test_id("question-useful").get_by_test_id("n")).to_have_text("5")
    expect(page.get_by_test_id("question-clear").get_by_test_id("excluded")).to_have_text("5")
    expect(page.get_by_test_id("question-clear").get_by_test_id("mean")).to_contain_text("not shown")
    expect(page.get_by_test_id("comments")).to_contain_text("Nyttig dag")
    expect(page.locator("svg[role=img] title")).to_have_count(1)
    axe_clean(page, "gathering with five answers")
    shot(page, "gathering")
    page.goto(f"{base}/evaluations/")
    axe_clean(page, "gatherings list")
    shot(page, "list")
    page.goto(f"{base}/evaluations/compare/")
    expect(page.get_by_test_id(f"compare-{municipality.pk}")).to_contain_text("5.00")
    axe_clean(page, "comparison")
    shot(page, "compare")
    page.goto(f"{base}/evaluations/rounds/")
    page.locator("#id_name").fill("Baseline 2026")
    page.locator("#id_opened_on").fill("2026-01-05")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("rounds")).to_contain_text("Baseline 2026")
    axe_clean(page, "interview rounds")
    shot(page, "rounds")
    page.goto(f"{base}/evaluations/rounds/summary/")
    expect(page.get_by_test_id("interviews")).to_contain_text("0")
    axe_clean(page, "interview rounds summary")
    shot(page, "round-summary")
