"""Questionnaires, check-ins, goals and progress charts, walked in a real browser with axe-core.

The citizen's pages are checked at phone width, the coordinator's at desktop width. Pages
are read in English (the ``django_language`` cookie is set before logging in, so a citizen's
login keeps it); answers are chosen by input name and value.

Screenshots for the docs: ``SAMPLAN_SCREENSHOTS=1 uv run pytest tests/browser/test_measures.py``
writes docs/screenshots/measures-*-phone.png and -desktop.png; without it none are taken.
"""

import datetime
import io
import os
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from measures.actions import score_response
from measures.models import Goal, GoalRating, Questionnaire, QuestionnaireResponse, Score

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# PHQ-9 answer options: LOINC answer code for 0, 1, 2 and 3.
PHQ9_CODE = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
AUTOSAVE = re.compile(r"/responses/\d+/autosave/$")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CITIZEN_PASSWORD = "blåbærsyltetøy-om-morgenen"


@pytest.fixture(autouse=True)
def questionnaires(transactional_db):
    """The questionnaires Samplan ships, imported as `make demo` does."""
    call_command("import_questionnaire", "--shipped", stdout=io.StringIO())


@pytest.fixture
def phq9():
    return Questionnaire.objects.current().get(url__endswith="/phq9")


@pytest.fixture(autouse=True)
def english(page: Page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def citizen_login(citizen):
    """The citizen, now with a login of their own."""
    citizen.user = get_user_model().objects.create_user(username="ingrid85", password=CITIZEN_PASSWORD)
    citizen.save(update_fields=["user"])
    return citizen


@pytest.fixture
def screenshot(page: Page):
    """Full-page shots at phone and desktop width, only when SAMPLAN_SCREENSHOTS is set."""

    def shoot(name):
        if not os.environ.get("SAMPLAN_SCREENSHOTS"):
            return
        viewport = page.viewport_size
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.screenshot(path=SCREENSHOTS / f"measures-{name}-{label}.png", full_page=True, animations="disabled")
        page.set_viewport_size(viewport)

    return shoot


def answer(page: Page, name, value):
    page.locator(f"input[name='{name}'][value='{value}']").check()


def phq9_answers(*item_values):
    return {f"phq9-{n}": [PHQ9_CODE[value]] for n, value in enumerate(item_values, start=1)}


def completed(citizen, questionnaire, answers, when):
    """A response sent on ``when``, scored by the app's own scoring; as if filled in then."""
    response = QuestionnaireResponse.objects.create(
        citizen=citizen,
        questionnaire=questionnaire,
        status=QuestionnaireResponse.Status.COMPLETED,
        answers=answers,
        author=citizen.user,
        authored_at=when,
    )
    return score_response(response)


def test_citizen_fills_phq9_on_a_phone_comes_back_and_double_clicks_send(
    page: Page, live_server, log_in, log_out, axe_clean, on_phone, on_desktop, screenshot, citizen_login, phq9
):
    citizen = citizen_login
    on_phone()
    log_in("ingrid85", CITIZEN_PASSWORD)
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/measures/")
    axe_clean(page, "citizen's measures overview, nothing filled in yet")
    page.locator(f"form[action='/citizens/{citizen.pk}/measures/start/{phq9.pk}/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/citizens/{citizen.pk}/responses/\d+/$"))
    form_url = page.url
    response = QuestionnaireResponse.objects.get(citizen=citizen, questionnaire=phq9)
    # Items 1–9 must be answered; only item 10 (how difficult) is marked optional.
    expect(page.locator("#id_phq9-1 legend .optional")).to_have_count(0)
    expect(page.locator("#id_phq9-10 legend .optional")).to_have_count(1)
    axe_clean(page, "PHQ-9, empty")

    # Halfway: items 1–5. Autosave queues the newest change, so the request that carries
    # item 5 is the last one, and it carries all five.
    for number in range(1, 5):
        answer(page, f"phq9-{number}", PHQ9_CODE[2])
    with page.expect_response(lambda r: AUTOSAVE.search(r.url) and "phq9-5" in (r.request.post_data or "")):
        answer(page, "phq9-5", PHQ9_CODE[2])
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"^Saved at \d\d:\d\d$"))
    response.refresh_from_db()
    assert response.answers == phq9_answers(2, 2, 2, 2, 2)
    assert response.status == QuestionnaireResponse.Status.IN_PROGRESS
    screenshot("phq9-half-filled")

    page.reload()
    for number in range(1, 6):
        expect(page.locator(f"input[name='phq9-{number}'][value='{PHQ9_CODE[2]}']")).to_be_checked()
    for number in range(6, 10):
        expect(page.locator(f"input[name='phq9-{number}']:checked")).to_have_count(0)

    # Sent too early: the four missing items are named, the five answers stay.
    page.locator("button[name=submit]").click()
    summary = page.locator(".ds-error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("li")).to_have_count(4)
    expect(page.locator("#id_phq9-6")).to_have_attribute("aria-describedby", re.compile("id_phq9-6_error"))
    expect(page.locator(f"input[name='phq9-5'][value='{PHQ9_CODE[2]}']")).to_be_checked()
    axe_clean(page, "PHQ-9 with missing answers")

    for number in range(6, 9):
        answer(page, f"phq9-{number}", PHQ9_CODE[0])
    with page.expect_response(lambda r: AUTOSAVE.search(r.url) and "phq9-9" in (r.request.post_data or "")):
        answer(page, "phq9-9", PHQ9_CODE[0])
    # On a slow phone network the page is still there for the second click. Chromium would
    # otherwise merge the two submits into one request; hold each reply a moment, so that
    # both reach the server and the second lands on the result of the first.
    submits = []

    def slow_network(route):
        if route.request.method != "POST":
            return route.continue_()
        reply = route.fetch(max_redirects=0)
        submits.append(reply.status)
        time.sleep(0.3)
        route.fulfill(response=reply)

    page.route(form_url, slow_network)
    page.dblclick("button[name=submit]", delay=50)
    expect(page.locator("[data-testid=score-total]")).to_have_text("10")
    assert page.url == form_url
    assert submits == [302, 302], submits
    page.unroute(form_url)
    axe_clean(page, "PHQ-9 result")
    screenshot("phq9-result")

    # Besides the check-in offered at login, one response: the double click stored nothing twice.
    assert QuestionnaireResponse.objects.filter(citizen=citizen, questionnaire=phq9).count() == 1
    response.refresh_from_db()
    assert response.status == QuestionnaireResponse.Status.COMPLETED
    assert response.answers == phq9_answers(2, 2, 2, 2, 2, 0, 0, 0, 0)
    score = Score.objects.get(citizen=citizen)
    assert (score.response_id, score.instrument, score.total, score.band) == (response.pk, "phq9", 10, "moderate")
    log_out()

    on_desktop()
    log_in("koordinator")
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/")
    panel = page.locator("section[aria-labelledby=measures-heading]")
    expect(panel.locator("#heading-phq9")).to_have_text("PHQ-9")
    latest = panel.locator("section[aria-labelledby=heading-phq9] p").first
    expect(latest.locator("strong")).to_have_text("10")
    expect(latest).to_contain_text("(Moderate)")
    axe_clean(page, "citizen overview with a measures panel")

    page.goto(form_url)
    expect(page.locator("[data-testid=score-total]")).to_have_text("10")
    expect(page.locator("[data-testid=score-band]")).to_have_text("Moderate")
    axe_clean(page, "PHQ-9 result, staff view")


def test_citizen_is_offered_the_checkin_at_login_and_is_told_it_is_not_read_at_once(
    page: Page, live_server, log_in, axe_clean, on_phone, citizen_login
):
    citizen = citizen_login
    on_phone()
    log_in("ingrid85", CITIZEN_PASSWORD)
    expect(page).to_have_url(re.compile(rf"/citizens/{citizen.pk}/responses/\d+/$"))
    checkin = QuestionnaireResponse.objects.get(citizen=citizen)
    assert checkin.questionnaire.key == "checkin"
    expect(page.locator("input[name=mood]")).to_have_count(11)
    axe_clean(page, "check-in")

    page.locator("button[name=submit]").click()
    expect(page.locator(".ds-error-summary")).to_be_visible()
    expect(page.locator("#id_mood")).to_have_attribute("aria-describedby", re.compile("id_mood_error"))
    axe_clean(page, "check-in with missing answers")

    for name, value in (("mood", "6"), ("calm", "5"), ("sleep", "4"), ("substance", "not-applicable")):
        answer(page, name, value)
    with page.expect_response(lambda r: AUTOSAVE.search(r.url) and "hope=7" in (r.request.post_data or "")):
        answer(page, "hope", "7")
    page.locator("button[name=submit]").click()
    help_text = page.locator("main .ds-alert[data-color=info]")
    expect(help_text).to_contain_text("not read straight away")
    expect(help_text).to_contain_text("113")
    axe_clean(page, "check-in sent")

    checkin.refresh_from_db()
    assert checkin.status == QuestionnaireResponse.Status.COMPLETED
    assert checkin.answers == {
        "mood": ["6"],
        "calm": ["5"],
        "sleep": ["4"],
        "substance": ["not-applicable"],
        "hope": ["7"],
    }
    assert not Score.objects.filter(citizen=citizen).exists()


def test_citizen_adds_two_goals_rates_them_twice_and_sees_the_perceived_benefit(
    page: Page, live_server, log_in, axe_clean, on_phone, screenshot, citizen_login
):
    citizen = citizen_login
    on_phone()
    log_in("ingrid85", CITIZEN_PASSWORD)
    goals_url = f"{live_server.url}/citizens/{citizen.pk}/goals/"
    page.goto(goals_url)
    axe_clean(page, "goals page, no goals yet")

    page.locator("button[name=add_goal]").click()
    expect(page.locator(".ds-error-summary")).to_be_visible()
    expect(page.locator("textarea[name=text]")).to_have_attribute("aria-invalid", "true")
    axe_clean(page, "goals page, goal without text")

    for text in ("Sove hele natten", "Gå en tur hver dag"):
        page.locator("textarea[name=text]").fill(text)
        page.locator("button[name=add_goal]").click()
        expect(page).to_have_url(goals_url)
        expect(page.locator("fieldset.goal-rating legend", has_text=text)).to_be_visible()
    sleep, walk = Goal.objects.filter(citizen=citizen).order_by("pk")
    assert (sleep.text, walk.text) == ("Sove hele natten", "Gå en tur hver dag")
    expect(page.locator("[data-testid=perceived-benefit]")).to_have_count(0)

    for sleep_rating, walk_rating in ((3, 4), (6, 8)):
        answer(page, f"goal_{sleep.pk}", sleep_rating)
        answer(page, f"goal_{walk.pk}", walk_rating)
        page.locator("button[name=rate]").click()
        expect(page).to_have_url(goals_url)
        expect(page.locator(".messages [role=status]")).to_be_visible()
    ratings = [(r.goal_id, r.rating) for r in GoalRating.objects.order_by("rated_at", "id")]
    assert ratings == [(sleep.pk, 3), (walk.pk, 4), (sleep.pk, 6), (walk.pk, 8)]
    # First ratings average 3.5, latest 7: a perceived benefit of 3.5.
    benefit = page.locator("[data-testid=perceived-benefit]")
    expect(benefit).to_contain_text("Perceived benefit: 3.50")
    expect(benefit).to_contain_text("latest on average 7.00")
    axe_clean(page, "goals page with ratings")
    screenshot("goals")

    page.locator("button[name=rate]").click()
    expect(page.locator(".ds-error-summary")).to_be_visible()
    expect(page.locator("fieldset.goal-rating")).to_have_count(2)
    expect(page.locator("[data-testid=perceived-benefit]")).to_contain_text("3.50")
    axe_clean(page, "goals page, rating with nothing chosen")
    assert GoalRating.objects.count() == 4
    assert Goal.objects.filter(citizen=citizen, closed_at__isnull=True).count() == 2


@pytest.fixture
def history(citizen_login, phq9):
    """Three PHQ-9s and a few check-ins over three months: 18, then 14, then 8."""
    citizen = citizen_login
    checkin = Questionnaire.objects.current().get(url__endswith="/checkin")
    now = timezone.now()
    phq9s = ((90, (3, 3, 2, 2, 2, 2, 2, 2, 0)), (45, (2, 2, 2, 2, 2, 1, 1, 2, 0)), (10, (1, 1, 1, 1, 1, 1, 1, 1, 0)))
    for days_ago, items in phq9s:
        completed(citizen, phq9, phq9_answers(*items), now - datetime.timedelta(days=days_ago))
    for days_ago, level in ((20, 3), (12, 5), (5, 4), (1, 7)):
        answers = {key: [str(level)] for key in ("mood", "calm", "sleep", "hope")} | {"substance": ["not-applicable"]}
        completed(citizen, checkin, answers, now - datetime.timedelta(days=days_ago))
    return citizen


def test_coordinator_sees_phq9_over_time_with_bands_and_the_cutoff_line(
    page: Page, live_server, log_in, axe_clean, on_phone, on_desktop, screenshot, history
):
    assert [s.total for s in Score.objects.order_by("effective_at")] == [Decimal(18), Decimal(14), Decimal(8)]
    on_desktop()
    log_in("koordinator")
    page.goto(f"{live_server.url}/citizens/{history.pk}/measures/")
    chart = page.locator("svg[aria-labelledby='chart-phq9-title chart-phq9-desc']")
    expect(chart).to_be_visible()
    expect(chart.locator(".chart__band")).to_have_count(5)
    expect(chart.locator(".chart__cutoff")).to_have_count(1)
    expect(chart.locator(".chart__point")).to_have_count(3)
    expect(page.locator("svg[aria-labelledby^=checkin-]")).to_have_count(4)
    expect(page.locator("section[aria-labelledby=heading-phq9]")).to_contain_text("Reliably better")
    assert chart.bounding_box()["width"] >= 500
    axe_clean(page, "measures overview with charts")
    screenshot("overview")
    on_phone()
    assert chart.bounding_box()["width"] >= 340, "the chart should take the phone's full width"
    on_desktop()

    page.locator("section[aria-labelledby=heading-phq9] summary").click()
    expect(page.locator("section[aria-labelledby=heading-phq9] table tbody tr")).to_have_count(3)
    axe_clean(page, "measures overview with a chart's table open")
