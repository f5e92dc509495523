"""Seed 000's whole guided self-help pathway in a browser, with time moved by `time-machine`.

One citizen goes from referral to closing and user evaluation; a second drops out after two
sessions and still gets, and answers, the evaluation. The coordinator's worklist shows the right
items at each stage, and each disappears when it is handled.
"""

import datetime
import json
import re
import subprocess

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from measures.models import Questionnaire
from pathways.management.commands.import_pathways import SHIPPED, import_template
from pathways.models import Appointment, Episode, ScheduledQuestionnaire
from people.models import Citizen
from tests.helpers import make_national_id

pytestmark = pytest.mark.browser

SUBMIT = "main form.form-stack button[type=submit]"
CITIZEN_PASSWORD = "sommerfugl-i-vinterland"
# A Monday morning; every step of the pathway is placed relative to it.
START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def english(page: Page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def pathways(transactional_db, shipped):
    import_template(json.loads((SHIPPED / "guided-self-help.json").read_text(encoding="utf-8")))


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


def at(clock, days, hour=9, minute=0):
    clock.move_to(START + datetime.timedelta(days=days, hours=hour - 9, minutes=minute))


def worklist_kinds(page: Page, live_server):
    page.goto(f"{live_server.url}/worklist/")
    return page.locator("[data-testid=worklist] li").evaluate_all("items => items.map(i => i.dataset.kind)")


def answer_all_first_options(page: Page):
    """Choose the first option of every radio group and write in every text box, then send."""
    for name in page.locator("main form input[type=radio]").evaluate_all(
        "inputs => [...new Set(inputs.map(i => i.name))]"
    ):
        page.locator(f"main form input[type=radio][name='{name}']").first.check()
    for box in page.locator("main form textarea:visible, main form input[type=text]:visible").all():
        box.fill("Greit")
    send(page)


def send(page: Page):
    """Wait for the answers' autosave to settle (one writer at a time on the test database), then send."""
    page.keyboard.press("Tab")  # a text box saves on change, i.e. when it loses focus
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"Saved at"))
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator("button[name=submit]").click()


def test_guided_self_help_from_referral_to_evaluation_and_a_drop_out_who_is_evaluated_too(
    page: Page,
    live_server,
    log_in,
    log_out,
    axe_clean,
    on_phone,
    on_desktop,
    clock,
    pathways,
    citizen,
    coordinator,
    municipality,
):
    # Day 0: the GP's referral is registered.
    log_in("koordinator")
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/pathways/")
    axe_clean(page, "pathways list")
    page.get_by_role("link", name="Register a referral").click()
    page.locator(SUBMIT).click()  # nothing filled in: clear errors, nothing saved
    expect(page.locator(".ds-error-summary")).to_be_visible()
    assert not Episode.objects.exists()
    page.locator("#id_template").select_option(label="Veiledet selvhjelp")
    page.locator("#id_source").select_option("gp")
    page.locator("#id_reason").fill("Nedstemthet og søvnvansker; ønsker veiledet selvhjelp.")
    page.locator("#id_unit").select_option(label=municipality.name)
    page.locator(SUBMIT).click()
    expect(page.get_by_test_id("first-contact")).to_contain_text("due by 30.11.2026")
    axe_clean(page, "episode, waiting")
    episode = Episode.objects.get(citizen=citizen)

    # Day 5: the deadline is near, so it is on the worklist; the first phone call takes it off.
    at(clock, 5)
    log_in("koordinator")
    assert worklist_kinds(page, live_server) == ["first_contact"]
    axe_clean(page, "worklist")
    page.locator("[data-kind=first_contact] a").click()
    page.get_by_role("button", name="Record first contact today").click()
    expect(page.get_by_test_id("first-contact")).to_have_text(re.compile("28.11.2026"))
    assert worklist_kinds(page, live_server) == []

    # The first session is planned for day 7 at 10:00; the whole pathway is planned from the template.
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/pathways/{episode.pk}/")
    page.get_by_role("link", name="Start the pathway").click()
    page.locator("#id_first_session_at").fill("2026-11-30T10:00")
    page.locator(SUBMIT).click()
    expect(page.get_by_test_id("timeline").locator("tbody tr")).to_have_count(6)
    axe_clean(page, "episode with its planned contacts")

    # The user card: a code for the programme, printed for the first session.
    page.get_by_role("link", name="User card with access code").click()
    with page.expect_download() as download:
        page.locator(SUBMIT).click()
    card = subprocess.run(["pdftotext", download.value.path(), "-"], capture_output=True, check=True).stdout.decode()
    code = re.search(r"\b([2-9A-Z]{5} [2-9A-Z]{5})\b", card).group(1)
    log_out()

    # Day 7, 10:05: the first session at the office. The citizen logs in with the code and fills in PHQ-9.
    at(clock, 7, 10, 5)
    log_in("koordinator")
    assert worklist_kinds(page, live_server) == ["appointment"]
    log_out()
    on_phone()
    page.goto(f"{live_server.url}/activate/")
    page.locator("#id_code").fill(code)
    page.locator("#id_username").fill("selvhjelp1")
    page.locator("#id_password1").fill(CITIZEN_PASSWORD)
    page.locator("#id_password2").fill(CITIZEN_PASSWORD)
    page.locator(SUBMIT).click()
    page.goto(f"{live_server.url}/me/")
    todo = page.get_by_test_id("citizen-todo")
    todo.get_by_role("button", name="Fill in PHQ-9").click()
    answer_all_first_options(page)
    expect(page.locator("[data-testid=score-total]")).to_have_text("0")
    axe_clean(page, "PHQ-9 result on a phone")
    log_out()
    on_desktop()

    log_in("koordinator")
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/pathways/{episode.pk}/")
    page.get_by_test_id("timeline").locator("tbody tr").first.get_by_role("button", name="Done").click()
    expect(page.get_by_test_id("timeline").locator("tbody tr").first).to_contain_text("Done")
    assert worklist_kinds(page, live_server) == []
    log_out()

    page.on("dialog", lambda dialog: dialog.accept())  # "Sign and lock this note?"
    # Weeks 1–4: a phone guidance session each week, with a note from the template, a check-in and goal ratings.
    for week in range(1, 5):
        at(clock, 7 + 7 * week, 10, 25)
        log_in("selvhjelp1", CITIZEN_PASSWORD)
        page.goto(f"{live_server.url}/me/checkin/")
        for item in ("mood", "calm", "sleep", "hope"):
            page.locator(f"input[name={item}][value='{min(10, 3 + week)}']").check()
        page.locator("input[name=substance]").first.check()
        send(page)
        log_out()

        log_in("koordinator")
        assert worklist_kinds(page, live_server) == ["appointment"]
        page.goto(f"{live_server.url}/citizens/{citizen.pk}/notes/new/")
        page.locator("input[name=kind][value=guidance_session]").check()
        page.locator(SUBMIT).click()
        page.locator("textarea[name=agenda]").fill(f"Uke {week}: del {week} av programmet")
        page.locator("textarea[name=homework]").fill("Har gjort øvelsene tre ganger")
        page.locator("textarea[name=next_week_goals]").fill("Gå tur hver dag")
        page.locator(SUBMIT).click()
        page.get_by_test_id("sign").click()
        expect(page.locator("main")).to_contain_text("Signed")
        if week == 1:
            axe_clean(page, "signed guidance-session note")
        page.goto(f"{live_server.url}/citizens/{citizen.pk}/goals/")
        if week == 1:
            page.locator("textarea[name=text]").fill("Sove hele natten")
            page.locator("button[name=add_goal]").click()
        page.locator(f"fieldset.goal-rating input[type=radio][value='{2 + week}']").first.check()
        page.locator("button[name=rate]").click()
        page.goto(f"{live_server.url}/citizens/{citizen.pk}/pathways/{episode.pk}/")
        row = page.get_by_test_id("timeline").locator("tbody tr").nth(week)
        row.get_by_role("button", name="Done").click()
        expect(page.get_by_test_id("timeline").locator("tbody tr").nth(week)).to_contain_text("Done")
        assert worklist_kinds(page, live_server) == []
        log_out()

    # Day 42: the closing session, the end of the pathway, and the user evaluation.
    at(clock, 42, 10, 50)
    log_in("koordinator")
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/pathways/{episode.pk}/")
    page.get_by_test_id("timeline").locator("tbody tr").nth(5).get_by_role("button", name="Done").click()
    page.get_by_role("link", name="End the pathway").click()
    page.locator("input[name=status][value=completed]").check()
    page.locator(SUBMIT).click()  # no reason: refused, the choice kept
    expect(page.locator(".ds-error-summary")).to_contain_text("Write why the pathway ends.")
    expect(page.locator("input[name=status][value=completed]")).to_be_checked()
    page.locator("#id_reason").fill("Gjennomført programmet; bedre søvn.")
    page.locator(SUBMIT).click()
    expect(page.get_by_test_id("episode-status")).to_contain_text("Completed")
    assert "evaluation" in worklist_kinds(page, live_server)
    log_out()

    on_phone()
    log_in("selvhjelp1", CITIZEN_PASSWORD)
    page.goto(f"{live_server.url}/me/")
    page.get_by_test_id("citizen-todo").get_by_role("button", name=re.compile("Tell us how it went")).click()
    answer_all_first_options(page)
    log_out()
    on_desktop()
    log_in("koordinator")
    assert "evaluation" not in worklist_kinds(page, live_server)
    evaluation = ScheduledQuestionnaire.objects.get(episode=episode, reason="evaluation")
    assert evaluation.answered_at is not None
    assert Appointment.objects.filter(episode=episode, status="done").count() == 6
    log_out()

    # A second citizen drops out after two sessions, and is still asked for (and gives) the evaluation.
    second = Citizen.objects.create(
        given_name="Per",
        family_name="Avbryter",
        date_of_birth=datetime.date(1990, 2, 2),
        national_id=make_national_id(),
        user=get_user_model().objects.create_user(username="avbryter", password=CITIZEN_PASSWORD),
    )
    second.care_team.create(user=coordinator, role="coordinator", sections=[], added_by=coordinator)
    at(clock, 43)
    log_in("koordinator")
    page.goto(f"{live_server.url}/citizens/{second.pk}/pathways/referral/")
    page.locator("#id_template").select_option(label="Veiledet selvhjelp")
    page.locator("#id_source").select_option("self")
    page.locator("#id_reason").fill("Ringte selv")
    page.locator("#id_unit").select_option(label=municipality.name)
    page.locator(SUBMIT).click()
    page.get_by_role("button", name="Record first contact today").click()
    page.get_by_role("link", name="Start the pathway").click()
    page.locator("#id_first_session_at").fill("2027-01-07T10:00")
    page.locator(SUBMIT).click()
    dropout = Episode.objects.get(citizen=second)
    log_out()
    for session in range(2):
        at(clock, 45 + 7 * session, 11)
        log_in("koordinator")
        page.goto(f"{live_server.url}/citizens/{second.pk}/pathways/{dropout.pk}/")
        page.get_by_test_id("timeline").locator("tbody tr").nth(session).get_by_role("button", name="Done").click()
        expect(page.get_by_test_id("timeline").locator("tbody tr").nth(session)).to_contain_text("Done")
        log_out()
    at(clock, 55)  # after the second session, before the third
    log_in("koordinator")
    page.goto(f"{live_server.url}/citizens/{second.pk}/pathways/{dropout.pk}/end/")
    page.locator("input[name=status][value=dropped_out]").check()
    page.locator("#id_reason").fill("Har ikke svart på telefon i to uker")
    page.locator(SUBMIT).click()
    expect(page.get_by_test_id("episode-status")).to_contain_text("Dropped out")
    statuses = list(Appointment.objects.filter(episode=dropout).values_list("status", flat=True))
    assert statuses == ["done", "done", "cancelled", "cancelled", "cancelled", "cancelled"]
    assert "evaluation" in worklist_kinds(page, live_server)
    log_out()
    on_phone()
    log_in("avbryter", CITIZEN_PASSWORD)
    page.goto(f"{live_server.url}/me/")
    page.get_by_test_id("citizen-todo").get_by_role("button", name=re.compile("Tell us how it went")).click()
    answer_all_first_options(page)
    assert ScheduledQuestionnaire.objects.get(episode=dropout, reason="evaluation").answered_at is not None
    assert Questionnaire.objects.current().filter(url__endswith="/user-evaluation").exists()
    assert timezone.now() > START
