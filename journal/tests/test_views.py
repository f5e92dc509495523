"""Journal notes on screen: who sees what, autosave, signing that locks, corrections, refusals logged."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from journal import actions
from journal.models import Note
from measures.actions import start_response, submit_response
from people.access import grant_for
from people.models import EmergencyAccess


def url(name, note=None, citizen=None):
    citizen_id = citizen.pk if citizen is not None else note.citizen_id
    kwargs = {"citizen_id": citizen_id} | ({"note_id": note.pk} if note is not None else {})
    return reverse(f"journal:{name}", kwargs=kwargs)


def denied(user, citizen):
    return AccessEvent.objects.filter(actor_id=user.pk, citizen_id=citizen.pk, action="denied", section="notes")


def reads(user):
    return AccessEvent.objects.filter(actor_id=user.pk, action="read", section="notes")


# --- Who sees what ---------------------------------------------------------------------------


def test_the_coordinator_writes_a_note_and_finds_it_in_the_list(login, coordinator, citizen):
    client = login(coordinator)
    page = client.get(url("new", citizen=citizen))
    assert page.status_code == 200 and "Guided self-help" in page.text
    response = client.post(url("new", citizen=citizen), {"kind": "guidance_session"})
    note = Note.objects.get()
    assert response.status_code == 302 and response["Location"] == url("edit", note)
    assert (note.kind, note.author, note.status) == ("guidance_session", coordinator, "draft")
    listing = client.get(url("list", citizen=citizen))
    assert f'href="{note.get_absolute_url()}"' in listing.text and "Draft, only you see it" in listing.text
    assert reads(coordinator).filter(detail="journal notes").exists()


def test_a_draft_is_seen_only_by_its_author(login, write_note, citizen, nurse):
    draft = write_note(current_situation="Hemmelig utkast")
    client = login(nurse)
    listing = client.get(url("list", citizen=citizen))
    assert listing.status_code == 200
    assert draft.get_absolute_url() not in listing.text and "no journal notes yet" in listing.text
    for name in ("note", "edit"):
        assert client.get(url(name, draft)).status_code == 404
    for name in ("autosave", "sign", "correct"):
        assert client.post(url(name, draft), {"revision": 0}).status_code == 404
    assert denied(nurse, citizen).count() == 5
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.current_situation == "Hemmelig utkast"


def test_signed_notes_are_read_by_the_care_team_and_the_citizen(login, write_note, citizen, nurse):
    note = write_note(signed=True, assessment="Stabil, sover bedre")
    write_note(assessment="Koordinators utkast")
    for user in (nurse, citizen.user):
        client = login(user)
        listing = client.get(url("list", citizen=citizen))
        assert note.get_absolute_url() in listing.text and "Koordinators utkast" not in listing.text
        page = client.get(url("note", note))
        assert page.status_code == 200 and "Stabil, sover bedre" in page.text
        assert reads(user).filter(detail=f"journal note {note.pk}").exists()
    listing = login(citizen.user).get(url("list", citizen=citizen))
    assert "My journal notes" in listing.text and url("new", citizen=citizen) not in listing.text


def test_the_citizen_may_not_write_or_correct_and_it_is_logged(login, write_note, citizen):
    note = write_note(signed=True)
    client = login(citizen.user)
    assert client.get(url("new", citizen=citizen)).status_code == 403
    assert client.post(url("correct", note)).status_code == 403
    assert 'data-testid="correct"' not in client.get(url("note", note)).text
    assert denied(citizen.user, citizen).count() == 2
    assert Note.objects.count() == 1


def test_a_member_without_the_notes_section_gets_403_and_it_is_logged(login, write_note, gp, citizen, care_team_member):
    note = write_note(signed=True)
    client = login(gp)
    assert client.get(url("list", citizen=citizen)).status_code == 403
    assert client.get(url("note", note)).status_code == 403
    assert client.post(url("new", citizen=citizen), {"kind": "standard"}).status_code == 403
    assert denied(gp, citizen).count() == 3
    assert not reads(gp).exists() and Note.objects.count() == 1


def test_an_outsider_gets_404_and_it_is_logged(login, write_note, outsider, citizen):
    note = write_note(signed=True)
    client = login(outsider)
    assert client.get(url("list", citizen=citizen)).status_code == 404
    assert client.get(url("note", note)).status_code == 404
    assert client.post(url("edit", note), {"revision": note.revision, "assessment": "x"}).status_code == 404
    assert denied(outsider, citizen).count() == 3
    assert not AccessEvent.objects.filter(actor_id=outsider.pk).exclude(action="denied").exists()


def test_a_note_is_not_reached_through_another_citizens_address(login, write_note, coordinator, make_citizen):
    note = write_note(signed=True)
    other = make_citizen(coordinator, "Sigrid")
    response = login(coordinator).get(reverse("journal:note", kwargs={"citizen_id": other.pk, "note_id": note.pk}))
    assert response.status_code == 404
    assert denied(coordinator, other).exists()


def test_emergency_access_writes_a_note(login, citizen, outsider):
    EmergencyAccess.objects.create(
        user=outsider, citizen=citizen, reason="Akutt", expires_at=timezone.now() + datetime.timedelta(hours=2)
    )
    response = login(outsider).post(url("new", citizen=citizen), {"kind": "standard"})
    assert response.status_code == 302 and Note.objects.get().author == outsider


def test_notes_are_not_in_the_admin():
    from django.contrib import admin

    assert not admin.site.is_registered(Note)


# --- Writing and autosave --------------------------------------------------------------------


def test_the_draft_is_saved_as_the_author_types(login, write_note, coordinator):
    note = write_note()
    client = login(coordinator)
    page = client.get(url("edit", note))
    assert 'hx-trigger="input delay:1500ms"' in page.text and url("autosave", note) in page.text
    reply = client.post(
        url("autosave", note), {"revision": 0, "current_situation": "Halvveis skrevet"}, HTTP_HX_REQUEST="true"
    )
    assert reply.status_code == 200 and "Draft saved at" in reply.text
    assert 'name="revision" value="1"' in reply.text and 'hx-swap-oob="true"' in reply.text
    note.refresh_from_db()
    assert (note.current_situation, note.assessment, note.revision) == ("Halvveis skrevet", "", 1)


def test_a_stale_autosave_is_reported_and_changes_nothing(login, write_note, coordinator):
    note = write_note()
    client = login(coordinator)
    client.post(url("autosave", note), {"revision": 0, "assessment": "Fane 1"}, HTTP_HX_REQUEST="true")
    stale = client.post(url("autosave", note), {"revision": 0, "assessment": "Fane 2"}, HTTP_HX_REQUEST="true")
    assert stale.status_code == 200 and "Not saved" in stale.text and "hx-swap-oob" not in stale.text
    assert client.post(url("autosave", note), {"revision": 0, "assessment": "Fane 2"}).status_code == 409
    note.refresh_from_db()
    assert (note.assessment, note.revision) == ("Fane 1", 1)


def test_a_stale_save_shows_both_texts_and_loses_neither(login, write_note, coordinator):
    note = write_note()
    client = login(coordinator)
    assert client.post(url("edit", note), {"revision": 0, "assessment": "Første versjon"}).status_code == 302
    page = client.post(url("edit", note), {"revision": 0, "assessment": "Andre versjon"})
    assert page.status_code == 409
    assert 'data-testid="conflict"' in page.text
    assert "Første versjon" in page.text and "Andre versjon" in page.text
    assert 'name="revision" value="1"' in page.text  # the next save is against what is now shown
    note.refresh_from_db()
    assert note.assessment == "Første versjon"
    assert client.post(url("edit", note), {"revision": 1, "assessment": "Flettet"}).status_code == 302
    note.refresh_from_db()
    assert note.assessment == "Flettet"


def test_a_guidance_session_shows_the_latest_scores_next_to_symptoms(login, coordinator, citizen, write_note, phq9):
    grant = grant_for(coordinator, citizen)
    response = start_response(grant, phq9, acting_user=coordinator)
    answers = {f"phq9-{n}": "LA6569-3" for n in range(1, 10)}  # "several days" to every item: 9
    submit_response(grant, response, answers, acting_user=coordinator)
    note = write_note(kind="guidance_session")
    page = login(coordinator).get(url("edit", note))
    assert 'data-testid="latest-scores"' in page.text and "PHQ-9" in page.text
    assert "What have you worked on? Was it relevant" in page.text
    sections = set(
        AccessEvent.objects.filter(
            actor_id=coordinator.pk, action="read", detail=f"edit journal note {note.pk}"
        ).values_list("section", flat=True)
    )
    assert sections == {"notes", "measures"}


def test_scores_are_left_out_without_the_measures_section(login, citizen, nurse, write_note):
    note = write_note(kind="guidance_session", grant=grant_for(nurse, citizen), user=nurse)
    page = login(nurse).get(url("edit", note))
    assert page.status_code == 200 and 'data-testid="latest-scores"' not in page.text
    assert not AccessEvent.objects.filter(actor_id=nurse.pk, section="measures").exists()


# --- Signing locks -----------------------------------------------------------------------------


def test_sign_and_lock(login, write_note, coordinator):
    note = write_note()
    client = login(coordinator)
    page = client.get(url("note", note))
    assert "Sign and lock" in page.text and 'data-confirm="' in page.text
    response = client.post(url("sign", note), {"revision": note.revision})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.is_signed and note.signed_by == coordinator
    page = client.get(url("note", note))
    assert "Sign and lock" not in page.text and url("edit", note) not in page.text
    assert "Correct this note" in page.text


def test_a_note_signed_twice_says_so_and_keeps_its_signature(login, write_note, coordinator):
    note = write_note(signed=True)
    signed_at = note.signed_at
    page = login(coordinator).post(url("sign", note), {"revision": note.revision})
    assert page.status_code == 409
    assert "is locked. Nothing was changed." in page.text
    note.refresh_from_db()
    assert note.signed_at == signed_at


def test_a_signed_note_cannot_be_changed_through_edit_or_autosave(login, write_note, coordinator):
    note = write_note(signed=True)
    client = login(coordinator)
    assert client.get(url("edit", note)).status_code == 409
    page = client.post(url("edit", note), {"revision": note.revision, "assessment": "Skrevet om"})
    assert page.status_code == 409 and "is locked" in page.text
    quiet = client.post(url("autosave", note), {"revision": note.revision, "assessment": "Skrevet om"})
    assert quiet.status_code == 409
    shown = client.post(
        url("autosave", note), {"revision": note.revision, "assessment": "Skrevet om"}, HTTP_HX_REQUEST="true"
    )
    assert "this note is signed and locked" in shown.text
    note.refresh_from_db()
    assert note.assessment == "Stabil, sover bedre"
    assert not AccessEvent.objects.filter(actor_id=coordinator.pk, action="write", detail__contains="saved").exists()


def test_an_empty_note_is_not_signed(login, coordinator, coordinator_grant):
    note = actions.create_note(coordinator_grant, kind="guidance_session", acting_user=coordinator)
    page = login(coordinator).post(url("sign", note), {"revision": 0})
    assert page.status_code == 400 and "Write something before you sign." in page.text
    assert Note.objects.get(pk=note.pk).status == "draft"


def test_signing_what_was_not_seen_is_refused(login, write_note, coordinator, coordinator_grant):
    note = write_note()
    actions.save_draft(
        coordinator_grant, note, texts={"assessment": "Ny"}, expected_revision=0, acting_user=coordinator
    )
    page = login(coordinator).post(url("sign", note), {"revision": 0})
    assert page.status_code == 409 and Note.objects.get(pk=note.pk).status == "draft"


# --- Corrections -------------------------------------------------------------------------------


def test_a_correction_links_both_ways_and_both_stay_readable(login, write_note, coordinator, citizen):
    original = write_note(signed=True, assessment="Feil dose nevnt")
    client = login(coordinator)
    response = client.post(url("correct", original))
    correction = Note.objects.get(corrects=original)
    assert response["Location"] == url("edit", correction)
    assert correction.assessment == "Feil dose nevnt"
    client.post(url("edit", correction), {"revision": 0, "assessment": "Riktig dose: 50 mg"})
    client.post(url("sign", correction), {"revision": 1})
    original_page = client.get(url("note", original))
    date = timezone.localtime(original.signed_at).strftime("%d.%m.%Y")
    assert "Feil dose nevnt" in original_page.text
    assert f"Corrected on {date} by Coordinator Test." in original_page.text
    assert f'href="{correction.get_absolute_url()}"' in original_page.text
    correction_page = client.get(url("note", correction))
    assert "Riktig dose: 50 mg" in correction_page.text and f"Corrects the note of {date}." in correction_page.text
    listing = login(citizen.user).get(url("list", citizen=citizen))
    assert "Correction: Journal note" in listing.text and "Corrected" in listing.text
    assert listing.text.index(original.get_absolute_url()) < listing.text.index(correction.get_absolute_url())


def test_correcting_a_corrected_note_continues_the_chain(login, write_note, coordinator, coordinator_grant):
    original = write_note(signed=True)
    first = actions.start_correction(coordinator_grant, original, acting_user=coordinator)
    actions.sign_note(coordinator_grant, first, expected_revision=0, acting_user=coordinator)
    client = login(coordinator)
    response = client.post(url("correct", original))
    second = Note.objects.get(corrects=first)
    assert response["Location"] == url("edit", second)
    assert "You are correcting the newest correction" in client.get(response["Location"]).text


# --- The overview panel and the query budget ---------------------------------------------------


def test_the_overview_shows_the_count_and_the_readers_drafts(login, write_note, coordinator, citizen, nurse):
    write_note(signed=True)
    draft = write_note()
    page = login(coordinator).get(citizen.get_absolute_url())
    assert 'data-testid="notes-panel"' in page.text and "1 signed note." in page.text
    assert url("edit", draft) in page.text
    page = login(nurse).get(citizen.get_absolute_url())
    assert "1 signed note." in page.text and url("edit", draft) not in page.text


def test_the_overview_has_no_notes_panel_without_the_section(login, gp, citizen, care_team_member):
    assert 'data-testid="notes-panel"' not in login(gp).get(citizen.get_absolute_url()).text


@pytest.mark.parametrize("rows", [1, 20])
def test_notes_list_query_count_does_not_grow(
    login, coordinator, coordinator_grant, citizen, write_note, rows, django_assert_max_num_queries
):
    for n in range(rows):
        note = write_note(signed=True, assessment=f"Notat {n}")
        if n % 2:
            correction = actions.start_correction(coordinator_grant, note, acting_user=coordinator)
            actions.sign_note(coordinator_grant, correction, expected_revision=0, acting_user=coordinator)
        write_note()
    client = login(coordinator)
    # session, user, staff profile, OTP device, citizen, block check, my roles, log INSERT, notes,
    # own-citizen check, 2x permissions (menu), session save (savepoint, update, release)
    with django_assert_max_num_queries(15):
        response = client.get(url("list", citizen=citizen))
    assert response.status_code == 200
    assert response.text.count('data-testid="note-') == rows * 2 + rows // 2
