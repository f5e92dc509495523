"""A journal note written for a pathway appointment: the link is made from the appointment's page,
a wrong appointment is said (never dropped, never a 500), corrections keep it, and a reader sees
the appointment only with sight of the pathway."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from journal import actions
from journal.models import Note
from people.access import grant_for
from people.models import CareTeamMember, Section

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
NOT_LINKED = "The note cannot be linked to this appointment: it is not one of this citizen&#x27;s appointments."


def new_url(citizen, **query):
    url = reverse("journal:new", kwargs={"citizen_id": citizen.pk})
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def when(appointment):
    return timezone.localtime(appointment.starts_at).strftime("%d.%m.%Y %H:%M")


def pathway_reads(user):
    return AccessEvent.objects.filter(actor_id=user.pk, action="read", section="pathway")


# --- The action ------------------------------------------------------------------------------


def test_a_note_written_for_an_appointment_is_linked_and_the_write_says_so(coordinator_grant, coordinator, appointment):
    note = actions.create_note(
        coordinator_grant, kind="guidance_session", acting_user=coordinator, appointment=appointment
    )
    assert note.appointment == appointment and list(appointment.notes.all()) == [note]
    assert AccessEvent.objects.filter(
        actor_id=coordinator.pk,
        action="write",
        section="notes",
        detail=f"journal note {note.pk}: new guidance_session draft for appointment {appointment.pk}",
    ).exists()


def test_an_appointment_of_another_citizen_is_refused_on_its_field_and_nothing_is_saved(
    coordinator_grant, coordinator, other_citizens_appointment
):
    with pytest.raises(ValidationError) as refused:
        actions.create_note(
            coordinator_grant, kind="standard", acting_user=coordinator, appointment=other_citizens_appointment
        )
    assert list(refused.value.error_dict) == ["appointment"]
    assert not Note.objects.exists()
    assert not AccessEvent.objects.filter(section="notes", action="write").exists()


def test_linking_a_note_to_an_appointment_needs_sight_of_the_pathway(citizen, nurse, appointment):
    with pytest.raises(PermissionDenied):
        actions.create_note(grant_for(nurse, citizen), kind="standard", acting_user=nurse, appointment=appointment)
    assert not Note.objects.exists()


def test_a_double_click_from_the_appointment_writes_one_draft(coordinator_grant, coordinator, appointment):
    first = actions.create_note(coordinator_grant, kind="standard", acting_user=coordinator, appointment=appointment)
    again = actions.create_note(coordinator_grant, kind="standard", acting_user=coordinator, appointment=appointment)
    assert again == first and appointment.notes.count() == 1


def test_a_correction_keeps_the_appointment_of_the_note_it_corrects(
    write_note, coordinator_grant, coordinator, appointment
):
    original = actions.create_note(
        coordinator_grant, kind="standard", acting_user=coordinator, appointment=appointment, assessment="Feil dose"
    )
    original = actions.sign_note(coordinator_grant, original, expected_revision=0, acting_user=coordinator)
    first = actions.start_correction(coordinator_grant, original, acting_user=coordinator)
    actions.sign_note(coordinator_grant, first, expected_revision=0, acting_user=coordinator)
    second = actions.start_correction(coordinator_grant, original, acting_user=coordinator)
    assert first.appointment == second.appointment == appointment
    assert set(appointment.notes.all()) == {original, first, second}


def test_an_appointment_with_notes_cannot_be_deleted(coordinator_grant, coordinator, appointment):
    actions.create_note(coordinator_grant, kind="standard", acting_user=coordinator, appointment=appointment)
    with pytest.raises(ProtectedError):
        appointment.delete()


@postgres_only
def test_the_database_refuses_to_move_a_signed_note_to_another_appointment(
    coordinator_grant, coordinator, appointment, make_appointment
):
    note = actions.create_note(
        coordinator_grant, kind="standard", acting_user=coordinator, appointment=appointment, assessment="Stabil"
    )
    actions.sign_note(coordinator_grant, note, expected_revision=0, acting_user=coordinator)
    other = make_appointment(coordinator_grant, title="Neste uke")
    with pytest.raises(DatabaseError, match="Cannot update"), transaction.atomic():
        Note.objects.filter(pk=note.pk).update(appointment=other)
    note.refresh_from_db()
    assert note.appointment == appointment


# --- On screen -------------------------------------------------------------------------------


def test_the_link_from_the_appointment_makes_a_note_written_for_it(login, coordinator, citizen, appointment):
    client = login(coordinator)
    form = client.get(new_url(citizen, kind="guidance_session", appointment=appointment.pk))
    assert form.status_code == 200
    assert "Written for the appointment" in form.text and f"{when(appointment)} Veiledning uke 1" in form.text
    assert f'type="hidden" name="appointment" value="{appointment.pk}"' in form.text
    response = client.post(new_url(citizen), {"kind": "guidance_session", "appointment": appointment.pk})
    note = Note.objects.get()
    assert response.status_code == 302 and (note.kind, note.appointment) == ("guidance_session", appointment)
    appointment_url = reverse("pathways:appointment", args=[citizen.pk, appointment.pk])
    for page in (client.get(note.get_absolute_url()), client.get(response["Location"])):
        assert page.status_code == 200
        assert f'href="{appointment_url}">{when(appointment)} Veiledning uke 1</a>' in page.text
    assert pathway_reads(coordinator).filter(detail=f"journal note {note.pk}").exists()
    assert pathway_reads(coordinator).filter(detail=f"edit journal note {note.pk}").exists()


@pytest.mark.parametrize("wrong", ["foreign", "missing", "not-a-number"])
def test_a_wrong_appointment_is_a_clear_error_and_nothing_is_saved(
    login, coordinator, citizen, other_citizens_appointment, wrong
):
    value = {"foreign": other_citizens_appointment.pk, "missing": 99999, "not-a-number": "12abc"}[wrong]
    client = login(coordinator)
    opened = client.get(new_url(citizen, kind="guidance_session", appointment=value))
    sent = client.post(new_url(citizen), {"kind": "guidance_session", "appointment": value})
    for page in (opened, sent):
        assert page.status_code == 400
        assert NOT_LINKED in page.text and "Annen borger" not in page.text
        assert f'href="{new_url(citizen, kind="guidance_session")}" data-testid="write-unlinked"' in page.text
    assert not Note.objects.exists()


def test_a_note_without_an_appointment_is_still_written_as_before(login, coordinator, citizen):
    response = login(coordinator).post(new_url(citizen), {"kind": "standard"})
    assert response.status_code == 302 and Note.objects.get().appointment is None


def test_a_reader_without_the_pathway_section_sees_no_appointment_and_cannot_link(
    login, citizen, coordinator_grant, coordinator, nurse, appointment
):
    note = actions.create_note(
        coordinator_grant, kind="standard", acting_user=coordinator, appointment=appointment, assessment="Stabil"
    )
    actions.sign_note(coordinator_grant, note, expected_revision=0, acting_user=coordinator)
    client = login(nurse)
    page = client.get(note.get_absolute_url())
    assert page.status_code == 200 and "Stabil" in page.text
    assert "Written for the appointment" not in page.text and "Veiledning uke 1" not in page.text
    form = client.get(new_url(citizen, kind="standard", appointment=appointment.pk))
    assert form.status_code == 400 and "Veiledning uke 1" not in form.text
    assert not pathway_reads(nurse).exists()


def test_a_member_with_the_pathway_section_sees_the_appointment_of_a_signed_note(
    login, citizen, coordinator_grant, coordinator, make_staff, appointment
):
    nav = make_staff("nav")
    CareTeamMember.objects.create(
        citizen=citizen, user=nav, role=CareTeamMember.Role.NAV, sections=[Section.NOTES, Section.PATHWAY]
    )
    note = actions.create_note(
        coordinator_grant, kind="standard", acting_user=coordinator, appointment=appointment, assessment="Stabil"
    )
    actions.sign_note(coordinator_grant, note, expected_revision=0, acting_user=coordinator)
    page = login(nav).get(note.get_absolute_url())
    assert "Written for the appointment <a" in page.text and "Veiledning uke 1" in page.text
    assert pathway_reads(nav).filter(detail=f"journal note {note.pk}").exists()
