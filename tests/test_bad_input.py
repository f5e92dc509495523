"""Bad input never reaches a 500: what a careless client or an attacker sends is refused with a
400 (413 for a body over the limit) before it reaches a query — an OperationOutcome on the FHIR
API, a plain page on the web pages. The last part feeds a generated corpus through every route."""

import datetime
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import ApiToken
from measures.models import QuestionnaireResponse
from tests.helpers import make_national_id
from tests.test_routes import ROUTES
from tests.test_routes import objects as route_objects  # noqa: F401 (a fixture, asked for by name)

FHIR_JSON = "application/fhir+json"


@pytest.fixture
def fhir(coordinator):
    """A FHIR client with the coordinator's token; a 500 is returned, not raised, so it can be asserted."""
    token = ApiToken.issue(coordinator)
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def outcome(response, status):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith(FHIR_JSON)
    return OperationOutcome.model_validate(response.json())


# The findings of the probe ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000],
    ids=["lists-5000-deep", "objects-3000-deep"],
)
def test_deeply_nested_json_is_a_400_operation_outcome(fhir, body):
    response = fhir.post("/fhir/QuestionnaireResponse", body, content_type=FHIR_JSON)
    outcome(response, 400)


def test_a_huge_offset_is_a_400_naming_the_parameter(fhir):
    issue = outcome(fhir.get("/fhir/Patient", {"_offset": "99999999999999999999"}), 400).issue[0]
    assert issue.expression == ["_offset"]


def test_a_nul_byte_in_a_search_is_a_400(fhir):
    outcome(fhir.get("/fhir/Patient?identifier=%00"), 400)


def test_a_body_over_the_limit_is_a_413_operation_outcome(fhir, settings):
    body = b'{"resourceType": "QuestionnaireResponse", "text": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    outcome(fhir.post("/fhir/QuestionnaireResponse", body, content_type=FHIR_JSON), 413)
    assert not QuestionnaireResponse.objects.exists()


def test_gunicorn_answers_a_body_over_the_limit_with_a_413_not_a_reset(tmp_path):
    """The probe's finding, under the server production runs: an 11 MB body reset the connection.
    The edge refuses it before the token is looked up, so no database is needed here."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bad-input-test",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_MANIFEST": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "samplan.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _attempt in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = b'{"resourceType": "QuestionnaireResponse", "text": "' + b"x" * (11 * 1024 * 1024) + b'"}'
        connection.request("POST", "/fhir/QuestionnaireResponse", body, {"Content-Type": FHIR_JSON})
        response = connection.getresponse()
        assert response.status == 413
        OperationOutcome.model_validate(json.loads(response.read()))
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_nul_inside_a_json_string_is_a_400(fhir, citizen):
    body = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "https://samplan.no/fhir/Questionnaire/phq9\x00",
        "subject": {"reference": f"Patient/{citizen.pk}"},
    }
    outcome(fhir.post("/fhir/QuestionnaireResponse", json.dumps(body), content_type=FHIR_JSON), 400)


def test_an_id_beyond_the_database_range_is_a_400_on_the_api(fhir):
    issue = outcome(fhir.get(f"/fhir/Patient/{2**64}"), 400).issue[0]
    assert issue.expression == ["citizen_id"]
    assert fhir.get(f"/fhir/Patient?_id={2**64}").status_code == 400
    assert fhir.get(f"/fhir/Goal?subject=Patient/{2**64}").status_code == 400


def test_a_huge_number_in_json_is_not_a_500(fhir, citizen, phq9):
    body = b'{"resourceType": "QuestionnaireResponse", "status": "completed", "x": ' + b"9" * 5000 + b"}"
    outcome(fhir.post("/fhir/QuestionnaireResponse", body, content_type=FHIR_JSON), 400)


def test_an_unknown_fhir_path_a_wrong_method_and_a_server_error_answer_in_json(fhir, citizen, monkeypatch):
    outcome(fhir.get("/fhir/NoSuchType"), 404)
    assert outcome(fhir.delete(f"/fhir/Patient/{citizen.pk}"), 405) and fhir.put("/fhir/Goal").has_header("Allow")
    outcome(fhir.post("/fhir/QuestionnaireResponse", {"a": "multipart"}), 415)

    def broken(citizen):
        raise RuntimeError("a bug")

    monkeypatch.setattr("fhir_api.mapping.patient", broken)
    outcome(fhir.get("/fhir/Patient"), 500)


# The web pages -----------------------------------------------------------------------------------


def test_a_nul_in_a_form_is_a_400_page_and_nothing_is_stored(login, coordinator, citizen):
    client = login(coordinator)
    response = client.post(f"/citizens/{citizen.pk}/notes/new/", {"kind": "standard", "current": "Bra\x00dag"})
    assert response.status_code == 400
    assert b"character" in response.content
    assert not citizen.journal_notes.exists()


def test_a_nul_in_a_query_string_or_a_cookie_is_a_400_page(login, coordinator, client):
    assert login(coordinator).get("/citizens/?q=%00").status_code == 400
    client.cookies["sessionid"] = "\x00abcdefghij"
    response = client.get("/")
    assert response.status_code == 400
    assert response.cookies["sessionid"].value == ""  # dropped, so the next request is fine


def test_norwegian_text_emoji_and_newlines_pass(login, coordinator):
    response = login(coordinator).get("/citizens/", {"q": "Ærlig Øyvind på Å 😀\r\nny linje\ttab"})
    assert response.status_code == 200


def test_a_stale_revision_of_a_plan_text_nobody_saved_shows_the_conflict(login, coordinator, request):
    """Found by the corpus: the conflict page named ``conflict.by.username`` of nobody (a 500)."""
    url = route_url("plans:edit_text", request.getfixturevalue("route_objects"))
    response = login(coordinator).post(url, {"text": "Min tekst", "revision": "7"})
    assert response.status_code == 409
    assert b"Min tekst" in response.content  # what was typed is kept


def test_a_username_longer_than_any_is_a_form_error_not_a_500(db):
    """Found by probing: django-axes stored the failed 300-character username (PostgreSQL: 500)."""
    response = Client(raise_request_exception=False).post("/accounts/login/", {"username": "x" * 300, "password": "y"})
    assert response.status_code == 200
    assert b"x" * 300 in response.content  # what was typed is kept, with the error


def test_an_id_beyond_the_database_range_is_a_404_page(login, coordinator):
    assert login(coordinator).get(f"/citizens/{2**64}/").status_code == 404


@pytest.mark.parametrize(
    "date",
    ["9999-12-31", "ge9999-12-31", "lt0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
)
def test_a_search_date_at_the_ends_of_the_calendar_is_a_400(fhir, citizen, date):
    """Found by probing: the day after 9999-12-31, or 0001-01-01 in UTC, was an OverflowError."""
    response = fhir.get("/fhir/Observation", {"subject": f"Patient/{citizen.pk}", "date": date})
    assert outcome(response, 400).issue[0].expression == ["date"]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000 + "]" * 5000,
        '{"a":' * 3000 + "1" + "}" * 3000,
        "[" + "9" * 5000 + "]",
        '{"resourceType": "Questionnaire", "url": "https://x\\u0000", "version": "1"}',
        "[]",
        "null",
        '{"resourceType": "Questionnaire", "url": 1, "version": [], "item": "no"}',
        '{"resourceType": "Questionnaire", "url": "https://x", "version": "1", "item": [{"linkId": 1}]}',
    ],
    ids=["deep-list", "deep-object", "huge-number", "nul", "list", "null", "wrong-types", "item-types"],
)
def test_the_admin_questionnaire_import_refuses_bad_json_with_a_form_error(db, text):
    from measures.admin import ImportQuestionnaireForm

    form = ImportQuestionnaireForm(data={"resource_json": text})
    assert not form.is_valid()
    assert form.errors["resource_json"]


# A generated corpus through every route ------------------------------------------------------------

# What a careless client or an attacker sends, beside what hypothesis makes up.
NASTY = [
    "\x00",
    "a\x00b",
    "%00",
    "",
    " ",
    "-1",
    "0",
    "1e309",
    "NaN",
    "9" * 30,
    str(2**31),
    str(2**63),
    str(-(2**63) - 1),
    "١٢٣",
    "²",
    "99999-12-31",
    "9999-12-31",
    "0001-01-01",
    "0000-00-00",
    "2026-02-30",
    "2026-13-01",
    "9999-12-31T23:59",
    "ge9999-12-31",
    "lt0001-01-01",
    "0001-01-01T00:00:00+14:00",
    "25:61",
    "31.02.2026",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "Ærlig Øyvind på Å 😀\r\n\tny linje",
    "\ufeff\u202e",
    "x" * 20_000,
]
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.dates().map(str),
)
# One of each kind, for every page's query (a NUL is refused at the door, before any view).
PAGE_NASTY = ["\x00", "", "-1", "9" * 30, str(2**63), "١٢٣", "NaN", "99999-12-31", "2026-02-30", "x" * 20_000]
# Query parameters the pages read (request.GET in the views).
PAGE_QUERY = ["q", "page", "p", "next", "version", "a", "b", "kind", "appointment", "show"]
# Search parameters of the API, by route.
FHIR_SEARCH = {
    "fhir:patient_search": ["identifier", "_id", "_count", "_offset"],
    "fhir:patient_search_post": ["identifier", "_id", "_count", "_offset"],
    "fhir:questionnaire_search": ["code", "url", "name", "title", "_id", "_count", "_offset"],
    "fhir:observation_search": ["subject", "patient", "derived-from", "code", "date", "_count", "_offset"],
    "fhir:care_team_search": ["subject", "patient", "_count", "_offset"],
    "fhir:goal_search": ["subject", "lifecycle-status", "_count", "_offset"],
    "fhir:care_plan_search": ["subject", "status", "_count", "_offset"],
    "fhir:appointment_search": ["patient", "status", "_count", "_offset"],
    "fhir:composition_search": ["subject", "status", "_count", "_offset"],
    "fhir:task_search": ["patient", "owner", "status", "_count", "_offset"],
}
QUERY_NAMES = [
    "q", "page", "p", "next", "version", "a", "b", "kind", "appointment", "show",
    "_count", "_offset", "_id", "identifier", "subject", "patient", "derived-from", "code", "date",
    "status", "lifecycle-status", "url", "name", "title", "owner",
]  # fmt: skip
# Bodies that are not what a form sends.
RAW_BODIES = [
    b"\xff\xfe\x00=\xc3",
    b"a=%ff%fe&b=%00",
    b"=" * 3000,
    b"&".join(b"f%d=1" % n for n in range(1200)),
    b"[" * 5000,
]
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
JSON = st.recursive(
    JSON_LEAF, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=20
)
RAW_JSON = [
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b"[" + b"9" * 5000 + b"]",
    b'{"resourceType": "QuestionnaireResponse", "status": "\xff\xfe"}',
    b'{"resourceType": "QuestionnaireResponse", "status": "\\ud800"}',
    b'{"resourceType": "QuestionnaireResponse", "status": "\\u0000"}',
    b"[1e999]",
    b"NaN",
]
CORPUS = settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = ("_pdf", "user_card", "notify:feed")
ROUTE_NAMES = sorted(name for name, _pattern in ROUTES if not name.startswith("admin:"))
PATTERNS = dict(ROUTES)


class _Forms(HTMLParser):
    """The forms of a page: where each posts to and a plausible value for each field."""

    def __init__(self):
        super().__init__()
        self.forms, self.current, self.select, self.textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            # The form posts to its action; htmx may also post it elsewhere (autosave).
            targets = {attrs.get("action") or "", *(attrs[key] for key in ("hx-post", "hx-put") if key in attrs)}
            self.current = {"targets": targets, "fields": {}}
            self.forms.append(self.current)
            return
        fields = self.current["fields"] if self.current else None
        if fields is None or not attrs.get("name"):
            if tag == "option" and self.select and "value" in attrs and attrs["value"]:
                self.current["fields"].setdefault(self.select, attrs["value"])
            return
        name, kind = attrs["name"], attrs.get("type", "text")
        if tag == "select":
            self.select = name
        elif tag == "textarea":
            fields[name] = "Test"
        elif kind in ("checkbox", "radio"):
            fields.setdefault(name, attrs.get("value", "on"))
        elif kind == "date":
            fields[name] = attrs.get("value") or datetime.date.today().isoformat()
        elif kind == "datetime-local":
            fields[name] = attrs.get("value") or "2026-12-07T10:00"
        elif kind == "time":
            fields[name] = attrs.get("value") or "10:00"
        elif kind == "number":
            fields[name] = attrs.get("value") or attrs.get("min") or "3"
        else:
            fields[name] = attrs.get("value") or "Test"

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.current = None


def route_url(name, objects):
    kwargs = {key: objects.get(key, 1) for key in PATTERNS[name].pattern.converters}
    if "token" in kwargs:
        kwargs["token"] = "x" * 43
    return reverse(name, kwargs=kwargs)


# Pages whose forms post to other routes (buttons that sign, approve, end, close, ...).
FORM_PAGES = [
    "people:citizen",
    "people:citizen_home",
    "people:emergency_review_list",
    "measures:overview",
    "measures:goals",
    "measures:response",
    "plans:plan",
    "plans:crisis_plan",
    "journal:note",
    "pathways:episode",
    "pathways:appointment",
    "notify:calendar",
]


def _known_good(fields):
    """Values a field name needs to pass (a national id with its birth date), so that the bad value
    in another field is what the form meets."""
    good = {"email": "ingrid@example.org", "phone": "+47 912 34 567"}
    if "national_id" in fields:
        good |= {"national_id": make_national_id(datetime.date(1985, 3, 9)), "date_of_birth": "1985-03-09"}
    return {name: value for name, value in good.items() if name in fields}


def form_fields(client, objects, name):
    """The fields of the forms that post to route ``name``, found on its own page or else on the
    FORM_PAGES, each with a plausible value (so that one bad value in a form that is otherwise fine
    gets deep)."""
    found = {}
    for page in [name, *FORM_PAGES]:
        if found and page != name:
            break
        if page.startswith("fhir:") or page.endswith(SLOW) or page == "accounts:logout":
            continue
        url = route_url(page, objects)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            for action in form["targets"]:
                try:
                    target = resolve(urlsplit(action).path or url)
                except Resolver404:
                    continue
                if target.view_name == name:
                    found.update(form["fields"])
    return found | _known_good(found)


@pytest.fixture
def coordinator_client(coordinator, request):
    request.getfixturevalue("route_objects")
    client = Client()
    client.force_login(coordinator, backend="accounts.backends.UserBackend")
    client.token = ApiToken.issue(coordinator)
    return client


def _ok(response, what):
    assert response.status_code < 500, (what, response.status_code, response.content[:300])


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_no_bad_input_gives_a_5xx_on_any_route(name, coordinator_client, request, citizen, phq9):
    probe_route(name, coordinator_client, request.getfixturevalue("route_objects"), citizen, phq9)


# What the citizen opens: their page, check-in, questionnaires, goals, plan (comments, approval).
CITIZEN_ROUTES = [
    "people:citizen_home",
    "measures:checkin",
    "measures:overview",
    "measures:start",
    "measures:response",
    "measures:autosave",
    "measures:goals",
    "plans:plan",
    "plans:comment",
    "plans:approve",
    "plans:crisis_plan",
    "pathways:appointment",
    "people:access_log",
    "set_language",
]


@pytest.mark.parametrize("name", CITIZEN_ROUTES)
def test_no_bad_input_gives_a_5xx_to_the_citizen(name, citizen, request, phq9):
    objects = request.getfixturevalue("route_objects")
    client = Client()
    client.force_login(citizen.user, backend="accounts.backends.UserBackend")
    probe_route(name, client, objects, citizen, phq9)


def probe_route(name, client, objects, citizen, phq9):
    """Bad query strings, form bodies, raw bodies and (on the API) JSON through route ``name``."""
    url = route_url(name, objects)
    is_api = name.startswith("fhir:")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {client.token}"} if is_api else {}
    fields = {} if is_api else form_fields(client, objects, name)
    valid_response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": phq9.canonical,
        "subject": {"reference": f"Patient/{citizen.pk}"},
        "item": [{"linkId": "phq9-1", "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6568-5"}}]}],
    }

    if name.endswith(SLOW):  # a PDF or a calendar: one bad query is enough
        _ok(client.get(f"{url}?{urlencode({'page': NASTY[0], 'p': NASTY[10]})}", **headers), url)
        _ok(client.post(url, {"next": NASTY[1]}, **headers), url)
        return
    # Every nasty value in every query parameter the page reads (all at once), or in each search
    # parameter of the API in turn beside a subject that is fine (so that the value gets that far).
    for value in NASTY if is_api else PAGE_NASTY:
        if name in FHIR_SEARCH:
            for param in FHIR_SEARCH[name]:
                query = {"subject": f"Patient/{citizen.pk}", param: value}
                method = client.post if name.endswith("_post") else client.get
                _ok(method(url, query, **headers), query)
        elif not is_api:
            _ok(client.get(url, dict.fromkeys(PAGE_QUERY, value)), value[:30])
    if name != "accounts:logout":
        for raw in RAW_BODIES:
            _ok(client.generic("POST", url, raw, "application/x-www-form-urlencoded", **headers), raw[:20])
        if is_api:
            for raw in RAW_JSON:
                _ok(client.generic("POST", url, raw, FHIR_JSON, **headers), raw[:20])

    @CORPUS
    @given(
        query=st.lists(st.tuples(st.sampled_from(QUERY_NAMES) | TEXT, TEXT), max_size=4),
        changed=st.dictionaries(st.sampled_from(sorted(fields)) if fields else TEXT, TEXT, max_size=4),
        body=JSON,
        where=st.sampled_from(["status", "questionnaire", "subject", "item", "authored", "identifier"]),
        htmx=st.booleans(),
    )
    def probe(query, changed, body, where, htmx):
        # An htmx request renders a partial of the page: another path through the view.
        page_headers = {**headers, "HTTP_HX_REQUEST": "true"} if htmx else headers
        _ok(client.get(f"{url}?{urlencode(query)}", **page_headers), query)
        if name == "accounts:logout":
            return
        _ok(client.post(url, {**fields, **changed}, **page_headers), changed)
        if is_api:
            _ok(client.post(url, json.dumps(body), FHIR_JSON, **headers), body)
            _ok(client.post(url, json.dumps({**valid_response, where: body}), FHIR_JSON, **headers), (where, body))

    probe()


ANONYMOUS = ["accounts:login", "people:activate", "set_language", "home", "notify:feed", "fhir:patient_search"]


@pytest.mark.parametrize("name", ANONYMOUS)
@CORPUS
@given(
    query=st.lists(st.tuples(st.sampled_from(QUERY_NAMES) | TEXT, TEXT), max_size=4),
    form=st.dictionaries(
        st.sampled_from(["username", "password", "code", "next", "language", "access_code"]) | TEXT, TEXT, max_size=4
    ),
)
def test_no_bad_input_gives_a_5xx_to_anonymous(name, query, form, request):
    client, url = Client(), route_url(name, request.getfixturevalue("route_objects"))
    _ok(client.get(f"{url}?{urlencode(query)}"), query)
    _ok(client.post(url, form), form)


# The main forms, one field at a time ----------------------------------------------------------------

MAIN_FORMS = [
    "people:citizen_create",
    "people:member_add",
    "people:emergency_start",
    "plans:edit_text",
    "plans:add_row",
    "plans:edit_row",
    "plans:period",
    "journal:new",
    "journal:edit",
    "pathways:referral",
    "pathways:appointment_new",
    "pathways:appointment_move",
    "pathways:end",
    "measures:response",
    "measures:goals",
    "notify:calendar_create",
]
EXTREMES = [
    "99999-01-01",
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "9" * 25,
    str(2**63),
    "-1",
    "١٢",
    "x" * 20_000,
]


@pytest.mark.parametrize("name", [*MAIN_FORMS, "accounts:login", "people:activate"])
def test_each_field_of_the_main_forms_takes_extreme_values_without_a_5xx(name, coordinator_client, request):
    """Every field in turn gets a date in year 99999 or 9999, a huge or negative number, unicode
    digits, a very long text, while the other fields keep values that pass (the login forms as
    someone not logged in)."""
    objects = request.getfixturevalue("route_objects")
    client, url = coordinator_client, route_url(name, objects)
    if name not in MAIN_FORMS:
        client = Client()
    fields = form_fields(client, objects, name)
    assert fields, f"no form found for {name}"
    for field in sorted(fields):
        if field == "csrfmiddlewaretoken":
            continue
        for value in EXTREMES:
            response = client.post(url, {**fields, field: value})
            _ok(response, (field, value[:30]))
