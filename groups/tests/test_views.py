"""The group's pages as each reader meets them: the coordinator runs the group, the citizen answers and
adds points, members read what their care-team access and the shielding allow — on screen and in
the PDF — and every page logs what it showed."""

import datetime
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from groups import actions
from groups.models import Group, GroupTask, Meeting, Minutes
from people import access
from people.models import Section

from .conftest import agreement_text, member_specs


def _past(meeting):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2))
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def signed_minutes(meeting, active_plan, grant, coordinator):
    """Minutes with a medication part, signed."""
    actions.add_agenda_point(
        grant, meeting, acting_user=coordinator, title="Medisinering: bivirkninger", section=Section.MEDICATION
    )
    meeting = _past(meeting)
    minutes = actions.start_minutes(grant, meeting, acting_user=coordinator)
    typed = []
    for part in minutes.parts:
        if part["section"] == Section.MEDICATION:
            typed.append({"said": "Sertralin gir kvalme", "status": "change", "agreed": "Fastlegen vurderer dosen"})
        else:
            typed.append({"said": "Går fint", "status": "on_track", "agreed": ""})
    minutes = actions.save_minutes(
        grant, minutes, acting_user=coordinator, summary="Alle møtte", parts=typed, expected_revision=0
    )
    return actions.sign_minutes(grant, minutes, acting_user=coordinator, expected_revision=minutes.revision)


def test_the_coordinator_proposes_a_group_from_the_care_team(
    client, login, citizen, coordinator, coordinator_member, gp_member, nav_member
):
    login(coordinator)
    url = reverse("groups:propose", args=[citizen.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f'name="m{nav_member.pk}_include"' in page.text
    # Nav cannot see the medication plan on the care team, so it is not offered as something to shield.
    fields = page.context["form"].fields
    assert Section.MEDICATION not in dict(fields[f"m{nav_member.pk}_shielded"].choices)
    assert Section.MEDICATION in dict(fields[f"m{gp_member.pk}_shielded"].choices)
    response = client.post(
        url,
        {
            "purpose": "Trygg bolig",
            "meeting_frequency": "Hver tredje måned",
            "citizen_absent": "postpone",
            "ending": "Når målene er nådd",
            f"m{coordinator_member.pk}_include": "on",
            f"m{coordinator_member.pk}_role": "municipal_coordinator",
            f"m{gp_member.pk}_include": "on",
            f"m{gp_member.pk}_role": "member",
            f"m{gp_member.pk}_responsibility": "Medisiner",
            "x0_name": "Kari Lærer",
            "x0_organisation": "Skolen",
            "x0_email": "kari@example.no",
        },
    )
    assert response.status_code == 302
    group = Group.objects.get(citizen=citizen)
    members = actions.current_agreement(group).members.all()
    assert {m.display_name for m in members} == {"Coordinator Test", "Gp Test", "Kari Lærer"}


def test_a_bad_agreement_says_what_is_wrong_and_keeps_what_was_typed(
    client, login, citizen, coordinator, coordinator_member, gp_member, nav_member
):
    login(coordinator)
    response = client.post(
        reverse("groups:propose", args=[citizen.pk]),
        {
            "purpose": "Trygg bolig",
            "meeting_frequency": "",
            "citizen_absent": "postpone",
            "ending": "Når målene er nådd",
            f"m{coordinator_member.pk}_include": "on",
            f"m{coordinator_member.pk}_role": "municipal_coordinator",
            f"m{gp_member.pk}_include": "on",
            f"m{gp_member.pk}_role": "member",
            "x0_name": "Kari Lærer",
            "x0_email": "kari-at-skolen",
        },
    )
    assert response.status_code == 400
    assert "Write how often the group meets" in response.text
    assert "is not an e-mail address" in response.text
    assert "Trygg bolig" in response.text and "kari-at-skolen" in response.text
    assert not Group.objects.exists()


def test_the_citizen_consents_on_the_group_page(
    client, login, citizen, grant, coordinator, coordinator_member, gp_member, nav_member
):
    group, agreement = actions.propose_group(
        grant,
        acting_user=coordinator,
        text=agreement_text(),
        members=member_specs(coordinator_member, gp_member, nav_member),
    )
    login(citizen.user)
    home = client.get(reverse("people:citizen_home"))
    assert "Read and answer" in home.text
    page = client.get(reverse("groups:group", args=[citizen.pk]))
    assert "Do you agree to this?" in page.text and agreement.purpose in page.text
    # The citizen does not see which parts members are shielded from, nor outsiders' e-mails.
    assert "kari@example.no" not in page.text
    client.post(reverse("groups:answer", args=[citizen.pk]), {"agreement": agreement.pk, "consent": "yes"})
    group.refresh_from_db()
    assert group.status == "active"


def test_an_outdated_answer_is_not_taken(
    client, login, citizen, group, grant, coordinator, coordinator_member, gp_member, nav_member
):
    old = actions.current_agreement(group)
    actions.revise_agreement(
        grant,
        group,
        acting_user=coordinator,
        text=agreement_text(),
        members=member_specs(coordinator_member, gp_member, nav_member),
        change_note="Ny",
    )
    login(citizen.user)
    response = client.post(
        reverse("groups:answer", args=[citizen.pk]), {"agreement": old.pk, "consent": "no"}, follow=True
    )
    assert "changed since you opened it" in response.text
    assert actions.current_agreement(group).citizen_consent == ""


def test_the_citizen_adds_a_point_and_cannot_add_to_someone_elses_meeting(
    client, login, citizen, meeting, make_citizen, coordinator
):
    login(citizen.user)
    url = reverse("groups:agenda_add", args=[citizen.pk, meeting.pk])
    assert client.post(url, {"title": ""}).status_code == 400
    client.post(url, {"title": "Jeg vil snakke om jobb"})
    assert meeting.agenda.filter(title="Jeg vil snakke om jobb", kind="citizen_point").exists()
    other = make_citizen(coordinator, "Per", with_login=True)
    login(other.user)
    response = client.post(reverse("groups:agenda_add", args=[citizen.pk, meeting.pk]), {"title": "Min sak"})
    assert response.status_code == 404
    # Through their own id the meeting is not theirs either.
    response = client.post(reverse("groups:agenda_add", args=[other.pk, meeting.pk]), {"title": "Min sak"})
    assert response.status_code == 404
    assert not meeting.agenda.filter(title="Min sak").exists()
    assert AccessEvent.objects.filter(citizen_id=other.pk, action="denied", section="group").exists()


def test_the_nav_member_does_not_see_the_medication_part_on_screen_or_in_the_pdf(
    client, login, citizen, nav, signed_minutes, gp
):
    login(nav)
    page = client.get(signed_minutes.get_absolute_url())
    assert page.status_code == 200
    assert "Går fint" in page.text
    assert "Sertralin" not in page.text and "Medisinering" not in page.text
    shown = set(
        AccessEvent.objects.filter(actor_id=nav.pk, action="read", citizen_id=citizen.pk).values_list(
            "section", flat=True
        )
    )
    assert Section.MEDICATION not in shown and "group" in shown
    pdf = client.get(reverse("groups:minutes_pdf", args=[citizen.pk, signed_minutes.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    assert "Går fint" in text and "Sertralin" not in text
    login(gp)
    assert "Sertralin gir kvalme" in client.get(signed_minutes.get_absolute_url()).text


def test_a_shielded_member_does_not_get_a_part_their_scope_allows(
    client, login, citizen, gp, signed_minutes, group, grant, coordinator, coordinator_member, gp_member, nav_member
):
    specs = member_specs(coordinator_member, gp_member, nav_member)
    specs[1].shielded_sections = [Section.MEDICATION]
    actions.revise_agreement(
        grant, group, acting_user=coordinator, text=agreement_text(), members=specs, change_note="Skjerming"
    )
    login(gp)
    page = client.get(signed_minutes.get_absolute_url())
    assert "Sertralin" not in page.text
    assert "Sertralin" not in _pdf_text(
        client.get(reverse("groups:minutes_pdf", args=[citizen.pk, signed_minutes.pk])).content
    )


def _pdf_text(content):
    return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()


def test_the_citizen_reads_the_minutes_and_comments(client, login, citizen, signed_minutes):
    login(citizen.user)
    page = client.get(signed_minutes.get_absolute_url())
    assert "Sertralin gir kvalme" in page.text
    client.post(reverse("groups:minutes_comment", args=[citizen.pk, signed_minutes.pk]), {"text": "Takk for møtet"})
    assert signed_minutes.comments.get().text == "Takk for møtet"


def test_signed_minutes_cannot_be_edited_through_any_url(client, login, citizen, coordinator, signed_minutes):
    login(coordinator)
    edit = reverse("groups:minutes_edit", args=[citizen.pk, signed_minutes.pk])
    assert client.get(edit).status_code == 409
    response = client.post(edit, {"revision": signed_minutes.revision, "summary": "Endret"})
    assert response.status_code == 409 and "locked" in response.text
    sign = reverse("groups:minutes_sign", args=[citizen.pk, signed_minutes.pk])
    assert client.post(sign, {"revision": signed_minutes.revision}).status_code == 409
    assert Minutes.objects.get(pk=signed_minutes.pk).summary == "Alle møtte"


def test_a_draft_is_not_shown_to_members(client, login, citizen, coordinator, meeting, grant, nav):
    minutes = actions.start_minutes(grant, _past(meeting), acting_user=coordinator)
    login(nav)
    assert client.get(minutes.get_absolute_url()).status_code == 404


def test_writing_the_minutes_from_the_agenda(client, login, citizen, coordinator, meeting, goal):
    meeting = _past(meeting)
    login(coordinator)
    response = client.post(reverse("groups:minutes_start", args=[citizen.pk, meeting.pk]))
    minutes = Minutes.objects.get(meeting=meeting)
    assert response.url == reverse("groups:minutes_edit", args=[citizen.pk, minutes.pk])
    page = client.get(response.url)
    assert "Sove bedre" in page.text and "latest rating: 3 of 10" in page.text
    index = next(i for i, part in enumerate(minutes.parts) if part.get("goal") == goal.pk)
    bad = client.post(response.url, {"revision": 0, f"part_{index}_rating": "11", f"part_{index}_said": "Bedre"})
    assert bad.status_code == 400 and "Bedre" in bad.text
    client.post(response.url, {"revision": 0, f"part_{index}_rating": "6", f"part_{index}_said": "Bedre"})
    minutes.refresh_from_db()
    assert minutes.parts[index]["rating"] == 6


def test_an_action_goes_to_the_gp_and_bad_ones_are_refused(client, login, citizen, coordinator, meeting, gp_member):
    login(coordinator)
    url = reverse("groups:task_add", args=[citizen.pk, meeting.pk])
    member = meeting.participants.get(member__care_team_member=gp_member).member
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    bad = client.post(url, {"what": "Ny resept", "responsible": "", "due_on": yesterday, "section": "group"})
    assert bad.status_code == 400
    assert "Choose the member who is responsible" in bad.text and "Ny resept" in bad.text
    bad = client.post(url, {"what": "Ny resept", "responsible": member.pk, "due_on": yesterday, "section": "group"})
    assert "The due date is in the past" in bad.text
    assert not GroupTask.objects.exists()
    client.post(
        url,
        {"what": "Ny resept", "responsible": member.pk, "due_on": timezone.localdate().isoformat(), "section": "group"},
    )
    assert GroupTask.objects.get().responsible_user_id == gp_member.user_id


def test_a_meeting_without_members_is_refused_with_a_message(client, login, citizen, coordinator, group):
    login(coordinator)
    starts = (timezone.localtime() + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("groups:meeting_new", args=[citizen.pk]),
        {"kind": "responsibility_group", "starts_at": starts, "duration_minutes": 60, "place": "Rådhuset"},
    )
    assert response.status_code == 400
    assert "Invite at least one member" in response.text and "Rådhuset" in response.text
    assert not Meeting.objects.exists()


def test_the_gp_closes_their_action(client, login, citizen, coordinator, meeting, gp_member, gp, grant):
    member = meeting.participants.get(member__care_team_member=gp_member).member
    task = actions.add_task(
        grant, meeting, acting_user=coordinator, what="Ny resept", responsible=member, due_on=timezone.localdate()
    )
    login(gp)
    url = reverse("groups:task", args=[citizen.pk, task.pk])
    bad = client.post(url, {"status": "cancelled", "reason": ""})
    assert bad.status_code == 400 and "Write why the action is cancelled" in bad.text
    client.post(url, {"status": "completed"})
    task.refresh_from_db()
    assert task.status == "completed"


def test_a_member_cannot_run_the_group(client, login, citizen, gp, group):
    login(gp)
    assert client.get(reverse("groups:propose", args=[citizen.pk])).status_code == 403
    assert client.get(reverse("groups:meeting_new", args=[citizen.pk])).status_code == 403
    assert AccessEvent.objects.filter(actor_id=gp.pk, action="denied", section="group").count() == 2


def test_the_group_page_shows_care_team_and_group_apart(client, login, citizen, coordinator, group):
    login(coordinator)
    overview = client.get(citizen.get_absolute_url())
    assert 'data-testid="group-panel"' in overview.text and "Open the group" in overview.text
    page = client.get(reverse("groups:group", args=[citizen.pk]))
    assert "Who may see what is still decided by the care team" in page.text


def test_moving_a_meeting_tells_those_invited_and_asks_them_again(
    client, login, citizen, coordinator, meeting, gp, grant, mailoutbox, django_capture_on_commit_callbacks
):
    from groups import invitations

    invitations.send_invitations(grant, meeting, acting_user=coordinator, absolute_url=lambda path: f"http://x{path}")
    actions.answer_invitation(access.grant_for(gp, citizen), meeting, acting_user=gp, answer="accepted")
    login(coordinator)
    url = reverse("groups:move", args=[citizen.pk, meeting.pk])
    past = (timezone.localtime() - datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    bad = client.post(url, {"starts_at": past, "duration_minutes": 60, "place": "Biblioteket"})
    assert bad.status_code == 400 and "cannot start in the past" in bad.text and "Biblioteket" in bad.text
    mailoutbox.clear()
    later = (timezone.localtime() + datetime.timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"starts_at": later, "duration_minutes": 60, "place": "Biblioteket"})
    meeting.refresh_from_db()
    assert (meeting.place, meeting.sequence) == ("Biblioteket", 1)
    assert set(meeting.participants.values_list("answer", flat=True)) == {"needs-action"}
    assert mailoutbox and all("Innbygger" not in message.body for message in mailoutbox)


def test_the_minutes_are_saved_as_typed_and_signed_ones_are_refused(
    client, login, citizen, coordinator, meeting, grant
):
    minutes = actions.start_minutes(grant, _past(meeting), acting_user=coordinator)
    login(coordinator)
    url = reverse("groups:minutes_autosave", args=[citizen.pk, minutes.pk])
    saved = client.post(url, {"revision": 0, "summary": "Alle kom"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "Draft saved at" in saved.text and 'value="1"' in saved.text
    assert Minutes.objects.get(pk=minutes.pk).summary == "Alle kom"
    # A second window still on revision 0 is told, not obeyed.
    stale = client.post(url, {"revision": 0, "summary": "Noe annet"}, HTTP_HX_REQUEST="true")
    assert "changed in another window" in stale.text
    assert client.post(url, {"revision": 0, "summary": "Noe annet"}).status_code == 409
    signed = actions.sign_minutes(grant, minutes, acting_user=coordinator, expected_revision=1)
    locked = client.post(url, {"revision": signed.revision, "summary": "Etterpå"}, HTTP_HX_REQUEST="true")
    assert "signed and locked" in locked.text
    assert Minutes.objects.get(pk=minutes.pk).summary == "Alle kom"


def test_the_coordinator_rewords_a_point_and_narrows_its_part(client, login, citizen, coordinator, meeting, nav):
    item = meeting.agenda.first()
    login(coordinator)
    url = reverse("groups:agenda_edit", args=[citizen.pk, meeting.pk, item.pk])
    prefix = f"point{item.pk}"
    bad = client.post(url, {f"{prefix}-title": "", f"{prefix}-section": Section.MEDICATION})
    assert bad.status_code == 400 and "Write the point" in bad.text
    client.post(url, {f"{prefix}-title": "Søvn og medisiner", f"{prefix}-section": Section.MEDICATION})
    item.refresh_from_db()
    assert (item.title, item.section) == ("Søvn og medisiner", Section.MEDICATION)
    # Nav may not see the medication plan: the point is gone from Nav's agenda.
    login(nav)
    assert "Søvn og medisiner" not in client.get(meeting.get_absolute_url()).text


def test_members_contact_details_are_shared_unless_the_member_withholds_them(
    client, login, citizen, grant, coordinator, coordinator_member, gp_member, nav_member, nav, gp
):
    gp.staff_profile.phone, nav.staff_profile.phone = "22 33 44 55", "99 88 77 66"
    gp.staff_profile.save()
    nav.staff_profile.save()
    specs = member_specs(coordinator_member, gp_member, nav_member)
    specs[2].hide_contact = True
    actions.propose_group(grant, acting_user=coordinator, text=agreement_text(), members=specs)
    login(gp)
    page = client.get(reverse("groups:group", args=[citizen.pk]))
    assert "22 33 44 55" in page.text and "99 88 77 66" not in page.text
    assert "kari@example.no" not in page.text  # an outsider's address is for the coordinator's invitations
    login(coordinator)
    page = client.get(reverse("groups:group", args=[citizen.pk]))
    assert "99 88 77 66" in page.text and "kari@example.no" in page.text


def test_an_action_keeps_the_shielding_of_the_agreement_it_was_decided_under(
    client, login, citizen, gp, group, grant, coordinator, coordinator_member, gp_member, nav_member
):
    """Shielded under the meeting's agreement, the GP does not get the action later either, as with its minutes."""
    shielding = member_specs(coordinator_member, gp_member, nav_member)
    shielding[1].shielded_sections = [Section.MEDICATION]
    actions.revise_agreement(
        grant, group, acting_user=coordinator, text=agreement_text(), members=shielding, change_note="Skjerm"
    )
    meeting = actions.plan_meeting(
        grant,
        group,
        acting_user=coordinator,
        kind="responsibility_group",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        duration_minutes=60,
        place="Rådhuset",
        members=list(actions.current_agreement(group).members.all()),
    )
    leader = meeting.participants.get(member__care_team_member=coordinator_member).member
    task = actions.add_task(
        grant,
        meeting,
        acting_user=coordinator,
        what="Endre dosen",
        responsible=leader,
        due_on=timezone.localdate(),
        section=Section.MEDICATION,
    )
    unshielded = member_specs(coordinator_member, gp_member, nav_member)
    actions.revise_agreement(
        grant, group, acting_user=coordinator, text=agreement_text(), members=unshielded, change_note="Ikke skjerm"
    )
    login(gp)
    assert "Endre dosen" not in client.get(reverse("groups:group", args=[citizen.pk])).text
    assert client.get(reverse("groups:task", args=[citizen.pk, task.pk])).status_code == 404
    login(coordinator)
    assert "Endre dosen" in client.get(reverse("groups:group", args=[citizen.pk])).text
