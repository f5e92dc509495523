"""Journal notes as actions: drafts, signing that locks, corrections in a chain, and the log."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AccessEvent
from journal import actions
from journal.models import Note
from journal.queries import unsigned_notes
from people.access import citizen_of, grant_for
from people.models import Block

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")


def writes(user):
    return list(
        AccessEvent.objects.filter(actor_id=user.pk, action="write", section="notes").values_list("detail", flat=True)
    )


def test_a_new_note_is_a_draft_by_its_author_and_the_write_is_logged(coordinator_grant, coordinator, citizen):
    note = actions.create_note(coordinator_grant, kind="guidance_session", acting_user=coordinator, agenda="Modul 3")
    assert (note.status, note.author, note.citizen, note.revision) == ("draft", coordinator, citizen, 0)
    assert writes(coordinator) == [f"journal note {note.pk}: new guidance_session draft"]
    event = AccessEvent.objects.get(actor_id=coordinator.pk)
    assert (event.citizen_id, event.ground, event.role) == (citizen.pk, "care_team", "coordinator")


def test_a_note_has_only_the_fields_of_its_kind(coordinator_grant, coordinator):
    with pytest.raises(TypeError):
        actions.create_note(coordinator_grant, kind="standard", acting_user=coordinator, agenda="x")
    note = actions.create_note(coordinator_grant, kind="standard", acting_user=coordinator)
    with pytest.raises(TypeError):
        actions.save_draft(
            coordinator_grant, note, texts={"homework": "x"}, expected_revision=0, acting_user=coordinator
        )


def test_the_citizen_and_a_member_without_the_notes_section_cannot_write(citizen, gp, care_team_member):
    with pytest.raises(PermissionDenied):
        actions.create_note(grant_for(citizen.user, citizen), kind="standard", acting_user=citizen.user)
    with pytest.raises(PermissionDenied):
        actions.create_note(grant_for(gp, citizen), kind="standard", acting_user=gp)
    assert not Note.objects.exists()


def test_only_the_author_saves_their_draft(write_note, citizen, nurse):
    note = write_note()
    with pytest.raises(PermissionDenied):
        actions.save_draft(
            grant_for(nurse, citizen), note, texts={"assessment": "x"}, expected_revision=0, acting_user=nurse
        )
    note.refresh_from_db()
    assert note.assessment == "Stabil, sover bedre"


def test_a_stale_save_raises_a_conflict_with_both_texts(write_note, coordinator_grant, coordinator):
    note = write_note()
    actions.save_draft(
        coordinator_grant, note, texts={"assessment": "Fra fane 1"}, expected_revision=0, acting_user=coordinator
    )
    with pytest.raises(actions.EditConflict) as conflict:
        actions.save_draft(
            coordinator_grant, note, texts={"assessment": "Fra fane 2"}, expected_revision=0, acting_user=coordinator
        )
    assert conflict.value.yours == {"assessment": "Fra fane 2"}
    assert conflict.value.theirs.assessment == "Fra fane 1"
    note.refresh_from_db()
    assert (note.assessment, note.revision) == ("Fra fane 1", 1)


def test_signing_locks_the_note(write_note, coordinator_grant, coordinator):
    note = write_note(signed=True)
    assert note.is_signed and note.signed_by == coordinator and note.signed_at is not None
    with pytest.raises(actions.NoteLocked):
        actions.save_draft(
            coordinator_grant,
            note,
            texts={"assessment": "Endret"},
            expected_revision=note.revision,
            acting_user=coordinator,
        )
    note.refresh_from_db()
    assert note.assessment == "Stabil, sover bedre"
    assert writes(coordinator)[0] == f"journal note {note.pk}: signed"


def test_a_note_signed_twice_keeps_its_first_signature(write_note, coordinator_grant, coordinator):
    note = write_note(signed=True)
    signed_at = note.signed_at
    with pytest.raises(actions.NoteLocked) as locked:
        actions.sign_note(coordinator_grant, note, expected_revision=note.revision, acting_user=coordinator)
    assert "is locked" in locked.value.message
    note.refresh_from_db()
    assert note.signed_at == signed_at


def test_an_empty_note_cannot_be_signed(coordinator_grant, coordinator):
    note = actions.create_note(coordinator_grant, kind="standard", acting_user=coordinator, assessment="   ")
    with pytest.raises(ValidationError, match="Write something before you sign"):
        actions.sign_note(coordinator_grant, note, expected_revision=0, acting_user=coordinator)
    note.refresh_from_db()
    assert note.status == "draft"


def test_a_draft_is_signed_only_as_last_seen(write_note, coordinator_grant, coordinator):
    note = write_note()
    actions.save_draft(
        coordinator_grant, note, texts={"assessment": "Nyere"}, expected_revision=0, acting_user=coordinator
    )
    with pytest.raises(ValidationError, match="saved again since you opened it"):
        actions.sign_note(coordinator_grant, note, expected_revision=0, acting_user=coordinator)
    assert Note.objects.get(pk=note.pk).status == "draft"


def test_a_correction_copies_the_text_and_both_stay_readable(write_note, coordinator_grant, coordinator):
    original = write_note(signed=True)
    correction = actions.start_correction(coordinator_grant, original, acting_user=coordinator)
    assert (correction.corrects, correction.status, correction.assessment) == (original, "draft", original.assessment)
    actions.save_draft(
        coordinator_grant,
        correction,
        texts={"assessment": "Stabil, men sover dårlig"},
        expected_revision=0,
        acting_user=coordinator,
    )
    actions.sign_note(coordinator_grant, correction, expected_revision=1, acting_user=coordinator)
    original.refresh_from_db()
    assert original.assessment == "Stabil, sover bedre" and original.corrections.get().pk == correction.pk


def test_correcting_again_returns_the_open_correction(write_note, coordinator_grant, coordinator):
    original = write_note(signed=True)
    first = actions.start_correction(coordinator_grant, original, acting_user=coordinator)
    assert actions.start_correction(coordinator_grant, original, acting_user=coordinator).pk == first.pk


def test_a_draft_cannot_be_corrected(write_note, coordinator_grant, coordinator):
    with pytest.raises(ValidationError):
        actions.start_correction(coordinator_grant, write_note(), acting_user=coordinator)


def test_correcting_a_corrected_note_corrects_the_newest_in_the_chain(write_note, coordinator_grant, coordinator):
    original = write_note(signed=True)
    first = actions.start_correction(coordinator_grant, original, acting_user=coordinator)
    actions.sign_note(coordinator_grant, first, expected_revision=0, acting_user=coordinator)
    second = actions.start_correction(coordinator_grant, original, acting_user=coordinator)
    assert second.corrects_id == first.pk
    assert actions.newest_version(original).pk == first.pk


def test_a_correction_overtaken_by_anothers_is_moved_on_and_signed_after_a_second_look(
    write_note, coordinator_grant, coordinator, citizen, nurse
):
    original = write_note(signed=True)
    nurse_grant = grant_for(nurse, citizen)
    mine = actions.start_correction(coordinator_grant, original, acting_user=coordinator)
    theirs = actions.start_correction(nurse_grant, original, acting_user=nurse)
    actions.sign_note(nurse_grant, theirs, expected_revision=0, acting_user=nurse)
    with pytest.raises(ValidationError, match="corrected by someone else"):
        actions.sign_note(coordinator_grant, mine, expected_revision=0, acting_user=coordinator)
    mine.refresh_from_db()
    assert (mine.corrects_id, mine.status, mine.revision) == (theirs.pk, "draft", 1)
    actions.sign_note(coordinator_grant, mine, expected_revision=1, acting_user=coordinator)
    assert actions.newest_version(original).pk == mine.pk


def test_emergency_access_may_write_notes(citizen, outsider):
    from people.models import EmergencyAccess

    EmergencyAccess.objects.create(
        user=outsider, citizen=citizen, reason="Akutt", expires_at=timezone.now() + datetime.timedelta(hours=2)
    )
    grant = grant_for(outsider, citizen)
    note = actions.create_note(grant, kind="standard", acting_user=outsider, current_situation="Ringte 113")
    assert AccessEvent.objects.get(actor_id=outsider.pk, action="write").ground == "emergency"
    assert note.author == outsider


def test_unsigned_notes_are_the_users_own_old_drafts_in_one_query(
    write_note, coordinator, coordinator_grant, citizen, make_citizen, nurse, django_assert_num_queries
):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        old = write_note()
        write_note(signed=True)
        write_note(grant=grant_for(nurse, citizen), user=nurse)
        other = make_citizen(coordinator, "Sigrid")
        blocked = actions.create_note(grant_for(coordinator, other), kind="standard", acting_user=coordinator)
    write_note()  # new today
    Block.objects.create(citizen=other, blocked_user=coordinator)
    citizen_of(coordinator)  # known on every page already: the menu asks whether the user is a citizen
    with django_assert_num_queries(1):
        found = [(note.pk, note.citizen.full_name) for note in unsigned_notes(coordinator, datetime.timedelta(days=1))]
    assert found == [(old.pk, citizen.full_name)]
    assert blocked.pk not in [n.pk for n in unsigned_notes(coordinator, datetime.timedelta(0))]


def test_a_citizen_cannot_be_deleted_while_they_have_notes(write_note, citizen):
    from django.db.models import ProtectedError

    write_note()
    with pytest.raises(ProtectedError):
        citizen.delete()


@postgres_only
def test_the_database_refuses_to_change_a_signed_note(write_note):
    note = write_note(signed=True)
    with pytest.raises(DatabaseError, match="Cannot update"), transaction.atomic():
        Note.objects.filter(pk=note.pk).update(assessment="Skrevet om")
    with pytest.raises(DatabaseError, match="Cannot update"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE journal_note SET signed_at = NULL, status = 'draft' WHERE id = %s", [note.pk])
    note.refresh_from_db()
    assert (note.assessment, note.status) == ("Stabil, sover bedre", "signed")


@postgres_only
def test_the_database_refuses_to_delete_any_note(write_note):
    signed, draft = write_note(signed=True), write_note()
    for note in (signed, draft):
        # The trigger; or, for the runtime role the suite connects as in CI, the missing privilege.
        refused = "Cannot delete|permission denied for table journal_note"
        with pytest.raises(DatabaseError, match=refused), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM journal_note WHERE id = %s", [note.pk])
    assert Note.objects.count() == 2


@postgres_only
def test_the_database_still_lets_a_draft_be_saved_and_signed(write_note):
    note = write_note()
    Note.objects.filter(pk=note.pk).update(assessment="Utkast endret")
    note.refresh_from_db()
    assert note.assessment == "Utkast endret"
