"""Relatives with the citizen's consent, and the children question, in a real browser.

The citizen, on a phone, adds her brother, lets him know the crisis plan only and invites him to a
login; he sees the crisis plan and nothing else; she takes the consent back and he is refused at
once. The coordinator records two children and the worklist item goes when their needs are seen to.
axe-core on every new page.

Screenshots: ``SAMPLAN_RELATIVES_SHOTS=<folder> uv run pytest tests/browser/test_relatives.py``.
"""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from audit.models import AccessEvent
from people.access import grant_for
from plans import actions as plan_actions
from relatives.models import ChildrenQuestion
from tests.browser.conftest import PASSWORD, screenshots

pytestmark = pytest.mark.browser

SHOTS = "SAMPLAN_RELATIVES_SHOTS"
ODD_PASSWORD = "bror-odd-har-et-langt-passord"


@pytest.fixture(autouse=True)
def english(page: Page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def ingrid(citizen, coordinator):
    """The citizen with a login, and a proposed plan with one crisis plan."""
    citizen.user = get_user_model().objects.create_user(username="ingrid", password=PASSWORD)
    citizen.save(update_fields=["user"])
    grant = grant_for(coordinator, citizen)
    version = plan_actions.start_draft(grant, acting_user=coordinator)
    plan_actions.save_crisis_plan(
        grant,
        version,
        acting_user=coordinator,
        situation="symptoms",
        title="Når jeg ikke sover",
        warning_signs="Jeg sover under fire timer flere netter",
        what_helps="En rolig tur, å ringe Odd",
        what_is_done="Koordinator ringes",
        other_contacts="Odd, bror",
    )
    return citizen


def test_a_citizen_lets_her_brother_see_the_crisis_plan_only_then_takes_it_back(
    page: Page, live_server, ingrid, log_in, log_out, on_phone, axe_clean
):
    page.on("dialog", lambda dialog: dialog.accept())
    on_phone()
    log_in("ingrid")
    page.get_by_test_id("relatives-link").click()
    axe_clean(page, "my relatives (empty)")
    page.get_by_test_id("add-relative").click()
    axe_clean(page, "add a relative")
    page.locator("#id_name").fill("Odd Innbygger")
    page.locator("#id_relation").select_option("sibling")
    page.locator("#id_phone").fill("912 34 567")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("current-consent")).to_contain_text("Nothing")
    page.get_by_label("Crisis plan", exact=True).check()
    page.get_by_test_id("save-consent").click()
    expect(page.get_by_test_id("current-consent")).to_have_text("Crisis plan")
    axe_clean(page, "a relative with a consent")
    screenshots(page, SHOTS, "relative")
    page.get_by_test_id("invite").click()
    code = page.get_by_test_id("invitation-code").inner_text()
    axe_clean(page, "invitation card")
    log_out()

    page.goto(f"{live_server.url}/relative/activate/")
    axe_clean(page, "relative activation")
    page.locator("#id_code").fill(code)
    page.locator("#id_username").fill("odd")
    page.locator("#id_password1").fill(ODD_PASSWORD)
    page.locator("#id_password2").fill(ODD_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/relative/")
    links = page.get_by_test_id("shared-links").locator("a")
    expect(links).to_have_count(1)
    axe_clean(page, "shared with me")
    screenshots(page, SHOTS, "shared-with-me")
    links.first.click()
    expect(page.locator("main")).to_contain_text("Når jeg ikke sover")
    axe_clean(page, "crisis plan as a relative")
    for refused in (f"/citizens/{ingrid.pk}/", f"/citizens/{ingrid.pk}/measures/", f"/citizens/{ingrid.pk}/notes/"):
        assert page.goto(f"{live_server.url}{refused}").status == 403, refused
    log_out()

    log_in("ingrid")
    page.get_by_test_id("relatives-link").click()
    page.get_by_role("link", name="Odd Innbygger").click()
    page.get_by_test_id("revoke").click()
    expect(page.get_by_test_id("current-consent")).to_contain_text("Nothing")
    log_out()

    log_in("odd", ODD_PASSWORD)
    expect(page.get_by_test_id("nothing-shared")).to_be_visible()
    assert page.goto(f"{live_server.url}/citizens/{ingrid.pk}/crisis-plan/").status == 403
    odd = get_user_model().objects.get(username="odd")
    assert AccessEvent.objects.filter(actor_id=odd.pk, citizen_id=ingrid.pk, action="denied", section="crisis_plan")


def test_the_coordinator_records_two_children_and_the_worklist_item_goes(
    page: Page, live_server, citizen, coordinator, log_in, axe_clean
):
    ChildrenQuestion.objects.filter(citizen=citizen).delete()  # not yet asked
    log_in("koordinator")
    item = page.locator("main a", has_text="Ask whether the citizen has children under 18")
    item.click()
    axe_clean(page, "children (unasked)")
    page.get_by_label("Yes").check()
    page.get_by_test_id("answer").click()
    year = timezone.localdate().year
    for name, born in (("Mia", year - 9), ("Jon", year - 4)):
        page.locator("#id_name").fill(name)
        page.locator("#id_birth_year").fill(str(born))
        page.locator("#id_lives_with").select_option("shared")
        page.get_by_test_id("add-child").click()
        expect(page.get_by_test_id("children")).to_contain_text(name)
    axe_clean(page, "children")
    screenshots(page, SHOTS, "children")
    page.goto(f"{live_server.url}/")
    expect(page.locator("main")).to_contain_text("need for information and follow-up is not yet seen to")
    for name in ("Mia", "Jon"):
        page.goto(f"{live_server.url}/citizens/{citizen.pk}/children/")
        page.get_by_role("link", name=f"Change or record follow-up – {name}").click()
        axe_clean(page, f"child {name}")
        page.locator("#id_needs_addressed_on").fill(timezone.localdate().isoformat())
        page.locator("#id_how_addressed").fill("Samtale med barnet; helsesykepleier følger opp")
        page.get_by_test_id("save-child").click()
    page.goto(f"{live_server.url}/")
    expect(page.locator("main")).not_to_contain_text("children")
