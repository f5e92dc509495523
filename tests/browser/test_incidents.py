"""A violent episode at a housing unit, walked in a real browser with axe-core on every new page.

The milieu therapist records the incident and its debrief at desktop width; the coordinator proposes the
warning signs for the crisis plan; the citizen reads the incident and approves the plan proposal on a
phone. The leader's run chart is checked too. Pages are read in English (the ``django_language``
cookie); elements are found by id, name or data-testid.

Screenshots: ``INCIDENT_SCREENSHOTS=/work/shots/incidents uv run pytest tests/browser/test_incidents.py``.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from incidents.models import Incident
from incidents.sections import INCIDENTS
from people.access import grant_for
from people.models import CareTeamMember, Organisation, Section, UnitLeadership
from plans import actions as plan_actions
from plans.models import CrisisPlan, PlanVersion
from plans.tests.helpers import complete
from tests.browser.conftest import make_staff, screenshots

pytestmark = pytest.mark.browser

CITIZEN_PASSWORD = "blåbærsyltetøy-om-morgenen"
SUBMIT = "main form.form-stack button[type=submit]"
SHOTS = "INCIDENT_SCREENSHOTS"


@pytest.fixture(autouse=True)
def english(page: Page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def housing_unit(municipality):
    return Organisation.objects.create(name="Bofellesskapet Lia", parent=municipality)


@pytest.fixture
def milieu(citizen, housing_unit):
    user = make_staff("miljo", "Mona", housing_unit, "Miljøterapeut")
    CareTeamMember.objects.create(
        citizen=citizen,
        user=user,
        role=CareTeamMember.Role.OTHER,
        organisation=housing_unit,
        sections=[Section.OVERVIEW, INCIDENTS],
    )
    return user


@pytest.fixture
def citizen_with_plan(citizen, coordinator):
    """The citizen with a login and a plan in effect that they approved."""
    citizen.user = get_user_model().objects.create_user(username="ingrid85", password=CITIZEN_PASSWORD)
    citizen.save(update_fields=["user"])
    grant, own = grant_for(coordinator, citizen), grant_for(citizen.user, citizen)
    member = CareTeamMember.objects.get(citizen=citizen, user=coordinator)
    draft = complete(grant, plan_actions.start_draft(grant, acting_user=coordinator), coordinator, citizen, member)
    draft = plan_actions.approve(own, draft, acting_user=citizen.user, seen_revision=draft.content_revision)
    plan_actions.activate(grant, draft, acting_user=coordinator)
    return citizen


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_incident_is_recorded_debriefed_and_becomes_a_crisis_plan_proposal_the_citizen_approves(
    page: Page, live_server, log_in, log_out, axe_clean, on_phone, on_desktop, citizen_with_plan, milieu, coordinator
):
    citizen = citizen_with_plan
    # The milieu therapist, at desktop width: the list, the form (empty, then refused, then filled), the incident.
    log_in("miljo")
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/incidents/")
    expect(page.get_by_test_id("no-incidents")).to_be_visible()
    axe_clean(page, "incident list (empty)")
    page.get_by_test_id("new-incident").click()
    axe_clean(page, "new incident")
    screenshots(page, SHOTS, "incident-form")
    page.locator("#id_occurred_at").fill(_local(timezone.now() + datetime.timedelta(days=1)))
    page.locator(SUBMIT).click()
    expect(page.locator(".ds-error-summary")).to_contain_text("The time is in the future")
    expect(page.locator(".ds-error-summary")).to_contain_text("Write what happened.")
    axe_clean(page, "new incident with errors")
    screenshots(page, SHOTS, "incident-form-errors")
    assert not Incident.objects.exists()
    page.locator("#id_occurred_at").fill(_local(timezone.now() - datetime.timedelta(hours=5)))
    page.locator("#id_place").fill("Fellesstua")
    page.locator("#id_what_happened").fill("Ingrid kastet en kopp i veggen og ropte til en ansatt.")
    page.locator("#id_warning_signs").fill("Gikk fram og tilbake i gangen.\nSvarte ikke når hun ble snakket til.")
    page.locator("#id_what_deescalated").fill("Å gå ut sammen og snakke rolig.")
    page.locator("input[name=injuries][value=none]").check()
    with page.expect_navigation():
        page.locator(SUBMIT).click()
    expect(page.get_by_test_id("incident-facts")).to_contain_text("Gikk fram og tilbake i gangen.")
    axe_clean(page, "incident")
    page.get_by_test_id("record-debrief").click()
    axe_clean(page, "debrief form")
    screenshots(page, SHOTS, "debrief-form")
    page.locator("#id_held_at").fill(_local(timezone.now() - datetime.timedelta(hours=1)))
    page.locator("#id_participants").fill("Mona og kveldsvakten")
    page.locator("#id_said").fill("Vi så tegnene, men ventet for lenge.")
    page.locator("#id_learned").fill("Tidlig, rolig kontakt hjelper.")
    page.locator("#id_next_time").fill("Tilby en tur ut når hun går fram og tilbake.")
    with page.expect_navigation():
        page.locator(SUBMIT).click()
    expect(page.get_by_test_id("debrief")).to_contain_text("Done")
    expect(page.get_by_test_id("propose-crisis-plan")).to_have_count(0)  # the coordinator's to do
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/incidents/")
    axe_clean(page, "incident list")
    screenshots(page, SHOTS, "incident-list")
    log_out()

    # The coordinator proposes the warning signs for the crisis plan.
    log_in("koordinator")
    incident = Incident.objects.get()
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    axe_clean(page, "incident (coordinator)")
    screenshots(page, SHOTS, "incident-coordinator")
    page.get_by_test_id("make-learning-log").click()
    expect(page.get_by_test_id("no-active-group")).to_be_visible()
    axe_clean(page, "learning log from the incident (no group)")
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    page.get_by_test_id("propose-crisis-plan").click()
    expect(page.locator("#id_warning_signs")).to_have_value(
        "Gikk fram og tilbake i gangen.\nSvarte ikke når hun ble snakket til."
    )
    axe_clean(page, "crisis plan proposal form")
    screenshots(page, SHOTS, "crisis-plan-form")
    page.locator("#id_title").fill("Når det blir for mye der jeg bor")
    with page.expect_navigation():
        page.locator(SUBMIT).click()
    expect(page.get_by_test_id("proposal-status")).to_contain_text("waiting for the citizen's approval")
    log_out()

    # The citizen, on a phone: home page → incidents → the incident → the plan proposal → approve.
    on_phone()
    log_in("ingrid85", CITIZEN_PASSWORD)
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("open-my-incidents").click()
    axe_clean(page, "incident list (citizen)")
    screenshots(page, SHOTS, "citizen-incident-list")
    page.get_by_role("link", name=timezone.localtime(incident.occurred_at).strftime("%d.%m.%Y %H:%M")).click()
    expect(page.get_by_test_id("proposal-status")).to_contain_text("approve the proposal if you agree")
    expect(page.get_by_test_id("record-debrief")).to_have_count(0)
    axe_clean(page, "incident (citizen)")
    screenshots(page, SHOTS, "citizen-incident")
    page.get_by_test_id("open-proposal").click()
    expect(page.locator("main")).to_contain_text("Gikk fram og tilbake i gangen.")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("approve")).to_have_count(0)
    proposal = Incident.objects.get().proposed_in
    assert proposal.status == PlanVersion.Status.APPROVED
    plan_actions.activate(grant_for(coordinator, citizen), proposal, acting_user=coordinator)
    active = PlanVersion.objects.active(citizen)
    assert CrisisPlan.objects.filter(version=active, warning_signs__startswith="Gikk fram og tilbake").exists()
    on_desktop()


def test_the_leaders_run_chart_of_incidents_passes_axe(
    page: Page, live_server, log_in, axe_clean, citizen, housing_unit, municipality
):
    leader = make_staff("leder", "Lise", municipality, "Enhetsleder")
    UnitLeadership.objects.create(
        user=leader, organisation=municipality, active_from=timezone.localdate() - datetime.timedelta(days=900)
    )
    month = timezone.localdate().replace(day=1)
    rows = []
    for step in range(18):
        for index in range(3 if step % 7 == 3 else 6 + step % 4):
            moment = datetime.datetime.combine(month.replace(day=1 + index), datetime.time(20))
            rows.append(
                Incident(
                    citizen=citizen,
                    unit=housing_unit,
                    occurred_at=timezone.make_aware(moment),
                    what_happened="Hendelse",
                    injuries=["none"],
                )
            )
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    Incident.objects.bulk_create([row for row in rows if row.occurred_at <= timezone.now()])
    log_in("leder")
    page.goto(f"{live_server.url}/insights/")
    page.get_by_role("link", name="See incidents per unit and month").click()
    expect(page.get_by_test_id(f"run-chart-incidents-{housing_unit.pk}")).to_be_visible()
    axe_clean(page, "incident run chart")
    screenshots(page, SHOTS, "incident-report")
