"""Journal notes in a real browser: the coordinator writes a guidance session, it saves as she
types, she signs and locks it, corrects it, and both notes stay readable. axe-core on the edit
page and on the signed note. Pages are read in English; elements are found by name, id or
data-testid."""

import datetime
import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from journal.models import Note
from pathways import actions as pathway_actions
from pathways.management.commands.import_pathways import SHIPPED, import_template
from pathways.models import PathwayTemplate
from people.access import grant_for

pytestmark = pytest.mark.browser

SAVE = "main form.form-stack button[type=submit]"


@pytest.fixture(autouse=True)
def english(page: Page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def test_coordinator_writes_signs_and_corrects_a_guidance_session_note(
    page: Page, live_server, log_in, axe_clean, on_phone, citizen
):
    notes_url = f"{live_server.url}/citizens/{citizen.pk}/notes/"
    page.on("dialog", lambda dialog: dialog.accept())  # "Sign and lock this note?"
    log_in("koordinator")
    page.goto(notes_url)
    expect(page.get_by_test_id("no-notes")).to_be_visible()
    page.get_by_test_id("new-note").click()
    page.locator("input[name=kind][value=guidance_session]").check()
    page.locator(SAVE).click()
    note = Note.objects.get()
    expect(page).to_have_url(f"{notes_url}{note.pk}/edit/")

    # Typing is saved without pressing anything.
    page.locator("#id_agenda").fill("Gjennomgang av modul 2.")
    page.locator("#id_symptoms_progress").fill("Sover bedre, mindre bekymring.")
    expect(page.get_by_test_id("autosave-status")).to_contain_text("Draft saved at", timeout=8_000)
    note.refresh_from_db()
    assert (note.agenda, note.symptoms_progress, note.status) == (
        "Gjennomgang av modul 2.",
        "Sover bedre, mindre bekymring.",
        "draft",
    )
    expect(page.get_by_test_id("latest-scores")).to_be_visible()
    axe_clean(page, "guidance-session draft")

    page.locator("#id_homework").fill("Tankedagbok tre ganger denne uken.")
    page.locator(SAVE).click()
    expect(page).to_have_url(f"{notes_url}{note.pk}/")
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("note-status")).to_contain_text("Signed on")
    expect(page.get_by_test_id("edit")).to_have_count(0)
    note.refresh_from_db()
    assert note.is_signed and note.homework == "Tankedagbok tre ganger denne uken."
    axe_clean(page, "signed note")

    # A mistake is put right with a correction; the signed note is not touched.
    page.get_by_test_id("correct").click()
    correction = Note.objects.get(corrects=note)
    expect(page).to_have_url(f"{notes_url}{correction.pk}/edit/")
    expect(page.get_by_test_id("correcting")).to_be_visible()
    expect(page.locator("#id_symptoms_progress")).to_have_value("Sover bedre, mindre bekymring.")
    page.locator("#id_symptoms_progress").fill("Sover bedre; bekymringen er som før.")
    page.locator(SAVE).click()
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("corrects")).to_contain_text("Corrects the note of")
    expect(page.locator("main")).to_contain_text("Sover bedre; bekymringen er som før.")
    axe_clean(page, "signed correction")

    page.get_by_test_id("corrects").get_by_role("link").click()
    expect(page).to_have_url(f"{notes_url}{note.pk}/")
    expect(page.get_by_test_id("corrected-by")).to_contain_text("Corrected on")
    expect(page.locator("main")).to_contain_text("Sover bedre, mindre bekymring.")
    note.refresh_from_db()
    assert note.symptoms_progress == "Sover bedre, mindre bekymring."

    on_phone()
    page.goto(notes_url)
    expect(page.get_by_test_id(f"note-{note.pk}")).to_contain_text("Corrected")
    expect(page.get_by_test_id(f"note-{correction.pk}")).to_contain_text("Correction")
    axe_clean(page, "notes list on a phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the notes list scrolls sideways"
    page.get_by_test_id(f"note-{correction.pk}").get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/notes/{correction.pk}/$"))


def test_the_note_for_an_appointment_is_written_from_its_page_and_listed_there(
    page: Page, live_server, log_in, axe_clean, citizen, coordinator
):
    import_template(json.loads((SHIPPED / "guided-self-help.json").read_text(encoding="utf-8")))
    template = PathwayTemplate.objects.get(key="guided-self-help")
    grant = grant_for(coordinator, citizen)
    episode = pathway_actions.register_referral(
        grant,
        acting_user=coordinator,
        template=template,
        received=timezone.localdate(),
        source="gp",
        reason="Søvnvansker",
        unit=coordinator.staff_profile.organisation,
    )
    pathway_actions.start_episode(
        grant,
        episode,
        acting_user=coordinator,
        first_session_at=timezone.now() + datetime.timedelta(days=1),
        staff=coordinator,
    )
    phone = episode.appointments.filter(kind="phone").first()
    appointment_url = f"{live_server.url}/citizens/{citizen.pk}/appointments/{phone.pk}/"
    page.on("dialog", lambda dialog: dialog.accept())  # "Sign and lock this note?"
    log_in("koordinator")
    page.goto(appointment_url)
    page.get_by_test_id("write-note").click()
    expect(page.get_by_test_id("note-appointment")).to_contain_text(phone.title)
    expect(page.locator("input[name=kind][value=guidance_session]")).to_be_checked()
    axe_clean(page, "new note for an appointment")
    page.locator(SAVE).click()
    note = Note.objects.get()
    assert note.appointment == phone
    page.locator("#id_agenda").fill("Modul 1")
    page.locator(SAVE).click()
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("note-status")).to_contain_text("Signed on")
    page.get_by_test_id("note-appointment").get_by_role("link").click()
    expect(page.get_by_test_id("appointment-notes")).to_contain_text("Guidance session")
    axe_clean(page, "appointment with its note")

    # A link to an appointment that is not the citizen's is said, and nothing is written.
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/notes/new/?kind=standard&appointment=99999")
    expect(page.locator(".ds-error-summary")).to_contain_text("cannot be linked to this appointment")
    axe_clean(page, "new note with a wrong appointment")
    page.get_by_test_id("write-unlinked").click()
    page.locator(SAVE).click()
    assert Note.objects.filter(appointment=None).count() == 1
