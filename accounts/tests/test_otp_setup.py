"""Setting up two-factor login from two tabs (or parallel htmx requests, each sent to the setup page by
the middleware): one unconfirmed device, and the setup page keeps working."""

import pytest
from django.db import connection
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import views
from tests.concurrency import first_two_at_once, page_client


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_two_tabs_opening_the_setup_page_at_the_same_moment_make_one_device(coordinator):
    tabs = [page_client(coordinator), page_client(coordinator)]
    responses = []
    failures = first_two_at_once(
        lambda: responses.append(tabs[0].get(reverse("accounts:otp_setup"))),
        lambda: responses.append(tabs[1].get(reverse("accounts:otp_setup"))),
    )
    assert failures == []
    assert [response.status_code for response in responses] == [200, 200]
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1
    assert tabs[0].get(reverse("accounts:otp_setup")).status_code == 200  # and on every later visit


def test_a_staff_member_with_two_unconfirmed_devices_stored_can_still_set_up(client, coordinator):
    """Two unconfirmed devices stored (by two tabs before the setup page took turns): one is kept."""
    for _ in range(2):
        TOTPDevice.objects.create(user=coordinator, name="authenticator", confirmed=False)
    client.force_login(coordinator, backend="accounts.backends.UserBackend")
    assert client.get(reverse("accounts:otp_setup")).status_code == 200
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_two_tabs_confirming_a_code_at_the_same_moment_keep_the_device(coordinator):
    """Both tabs show the same device; a code is typed in one and, as the app moves on, the next code in
    the other, at the same moment. The first confirms the device, the second is sent to type a code,
    and the device stays. (The first deleted the device the second had confirmed meanwhile, then failed
    to confirm it: a 500, and the staff member left with no device.)"""
    tabs = [page_client(coordinator), page_client(coordinator)]
    assert tabs[0].get(reverse("accounts:otp_setup")).status_code == 200
    device = TOTPDevice.objects.get(user=coordinator)
    now, later = (TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift) for _ in range(2))
    later.time += device.step

    def confirm(client, totp):
        responses.append(client.post(reverse("accounts:otp_setup"), {"token": f"{totp.token():06d}"}))

    responses = []
    failures = first_two_at_once(
        lambda: confirm(tabs[0], now), lambda: confirm(tabs[1], later), hold=(views, "_check_token")
    )
    assert failures == []
    assert sorted(response.status_code for response in responses) == [302, 302]
    assert sum(response.url.startswith(reverse("accounts:otp_verify")) for response in responses) == 1
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=True).count() == 1
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1
