"""Logging in: passwords, two-factor for staff, lockout after failures, idle timeout."""

import datetime
import time

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD


def log_in(client, username, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def current_token(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_staff_logs_in_with_username_and_password_when_two_factor_is_optional(client, coordinator, settings):
    settings.REQUIRE_STAFF_TWO_FACTOR = False
    response = log_in(client, "coordinator")
    assert response.status_code == 302
    assert client.get(reverse("people:citizen_list")).status_code == 200


def test_wrong_password_gives_a_clear_message_and_keeps_the_username(client, coordinator):
    response = log_in(client, "coordinator", "wrong-password")
    assert response.status_code == 200
    assert "Wrong username or password" in response.text
    assert 'value="coordinator"' in response.text


def test_many_wrong_passwords_lock_the_login(client, coordinator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "coordinator", "wrong-password")
    response = log_in(client, "coordinator")  # even the right password is refused now
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert client.get(reverse("people:citizen_list")).status_code == 302


class TestTwoFactorInProduction:
    @pytest.fixture(autouse=True)
    def required(self, settings):
        settings.REQUIRE_STAFF_TWO_FACTOR = True

    def test_staff_without_a_device_must_set_one_up_first(self, client, coordinator):
        log_in(client, "coordinator")
        response = client.get(reverse("people:citizen_list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:otp_setup"))

        client.get(reverse("accounts:otp_setup"))
        device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
        response = client.post(reverse("accounts:otp_setup"), {"token": "000000"})
        assert "The code is wrong" in response.text
        response = client.post(reverse("accounts:otp_setup"), {"token": current_token(device)})
        assert "Wait" in response.text  # the device throttles after a failure
        with time_machine.travel(time.time() + 5):
            response = client.post(reverse("accounts:otp_setup"), {"token": current_token(device)})
        assert response.status_code == 302
        assert client.get(reverse("people:citizen_list")).status_code == 200

    def test_staff_with_a_device_must_give_the_code_after_the_password(self, client, coordinator):
        device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
        log_in(client, "coordinator")
        response = client.get(reverse("people:citizen_list"))
        assert response["Location"].startswith(reverse("accounts:otp_verify"))
        response = client.post(reverse("accounts:otp_verify"), {"token": "12"})
        assert "six digits" in response.text
        client.post(reverse("accounts:otp_verify"), {"token": current_token(device)})
        assert client.get(reverse("people:citizen_list")).status_code == 200

    def test_a_password_alone_cannot_replace_an_existing_device(self, client, coordinator):
        TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
        log_in(client, "coordinator")
        response = client.get(reverse("accounts:otp_setup"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:otp_verify"))
        assert TOTPDevice.objects.filter(user=coordinator).count() == 1

    def test_citizens_do_not_need_two_factor(self, client, citizen):
        citizen.user.set_password(PASSWORD)
        citizen.user.save()
        log_in(client, citizen.user.username)
        assert client.get(reverse("people:citizen_home")).status_code == 200


def test_a_staff_member_who_set_up_two_factor_needs_it_also_in_development(client, coordinator, settings):
    settings.REQUIRE_STAFF_TWO_FACTOR = False
    TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    log_in(client, "coordinator")
    assert client.get(reverse("people:citizen_list")).status_code == 302


def test_session_ends_after_thirty_idle_minutes(client, coordinator, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    log_in(client, "coordinator")
    session = client.session
    assert 29 * 60 <= session.get_expiry_age() <= 30 * 60


def _stored_expiry(client):
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).expire_date


def test_the_idle_time_slides_with_use_and_is_written_at_most_once_a_minute(client, coordinator, settings):
    settings.REQUIRE_STAFF_TWO_FACTOR = False
    page = reverse("people:citizen_list")
    with time_machine.travel(datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        log_in(client, "coordinator")
        logged_in = _stored_expiry(client)
        assert logged_in == timezone.now() + datetime.timedelta(minutes=30)

        clock.shift(datetime.timedelta(seconds=59))
        assert client.get(page).status_code == 200
        assert _stored_expiry(client) == logged_in  # not written again within the minute

        clock.shift(datetime.timedelta(seconds=1))
        assert client.get(page).status_code == 200
        assert _stored_expiry(client) == timezone.now() + datetime.timedelta(minutes=30)  # a minute on: slid

        clock.shift(datetime.timedelta(minutes=29, seconds=59))
        assert client.get(page).status_code == 200  # 29:59 idle: still in
        clock.shift(datetime.timedelta(minutes=30))
        response = client.get(page)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]  # 30 idle: out


def test_citizen_gets_their_preferred_language_at_login(client, citizen):
    citizen.preferred_language = "en"
    citizen.save()
    citizen.user.set_password(PASSWORD)
    citizen.user.save()
    response = log_in(client, citizen.user.username)
    assert response.cookies["django_language"].value == "en"


def test_staff_get_their_preferred_language_at_login_unless_they_chose_one_on_this_device(
    client, coordinator, settings
):
    settings.REQUIRE_STAFF_TWO_FACTOR = False
    coordinator.staff_profile.preferred_language = "da"
    coordinator.staff_profile.save()
    assert log_in(client, "coordinator").cookies["django_language"].value == "da"

    client.logout()
    client.cookies["django_language"] = "en"
    assert "django_language" not in log_in(client, "coordinator").cookies


def test_staff_without_a_preferred_language_keep_the_sites(client, coordinator, settings):
    settings.REQUIRE_STAFF_TWO_FACTOR = False
    assert "django_language" not in log_in(client, "coordinator").cookies


@pytest.mark.real_hashing
def test_passwords_are_hashed_with_argon2(coordinator):
    assert coordinator.password.startswith("argon2")


def test_login_page_is_usable_without_javascript(client):
    response = client.get(reverse("accounts:login"))
    assert 'name="username"' in response.text and 'name="password"' in response.text
