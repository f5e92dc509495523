"""The Content Security Policy header: the one django-csp builds from the settings, on pages and API
answers alike, though Samplan's middleware builds it once (samplan.middleware.CSPMiddleware)."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from samplan.middleware import CSPMiddleware


def django_csp(request, response):
    """What django-csp's own middleware sets on ``response``."""
    middleware = DjangoCSPMiddleware(lambda request: response)
    middleware.process_request(request)
    return middleware.process_response(request, response)


def ours(request, response):
    middleware = CSPMiddleware(lambda request: response)
    middleware.process_request(request)
    return middleware.process_response(request, response)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/fhir/metadata", "/fhir/Patient"])
def test_pages_and_api_answers_carry_django_csps_policy(client, path):
    response = client.get(path)
    expected = django_csp(RequestFactory().get(path), HttpResponse())[HEADER]
    assert response[HEADER] == expected
    assert "default-src 'self'" in expected and "frame-ancestors 'none'" in expected
    assert HEADER_REPORT_ONLY not in response  # none is configured


def test_a_changed_setting_changes_the_header():
    request = RequestFactory().get("/")
    before = ours(request, HttpResponse())[HEADER]
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        assert ours(RequestFactory().get("/"), HttpResponse())[HEADER] == "default-src 'none'"
    assert ours(RequestFactory().get("/"), HttpResponse())[HEADER] == before


def test_report_only_policy_and_excluded_prefix_as_django_csp():
    policies = {
        "CONTENT_SECURITY_POLICY": {"DIRECTIVES": {"default-src": ["'self'"]}, "EXCLUDE_URL_PREFIXES": ["/static/"]},
        "CONTENT_SECURITY_POLICY_REPORT_ONLY": {"DIRECTIVES": {"default-src": ["'none'"]}},
    }
    with override_settings(**policies):
        for path in ("/", "/static/app.css"):
            mine = ours(RequestFactory().get(path), HttpResponse())
            theirs = django_csp(RequestFactory().get(path), HttpResponse())
            for header in (HEADER, HEADER_REPORT_ONLY):
                assert mine.get(header) == theirs.get(header), (path, header)
        assert HEADER not in ours(RequestFactory().get("/static/app.css"), HttpResponse())
        assert ours(RequestFactory().get("/"), HttpResponse())[HEADER_REPORT_ONLY] == "default-src 'none'"


def test_a_response_that_changes_its_policy_or_asks_for_a_nonce_gets_it():
    changed = HttpResponse()
    changed._csp_update = {"img-src": ["https://example.org"]}
    assert "https://example.org" in ours(RequestFactory().get("/"), changed)[HEADER]

    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": ["'self'", NONCE]}}):
        request = RequestFactory().get("/")
        middleware = CSPMiddleware(lambda request: HttpResponse())
        middleware.process_request(request)
        nonce = str(request.csp_nonce)
        assert f"script-src 'self' 'nonce-{nonce}'" in middleware.process_response(request, HttpResponse())[HEADER]
        unused = ours(RequestFactory().get("/"), HttpResponse())  # a page that used no nonce
        assert unused[HEADER] == django_csp(RequestFactory().get("/"), HttpResponse())[HEADER]
        assert "script-src 'self'" in unused[HEADER] and "nonce" not in unused[HEADER]


def test_an_exempt_response_or_one_with_its_own_header_is_left_alone():
    exempt = HttpResponse()
    exempt._csp_exempt = True
    assert HEADER not in ours(RequestFactory().get("/"), exempt)
    own = HttpResponse(headers={HEADER: "default-src 'none'"})
    assert ours(RequestFactory().get("/"), own)[HEADER] == "default-src 'none'"


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error():
    from csp.exceptions import CSPNonceError

    request = RequestFactory().get("/")
    ours(request, HttpResponse())
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
