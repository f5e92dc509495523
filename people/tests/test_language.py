"""The language picked in the footer is remembered on the citizen's record or the staff profile."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from audit.models import AccessEvent
from people.models import Citizen, Language, StaffProfile


def pick(client, language, next_url="/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_the_language_choices_are_the_sites_languages():
    assert Language.values == [code for code, _name in django_settings.LANGUAGES]
    assert Citizen.Language is Language


def test_a_staff_member_who_picks_english_has_it_kept_on_their_profile(login, coordinator):
    client = login(coordinator)

    response = pick(client, "en", "/citizens/")

    assert response.status_code == 302 and response.url == "/citizens/"
    assert response.cookies["django_language"].value == "en"
    assert StaffProfile.objects.get(user=coordinator).preferred_language == "en"
    assert not AccessEvent.objects.exists()  # a staff member's own setting is not citizen data


def test_a_citizen_who_picks_nynorsk_has_it_on_their_record_and_sees_the_change_in_their_log(login, citizen):
    client = login(citizen.user)

    pick(client, "nn")
    pick(client, "nn")  # the same again changes nothing

    citizen.refresh_from_db()
    assert citizen.preferred_language == "nn"
    event = AccessEvent.objects.get(citizen_id=citizen.pk)
    assert (event.actor_id, event.action, event.section, event.ground) == (citizen.user.pk, "write", "citizen", "self")
    assert event.detail == "preferred language nn"


@pytest.mark.parametrize(
    "language",
    ["xx", "de", "", "EN", "en-us", "nb\x00", "<script>alert(1)</script>", "n" * 5000],
)
def test_a_language_samplan_does_not_offer_changes_nothing_and_is_no_error(login, citizen, coordinator, language):
    for user in (citizen.user, coordinator):
        client = login(user)

        response = pick(client, language)

        # A NUL is refused at the door (samplan/middleware.py), the rest redirects back unchanged.
        assert response.status_code == (400 if "\x00" in language else 302)
    citizen.refresh_from_db()
    assert citizen.preferred_language == "nb"
    assert StaffProfile.objects.get(user=coordinator).preferred_language == ""
    assert not AccessEvent.objects.exists()


def test_without_a_language_or_with_get_nothing_is_kept(login, coordinator):
    client = login(coordinator)

    assert client.post(reverse("set_language"), {}).status_code == 302
    assert client.get(reverse("set_language"), {"language": "en"}).status_code == 302

    assert StaffProfile.objects.get(user=coordinator).preferred_language == ""


def test_someone_not_logged_in_gets_the_cookie_only(client, citizen):
    response = pick(client, "da", "/accounts/login/")

    assert response.status_code == 302 and response.cookies["django_language"].value == "da"
    assert Citizen.objects.get(pk=citizen.pk).preferred_language == "nb"


def test_staff_who_have_not_passed_two_factor_change_only_the_cookie(login, coordinator, settings):
    settings.REQUIRE_STAFF_TWO_FACTOR = True
    client = login(coordinator)

    response = pick(client, "en")

    assert response.cookies["django_language"].value == "en"
    assert StaffProfile.objects.get(user=coordinator).preferred_language == ""


def test_the_administrator_sees_and_sets_a_staff_members_language(client, coordinator, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.no", "correct-horse-battery")
    client.force_login(admin, backend="accounts.backends.UserBackend")

    page = client.get(reverse("admin:auth_user_change", args=[coordinator.pk]))

    assert page.status_code == 200
    assert 'name="staff_profile-0-preferred_language"' in page.text
