"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

The organisations and the GP's care-team role come from the root conftest (the live server
makes their database transactional); the people are made here with the demo's usernames:
a coordinator, a GP from another organisation, an outsider, and a citizen with no login yet.
"""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from people.access import coordinator_sections
from people.models import CareTeamMember, Citizen, StaffProfile
from relatives.models import ChildrenQuestion
from tests.helpers import make_national_id

PASSWORD = "browser-test-passphrase"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

_axe = Axe()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """The Debian Chromium package; `playwright install` is not available here."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP, "locale": "nb-NO"}


@pytest.fixture(autouse=True)
def _short_timeouts(page: Page):
    """Fail in seconds, not in half a minute, when something is missing."""
    page.set_default_timeout(5_000)
    expect.set_options(timeout=5_000)


def make_staff(username, first_name, organisation, profession):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=first_name, last_name="Testesen"
    )
    StaffProfile.objects.create(user=user, organisation=organisation, profession=profession, phone="400 00 000")
    return user


@pytest.fixture
def coordinator(municipality):
    return make_staff("koordinator", "Kari", municipality, "Sykepleier")


@pytest.fixture
def gp(gp_office):
    return make_staff("fastlege", "Geir", gp_office, "Lege")


@pytest.fixture
def outsider(municipality):
    return make_staff("utenfor", "Ulf", municipality, "Miljøterapeut")


@pytest.fixture
def citizen(coordinator, municipality):
    """A citizen with the coordinator on the care team and no login of their own yet."""
    born = datetime.date(1985, 1, 1)
    citizen = Citizen.objects.create(
        given_name="Ingrid",
        family_name="Innbygger",
        date_of_birth=born,
        national_id=make_national_id(born),
    )
    CareTeamMember.objects.create(
        citizen=citizen,
        user=coordinator,
        role=CareTeamMember.Role.COORDINATOR,
        organisation=municipality,
        sections=coordinator_sections(),
    )
    # Asked whether she has children under 18 (she has none), so worklists do not open with it.
    ChildrenQuestion.objects.create(citizen=citizen, has_children=False, answered_by=coordinator)
    return citizen


@pytest.fixture
def log_in(page: Page, live_server):
    """Log in through the form, as a person would."""

    def as_user(username, password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        expect(page).not_to_have_url(f"{live_server.url}/accounts/login/")

    return as_user


@pytest.fixture
def log_out(page: Page, live_server):
    def out():
        with page.expect_navigation():
            page.locator("form[action='/accounts/logout/'] button[type=submit]").click()
        expect(page).to_have_url(f"{live_server.url}/accounts/login/")

    return out


@pytest.fixture
def axe_clean():
    """Check the page with axe-core's default rules (WCAG 2.1 A/AA and best practice)."""

    def check(page: Page, where=""):
        results = _axe.run(page)
        assert results.violations_count == 0, f"axe on {where or page.url}:\n{results.generate_report()}"

    return check


@pytest.fixture
def on_phone(page: Page):
    """Switch the page to a phone-sized viewport; citizens mostly come on a phone."""

    def switch():
        page.set_viewport_size(PHONE)

    return switch


@pytest.fixture
def on_desktop(page: Page):
    def switch():
        page.set_viewport_size(DESKTOP)

    return switch


def screenshots(page: Page, variable, name):
    """With the environment variable ``variable`` naming a folder, save the page there at phone and
    desktop width (``<name>-phone.png``, ``<name>-desktop.png``), for a person to look at."""
    import os
    from pathlib import Path

    folder = os.environ.get(variable)
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=Path(folder) / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size(size)
