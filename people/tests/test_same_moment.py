"""Two requests at the same moment (a double click, two people choosing one username): the second
waits on the first's unique key, and the user sees what the first's request did or a form error, never a
500. On PostgreSQL only: SQLite writes one at a time anyway."""

import pytest
from django.db import connection
from django.urls import reverse

from people import actions
from people.access import grant_for
from people.models import AccessCode, CareTeamMember, Citizen
from tests.concurrency import page_client, replies_at_once

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time")


def register(client):
    data = {
        "given_name": "Nora",
        "family_name": "Nilsen",
        "national_id": "01019012480",
        "date_of_birth": "1990-01-01",
        "preferred_language": "nb",
    }
    return client.post(reverse("people:citizen_create"), data)


def activate(client, code, username="nora"):
    password = "lang-og-trygg-2026"
    return client.post(
        reverse("people:activate"), {"code": code, "username": username, "password1": password, "password2": password}
    )


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_register_citizen_registers_one_citizen_and_shows_it(coordinator):
    one, two = page_client(coordinator), page_client(coordinator)
    responses, failures = replies_at_once(lambda: register(one), lambda: register(two), hold=(actions, "record"))
    assert failures == []
    assert [responses["first"].status_code, responses["second"].status_code] == [302, 302]
    citizen = Citizen.objects.get(national_id="01019012480")
    assert responses["first"]["Location"] == responses["second"]["Location"] == citizen.get_absolute_url()
    assert CareTeamMember.objects.filter(citizen=citizen).count() == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_staff_registering_one_national_id_at_the_same_moment_the_second_gets_a_form_error(coordinator, make_staff):
    one, two = page_client(coordinator), page_client(make_staff("other"))
    responses, failures = replies_at_once(lambda: register(one), lambda: register(two), hold=(actions, "record"))
    assert failures == []
    second = responses["second"]
    assert [responses["first"].status_code, second.status_code] == [302, 200]
    # The message a duplicate gets when the first was registered a moment earlier.
    assert "Citizen with this National identity number already exists." in second.text
    assert 'href="#id_national_id"' in second.text
    assert 'value="Nora"' in second.text  # what was typed is kept
    citizen = Citizen.objects.get(national_id="01019012480")
    assert CareTeamMember.objects.get(citizen=citizen).user == coordinator


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_citizens_choosing_one_username_at_the_same_moment_the_second_gets_a_form_error(coordinator, make_citizen):
    citizens = [make_citizen(coordinator, name) for name in ("Nora", "Ola")]
    codes = [actions.issue_access_code(grant_for(coordinator, c), acting_user=coordinator)[0] for c in citizens]
    responses, failures = replies_at_once(
        lambda: activate(page_client(), codes[0]), lambda: activate(page_client(), codes[1]), hold=(actions, "record")
    )
    assert failures == []
    second = responses["second"]
    assert [responses["first"].status_code, second.status_code] == [302, 200]
    assert "This username is taken. Choose another." in second.text
    assert 'href="#id_username"' in second.text
    assert 'value="nora"' in second.text  # what was typed is kept
    assert Citizen.objects.filter(user__username="nora").get().given_name == "Nora"
    assert AccessCode.objects.filter(used_at__isnull=True).count() == 1  # the second code can still be used


@pytest.mark.django_db
def test_a_second_click_after_the_first_was_saved_shows_the_citizen_it_registered(coordinator, make_staff):
    """The double click whose first request is done before the second starts: the second shows the
    citizen this user registered a moment ago, not "already exists". Anyone else still gets the error."""
    client = page_client(coordinator)
    first, second = register(client), register(client)
    citizen = Citizen.objects.get(national_id="01019012480")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == citizen.get_absolute_url()
    assert CareTeamMember.objects.filter(citizen=citizen).count() == 1
    other = register(page_client(make_staff("other")))
    assert other.status_code == 200
    assert "Citizen with this National identity number already exists." in other.text
    assert 'href="#id_national_id"' in other.text and 'value="Nora"' in other.text
