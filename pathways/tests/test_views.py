"""Pathway pages: forms keep what was typed, who may see and change what, and every page is logged."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from measures.models import Questionnaire
from pathways import actions
from pathways.models import Appointment, Episode
from people.models import CareTeamMember, Section


def _referral(grant, coordinator, self_help, municipality, received=None):
    return actions.register_referral(
        grant,
        acting_user=coordinator,
        template=self_help,
        received=received or timezone.localdate(),
        source="gp",
        reason="Søvnvansker og uro",
        unit=municipality,
    )


def test_a_referral_without_a_reason_is_refused_and_the_input_kept(
    login, coordinator, citizen, self_help, municipality
):
    page = login(coordinator).post(
        reverse("pathways:referral", args=[citizen.pk]),
        {"template": self_help.pk, "received": "2020-01-01x", "source": "gp", "unit": municipality.pk, "reason": ""},
    )
    assert page.status_code == 400
    assert "Write the reason for the referral." in page.text or "Enter a valid date." in page.text
    assert 'value="2020-01-01x"' in page.text
    assert not Episode.objects.exists()
    page = login(coordinator).post(
        reverse("pathways:referral", args=[citizen.pk]),
        {"template": self_help.pk, "received": "2026-01-05", "source": "nav", "unit": municipality.pk, "reason": ""},
    )
    assert page.status_code == 400 and "Write the reason for the referral." in page.text
    assert not Episode.objects.exists()


def test_the_coordinator_registers_starts_and_sees_the_timeline(
    login, coordinator, citizen, self_help, municipality, first_session
):
    client = login(coordinator)
    reply = client.post(
        reverse("pathways:referral", args=[citizen.pk]),
        {
            "template": self_help.pk,
            "received": timezone.localdate().isoformat(),
            "source": "self",
            "unit": municipality.pk,
            "reason": "Ønsker hjelp med angst",
        },
    )
    episode = Episode.objects.get()
    assert reply.status_code == 302 and reply.url == reverse("pathways:episode", args=[citizen.pk, episode.pk])
    reply = client.post(
        reverse("pathways:start", args=[citizen.pk, episode.pk]),
        {"first_session_at": first_session.strftime("%Y-%m-%dT%H:%M"), "staff": coordinator.pk},
    )
    assert reply.status_code == 302
    page = client.get(reverse("pathways:episode", args=[citizen.pk, episode.pk]))
    assert "Telefonveiledning (4/4)" in page.text
    assert page.text.count("<tr>") == 1 + 6  # the header and six contacts
    assert "Ønsker hjelp med angst" in page.text
    assert AccessEvent.objects.filter(actor_id=coordinator.pk, action="read", section="pathway").exists()


def test_an_overdue_first_contact_is_shown(login, grant, coordinator, citizen, self_help, municipality):
    episode = _referral(grant, coordinator, self_help, municipality, timezone.localdate() - datetime.timedelta(days=9))
    page = login(coordinator).get(reverse("pathways:episode", args=[citizen.pk, episode.pk]))
    assert 'data-testid="deadline"' in page.text


def test_the_citizen_sees_their_appointments_but_not_the_referral_reason_and_cannot_change_them(
    login, grant, coordinator, citizen, self_help, municipality, first_session
):
    episode = _referral(grant, coordinator, self_help, municipality)
    actions.start_episode(grant, episode, acting_user=coordinator, first_session_at=first_session, staff=coordinator)
    client = login(citizen.user)
    page = client.get(reverse("pathways:episode", args=[citizen.pk, episode.pk]))
    assert page.status_code == 200 and "Telefonveiledning" in page.text
    assert "Søvnvansker" not in page.text and 'name="status"' not in page.text
    appointment = Appointment.objects.first()
    assert (
        client.post(
            reverse("pathways:appointment_status", args=[citizen.pk, appointment.pk]), {"status": "cancelled"}
        ).status_code
        == 403
    )
    appointment.refresh_from_db()
    assert appointment.status == "planned"


def test_a_member_without_the_pathway_section_is_refused_and_logged(
    login, grant, coordinator, citizen, gp, care_team_member, self_help, municipality
):
    episode = _referral(grant, coordinator, self_help, municipality)
    assert login(gp).get(reverse("pathways:episode", args=[citizen.pk, episode.pk])).status_code == 403
    assert AccessEvent.objects.filter(actor_id=gp.pk, action="denied", section="pathway").exists()


def test_ending_without_a_reason_shows_the_error_and_keeps_the_choice(
    login, grant, coordinator, citizen, self_help, municipality
):
    episode = _referral(grant, coordinator, self_help, municipality)
    page = login(coordinator).post(
        reverse("pathways:end", args=[citizen.pk, episode.pk]), {"status": "dropped_out", "reason": ""}
    )
    assert page.status_code == 400 and "Write why the pathway ends." in page.text
    assert re.search(r'value="dropped_out"[^>]*checked', page.text)
    episode.refresh_from_db()
    assert episode.status == "waiting"


def test_marking_done_from_the_timeline_returns_to_it(
    login, grant, coordinator, citizen, self_help, municipality, first_session
):
    episode = _referral(grant, coordinator, self_help, municipality)
    actions.start_episode(grant, episode, acting_user=coordinator, first_session_at=first_session, staff=coordinator)
    first = episode.appointments.first()
    here = reverse("pathways:episode", args=[citizen.pk, episode.pk])
    with time_machine.travel(first.starts_at + datetime.timedelta(hours=1)):
        reply = login(coordinator).post(
            reverse("pathways:appointment_status", args=[citizen.pk, first.pk]), {"status": "done", "next": here}
        )
        assert reply.status_code == 302 and reply.url == here
        evil = login(coordinator).post(
            reverse("pathways:appointment_status", args=[citizen.pk, first.pk]),
            {"status": "done", "next": "https://example.com/"},
        )
    assert evil.url == reverse("pathways:appointment", args=[citizen.pk, first.pk])
    first.refresh_from_db()
    assert first.status == "done"


def test_moving_to_the_past_is_refused_with_the_input_kept(login, grant, coordinator, citizen):
    appointment = actions.add_appointment(
        grant,
        acting_user=coordinator,
        staff=coordinator,
        kind="phone",
        title="Telefon",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        duration_minutes=20,
    )
    page = login(coordinator).post(
        reverse("pathways:appointment_move", args=[citizen.pk, appointment.pk]),
        {"starts_at": "2020-05-01T10:00", "reason": "Ferie"},
    )
    assert page.status_code == 400 and "cannot be in the past" in page.text and 'value="Ferie"' in page.text


def test_the_overview_shows_the_open_pathway(login, grant, coordinator, citizen, self_help, municipality):
    _referral(grant, coordinator, self_help, municipality)
    page = login(coordinator).get(citizen.get_absolute_url())
    assert "Veiledet selvhjelp" in page.text and "first contact by" in page.text


def test_the_episode_page_query_count_does_not_grow(
    login, grant, coordinator, citizen, templates, municipality, first_session, django_assert_max_num_queries
):
    # CTI plans 25 contacts; guided self-help 6: the page costs the same.
    for key in ("guided-self-help", "critical-time-intervention"):
        episode = _referral(grant, coordinator, templates[key], municipality)
        actions.start_episode(
            grant, episode, acting_user=coordinator, first_session_at=first_session, staff=coordinator
        )
        client = login(coordinator)
        with django_assert_max_num_queries(20):
            assert client.get(reverse("pathways:episode", args=[citizen.pk, episode.pk])).status_code == 200
        actions.end_episode(grant, episode, acting_user=coordinator, status="completed", reason="Ferdig")
    assert CareTeamMember.objects.filter(citizen=citizen).exists()


def test_after_a_drop_out_the_citizen_is_asked_for_the_evaluation_on_their_home_page(
    login, grant, coordinator, citizen, self_help, municipality, shipped
):
    episode = _referral(grant, coordinator, self_help, municipality)
    client = login(citizen.user)
    assert 'data-testid="citizen-todo"' not in client.get(reverse("people:citizen_home")).text
    actions.end_episode(grant, episode, acting_user=coordinator, status="dropped_out", reason="Sluttet å møte")
    home = client.get(reverse("people:citizen_home"))
    assert "Tell us how it went: User evaluation" in home.text
    evaluation = Questionnaire.objects.current().get(url__endswith="/user-evaluation")
    reply = client.post(reverse("measures:start", args=[citizen.pk, evaluation.pk]))
    assert reply.status_code == 302


def test_the_citizen_sees_the_next_appointment_on_their_home_page(
    login, grant, coordinator, citizen, self_help, municipality, first_session
):
    episode = _referral(grant, coordinator, self_help, municipality)
    actions.start_episode(grant, episode, acting_user=coordinator, first_session_at=first_session, staff=coordinator)
    home = login(citizen.user).get(reverse("people:citizen_home"))
    assert "Your next appointment:" in home.text and first_session.strftime("%d.%m.%Y") in home.text


def test_the_user_card_gives_a_code_for_the_programme_that_logs_the_citizen_in(
    client, login, grant, coordinator, make_citizen, self_help, municipality
):
    import subprocess

    from pathways.models import ProgrammeAccess
    from people.access import grant_for
    from people.actions import find_access_code

    newcomer = make_citizen(coordinator, "Nora")  # no login yet
    episode = _referral(grant_for(coordinator, newcomer), coordinator, self_help, municipality)
    url = reverse("pathways:user_card", args=[newcomer.pk, episode.pk])
    staff = login(coordinator)
    form = staff.get(url)
    assert 'value="Assistert selvhjelp"' in form.text
    assert staff.post(url, {"programme": "  "}).status_code == 400
    reply = staff.post(url, {"programme": "Assistert selvhjelp – depresjon"})
    assert reply["Content-Type"] == "application/pdf" and reply["Cache-Control"] == "no-store"
    text = subprocess.run(["pdftotext", "-", "-"], input=reply.content, capture_output=True, check=True).stdout.decode()
    assert "Assistert selvhjelp – depresjon" in text and "Nora" in text
    code = re.search(r"\b([A-Z0-9]{5}(?: [A-Z0-9]{5})+)\b", text).group(1).replace(" ", "")
    assert find_access_code(code).citizen == newcomer
    access = ProgrammeAccess.objects.get(episode=episode)
    assert access.programme == "Assistert selvhjelp – depresjon" and code not in str(access.__dict__)


def test_a_guidance_session_links_to_a_note_from_its_template_written_for_it(
    login, grant, coordinator, citizen, self_help, municipality, first_session
):
    episode = _referral(grant, coordinator, self_help, municipality)
    actions.start_episode(grant, episode, acting_user=coordinator, first_session_at=first_session, staff=coordinator)
    phone = episode.appointments.filter(kind="phone").first()
    client = login(coordinator)
    appointment_url = reverse("pathways:appointment", args=[citizen.pk, phone.pk])
    page = client.get(appointment_url)
    link = reverse("journal:new", args=[citizen.pk]) + f"?kind=guidance_session&appointment={phone.pk}"
    assert f'href="{link.replace("&", "&amp;")}" data-testid="write-note"' in page.text
    assert 'data-testid="appointment-notes"' not in page.text
    form = client.get(link)
    assert re.search(r'value="guidance_session"[^>]*checked', form.text)
    note_url = _write_note(client, citizen, phone)
    page = client.get(appointment_url)
    assert f'href="{note_url}"' in _notes_list(page) and "Guidance session" in _notes_list(page)


# --- Journal notes written for an appointment (pathways reads them without importing journal) ---


def _write_note(client, citizen, appointment, *, text="", sign=False):
    """The note for the appointment written the way staff do: from its link, then saved and signed."""
    new = reverse("journal:new", args=[citizen.pk])
    response = client.post(new, {"kind": "guidance_session", "appointment": appointment.pk})
    assert response.status_code == 302, response.text
    edit_url = response["Location"]
    if text:
        assert client.post(edit_url, {"revision": 0, "agenda": text}).status_code == 302
    if sign:
        assert client.post(edit_url.replace("/edit/", "/sign/"), {"revision": 1}).status_code == 302
    return edit_url.replace("edit/", "")


def _notes_list(page):
    match = re.search(r'<ul class="ds-list" data-testid="appointment-notes">.*?</ul>', page.text, re.S)
    return match.group(0) if match else ""


def _planned(grant, coordinator, title="Samtale"):
    return actions.add_appointment(
        grant,
        acting_user=coordinator,
        staff=coordinator,
        kind="office",
        title=title,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        duration_minutes=45,
    )


def _member(make_staff, citizen, name, sections):
    user = make_staff(name)
    CareTeamMember.objects.create(citizen=citizen, user=user, role=CareTeamMember.Role.HOME_NURSING, sections=sections)
    return user


def _notes_reads(user):
    return AccessEvent.objects.filter(actor_id=user.pk, action="read", section="notes")


def test_the_appointment_lists_its_notes_to_a_reader_with_the_notes_section_and_logs_it(
    login, grant, coordinator, citizen, make_staff
):
    appointment = _planned(grant, coordinator)
    client = login(coordinator)
    signed_url = _write_note(client, citizen, appointment, text="Gikk gjennom modul 1", sign=True)
    draft_url = _write_note(client, citizen, appointment, text="Hemmelig utkast")
    nurse = _member(make_staff, citizen, "nurse", [Section.OVERVIEW, Section.PATHWAY, Section.NOTES])
    page = login(nurse).get(reverse("pathways:appointment", args=[citizen.pk, appointment.pk]))
    listed = _notes_list(page)
    assert page.status_code == 200 and "Journal notes written for this appointment" in page.text
    assert f'href="{signed_url}"' in listed and "Signed" in listed
    assert f'href="{draft_url}"' not in listed and "Draft (by Coordinator Test)" in listed
    assert "Gikk gjennom modul 1" not in page.text and "Hemmelig utkast" not in page.text
    assert _notes_reads(nurse).filter(detail=f"journal notes for appointment {appointment.pk}").count() == 1
    own = _notes_list(login(coordinator).get(reverse("pathways:appointment", args=[citizen.pk, appointment.pk])))
    assert f'href="{draft_url}"' in own and "Draft, only you see it" in own


def test_a_reader_without_the_notes_section_sees_no_notes_on_the_appointment(
    login, grant, coordinator, citizen, make_staff
):
    appointment = _planned(grant, coordinator)
    _write_note(login(coordinator), citizen, appointment, text="Gikk gjennom modul 1", sign=True)
    nav = _member(make_staff, citizen, "nav", [Section.OVERVIEW, Section.PATHWAY])
    page = login(nav).get(reverse("pathways:appointment", args=[citizen.pk, appointment.pk]))
    assert page.status_code == 200 and "Samtale" in page.text
    assert 'data-testid="appointment-notes"' not in page.text and "/notes/" not in page.text
    assert not _notes_reads(nav).exists()


def test_the_citizen_sees_the_signed_notes_of_an_appointment_but_no_drafts(login, grant, coordinator, citizen):
    appointment = _planned(grant, coordinator)
    client = login(coordinator)
    signed_url = _write_note(client, citizen, appointment, text="Gikk gjennom modul 1", sign=True)
    _write_note(client, citizen, appointment, text="Utkast")
    listed = _notes_list(login(citizen.user).get(reverse("pathways:appointment", args=[citizen.pk, appointment.pk])))
    assert f'href="{signed_url}"' in listed and "Draft" not in listed


def test_an_appointment_without_notes_logs_no_notes_read(login, grant, coordinator, citizen):
    appointment = _planned(grant, coordinator)
    page = login(coordinator).get(reverse("pathways:appointment", args=[citizen.pk, appointment.pk]))
    assert page.status_code == 200 and 'data-testid="appointment-notes"' not in page.text
    assert not _notes_reads(coordinator).exists()


@pytest.mark.parametrize("rows", [1, 20])
def test_the_appointment_page_query_count_does_not_grow_with_its_notes(
    login, grant, coordinator, citizen, rows, django_assert_max_num_queries
):
    appointment = _planned(grant, coordinator)
    for number in range(rows):
        # Rows straight through the reverse relation: pathways' tests do not import journal either.
        appointment.notes.create(citizen=citizen, author=coordinator, kind="standard", assessment=f"Utkast {number}")
    client = login(coordinator)
    # The page as before, and one query for the notes with their authors, however many there are.
    with django_assert_max_num_queries(16):
        page = client.get(reverse("pathways:appointment", args=[citizen.pk, appointment.pk]))
    assert _notes_list(page).count("<li") == rows
