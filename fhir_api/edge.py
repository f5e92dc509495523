"""The FHIR API's edge: what a client sends is checked here, once, before a view or a query sees it.

- A JSON body is read only by ``read_json``: at most ``FHIR_MAX_BODY_BYTES`` (413 above), then
  parsed by ``web.safe_json`` (valid UTF-8, nested at most 64 deep, no string holding a character
  PostgreSQL refuses; 400 otherwise).
- Search parameters, form fields and ids in the path are checked by ``guard`` (which
  ``responses.bearer_required`` applies to every view): characters PostgreSQL refuses, and ids
  outside the database's integer range, are a 400 naming the parameter.
- Integer search parameters go through ``whole_number``, references through ``reference_id``.
- Whatever a view raises as ``BadInput`` becomes an OperationOutcome; an unexpected exception under
  /fhir/ becomes a 500 OperationOutcome in JSON (``server_error``), never an HTML page.
"""

import re
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponseNotModified
from django.http.multipartparser import MultiPartParserError
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from accounts import smart
from accounts.tokens import user_for_bearer
from samplan.middleware import MAX_ID, content_length, discard_body, refused_place
from web import safe_json

from .parameters import SEARCH_PARAMETERS, lenient_params
from .responses import operation_outcome

DEFAULT_MAX_BODY = 512 * 1024
DIGITS = re.compile(r"[0-9]{1,19}")


class BadInput(Exception):
    """Input the API refuses: ``status`` (400, 413 or 415) with an OperationOutcome issue."""

    def __init__(self, message, expression=None, code="invalid", status=400):
        super().__init__(message)
        self.message, self.expression, self.code, self.status = message, expression, code, status

    def response(self):
        return operation_outcome(self.status, self.code, self.message, expression=self.expression)


def max_body():
    return getattr(settings, "FHIR_MAX_BODY_BYTES", DEFAULT_MAX_BODY)


def _too_large():
    return BadInput(f"The request body is larger than {max_body()} bytes.", code="too-long", status=413)


# A body of another type is a 415 before it is read (a form's fields are read by ``guard``).
JSON_TYPES = {"", "application/json", "application/fhir+json"}


def read_json(request):
    """The request body as JSON (``None`` for an empty body); ``BadInput`` if it is not acceptable."""
    if request.content_type not in JSON_TYPES:
        raise BadInput("Send FHIR JSON (Content-Type: application/fhir+json).", code="not-supported", status=415)
    if content_length(request) > max_body():
        raise _too_large()
    try:
        raw = request.body
    except RequestDataTooBig:
        raise _too_large() from None
    if len(raw) > max_body():
        raise _too_large()
    if not raw.strip():
        return None
    try:
        return safe_json.loads(raw)
    except safe_json.JSONRefused as error:
        raise BadInput(error.message, expression=error.where, code=error.code) from None


def whole_number(raw, name, maximum=MAX_ID):
    """``raw`` as an int from 0 to ``maximum``; ``BadInput`` naming ``name`` otherwise."""
    if not isinstance(raw, str) or not DIGITS.fullmatch(raw) or int(raw) > maximum:
        raise BadInput(f"{name} must be a whole number from 0 to {maximum}.", name)
    return int(raw)


def reference_id(reference, resource_type, *, bare=False):
    """The id of a ``<resource_type>/<id>`` reference (with ``bare``, also of a plain ``<id>``), or
    None if it is not one or the id is out of range."""
    if not isinstance(reference, str):
        return None
    prefix = f"{resource_type}/"
    if not reference.startswith(prefix) and not bare:
        return None
    raw = reference.removeprefix(prefix)
    if not DIGITS.fullmatch(raw) or int(raw) > MAX_ID:
        return None
    return int(raw)


# ``_format`` values that mean FHIR JSON (the only format here); anything else is a 406.
JSON_FORMATS = {"json", "application/json", "application/fhir+json", "application/json+fhir"}


def _check_format(request):
    wanted = request.GET.get("_format")
    if wanted is not None and wanted.partition(";")[0].strip().lower() not in JSON_FORMATS:
        raise BadInput(
            "This server speaks FHIR JSON only: _format=json or application/fhir+json.",
            "_format",
            code="not-supported",
            status=406,
        )


def prefers(request, preference):
    """Whether the ``Prefer`` header asks for ``preference`` (e.g. ``respond-async``, ``handling=lenient``)."""
    asked = request.headers.get("Prefer", "").split(",")
    return preference in {"".join(part.split()).split(";")[0].lower() for part in asked}


def _lenient(request):
    """``Prefer: handling=lenient`` on a search: its unknown parameters are left out (and out of the
    paging links) instead of refused. True when it applied."""
    if request.method != "GET" or not prefers(request, "handling=lenient"):
        return False
    resource_type = request.path_info.removeprefix("/fhir/")
    if resource_type not in SEARCH_PARAMETERS:
        return False
    request.GET = lenient_params(request.GET, resource_type)
    return True


def _check_request(request, kwargs):
    _check_format(request)
    for name, value in kwargs.items():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            raise BadInput(f"The id must be a whole number from 0 to {MAX_ID}.", name)
    if content_length(request) > max_body():
        discard_body(request)
        raise _too_large()
    try:
        place = refused_place(request)
    except RequestDataTooBig:
        raise _too_large() from None
    except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
        raise BadInput("Too many parameters, or a form that cannot be read.") from None
    if place is not None:
        raise BadInput("A parameter holds a character that is not allowed (e.g. NUL).", place, code="value")


def _not_modified(request, response):
    """A conditional read (``If-None-Match``) of a resource the client already has."""
    wanted = request.headers.get("If-None-Match")
    if not wanted or request.method not in ("GET", "HEAD") or response.status_code != 200:
        return False
    etag = response.get("ETag")
    if etag is None:
        return False
    have = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
    return "*" in have or etag.removeprefix("W/") in have


def guard(view):
    """Check the request at the edge; ``BadInput`` raised by the view, and a wrong method, become an
    OperationOutcome."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            _check_request(request, kwargs)
            lenient = _lenient(request)
            response = view(request, *args, **kwargs)
        except BadInput as error:
            return error.response()
        if lenient:
            response["Preference-Applied"] = "handling=lenient"
        if _not_modified(request, response):
            unchanged = HttpResponseNotModified()
            unchanged["ETag"] = response["ETag"]
            return unchanged
        if response.status_code == 405 and "Allow" in response:  # from require_GET and friends
            allowed = response["Allow"]
            response = operation_outcome(405, "not-supported", f"Use {allowed} here.")
            response["Allow"] = allowed
        return response

    return wrapped


def _in_scope(request, scopes, kwargs):
    """Whether a system client's granted scopes allow this request: ``r`` to read one resource, ``s``
    to search (GET, or POST to ``_search``), ``c`` to create."""
    path = request.path_info.removeprefix("/fhir/")
    if "$export" in path or path.startswith("bulk/"):
        return True  # a bulk export checks each type it takes against the scopes (fhir_api.bulk)
    resource_type, _slash, rest = path.partition("/")
    if request.method == "GET":
        permission = "r" if kwargs else "s"
    elif rest == "_search":
        permission = "s"
    else:
        permission = "c"
    return smart.permits(scopes, resource_type, permission)


def bearer_required(view):
    """The edge of every FHIR view: the request is checked (``guard``), then the bearer token; the
    token's user then meets the same access policy as on the screens."""

    @csrf_exempt
    @wraps(view)
    @guard
    def wrapped(request, *args, **kwargs):
        user = user_for_bearer(request)
        if user is None:
            return operation_outcome(401, "login", "A valid bearer token is required.")
        if getattr(user, "is_system_client", False) and not _in_scope(request, user.granted_scopes, kwargs):
            return operation_outcome(403, "forbidden", "The token's scopes do not allow this.")
        request.user = user
        return view(request, *args, **kwargs)

    return wrapped


def is_fhir(request):
    return request.path_info.startswith("/fhir/")


# Error handlers (samplan/urls.py): under /fhir/ an OperationOutcome, elsewhere Django's pages.


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if is_fhir(request):
        if isinstance(exception, RequestDataTooBig):
            return _too_large().response()
        return operation_outcome(400, "invalid", "The request could not be read.")
    return defaults.bad_request(request, exception, template_name)


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    if is_fhir(request):
        return operation_outcome(404, "not-found", "No such resource type or resource here.")
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    if is_fhir(request):
        return operation_outcome(500, "exception", "Something went wrong on the server; nothing was half-saved.")
    return defaults.server_error(request, template_name)
