"""The social emergency register in a real browser: a night-shift worker on a phone records an anonymous contact in
under ten taps (counted) and sees it in the unit's figures; identifying free text is refused with a clear message
that keeps what was typed; the unit's leader reads the figures. axe-core on every page of the register.

Set SOCIAL_EMERGENCY_SCREENSHOTS to a folder to keep screenshots of each page at 390 and 1280 px."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from people.models import Organisation, UnitLeadership
from social_emergency.defaults import ensure_lists
from social_emergency.models import Contact, ContactRegister
from tests.browser.conftest import make_staff, screenshots

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def english(page: Page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def register(municipality):
    """A 24-hour unit with five walk-in contacts earlier in the week, a night-shift worker and a leader."""
    ensure_lists()  # the live server's tests flush the lists the data migration made
    unit = Organisation.objects.create(name="Sosialt akuttilbud", parent=municipality)
    register = ContactRegister.objects.create(unit=unit)
    worker = make_staff("nattevakt", "Nora", unit, "Miljøterapeut")
    leader = make_staff("leder", "Lene", municipality, "Enhetsleder")
    UnitLeadership.objects.create(user=leader, organisation=unit, active_from=datetime.date(2020, 1, 1))
    for hours in (30, 40, 50, 60, 70):
        Contact.objects.create(
            register=register,
            occurred_at=timezone.now() - datetime.timedelta(hours=hours),
            channel="walk_in",
            duration_minutes=30,
            recorded_by=worker,
            wellbeing_before=3,
            wellbeing_after=5,
        )
    return register


def shot(page: Page, name):
    screenshots(page, "SOCIAL_EMERGENCY_SCREENSHOTS", name)


class Taps:
    """Every click or tap the worker makes, counted."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator):
        self.count += 1
        locator.click()


def test_a_night_worker_records_an_anonymous_contact_in_under_ten_taps_on_a_phone(
    page: Page, live_server, log_in, axe_clean, on_phone, register
):
    log_in("nattevakt")
    on_phone()
    tap = Taps()
    tap(page.get_by_role("link", name="Emergency contacts"))
    expect(page.get_by_test_id("register")).to_contain_text("Sosialt akuttilbud")
    axe_clean(page, "the registers")
    shot(page, "registers")
    tap(page.get_by_test_id("record"))
    expect(page.get_by_test_id("anonymous-notice")).to_contain_text("This register is anonymous")
    axe_clean(page, "record a contact")
    shot(page, "record")
    tap(page.get_by_text("Walk-in", exact=True))
    tap(page.get_by_text("About 15 minutes", exact=True))
    tap(page.get_by_text("Loneliness", exact=True))
    tap(page.get_by_test_id("save"))
    expect(page.get_by_test_id("recorded")).to_contain_text("The contact is recorded")
    expect(page.get_by_test_id("recorded")).to_contain_text("Loneliness")
    expect(page.get_by_test_id("record-another")).to_be_visible()
    axe_clean(page, "recorded")
    shot(page, "recorded")
    tap(page.get_by_test_id("figures"))
    expect(page.get_by_test_id("total")).to_contain_text("6")
    expect(page.get_by_test_id("channels-1")).to_have_text("6")  # walk-in: five before, and this one
    axe_clean(page, "the unit's figures")
    shot(page, "figures")
    assert tap.count <= 10, tap.count
    contact = Contact.objects.latest("pk")
    assert contact.channel == "walk_in" and contact.duration_minutes == 15 and not contact.identified
    assert contact.citizen is None and contact.note == ""


def test_an_identity_number_in_the_note_is_refused_and_what_was_typed_is_kept(
    page: Page, live_server, log_in, axe_clean, on_phone, register
):
    log_in("nattevakt")
    on_phone()
    page.goto(f"{live_server.url}/emergency-contacts/{register.pk}/record/")
    page.get_by_text("Phone", exact=True).click()
    page.get_by_text("About half an hour", exact=True).click()
    page.locator("#id_note").fill("Oppga fnr 010190 12345 selv")
    page.get_by_test_id("save").click()
    expect(page.locator(".ds-error-summary")).to_contain_text("looks like an identity number")
    expect(page.locator("#id_note")).to_have_value("Oppga fnr 010190 12345 selv")
    expect(page.locator("input[name=channel][value=phone]")).to_be_checked()
    axe_clean(page, "record a contact with an error")
    shot(page, "record-error")
    assert Contact.objects.count() == 5


def test_the_unit_leader_reads_the_figures(page: Page, live_server, log_in, axe_clean, on_phone, register):
    log_in("leder")
    page.goto(f"{live_server.url}/emergency-contacts/{register.pk}/figures/?period=3m")
    expect(page.get_by_test_id("total")).to_contain_text("5")
    expect(page.get_by_test_id("wellbeing")).to_contain_text("+66.7 %")
    expect(page.get_by_test_id("record")).to_have_count(0)
    axe_clean(page, "the unit's figures, for the leader")
    on_phone()
    axe_clean(page, "the unit's figures on a phone")


def test_the_demo_units_four_weeks_with_bars(page: Page, live_server, log_in, axe_clean, municipality):
    """Enough contacts that every split is shown: the bars are drawn, and axe is still clean."""
    import random

    from social_emergency.demo import demo_social_emergency

    leader = make_staff("leder2", "Lise", municipality, "Enhetsleder")
    UnitLeadership.objects.create(user=leader, organisation=municipality, active_from=datetime.date(2020, 1, 1))
    register = demo_social_emergency(municipality, "!", rng=random.Random(2026))
    log_in("leder2")
    page.goto(f"{live_server.url}/emergency-contacts/{register.pk}/figures/")
    expect(page.locator(".emergency-bar")).to_have_count(15)  # eight bands of hours and seven weekdays
    expect(page.get_by_test_id("hours-8")).not_to_contain_text("hidden")
    axe_clean(page, "the demo unit's figures")
    shot(page, "figures-demo")
