"""Peer support in a real browser: the citizen asks for a peer worker and writes her personal
development plan on a phone; the coordinator adds a peer worker, whose default scope the page ticks;
the peer worker sees the development plan and nothing outside that scope. axe-core on every new page."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from people.models import CareTeamMember, Organisation
from tests.browser.conftest import PASSWORD, make_staff, screenshots

pytestmark = pytest.mark.browser
SHOTS = "SAMPLAN_RECOVERY_SHOTS"  # a folder: screenshots of the pages at phone and desktop width


@pytest.fixture(autouse=True)
def english(page: Page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def ingrid(citizen):
    citizen.user = get_user_model().objects.create_user(username="ingrid", password=PASSWORD)
    citizen.save(update_fields=["user"])
    return citizen


@pytest.fixture
def peer():
    service = Organisation.objects.create(name="Likepersonstjenesten", org_type=Organisation.Type.NGO)
    return make_staff("likeperson", "Per", service, "Erfaringskonsulent")


def test_a_citizen_asks_for_a_peer_worker_who_is_added_and_sees_only_their_scope(
    page: Page, live_server, ingrid, peer, log_in, log_out, on_phone, on_desktop, axe_clean
):
    on_phone()
    log_in("ingrid")
    page.get_by_test_id("peer-link").click()
    axe_clean(page, "peer support (citizen)")
    page.locator("#id_wish").fill("Helst noen som har erfaring med søvnproblemer")
    page.get_by_test_id("ask-peer").click()
    expect(page.get_by_test_id("request-open")).to_be_visible()
    page.goto(f"{live_server.url}/me/")
    page.get_by_test_id("development-plan-link").click()
    axe_clean(page, "development plan (empty)")
    page.get_by_test_id("write-plan").click()
    axe_clean(page, "development plan form")
    page.locator("#id_what_matters").fill("Hunden min og gitaren")
    page.locator("#id_what_helps").fill("En tur hver morgen")
    page.get_by_test_id("save-plan").click()
    expect(page.get_by_test_id("development-plan")).to_contain_text("En tur hver morgen")
    axe_clean(page, "development plan")
    screenshots(page, SHOTS, "development-plan")
    page.goto(f"{live_server.url}/citizens/{ingrid.pk}/peer-support/")
    screenshots(page, SHOTS, "peer-support")
    log_out()

    on_desktop()
    log_in("koordinator")
    page.locator("main a", has_text="Asks for a peer worker").click()
    axe_clean(page, "peer support (coordinator)")
    page.get_by_role("link", name="Add a peer worker to the team").click()
    page.locator("#id_user").select_option(str(peer.pk))
    page.locator("#id_role").select_option(CareTeamMember.Role.PEER_WORKER)
    expect(page.locator("input[name=sections][value=development_plan]")).to_be_checked()
    expect(page.locator("input[name=sections][value=crisis_plan]")).not_to_be_checked()
    page.locator("main form.form-stack button[type=submit]").click()
    member = CareTeamMember.objects.get(citizen=ingrid, user=peer)
    assert set(member.sections) == {"overview", "development_plan", "pathway", "group"}  # group: every role
    log_out()

    log_in("likeperson")
    page.goto(f"{live_server.url}/citizens/{ingrid.pk}/development-plan/")
    expect(page.get_by_test_id("development-plan")).to_contain_text("Hunden min og gitaren")
    for refused in ("crisis-plan/", "measures/", "notes/", "relatives/"):
        assert page.goto(f"{live_server.url}/citizens/{ingrid.pk}/{refused}").status == 403, refused
