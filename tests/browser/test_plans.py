"""The individual plan, walked in a real browser with axe-core on every kind of page.

The coordinator builds the plan at desktop width; the citizen approves it and opens the
crisis plan at phone width. Pages are read in English (the ``django_language`` cookie),
and elements are found by URL, name, id or data-testid, so the tests hold while
translations change.

Screenshots for the docs: ``SAMPLAN_SCREENSHOTS=1 uv run pytest tests/browser/test_plans.py``
writes docs/screenshots/plan-*.png; without it none are taken.
"""

import datetime
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from measures.actions import add_goal
from people.access import grant_for
from people.models import CareTeamMember, EmergencyAccess, Organisation, Section
from plans import actions
from plans.models import PlanIntervention, PlanText, PlanVersion
from tests.browser.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CITIZEN_PASSWORD = "blåbærsyltetøy-om-morgenen"
SUBMIT = "main form.form-stack button[type=submit]"
MISSING = "[data-testid=missing-contents] li"


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
def goals(citizen, coordinator):
    """Two goals in the citizen's words, written down at a conversation (goals live outside the plan)."""
    grant = grant_for(coordinator, citizen)
    return [add_goal(grant, acting_user=coordinator, text=text) for text in ("Sove hele natten", "Ha en jobb")]


@pytest.fixture
def gp_member(citizen, gp, gp_office):
    """The GP, on the team with sight of the overview and the plan: someone to hand an intervention (tiltak) to."""
    return CareTeamMember.objects.create(
        citizen=citizen,
        user=gp,
        role=CareTeamMember.Role.GP,
        organisation=gp_office,
        sections=[Section.OVERVIEW, Section.PLAN],
    )


@pytest.fixture
def nav(citizen):
    """A Nav adviser who may see the overview, the plan and the finance agreement, nothing else."""
    office = Organisation.objects.create(name="Nav Fjordby", org_type=Organisation.Type.NAV)
    user = make_staff("navveileder", "Nina", office, "Veileder")
    CareTeamMember.objects.create(
        citizen=citizen,
        user=user,
        role=CareTeamMember.Role.NAV,
        organisation=office,
        sections=[Section.OVERVIEW, Section.PLAN, Section.FINANCE],
    )
    return user


@pytest.fixture
def draft(citizen, coordinator):
    return actions.start_draft(grant_for(coordinator, citizen), acting_user=coordinator)


@pytest.fixture
def screenshot(page: Page):
    """A full-page shot at the current width, only when SAMPLAN_SCREENSHOTS is set."""

    def shoot(name):
        if os.environ.get("SAMPLAN_SCREENSHOTS"):
            page.screenshot(path=SCREENSHOTS / f"plan-{name}.png", full_page=True, animations="disabled")

    return shoot


def plan_path(citizen, version=None, rest=""):
    return f"/citizens/{citizen.pk}/plan/" + (f"{version.pk}/{rest}" if version else "")


def write_text(page: Page, citizen, version, key, text):
    page.locator(f"a[href='{plan_path(citizen, version, f'text/{key}/')}']").click()
    page.locator("textarea[name=text]").fill(text)
    page.locator(SUBMIT).click()
    expect(page.get_by_test_id(f"text-{key}")).to_have_text(text)


def open_form(page: Page, citizen, version, rest):
    page.locator(f"a[href='{plan_path(citizen, version, rest)}']").click()
    expect(page).to_have_url(re.compile(re.escape(plan_path(citizen, version, rest)) + "$"))


def saved(page: Page, citizen, version):
    page.locator(SUBMIT).click()
    # Back on the plan, scrolled to the part just saved.
    expect(page).to_have_url(re.compile(re.escape(f"{plan_path(citizen)}?version={version.pk}") + r"(#[\w-]+)?$"))


def test_coordinator_builds_the_plan_the_citizen_approves_it_on_a_phone_and_it_is_put_into_effect(
    page: Page,
    live_server,
    log_in,
    log_out,
    axe_clean,
    on_phone,
    on_desktop,
    screenshot,
    citizen_login,
    goals,
    gp_member,
):
    citizen = citizen_login
    coordinator_member = CareTeamMember.objects.get(citizen=citizen, role=CareTeamMember.Role.COORDINATOR)
    log_in("koordinator")
    page.goto(f"{live_server.url}{plan_path(citizen)}")
    page.locator(f"form[action='{plan_path(citizen)}start/'] button[type=submit]").click()
    version = PlanVersion.objects.get(citizen=citizen)
    expect(page).to_have_url(f"{live_server.url}{plan_path(citizen)}?version={version.pk}")
    expect(page.get_by_test_id("plan-status")).to_contain_text("Version 1 – Proposal")
    expect(page.locator(f"form[action='{plan_path(citizen)}start/']")).to_have_count(0)
    missing = page.locator(MISSING)
    missing_at_start = missing.count()
    assert missing_at_start == 8, missing.all_inner_texts()

    write_text(page, citizen, version, "what_matters", "Å ha et sted å bo og noen å snakke med.")
    write_text(page, citizen, version, "finance", "Nav betaler husleien direkte til utleier.")
    write_text(page, citizen, version, "medication", "Sertralin 50 mg morgen, forskrevet av fastlegen.")
    write_text(page, citizen, version, "participants", "Ingrid, koordinator Kari, fastlege Geir.")
    write_text(page, citizen, version, "contributions", "Ingrid møter til samtaler; søsteren handler på lørdager.")
    write_text(page, citizen, version, "cooperation", "Fastlegen og Nav møtes hos kommunen hver tredje måned.")
    expect(missing).to_have_count(missing_at_start - 3)

    # An intervention without a responsible person is refused, and what was typed stays.
    open_form(page, citizen, version, "add/interventions/")
    page.locator("#id_what").fill("Samtale med koordinator")
    page.locator("#id_how").fill("Hjemmebesøk eller på telefon")
    page.locator(SUBMIT).click()
    expect(page.locator(".ds-error-summary")).to_be_visible()
    expect(page.locator("#id_responsible")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_what")).to_have_value("Samtale med koordinator")
    axe_clean(page, "add-intervention form without a responsible person")
    assert not PlanIntervention.objects.exists()
    page.locator("#id_responsible").select_option(str(gp_member.pk))
    page.locator("#id_frequency").fill("Hver uke")
    page.locator("#id_starts").fill(timezone.localdate().isoformat())
    saved(page, citizen, version)
    interventions = page.locator("section[aria-labelledby=interventions-heading] tbody tr")
    expect(interventions).to_have_count(1)
    expect(interventions).to_contain_text("Geir Testesen")
    # An intervention can be changed afterwards.
    interventions.get_by_role("link", name="Change").click()
    axe_clean(page, "change-intervention form")
    page.locator("#id_frequency").fill("Annenhver uke")
    saved(page, citizen, version)
    expect(interventions).to_contain_text("Annenhver uke")

    open_form(page, citizen, version, "add/contacts/")
    page.locator("#id_topic").fill("Medisiner")
    page.locator("#id_member").select_option(str(gp_member.pk))
    page.locator("#id_how_to_reach").fill("Legekontoret, 8–15")
    saved(page, citizen, version)
    expect(page.locator("section[aria-labelledby=contacts-heading] dt")).to_have_text(["Medisiner"])

    crisis_plans = (
        ("symptoms", "Når stemmene kommer tilbake", "Sover dårlig flere netter", coordinator_member),
        ("substance", "Hvis jeg begynner å drikke igjen", "Slutter å svare på telefon", gp_member),
    )
    for situation, title, signs, contact in crisis_plans:
        open_form(page, citizen, version, "add/crisis_plans/")
        page.locator("#id_situation").select_option(situation)
        page.locator("#id_title").fill(title)
        page.locator("#id_warning_signs").fill(signs)
        page.locator("#id_what_helps").fill("Å gå en tur med søsteren min")
        page.locator(f"input[name=contacts][value='{contact.pk}']").check()
        page.locator("#id_what_is_done").fill("Koordinator ringer innen samme dag")
        saved(page, citizen, version)
    expect(page.locator("section[aria-labelledby=crisis-heading] article :is(h2, h3)")).to_have_text(
        [title for _situation, title, _signs, _contact in crisis_plans]
    )

    open_form(page, citizen, version, "add/assessment/")
    page.locator("#id_life_area").select_option("housing")
    page.locator("#id_needs").fill("Hjelp til å søke kommunal bolig")
    page.locator("#id_resources").fill("Flink til å holde orden")
    saved(page, citizen, version)

    expect(missing).to_have_count(2)  # the intervention's "how" was written: only period and consent remain
    open_form(page, citizen, version, "period/")
    page.locator("#id_period_end").fill((timezone.localdate() + datetime.timedelta(days=365)).isoformat())
    page.locator("#id_consent_to_plan").check()
    page.locator("#id_consent_to_sharing").check()
    saved(page, citizen, version)
    expect(page.locator("[data-testid=missing-contents]")).to_have_count(0)
    version.refresh_from_db()
    assert actions.missing_contents(version) == []
    axe_clean(page, "complete plan proposal, coordinator")
    screenshot("coordinator-desktop")
    log_out()

    on_phone()
    log_in("ingrid85", CITIZEN_PASSWORD)
    page.goto(f"{live_server.url}/me/")
    page.locator(f"main a[href='{plan_path(citizen)}']").click()
    expect(page.get_by_test_id("text-what_matters")).to_have_text("Å ha et sted å bo og noen å snakke med.")
    axe_clean(page, "the citizen's plan proposal on a phone")
    screenshot("citizen-phone")
    # Before approving, a comment on one part goes to the coordinator.
    page.locator("#comment-section").select_option("daily_plan")
    page.locator("#comment-text").fill("Jeg vil heller ha samtalen på formiddagen.")
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_test_id("comments")).to_contain_text("Jeg vil heller ha samtalen på formiddagen.")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("approve")).to_have_count(0)
    expect(page.get_by_test_id("plan-status")).to_contain_text("Approved")
    version.refresh_from_db()
    assert version.status == PlanVersion.Status.APPROVED and version.approved_by_citizen_at is not None

    # One tap from home to the crisis plan, with both plans' warning signs.
    page.goto(f"{live_server.url}/me/")
    page.get_by_test_id("crisis-plan-link").click()
    expect(page).to_have_url(f"{live_server.url}/citizens/{citizen.pk}/crisis-plan/")
    for _situation, title, signs, _contact in crisis_plans:
        card = page.locator("article.crisis-plan", has_text=title)
        expect(card).to_contain_text(signs)
        phone = card.locator("a[href^='tel:']")
        expect(phone).to_have_text("400 00 000")
        assert phone.bounding_box()["height"] < 40, "a phone number is broken over two lines"
    expect(page.get_by_test_id("crisis-plan-status")).to_contain_text("approved but not yet in effect")
    axe_clean(page, "crisis plan on a phone")
    screenshot("crisis-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the crisis plan scrolls sideways"
    log_out()

    on_desktop()
    log_in("koordinator")
    page.goto(f"{live_server.url}{plan_path(citizen)}")
    comments = page.get_by_test_id("comments")
    expect(comments).to_contain_text("Day and week plan: Jeg vil heller ha samtalen på formiddagen.")
    comments.get_by_role("button", name="Mark as handled").click()
    expect(page.get_by_test_id("comments")).to_have_count(0)
    page.locator(f"form[action='{plan_path(citizen, version, 'activate/')}'] button[type=submit]").click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("Active")
    version.refresh_from_db()
    assert version.status == PlanVersion.Status.ACTIVE

    # A new proposal copies the plan; one changed section shows up when the versions are compared.
    page.locator(f"form[action='{plan_path(citizen)}start/'] button[type=submit]").click()
    second = PlanVersion.objects.get(citizen=citizen, number=2)
    write_text(page, citizen, second, "what_matters", "Å ha et sted å bo, og en jobb å gå til.")
    page.get_by_role("link", name="See what is changed from the plan in effect").click()
    diff = page.locator("section.diff-part", has_text="What matters to me")
    expect(diff.locator("ins")).to_have_text("Å ha et sted å bo, og en jobb å gå til.")
    expect(diff.locator("del")).to_have_text("Å ha et sted å bo og noen å snakke med.")
    expect(diff.locator("td.diff-kind")).to_have_text("Changed")
    expect(page.locator("section.diff-part")).to_have_count(1)  # nothing else changed
    axe_clean(page, "comparing version 1 and 2")
    screenshot("compare-desktop")


def test_nav_sees_the_finance_agreement_but_not_the_medication_plan(
    page: Page, live_server, log_in, axe_clean, citizen, coordinator, draft, nav
):
    grant = grant_for(coordinator, citizen)
    for key, text in (("finance", "Nav betaler husleien direkte."), ("medication", "Sertralin 50 mg morgen.")):
        actions.save_text(grant, draft, key, text, expected_revision=0, acting_user=coordinator)
    log_in("navveileder")
    page.goto(f"{live_server.url}{plan_path(citizen)}")
    expect(page.get_by_test_id("text-finance")).to_have_text("Nav betaler husleien direkte.")
    expect(page.get_by_test_id("text-medication")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Sertralin")
    expect(page.locator("#crisis-heading")).to_have_count(0)
    for editing in ("text/", "add/", "period/"):
        expect(page.locator(f"a[href^='{plan_path(citizen, draft, editing)}']")).to_have_count(0)
    axe_clean(page, "the plan as Nav sees it")
    # The PDF link, fetched with Nav's own session, holds the same parts and no more.
    pdf_href = page.get_by_role("link", name="Download the plan as PDF").get_attribute("href")
    reply = page.request.get(f"{live_server.url}{pdf_href}")
    assert reply.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=reply.body(), capture_output=True, check=True).stdout
    assert "Nav betaler husleien direkte." in text.decode() and "Sertralin" not in text.decode()


def test_two_editors_save_the_same_section_and_the_second_keeps_both_texts(
    page: Page, browser, browser_context_args, live_server, log_in, axe_clean, citizen, draft, outsider
):
    """The coordinator and a colleague on emergency access open the same section at once."""
    EmergencyAccess.objects.create(
        user=outsider,
        citizen=citizen,
        reason="Koordinator er syk",
        expires_at=timezone.now() + datetime.timedelta(hours=2),
    )
    edit_url = f"{live_server.url}{plan_path(citizen, draft, 'text/what_matters/')}"
    log_in("koordinator")
    page.goto(edit_url)

    other_context = browser.new_context(**browser_context_args)
    try:
        other_context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        other = other_context.new_page()
        other.set_default_timeout(5_000)
        other.goto(f"{live_server.url}/accounts/login/")
        other.locator("#id_username").fill("utenfor")
        other.locator("#id_password").fill(PASSWORD)
        with other.expect_navigation():
            other.locator("main form button[type=submit]").click()
        other.goto(edit_url)

        page.locator("textarea[name=text]").fill("Kari sin tekst: bolig først.")
        page.locator(SUBMIT).click()
        expect(page.get_by_test_id("text-what_matters")).to_have_text("Kari sin tekst: bolig først.")

        other.locator("textarea[name=text]").fill("Ulf sin tekst: jobb først.")
        other.locator(SUBMIT).click()
        conflict = other.get_by_test_id("conflict")
        expect(conflict).to_be_visible()
        expect(conflict).to_contain_text("Kari Testesen")
        expect(other.get_by_test_id("theirs")).to_have_text("Kari sin tekst: bolig først.")
        expect(other.locator("textarea[name=text]")).to_have_value("Ulf sin tekst: jobb først.")
        assert PlanText.objects.get(version=draft, key="what_matters").text == "Kari sin tekst: bolig først."
        axe_clean(other, "edit page with a conflict")

        # The merged text is saved against the revision now shown, without a second conflict.
        other.locator("textarea[name=text]").fill("Bolig først, så jobb.")
        other.locator(SUBMIT).click()
        expect(other.get_by_test_id("text-what_matters")).to_have_text("Bolig først, så jobb.")
        section = PlanText.objects.get(version=draft, key="what_matters")
        assert (section.text, section.revision, section.updated_by) == ("Bolig først, så jobb.", 2, outsider)
    finally:
        other_context.close()
