"""Medication pedagogy in a real browser: the citizen writes her own words on her medicine on a phone (a too long
text refused and kept), her GP reads them because his scope has the medication plan, another GP without it is refused;
her self-report "About my medicine" is filled in on the phone and charted for her coordinator. axe-core on every new
or changed page.

Screenshots: ``SAMPLAN_MEDICATION_SHOTS=<folder> uv run pytest tests/browser/test_medication.py``.
"""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from audit.models import AccessEvent
from measures.models import Questionnaire, Score
from people.access import grant_for
from people.models import CareTeamMember, Section
from plans import actions as plan_actions
from plans.models import MedicationWords
from tests.browser.conftest import PASSWORD, make_staff, screenshots

pytestmark = pytest.mark.browser

SHOTS = "SAMPLAN_MEDICATION_SHOTS"
PURPOSE = "Den hjelper meg å sove, og stemmene blir roligere."
EFFECTS = "Jeg sover bedre, men er trøtt om morgenen."
WISHES = "Ta den tidligere på kvelden."


@pytest.fixture(autouse=True)
def english(page: Page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def ingrid(citizen, coordinator):
    """The citizen with a login and a plan proposal."""
    citizen.user = get_user_model().objects.create_user(username="ingrid", password=PASSWORD)
    citizen.save(update_fields=["user"])
    plan_actions.start_draft(grant_for(coordinator, citizen), acting_user=coordinator)
    return citizen


def test_the_citizen_writes_her_own_words_on_a_phone_and_her_gp_reads_them(
    page: Page, live_server, ingrid, gp, gp_office, municipality, log_in, log_out, on_phone, on_desktop, axe_clean
):
    CareTeamMember.objects.create(
        citizen=ingrid,
        user=gp,
        role=CareTeamMember.Role.GP,
        organisation=gp_office,
        sections=[Section.OVERVIEW, Section.PLAN, Section.MEDICATION],
    )
    other_gp = make_staff("legevakt", "Lene", gp_office, "Lege")
    CareTeamMember.objects.create(
        citizen=ingrid,
        user=other_gp,
        role=CareTeamMember.Role.GP,
        organisation=gp_office,
        sections=[Section.OVERVIEW, Section.PLAN],
    )
    on_phone()
    log_in("ingrid")
    page.goto(f"{live_server.url}/citizens/{ingrid.pk}/plan/")
    words = page.get_by_test_id("medication-words")
    expect(words).to_contain_text("You have not written anything here yet")
    axe_clean(page, "the citizen's plan with the medication words box")
    words.get_by_role("link", name="Write in my own words").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My medicine in my own words")
    axe_clean(page, "own words on medication, empty")
    screenshots(page, SHOTS, "medication-words-empty")

    too_long = "Jeg merker " + "x" * 2000
    page.get_by_label("What is my medicine for?").fill(PURPOSE)
    page.get_by_label("What effects and side effects do I notice?").fill(too_long)
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".ds-error-summary")
    expect(summary).to_contain_text("Write at most 2000 characters here")
    expect(page.locator("#id_effects")).to_have_attribute("aria-describedby", re.compile("id_effects_error"))
    expect(page.get_by_label("What is my medicine for?")).to_have_value(PURPOSE)  # kept
    expect(page.locator("#id_effects")).to_have_value(too_long)
    assert not MedicationWords.objects.exists()
    axe_clean(page, "own words on medication, too long")
    screenshots(page, SHOTS, "medication-words-too-long")

    page.locator("#id_effects").fill(EFFECTS)
    page.get_by_label("What do I want to change?").fill(WISHES)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Saved. Your team reads this under the medication plan.")
    expect(page.get_by_label("What effects and side effects do I notice?")).to_have_value(EFFECTS)
    axe_clean(page, "own words on medication, saved")
    screenshots(page, SHOTS, "medication-words-saved")
    saved = MedicationWords.objects.get()
    assert (saved.purpose, saved.effects, saved.wishes) == (PURPOSE, EFFECTS, WISHES)
    log_out()

    on_desktop()
    log_in("fastlege")
    page.goto(f"{live_server.url}/citizens/{ingrid.pk}/plan/")
    words = page.get_by_test_id("medication-words")
    expect(words).to_contain_text("Ingrid's own words on the medicine")
    expect(words).to_contain_text(WISHES)
    axe_clean(page, "the GP's view of the plan")
    screenshots(page, SHOTS, "plan-with-medication-words-gp")
    words.get_by_role("link", name="See the words and the earlier ones").click()
    expect(page.get_by_test_id("newest-words")).to_contain_text(EFFECTS)
    expect(page.locator("textarea")).to_have_count(0)
    axe_clean(page, "own words on medication, read by the GP")
    screenshots(page, SHOTS, "medication-words-gp")
    log_out()

    log_in("legevakt")
    page.goto(f"{live_server.url}/citizens/{ingrid.pk}/plan/")
    expect(page.locator("main")).not_to_contain_text(PURPOSE)
    expect(page.get_by_test_id("medication-words")).to_have_count(0)
    response = page.goto(f"{live_server.url}/citizens/{ingrid.pk}/plan/medication/")
    assert response.status == 403
    expect(page.locator("main")).not_to_contain_text(PURPOSE)
    axe_clean(page, "refused")
    assert AccessEvent.objects.filter(
        actor_id=other_gp.pk, action="denied", section=Section.MEDICATION, citizen_id=ingrid.pk
    ).exists()


def test_the_self_report_is_filled_in_on_a_phone_and_charted_for_the_coordinator(
    page: Page, live_server, ingrid, log_in, log_out, on_phone, on_desktop, axe_clean
):
    call_command("import_questionnaire", "--shipped", stdout=io.StringIO())
    questionnaire = Questionnaire.objects.current().get(url__endswith="/medication-self-report")
    on_phone()
    log_in("ingrid")
    for values in ([3, 5, 2, 4, 2], [6, 6, 5, 6, 6]):
        page.goto(f"{live_server.url}/citizens/{ingrid.pk}/measures/")
        page.get_by_role("button", name="Start About my medicine").click()
        expect(page).to_have_url(re.compile(rf"/citizens/{ingrid.pk}/responses/\d+/$"))
        if values[0] == 3:
            axe_clean(page, "About my medicine, empty")
            page.locator("input[name='medication-1'][value='3']").check()
            page.locator("button[name=submit]").click()
            expect(page.locator(".ds-error-summary li")).to_have_count(4)
            expect(page.locator("input[name='medication-1'][value='3']")).to_be_checked()
            axe_clean(page, "About my medicine, four answers missing")
            screenshots(page, SHOTS, "medication-self-report-missing")
        for number, value in enumerate(values, start=1):
            page.locator(f"input[name='medication-{number}'][value='{value}']").check()
        page.locator("button[name=submit]").click()
        expect(page.locator("main")).to_contain_text("This questionnaire is about your medicine.")
    scores = Score.objects.filter(response__questionnaire=questionnaire).order_by("effective_at")
    assert [float(score.total) for score in scores] == [3.2, 5.8]
    page.goto(f"{live_server.url}/citizens/{ingrid.pk}/measures/")
    expect(page.locator("#chart-medication-title")).to_have_count(1)
    axe_clean(page, "the citizen's own progress with the medication chart")
    log_out()

    on_desktop()
    log_in("koordinator")
    page.goto(f"{live_server.url}/citizens/{ingrid.pk}/measures/")
    block = page.locator("section.progress-block", has=page.locator("#heading-medication"))
    expect(block).to_contain_text("About my medicine")
    expect(block).to_contain_text("Change since the first: +2.6")
    expect(block.locator("circle.chart__point")).to_have_count(2)
    axe_clean(page, "the coordinator's measures page with the medication chart")
    screenshots(page, SHOTS, "medication-chart")
