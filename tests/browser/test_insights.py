"""The outcome report in a real browser: the leader opens it for a unit and a pathway, sees the
figures, the run chart with its signal and a suppressed cell, and downloads CSV and PDF; a
coordinator sees only their caseload; Nav and the citizen are refused. axe-core on every page.

With ``INSIGHTS_SCREENSHOTS=<folder>`` the report is also saved as screenshots (390 and 1280 wide).
"""

import datetime
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from pathways.models import Episode, PathwayTemplate
from people.models import Citizen, Organisation, UnitLeadership
from tests.browser.conftest import PASSWORD, make_staff, screenshots
from tests.helpers import make_national_id

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def english(page: Page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def leader(municipality):
    user = make_staff("leder", "Liv", municipality, "Enhetsleder")
    UnitLeadership.objects.create(user=user, organisation=municipality)
    return user


@pytest.fixture
def history(citizen, municipality):
    """Eleven months of referrals, thirty a month to guided self-help: in the first six months about
    half were contacted within 7 days, in the last five about four in five (one crossing of the
    median where at least two are expected: a signal). Three transferred episodes of another pathway
    (a cell under 5). The coordinator coordinates for Ingrid, whose episodes are the first month's
    (their caseload); the rest are another citizen's."""
    other_citizen = Citizen.objects.create(
        given_name="Per",
        family_name="Andersen",
        date_of_birth=datetime.date(1980, 2, 2),
        national_id=make_national_id(datetime.date(1980, 2, 2)),
    )
    guided = PathwayTemplate.objects.create(key="veiledet", name="Veiledet selvhjelp", first_contact_days=7)
    other = PathwayTemplate.objects.create(key="oppfolging", name="Koordinert oppfølging", first_contact_days=14)
    this_month = timezone.localdate().replace(day=1)
    rows = []
    for back in range(11, 0, -1):
        month = this_month
        for _ in range(back):
            month = (month - datetime.timedelta(days=1)).replace(day=1)
        received = month.replace(day=3)
        late_ones = [15, 14, 13, 16, 15, 14, 5, 6, 5, 6, 5][11 - back]
        for i in range(30):
            late = i < late_ones
            rows.append(
                Episode(
                    citizen=citizen if back == 11 else other_citizen,
                    template=guided,
                    unit=municipality,
                    status="completed",
                    referral_received=received,
                    referral_source="self",
                    referral_reason="Test",
                    first_contact_due=received + datetime.timedelta(days=7),
                    first_contact_on=received + datetime.timedelta(days=10 if late else 3),
                    ended_on=received + datetime.timedelta(days=25),
                    end_reason="Ferdig",
                )
            )
    received = this_month - datetime.timedelta(days=40)
    rows += [
        Episode(
            citizen=other_citizen,
            template=other,
            unit=municipality,
            status="transferred",
            referral_received=received,
            referral_source="gp",
            referral_reason="Test",
            first_contact_on=received + datetime.timedelta(days=2),
            ended_on=received + datetime.timedelta(days=20),
            end_reason="Til DPS",
        )
        for _ in range(3)
    ]
    Episode.objects.bulk_create(rows)


def _shot(page, name):
    screenshots(page, "INSIGHTS_SCREENSHOTS", name)


def test_the_leader_reads_the_report_for_a_unit_and_a_pathway_and_downloads_it(
    page: Page, live_server, log_in, axe_clean, on_phone, leader, history, municipality
):
    log_in("leder")
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_test_id("scope")).to_contain_text("units you lead")
    axe_clean(page, "the outcome report")
    course = page.get_by_test_id("course")
    # The transferred three are "under 5"; the total of that column is hidden with them.
    expect(course.locator("[data-cell=small]").first).to_have_text("under 5")
    expect(page.get_by_test_id("total").locator("[data-cell=hidden]").first).to_be_visible()

    page.locator("#id_unit").select_option(str(municipality.pk))
    page.locator("#id_pathway").select_option("veiledet")
    with page.expect_navigation():
        page.get_by_role("button", name="Show the report").click()
    rows = course.get_by_test_id("row")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("completed")).to_have_text("330")
    chart = page.get_by_test_id("run-chart-run-first_contact_within_deadline")
    expect(chart.get_by_test_id("run-chart-verdict")).to_contain_text("Signal")
    expect(chart.get_by_test_id("run-chart-verdict")).to_contain_text("crosses the median 1 times")
    axe_clean(page, "the report for one unit and pathway")
    _shot(page, "insights-report")

    with page.expect_download() as download:
        page.get_by_test_id("csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Unit;Pathway;Referrals")
    assert ";330;" in text.splitlines()[1]
    pdf = page.request.get(live_server.url + page.get_by_test_id("pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"

    on_phone()
    page.reload()
    axe_clean(page, "the report on a phone")


def test_a_coordinator_sees_only_their_caseload(page: Page, live_server, log_in, axe_clean, history, coordinator):
    log_in("koordinator")
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_test_id("scope")).to_contain_text("Your own caseload")
    expect(page.get_by_test_id("total").locator("td").nth(3)).to_have_text("30")  # completed: their 30 only
    axe_clean(page, "a coordinator's report")


def test_nav_and_the_citizen_are_refused(page: Page, live_server, log_in, log_out, history, citizen):
    nav = make_staff("nav", "Nina", Organisation.objects.create(name="Nav Fjordby", org_type="nav"), "Veileder")
    log_in(nav.username)
    expect(page.get_by_role("link", name="Outcomes")).to_have_count(0)
    assert page.goto(f"{live_server.url}/insights/").status == 403
    assert page.goto(f"{live_server.url}/insights/outcomes.csv").status == 403
    page.goto(f"{live_server.url}/")
    log_out()
    citizen.user = get_user_model().objects.create_user(username="ingrid", password=PASSWORD)
    citizen.save(update_fields=["user"])
    log_in("ingrid")
    expect(page.get_by_role("link", name="Outcomes")).to_have_count(0)
    assert page.goto(f"{live_server.url}/insights/").status == 403
    assert page.goto(f"{live_server.url}/insights/outcomes.json").status == 403
