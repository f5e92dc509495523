"""Who reaches a register: its unit's staff record and read the figures, the unit's leaders read the figures,
everyone else gets a 404 (staff of another unit), a 403 (a citizen) or the login page (anonymous) — never data."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from social_emergency.sections import FIGURES


@pytest.fixture
def contact(record):
    return record(identified=True)


def register_urls(register, contact):
    return [
        reverse("social_emergency:record", args=[register.pk]),
        reverse("social_emergency:recorded", args=[register.pk, contact.pk]),
        reverse("social_emergency:link", args=[register.pk, contact.pk]),
        reverse("social_emergency:figures", args=[register.pk]),
    ]


def test_staff_of_another_unit_see_no_register_and_get_404(login, other_unit_staff, register, contact):
    client = login(other_unit_staff)
    page = client.get(reverse("social_emergency:registers")).content.decode()
    assert "has no register" in page and "Sosialt akuttilbud" not in page
    for url in register_urls(register, contact):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code in (404, 405), url
    assert not AccessEvent.objects.filter(section=FIGURES).exists()


def test_the_coordinator_of_the_parent_unit_is_not_staff_of_the_crisis_unit(login, coordinator, register, contact):
    client = login(coordinator)
    assert client.get(reverse("social_emergency:figures", args=[register.pk])).status_code == 404


def test_a_citizen_is_refused(login, citizen, register, contact):
    client = login(citizen.user)
    assert client.get(reverse("social_emergency:registers")).status_code == 403
    for url in register_urls(register, contact):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_log_in(client, register, contact):
    for url in [reverse("social_emergency:registers"), *register_urls(register, contact)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_unit_leader_reads_the_figures_logged_but_does_not_record(login, unit_leader, register, contact):
    client = login(unit_leader)
    page = client.get(reverse("social_emergency:registers")).content.decode()
    assert "Sosialt akuttilbud" in page and "Record a contact" not in page
    response = client.get(reverse("social_emergency:figures", args=[register.pk]), {"period": "3m"})
    assert response.status_code == 200
    event = AccessEvent.objects.get(section=FIGURES)
    assert event.action == AccessEvent.Action.AGGREGATE and event.citizen_id is None
    assert event.actor_id == unit_leader.pk and event.ground == AccessEvent.Ground.UNIT
    assert f"register={register.pk}" in event.detail and "period=3m" in event.detail
    assert f"units={register.unit_id}" in event.detail
    assert client.get(reverse("social_emergency:record", args=[register.pk])).status_code == 404
    assert client.get(reverse("social_emergency:recorded", args=[register.pk, contact.pk])).status_code == 404


def test_the_night_worker_reads_the_figures_as_staff(login, night_worker, register, contact):
    assert login(night_worker).get(reverse("social_emergency:figures", args=[register.pk])).status_code == 200
    assert AccessEvent.objects.get(section=FIGURES).ground == AccessEvent.Ground.STAFF


def test_a_colleague_does_not_open_another_workers_recorded_contact(login, make_staff, crisis_unit, register, contact):
    colleague = make_staff("kollega", crisis_unit)
    client = login(colleague)
    assert client.get(reverse("social_emergency:record", args=[register.pk])).status_code == 200
    assert client.get(reverse("social_emergency:recorded", args=[register.pk, contact.pk])).status_code == 404
    assert client.get(reverse("social_emergency:link", args=[register.pk, contact.pk])).status_code == 404


def test_a_closed_register_takes_no_new_contacts_but_its_figures_stay(login, night_worker, register):
    register.active = False
    register.save()
    client = login(night_worker)
    assert client.get(reverse("social_emergency:record", args=[register.pk])).status_code == 404
    assert client.get(reverse("social_emergency:figures", args=[register.pk])).status_code == 200
    assert "closed for new contacts" in client.get(reverse("social_emergency:registers")).content.decode()


def test_the_registers_are_in_the_admin_and_contacts_are_not(login, register):
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    from social_emergency.models import Contact, ContactRegister, HelpKind, Topic

    assert all(admin.site.is_registered(model) for model in (ContactRegister, Topic, HelpKind))
    assert not admin.site.is_registered(Contact)
    superuser = get_user_model().objects.create_superuser("root", password="x-long-enough-1")
    client = login(superuser)
    for model in ("contactregister", "topic", "helpkind"):
        assert client.get(reverse(f"admin:social_emergency_{model}_changelist")).status_code == 200
    assert client.get(reverse("admin:social_emergency_contactregister_add")).status_code == 200
