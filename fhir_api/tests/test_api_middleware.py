"""/fhir/ skips the screens' middleware (samplan.middleware.ApiShortcutMiddleware): a browser session
neither authenticates an API request nor is touched by one; the security headers, the length of the
body and the language of the request are kept."""

import pytest

from accounts.models import ApiToken


def test_a_browser_session_does_not_open_the_api_and_the_api_sets_no_cookie(client, coordinator, citizen):
    client.force_login(coordinator)
    assert client.get("/").status_code in (200, 302)  # the screens see the session
    refused = client.get(f"/fhir/Patient/{citizen.pk}")
    assert refused.status_code == 401
    assert not refused.cookies

    token = ApiToken.issue(coordinator)
    read = client.get(f"/fhir/Patient/{citizen.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert read.status_code == 200
    assert not read.cookies  # no session written, no CSRF cookie, no messages
    assert read["Content-Length"] == str(len(read.content))
    assert read["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still answers


@pytest.mark.parametrize("language", ["en", "nb"])
def test_an_api_request_is_answered_in_its_own_language(ask, citizen, language):
    other = "nb" if language == "en" else "en"
    assert ask(f"/fhir/Patient/{citizen.pk}", HTTP_ACCEPT_LANGUAGE=other)["Content-Language"] == other
    answered = ask(f"/fhir/Patient/{citizen.pk}", HTTP_ACCEPT_LANGUAGE=language)
    assert answered.status_code == 200 and answered["Content-Language"] == language  # not the last request's
