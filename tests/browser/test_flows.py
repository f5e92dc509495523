"""The stories of the access issue, walked in a real browser, with axe-core on every page.

Staff pages are checked at desktop width, the citizen's pages at phone width. Elements
are found by id, name, URL or data attribute, so the tests hold while translations change.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from audit.models import AccessEvent
from people.models import Block, CareTeamMember, Section

pytestmark = pytest.mark.browser

LOG_ROWS = "section[aria-labelledby=log-heading] tbody tr"


def test_coordinator_adds_gp_and_sees_the_access_log_grow(page: Page, live_server, log_in, axe_clean, citizen, gp):
    page.goto(f"{live_server.url}/accounts/login/")
    axe_clean(page, "login page")

    log_in("koordinator")
    expect(page).to_have_url(f"{live_server.url}/worklist/")  # the coordinator's start page
    axe_clean(page, "worklist, empty")
    page.locator("main a[href='/citizens/']").click()
    expect(page).to_have_url(f"{live_server.url}/citizens/")
    axe_clean(page, "citizen list")

    overview = f"{live_server.url}/citizens/{citizen.pk}/"
    page.locator(f"main a[href='/citizens/{citizen.pk}/']").click()
    expect(page).to_have_url(overview)
    expect(page.locator("#log-heading")).to_be_visible()
    rows_before = page.locator(LOG_ROWS).count()
    axe_clean(page, "citizen overview")

    page.locator(f"a[href='/citizens/{citizen.pk}/team/add/']").click()
    expect(page).to_have_url(f"{overview}team/add/")
    axe_clean(page, "add-member form")

    page.locator("main form.form-stack button[type=submit]").click()
    expect(page.locator(".ds-error-summary")).to_be_visible()
    expect(page.locator("#id_user")).to_have_attribute("aria-invalid", "true")
    axe_clean(page, "add-member form with errors")

    page.locator("#id_user").select_option(str(gp.pk))
    page.locator("#id_role").select_option(CareTeamMember.Role.GP)
    page.locator("input[name=sections][value=measures]").check()
    page.locator("main form.form-stack button[type=submit]").click()
    expect(page).to_have_url(overview)

    expect(page.locator("section[aria-labelledby=team-heading] tbody")).to_contain_text(gp.get_full_name())
    member = CareTeamMember.objects.get(citizen=citizen, user=gp)
    assert member.role == CareTeamMember.Role.GP
    # The overview and the responsibility group come ticked for every role; measures was ticked here.
    assert set(member.sections) == {Section.OVERVIEW, "group", Section.MEASURES}
    assert page.locator(LOG_ROWS).count() > rows_before
    assert AccessEvent.objects.filter(citizen_id=citizen.pk, action=AccessEvent.Action.WRITE).exists()

    logged_so_far = AccessEvent.objects.for_citizen(citizen.pk).count()
    page.locator(f"a[href='/citizens/{citizen.pk}/access-log/']").click()
    expect(page).to_have_url(f"{overview}access-log/")
    expect(page.locator("main tbody tr").first).to_be_visible()
    assert page.locator("main tbody tr").count() >= logged_so_far
    axe_clean(page, "access log")


def test_citizen_activates_login_and_blocks_gp_who_then_gets_404(
    page: Page, live_server, log_in, log_out, axe_clean, on_phone, on_desktop, citizen, gp, care_team_member
):
    log_in("koordinator")
    overview = f"{live_server.url}/citizens/{citizen.pk}/"
    page.goto(overview)
    page.locator(f"form[action='/citizens/{citizen.pk}/access-code/'] button[type=submit]").click()
    code = page.locator(".user-card .code")
    expect(code).to_have_text(re.compile(r"^[2-9A-Z]{5} [2-9A-Z]{5}$"))
    axe_clean(page, "user card")
    access_code = code.inner_text()
    log_out()

    on_phone()
    page.goto(f"{live_server.url}/activate/")
    axe_clean(page, "activation page")
    page.locator("main form.form-stack button[type=submit]").click()
    expect(page.locator(".ds-error-summary")).to_be_visible()
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    axe_clean(page, "activation page with errors")

    page.locator("#id_code").fill(access_code.lower())
    page.locator("#id_username").fill("ingrid85")
    page.locator("#id_password1").fill("blåbærsyltetøy-om-morgenen")
    page.locator("#id_password2").fill("blåbærsyltetøy-om-morgenen")
    page.locator("main form.form-stack button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/me/")
    citizen.refresh_from_db()
    assert citizen.user.username == "ingrid85"
    axe_clean(page, "citizen home")

    page.get_by_test_id("whole-log-link").click()
    expect(page).to_have_url(f"{live_server.url}/citizens/{citizen.pk}/access-log/")
    expect(page.locator("main tbody tr").first).to_be_visible()
    axe_clean(page, "citizen's own access log")

    page.goto(f"{live_server.url}/me/")
    page.on("dialog", lambda dialog: dialog.accept())
    gp_card = page.locator("ul.cards > li").filter(has_text=gp.get_full_name())
    gp_card.locator(f"form[action='/citizens/{citizen.pk}/team/{care_team_member.pk}/block/'] button").click()
    expect(page.locator(".messages [role=status]")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/me/")
    assert Block.objects.filter(citizen=citizen, blocked_user=gp, lifted_at__isnull=True).exists()
    axe_clean(page, "citizen home after a block")
    log_out()

    on_desktop()
    log_in("fastlege")
    response = page.goto(overview)
    assert response.status == 404
    axe_clean(page, "404 page")
    assert AccessEvent.objects.filter(citizen_id=citizen.pk, actor_id=gp.pk, action=AccessEvent.Action.DENIED).exists()


def test_staff_without_a_role_gets_404_and_the_refusal_is_logged(
    page: Page, live_server, log_in, axe_clean, on_phone, citizen, outsider
):
    log_in("utenfor")
    response = page.goto(f"{live_server.url}/citizens/{citizen.pk}/")
    assert response.status == 404
    axe_clean(page, "404 page")
    refusals = AccessEvent.objects.filter(citizen_id=citizen.pk, actor_id=outsider.pk)
    assert [event.action for event in refusals] == [AccessEvent.Action.DENIED]

    page.goto(f"{live_server.url}/emergency/")
    axe_clean(page, "emergency access page")
    page.locator("main form.form-stack button[name=lookup]").click()
    expect(page.locator(".ds-error-summary")).to_be_visible()
    axe_clean(page, "emergency access page with errors")

    on_phone()
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/")
    axe_clean(page, "404 page on a phone")


def test_login_page_is_accessible_on_a_phone_also_with_errors(page: Page, live_server, axe_clean, on_phone):
    on_phone()
    page.goto(f"{live_server.url}/accounts/login/")
    axe_clean(page, "login page on a phone")
    page.locator("main form.form-stack button[type=submit]").click()
    expect(page.locator(".ds-error-summary")).to_be_visible()
    axe_clean(page, "login page with errors on a phone")
