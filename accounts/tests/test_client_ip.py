"""The login lockout counts per client address, also behind the reference proxy, and a client
cannot choose its own address by writing X-Forwarded-For."""

from django.test import Client
from django.urls import reverse

from conftest import PASSWORD


def attempt(forwarded_for, password="wrong-password"):
    # REMOTE_ADDR is the test client's 127.0.0.1: the proxy, as nginx on the same host would be.
    return Client(HTTP_X_FORWARDED_FOR=forwarded_for).post(
        reverse("accounts:login"), {"username": "coordinator", "password": password}
    )


def test_behind_the_proxy_an_attackers_address_is_locked_and_the_staff_members_is_not(coordinator, settings):
    settings.TRUSTED_PROXIES = frozenset({"127.0.0.1"})
    settings.REQUIRE_STAFF_TWO_FACTOR = False
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("203.0.113.66")
    assert attempt("203.0.113.66", PASSWORD).status_code == 429
    assert attempt("198.51.100.7", PASSWORD).status_code == 302  # the real user, from another address


def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_lockout(coordinator, settings):
    settings.TRUSTED_PROXIES = frozenset()
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(f"203.0.113.{n}")
    assert attempt("203.0.113.200", PASSWORD).status_code == 429
