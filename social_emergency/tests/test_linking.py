"""An identified contact reaches a citizen's record only with the person's agreement and through the access policy:
staff with a grant on the citizen link it, and the link is a write on the citizen's access log."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AccessEvent
from people.models import CareTeamMember
from social_emergency import actions
from social_emergency.sections import LINKED_CONTACT


@pytest.fixture
def night_worker_on_the_team(night_worker, citizen):
    """The night worker is also on the citizen's care team (their peer contact, say)."""
    CareTeamMember.objects.create(
        citizen=citizen, user=night_worker, role=CareTeamMember.Role.OTHER, sections=["overview"]
    )
    return night_worker


def link_url(contact):
    return reverse("social_emergency:link", args=[contact.register_id, contact.pk])


def test_staff_with_a_grant_link_an_identified_contact_with_consent_and_it_is_logged(
    login, night_worker_on_the_team, citizen, record
):
    contact = record(identified=True)
    client = login(night_worker_on_the_team)
    page = client.get(link_url(contact)).content.decode()
    assert "Ingrid Innbygger" in page and "The person agreed that this contact is linked to their record." in page
    response = client.post(link_url(contact), {"citizen": citizen.pk, "consent": "on"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.citizen == citizen and contact.link_consent and contact.linked_by == night_worker_on_the_team
    event = AccessEvent.objects.get(citizen_id=citizen.pk, section=LINKED_CONTACT)
    assert event.action == AccessEvent.Action.WRITE and event.actor_id == night_worker_on_the_team.pk
    assert event.ground == AccessEvent.Ground.CARE_TEAM and "agreed" in event.detail
    assert "linked to the person's record" in client.get(response["Location"]).content.decode()


def test_without_the_consent_tick_the_contact_stays_unlinked(login, night_worker_on_the_team, citizen, record):
    contact = record(identified=True)
    response = login(night_worker_on_the_team).post(link_url(contact), {"citizen": citizen.pk})
    assert response.status_code == 400
    assert "Tick that the person agreed" in response.content.decode()
    contact.refresh_from_db()
    assert contact.citizen is None
    assert not AccessEvent.objects.filter(section=LINKED_CONTACT).exists()


def test_without_a_grant_on_the_citizen_the_contact_stays_unlinked(login, night_worker, citizen, record):
    contact = record(identified=True)
    client = login(night_worker)
    page = client.get(link_url(contact)).content.decode()
    assert "Ingrid" not in page and "stays unlinked" in page
    response = client.post(link_url(contact), {"citizen": citizen.pk, "consent": "on"})  # a crafted POST
    assert response.status_code == 400
    contact.refresh_from_db()
    assert contact.citizen is None
    assert not AccessEvent.objects.filter(citizen_id=citizen.pk).exclude(action="denied").exists()
    with pytest.raises(ValidationError) as refused:
        actions.link_contact(contact, citizen, acting_user=night_worker, consent=True)
    assert "no access to this person's record" in str(refused.value)
    contact.refresh_from_db()
    assert contact.citizen is None


def test_an_anonymous_contact_cannot_be_linked(login, night_worker_on_the_team, citizen, record):
    contact = record(identified=False)
    response = login(night_worker_on_the_team).post(link_url(contact), {"citizen": citizen.pk, "consent": "on"})
    assert response.status_code == 302  # back to the contact: nothing to link
    with pytest.raises(ValidationError):
        actions.link_contact(contact, citizen, acting_user=night_worker_on_the_team, consent=True)
    contact.refresh_from_db()
    assert contact.citizen is None
    assert not AccessEvent.objects.filter(section=LINKED_CONTACT).exists()


def test_a_contact_is_linked_once(night_worker_on_the_team, citizen, record):
    contact = record(identified=True)
    actions.link_contact(contact, citizen, acting_user=night_worker_on_the_team, consent=True)
    with pytest.raises(ValidationError):
        actions.link_contact(contact, citizen, acting_user=night_worker_on_the_team, consent=True)
    assert AccessEvent.objects.filter(section=LINKED_CONTACT).count() == 1


def test_the_coordinator_with_a_grant_but_outside_the_unit_cannot_link(coordinator, citizen, record):
    contact = record(identified=True)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.link_contact(contact, citizen, acting_user=coordinator, consent=True)
    contact.refresh_from_db()
    assert contact.citizen is None


def test_listing_the_records_to_link_to_is_a_logged_read_of_each(login, night_worker_on_the_team, citizen, record):
    contact = record(identified=True)
    login(night_worker_on_the_team).get(link_url(contact))
    assert AccessEvent.objects.filter(
        citizen_id=citizen.pk, actor_id=night_worker_on_the_team.pk, action="read", detail__contains="choose a record"
    ).exists()


def test_emergency_access_does_not_link_a_contact(night_worker, citizen, record):
    from people import actions as people_actions

    people_actions.start_emergency_access(acting_user=night_worker, citizen=citizen, reason="Akutt, kom på natta")
    contact = record(identified=True)
    with pytest.raises(ValidationError, match="no access"):
        actions.link_contact(contact, citizen, acting_user=night_worker, consent=True)
    contact.refresh_from_db()
    assert contact.citizen is None
