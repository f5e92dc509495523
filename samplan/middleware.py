"""Input no web page may pass on to a query is refused at the door.

PostgreSQL refuses NUL in text (and Python cannot encode a lone surrogate), so a NUL in a query
string, a form field, a cookie or a header would be a 500 deep inside a view, on PostgreSQL only.
Nobody types a NUL: ``RefuseBadInputMiddleware`` answers such a request with a plain 400 page. It
runs before the session is looked up (a session cookie may be the bad input) and drops a bad cookie.
Ids in the path beyond the database's integer range are a 404 before the view runs, and a form
body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` a 413. The FHIR API (/fhir/) checks its own input the
same way (``fhir_api.edge`` calls ``refused_place``), to answer with an OperationOutcome.

Beside it: ``ApiShortcutMiddleware`` sends /fhir/ requests past the screens' middleware, and
``CSPMiddleware`` is django-csp's with its header built once (docs/architecture.md).
"""

import functools

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from web.safe_json import REFUSED_CHARACTERS

# The largest id PostgreSQL's bigint and SQLite's integer hold.
MAX_ID = 2**63 - 1
# A body that is refused unread is read and dropped up to this size, so that the server does not
# close a connection with unread data (which resets it, and the client never sees the answer).
DISCARD_LIMIT = 32 * 1024 * 1024
API_PREFIX = "/fhir/"


def content_length(request):
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def discard_body(request):
    """Read and drop what is left of the body of a refused request (if it is at most DISCARD_LIMIT)."""
    if content_length(request) > DISCARD_LIMIT:
        return
    try:
        while request.read(64 * 1024):
            pass
    except OSError:  # the client went away
        pass


def refused_place(request):
    """The first place of ``request`` that holds a refused character, or None (also the FHIR edge's check)."""
    if REFUSED_CHARACTERS.search(request.path_info):
        return "path"
    for name, value in request.META.items():
        if name.startswith("HTTP_") and isinstance(value, str) and REFUSED_CHARACTERS.search(value):
            return name
    for name, value in request.COOKIES.items():
        if REFUSED_CHARACTERS.search(name) or REFUSED_CHARACTERS.search(value):
            return f"cookie {name}"
    forms = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    for form in forms:
        for name, values in form.lists():
            if REFUSED_CHARACTERS.search(name) or any(REFUSED_CHARACTERS.search(value) for value in values):
                return name
    if request.method == "POST":
        for name, files in request.FILES.lists():
            if any(REFUSED_CHARACTERS.search(upload.name or "") for upload in files):
                return name
    return None


def _refusal(request, status, message):
    """The 400 page in the visitor's language (this runs before LocaleMiddleware)."""
    with translation.override(translation.get_language_from_request(request)):
        return render(request, "400.html", {"message": message}, status=status)


class RefuseBadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            refused = refused_place(request)
        except RequestDataTooBig:
            discard_body(request)
            return _refusal(request, 413, _("What you sent is too large. Shorten the text and try again."))
        except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
            return _refusal(request, 400, _("The form could not be read. Go back and try again."))
        if refused is not None:
            response = _refusal(
                request,
                400,
                _("What you sent holds a character that Samplan cannot store. Go back, check the text and try again."),
            )
            if refused.startswith("cookie "):
                response.delete_cookie(refused.removeprefix("cookie "))
            return response
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(API_PREFIX):
            return None  # fhir_api.edge answers with an OperationOutcome
        if any(isinstance(value, int) and not 0 <= value <= MAX_ID for value in (*view_args, *view_kwargs.values())):
            raise Http404
        return None


# The middleware an API request still passes below ``ApiShortcutMiddleware``: the language of the
# request (OperationOutcomes and some displays are translated).
API_MIDDLEWARE = (LocaleMiddleware,)


class _ApiHandler(BaseHandler):
    """Django's handler with ``API_MIDDLEWARE`` in place of ``settings.MIDDLEWARE``: URL resolution,
    the view, its exceptions turned into responses (the /fhir/ error handlers) and the response's
    logging stay Django's own."""

    def load_middleware(self, is_async=False):
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response)
        for middleware in reversed(API_MIDDLEWARE):
            handler = convert_exception_to_response(middleware(handler))
        self._middleware_chain = handler


class ApiShortcutMiddleware:
    """A FHIR API request (/fhir/) skips the screens' middleware below this one.

    The API authenticates each request by its bearer token (``fhir_api.edge``) and never by a
    session: the session, the login and its second factor, CSRF, messages, htmx, the login lockout
    and frame options are the screens' and were a tenth of a short API request's Python
    (docs/benchmarks.md). The middleware above this one (security headers, CSP, static files) still
    applies to it, and the language is still the request's. Both Django's handler and the test
    client build their chain from ``settings.MIDDLEWARE``, so tests take the path production takes.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.api = _ApiHandler()
        self.api.load_middleware()

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        response = self.api.get_response(request)
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))  # as CommonMiddleware does
        return response


# What a view or decorator of django-csp sets on a response to change its policy.
_CSP_PER_RESPONSE = (
    *("_csp_config", "_csp_update", "_csp_replace"),
    *("_csp_config_ro", "_csp_update_ro", "_csp_replace_ro"),
)


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, with the policy built once while it is the same for every response.

    django-csp builds the header from the settings for each response (a fifteenth of a short API
    request's Python, docs/benchmarks.md). Samplan's policy has no nonce and no view changes it, so
    a response that asks for neither (no nonce read, no ``csp_*`` decorator) gets the header built
    once from the settings; any other response is django-csp's own. The rules for which header is
    set are django-csp's: not over one the response has, not where exempt, not under an excluded
    prefix, not on DEBUG's 404 and 500 pages.
    """

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _CSP_PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response
        for header, policy, exempt, excluded_prefixes in _constant_policies():
            wanted = policy and header not in response and not getattr(response, exempt, False)
            if wanted and not request.path_info.startswith(excluded_prefixes):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


@functools.cache
def _constant_policies():
    """The two headers (the policy and the report-only one) as django-csp builds them for a
    response that changes nothing, with what exempts a response and the excluded prefixes."""
    policies = []
    for header, setting, exempt, report_only in (
        (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro", True),
    ):
        policy = build_policy(report_only=report_only)  # no per-response config, no nonce
        prefixes = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
        policies.append((header, policy, exempt, prefixes))
    return tuple(policies)


@receiver(setting_changed)
def _policy_changed(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _constant_policies.cache_clear()
