"""An improvement team in a real browser: the leader makes it (an aim without a measure is refused
and nothing typed is lost), records a PDSA cycle and sees its start on the run chart, takes it through
do, study and act, and answers the checklist; a member opens it on a phone. axe-core on every page.
Pages are read in English; elements are found by id or data-testid.

With ``IMPROVEMENT_SCREENSHOTS=<folder>`` the pages are also saved as screenshots (390 and 1280 wide).
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from improvement.models import ChecklistAnswer, Cycle, Team
from pathways.models import Episode, PathwayTemplate
from people.models import UnitLeadership
from tests.browser.conftest import make_staff, screenshots

pytestmark = pytest.mark.browser

CHART = "run-chart-measure-first_contact_within_deadline"


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
    """Ten months of referrals to the unit, twenty a month: five to seven contacted late, five dropped
    out and ten completed within the month (enough of each for the monthly shares to be shown)."""
    template = PathwayTemplate.objects.create(key="veiledet", name="Veiledet selvhjelp", first_contact_days=7)
    month = timezone.localdate().replace(day=1)
    rows = []
    for n in range(1, 11):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        received = month.replace(day=3)
        for i in range(20):
            status = "dropped_out" if i < 5 else "completed" if i < 15 else "active"
            rows.append(
                Episode(
                    citizen=citizen,
                    template=template,
                    referral_received=received,
                    referral_source="self",
                    referral_reason="Test",
                    unit=municipality,
                    first_contact_due=received + datetime.timedelta(days=7),
                    first_contact_on=received + datetime.timedelta(days=10 if i % 20 < 5 + n % 3 else 4),
                    status=status,
                    ended_on=received + datetime.timedelta(days=20) if status != "active" else None,
                    end_reason="Test" if status != "active" else "",
                )
            )
    Episode.objects.bulk_create(rows)


def _shot(page, name):
    screenshots(page, "IMPROVEMENT_SCREENSHOTS", name)


def test_a_leader_makes_a_team_and_records_a_pdsa_cycle_on_its_run_chart(
    page: Page, live_server, log_in, log_out, axe_clean, on_phone, on_desktop, leader, coordinator, history
):
    base = live_server.url
    log_in("leder")
    page.goto(f"{base}/improvement/")
    expect(page.get_by_test_id("no-teams")).to_be_visible()
    axe_clean(page, "the team list, empty")
    page.get_by_test_id("new-team").click()

    # The aim without a measure: refused, said where, everything typed still there.
    page.locator("#id_name").fill("Raskere første kontakt")
    page.get_by_label("Kari Testesen – Fjordby kommune").check()
    page.locator("#id_aim_text").fill("90 % første kontakt innen 7 dager innen juni")
    page.locator("#id_target_value").fill("90")
    target = timezone.localdate() + datetime.timedelta(days=180)
    page.locator("#id_target_date").fill(target.isoformat())
    axe_clean(page, "a new team")
    _shot(page, "team-new")
    page.get_by_test_id("save-team").click()
    expect(page.locator(".ds-error-summary")).to_contain_text("An aim needs a measure")
    expect(page.locator("#id_aim_measure_error")).to_contain_text("An aim needs a measure")
    expect(page.locator("#id_name")).to_have_value("Raskere første kontakt")
    expect(page.locator("#id_aim_text")).to_have_value("90 % første kontakt innen 7 dager innen juni")
    expect(page.get_by_label("Kari Testesen – Fjordby kommune")).to_be_checked()
    assert not Team.objects.exists()
    axe_clean(page, "a new team with its errors")
    _shot(page, "team-new-errors")
    page.locator("#id_aim_measure").select_option("first_contact_within_deadline")
    page.get_by_label("Endings that were completed (%)").check()
    page.get_by_test_id("save-team").click()

    # The team's page: the aim, two run charts, no cycle yet.
    expect(page.get_by_test_id("aim")).to_contain_text("90 % første kontakt")
    expect(page.get_by_test_id(CHART)).to_be_visible()
    expect(page.get_by_test_id("no-cycles")).to_be_visible()
    expect(page.get_by_test_id(CHART).locator(".run-chart__marker")).to_have_count(0)
    axe_clean(page, "the team's page")

    # A PDSA cycle, planned to start today: its start is marked on the run charts.
    page.get_by_test_id("new-cycle").click()
    page.locator("#id_change").fill("Ringe samme dag som henvisningen kommer")
    page.locator("#id_prediction").fill("Andelen innen fristen stiger over 80 % innen to måneder.")
    page.locator("#id_starts_on").fill(timezone.localdate().isoformat())
    axe_clean(page, "plan a cycle")
    _shot(page, "cycle-new")
    page.get_by_test_id("save-cycle").click()
    expect(page.locator(".messages")).to_contain_text("PDSA 1 is saved and marked on the run charts")
    chart = page.get_by_test_id(CHART)
    expect(chart.locator(".run-chart__marker")).to_have_count(1)
    expect(chart.locator(".run-chart__marker-label")).to_have_text("PDSA 1")
    expect(chart).to_contain_text("A change was tried (PDSA cycle)")
    expect(page.get_by_test_id("cycle-1")).to_contain_text("Ringe samme dag")
    axe_clean(page, "the team's page with a cycle")
    _shot(page, "team")

    # Do, study, act: a decision needs its note.
    page.get_by_test_id("cycle-1").get_by_role("link").click()
    expect(page.get_by_test_id("run-chart-cycle-1").locator(".run-chart__marker-label")).to_have_text("PDSA 1")
    page.locator("#id_do_notes").fill("Gjort i fire uker.")
    page.locator("#id_study_notes").fill("Andelen steg etter starten.")
    page.locator("input[name=act][value=adopt]").check()
    axe_clean(page, "a cycle")
    page.get_by_test_id("save-cycle").click()
    expect(page.locator("#id_act_note_error")).to_contain_text("say why you chose this")
    expect(page.locator("#id_do_notes")).to_have_value("Gjort i fire uker.")
    axe_clean(page, "a cycle with its errors")
    _shot(page, "cycle-errors")
    page.locator("#id_act_note").fill("Vi beholder det og legger inn faste telefontider.")
    page.get_by_test_id("save-cycle").click()
    expect(page.get_by_test_id("cycle-1")).to_contain_text("Decided")
    assert Cycle.objects.get().act == "adopt"

    # The checklist: the seed's ten questions.
    page.get_by_test_id("answer-checklist").click()
    page.get_by_test_id("question-2").locator("input[value=partly]").check()
    page.locator("#id_q2_note").fill("Planen for våren er ikke skrevet ned ennå.")
    axe_clean(page, "the checklist")
    _shot(page, "checklist")
    page.get_by_test_id("save-checklist").click()
    expect(page.get_by_test_id("answer-2")).to_contain_text("Partly")
    expect(page.get_by_test_id("checklist-count")).to_contain_text("1 of 10 questions answered")
    assert ChecklistAnswer.objects.get().answered_by == leader
    log_out()

    # The member opens the team from the list on a phone.
    on_phone()
    log_in("koordinator")
    page.goto(f"{base}/improvement/")
    axe_clean(page, "the team list on a phone")
    _shot(page, "team-list")
    page.get_by_role("link", name="Raskere første kontakt").click()
    expect(page.get_by_test_id(CHART).locator(".run-chart__marker-label")).to_have_text("PDSA 1")
    axe_clean(page, "the team's page on a phone")
    on_desktop()
