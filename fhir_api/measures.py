"""FHIR R4 Questionnaire, QuestionnaireResponse and Observation (scores)."""

import datetime
import functools
import uuid
from collections import namedtuple
from types import SimpleNamespace

import orjson
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import Http404
from django.views.decorators.http import require_GET, require_http_methods
from pydantic import ValidationError as PydanticValidationError

from measures import actions, fhir_forms, scoring
from measures.models import Questionnaire, QuestionnaireResponse, Score
from people import access
from people.models import Section
from samplan.prepared import Prepared, columns, instance

from . import mapping
from .edge import BadInput, bearer_required, read_json, reference_id, whole_number
from .responses import fhir_response, not_found, operation_outcome
from .search import SearchError, check_params, date_lookups, last_updated, searchset

WHO5_SNOMED = ("http://snomed.info/sct", "1144665009", "WHO-5 Well-being Index score")

# What an Observation is made of: a search and an export read these columns, not model instances
# (a year of scores as objects cost more than their mapping). ``result`` (the scoring's working) is
# read as text and decoded only for the few scores without a total, whose reason it gives.
SCORE_FIELDS = ("pk", "citizen_id", "response_id", "instrument", "total", "band", "effective_at", "created_at")


def score_rows(queryset):
    """``queryset``'s scores as ``ScoreRow`` columns (plain tuples in that order). The two moments are
    read as the text the database writes them in (``mapping.instant`` makes FHIR's form of it): a
    year of Observations then skips a parse and a format of 104 timestamps."""
    moments = {"effective_at": "effective_text", "created_at": "created_text"}
    return queryset.annotate(
        **{text: Cast(name, TextField()) for name, text in moments.items()},
        result_json=Cast("result", TextField()),
    ).values_list(*(moments.get(name, name) for name in SCORE_FIELDS), "result_json")


def observation_of(row):
    if row.total is None:
        row = SimpleNamespace(**row._asdict(), result=orjson.loads(row.result_json))
    return mapping.observation(row, total_code(row))


def total_code(score):
    """LOINC total-score code where one exists (WHO-5: SNOMED CT), else a Samplan code."""
    return _total_code(score.instrument)


@functools.lru_cache(maxsize=256)
def _total_code(key):
    instrument = scoring.INSTRUMENTS.get(key)
    if key == "who5":
        return WHO5_SNOMED
    if instrument is not None and instrument.total_code:
        return (instrument.total_code_system, instrument.total_code, f"{instrument.title} total score")
    title = instrument.title if instrument else key
    return ("https://samplan.no/fhir/CodeSystem/score", key, f"{title} total score")


# Questionnaire ----------------------------------------------------------------------------------


@bearer_required
@require_GET
def questionnaire_search(request):
    params = request.GET
    try:
        check_params(params, "Questionnaire")
        queryset = Questionnaire.objects.order_by("title", "pk")
        if "url" in params:
            url, bar, version = params["url"].partition("|")
            queryset = queryset.filter(url=url, version=version) if bar else queryset.filter(url=url, is_current=True)
        if "code" in params:
            queryset = queryset.filter(loinc_code=params["code"].rpartition("|")[2])
        if "name" in params:
            queryset = queryset.filter(name__iexact=params["name"])
        if "title" in params:
            queryset = queryset.filter(title__icontains=params["title"])
        if "_id" in params:
            queryset = queryset.filter(pk=whole_number(params["_id"], "_id"))
        queryset = last_updated(queryset, params, "imported_at")
        bundle = searchset(
            request,
            url_name="fhir:questionnaire_search",
            params=params,
            queryset=queryset,
            to_resource=mapping.questionnaire,
            resource_type="Questionnaire",
        )
    except SearchError as error:
        return operation_outcome(400, error.code, error.message, expression=error.expression)
    return fhir_response(bundle)


@bearer_required
@require_GET
def questionnaire_read(request, questionnaire_id):
    questionnaire = Questionnaire.objects.filter(pk=questionnaire_id).first()
    if questionnaire is None:
        return not_found()
    return fhir_response(mapping.questionnaire(questionnaire))


# QuestionnaireResponse --------------------------------------------------------------------------


# Asked on every response posted: compiled once (samplan.prepared). The row without its resource;
# the resource of a stored version never changes (import_questionnaire refuses other content under
# the same version, the admin shows it read-only), so each process decodes it once, by id and time
# of import (_resource), and reads it again only for a version it has not seen.
_LIGHT_COLUMNS = [name for name in columns(Questionnaire) if name != "resource"]
_QUESTIONNAIRE_VERSION = Prepared(
    lambda url, version: (
        Questionnaire.objects.filter(url=url, version=version).order_by("pk").values_list(*_LIGHT_COLUMNS)[:1]
    ),
    url=str,
    version=str,
)
_CURRENT_QUESTIONNAIRE = Prepared(
    lambda url: Questionnaire.objects.filter(url=url, is_current=True).order_by("pk").values_list(*_LIGHT_COLUMNS)[:1],
    url=str,
)
_RESOURCE = Prepared(lambda pk: Questionnaire.objects.filter(pk=pk).values_list("resource"), pk=int)


@functools.lru_cache(maxsize=64)
def _resource(pk, imported_at):
    found = _RESOURCE.first(pk=pk)
    return found[0] if found is not None else None


def _find_questionnaire(canonical):
    url, bar, version = (canonical or "").partition("|")
    row = _QUESTIONNAIRE_VERSION.first(url=url, version=version) if bar else _CURRENT_QUESTIONNAIRE.first(url=url)
    if row is None:
        return None
    values = dict(zip(_LIGHT_COLUMNS, row, strict=True))
    values["resource"] = _resource(values["id"], values["imported_at"])
    if values["resource"] is None:  # removed in between
        return None
    return instance(Questionnaire, [values[name] for name in columns(Questionnaire)])[0]


# Items already found valid FHIR R4, by their JSON (kept per process): the same answers to the same
# questions come again and again (nine PHQ-9 questions, four answers each), and checking each nested
# element with fhir.resources was a tenth of a POST's Python. An item's structure is valid or not
# whatever the resource around it, so each new item is checked alone and the rest of the resource
# without its items; a failure is reported at the same place as a check of the whole would give.
def _first_error(model, data, *at):
    """None if ``data`` is a valid ``model``; else (where, what) of its first error, below ``at``."""
    try:
        model.model_validate(data)
    except PydanticValidationError as error:
        first = error.errors()[0]
        return ".".join(str(part) for part in (*at, *first["loc"])), first["msg"]
    return None


@functools.lru_cache(maxsize=4096)
def _item_error(item_json):
    """``_first_error`` of one item, by its JSON: an item seen before is not checked again."""
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponseItem

    return _first_error(QuestionnaireResponseItem, orjson.loads(item_json))


def _structure_error(body):
    """None if ``body`` is a structurally valid FHIR R4 QuestionnaireResponse; else (where, what)."""
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    items = body.get("item")
    separately = isinstance(items, list) and all(isinstance(item, dict) for item in items)
    error = _first_error(QuestionnaireResponse, {k: v for k, v in body.items() if k != "item"} if separately else body)
    if error is not None or not separately:
        return error
    for position, item in enumerate(items):
        error = _item_error(orjson.dumps(item))
        if error is not None:
            where, message = error
            return f"item.{position}.{where}", message
    return None


def _item_errors(errors):
    issues = [
        {
            "severity": "error",
            "code": "invalid" if link_id != "identifier" else "duplicate",
            "diagnostics": f"{link_id}: {message}",
            "expression": [f"QuestionnaireResponse.item.where(linkId='{link_id}')"],
        }
        for link_id, messages in errors.items()
        for message in (messages if isinstance(messages, list) else [messages])
    ]
    return fhir_response({"resourceType": "OperationOutcome", "issue": issues}, status=422)


@bearer_required
@require_http_methods(["POST"])
def questionnaire_response_create(request):
    """Store a response and its score Observation in one transaction, under the access policy."""
    try:
        body = read_json(request)
    except BadInput as error:
        return error.response()
    if not isinstance(body, dict) or body.get("resourceType") != "QuestionnaireResponse":
        return operation_outcome(400, "structure", "The body must be a FHIR QuestionnaireResponse.")
    invalid = _structure_error(body)
    if invalid is not None:
        where, message = invalid
        return operation_outcome(400, "structure", f"Not valid FHIR R4 at {where}: {message}", expression=where)
    status = body.get("status")
    if status not in ("completed", "in-progress"):
        return operation_outcome(422, "business-rule", "status must be completed or in-progress.", expression="status")
    questionnaire = _find_questionnaire(body.get("questionnaire"))
    if questionnaire is None:
        return operation_outcome(
            422,
            "not-found",
            "questionnaire must be the canonical url of a known Questionnaire.",
            expression="questionnaire",
        )
    citizen_id = reference_id((body.get("subject") or {}).get("reference"), "Patient")
    if citizen_id is None:
        return operation_outcome(422, "required", "subject must be a reference to Patient/<id>.", expression="subject")
    try:
        grant = access.get_grant_or_404(
            request, citizen_id, Section.MEASURES, log=False, detail="FHIR QuestionnaireResponse create"
        )
    except Http404:
        return not_found()
    except PermissionDenied:
        return operation_outcome(403, "forbidden", "You may not write measures for this patient.")
    identifier = body.get("identifier") or {}
    key = identifier.get("value")
    if key:
        key = f"{identifier.get('system', '')}|{key}" if identifier.get("system") else key
        key = f"{request.user.pk}:{key}"[:200]
    # The items are read once and checked once, here; the action stores what passed. A replayed
    # identifier is answered by the action before it looks at the answers.
    answers = fhir_forms.check_answers(
        questionnaire, fhir_forms.from_fhir_items(body.get("item")), complete=status == "completed"
    )
    try:
        response, created = actions.record_response(
            grant,
            questionnaire,
            answers,
            acting_user=request.user,
            status=status,
            idempotency_key=key or str(uuid.uuid4()),
            fresh_key=not key,
        )
    except ValidationError as error:
        return _item_errors(error.message_dict)
    # A replayed identifier returns the stored response, with its own questionnaire's items.
    items = fhir_forms.questionnaire_items(response.questionnaire)
    resource = mapping.questionnaire_response(response, items)
    reply = fhir_response(resource, status=201 if created else 200)
    reply["Location"] = request.build_absolute_uri(f"/fhir/QuestionnaireResponse/{response.pk}")
    return reply


@bearer_required
@require_GET
def questionnaire_response_read(request, response_id):
    response = QuestionnaireResponse.objects.select_related("questionnaire").filter(pk=response_id).first()
    if response is None:
        return not_found()
    try:
        access.get_grant_or_404(
            request, response.citizen_id, Section.MEASURES, detail=f"FHIR QuestionnaireResponse {response.pk}"
        )
    except (Http404, PermissionDenied):
        return not_found()
    items = fhir_forms.questionnaire_items(response.questionnaire)
    return fhir_response(mapping.questionnaire_response(response, items))


# Observation --------------------------------------------------------------------------------------


def _observation_citizen(request, params):
    """The one citizen an Observation search is about, checked and logged; SearchError otherwise."""
    if "derived-from" in params:
        response_id = reference_id(params["derived-from"], "QuestionnaireResponse")
        response = QuestionnaireResponse.objects.filter(pk=response_id).first() if response_id else None
        if response is None:
            raise SearchError("derived-from must be QuestionnaireResponse/<id> of a known response.", "derived-from")
        return response.citizen_id
    subject = params.get("subject") or params.get("patient")
    citizen_id = reference_id(subject, "Patient", bare=True)
    if citizen_id is None:
        raise SearchError("Search Observations by subject=Patient/<id> or derived-from.", "subject", code="required")
    return citizen_id


# A search's row (score_rows): SCORE_FIELDS, ``effective_at`` and ``created_at`` as the database's
# text, then the scoring's working as JSON text.
ScoreRow = namedtuple("ScoreRow", [*SCORE_FIELDS, "result_json"])
# One compiled query per shape of an Observation search (which filters, which page): the same few
# shapes come again and again (a client's "this citizen's PHQ-9 of the last year"), so they are
# compiled once per process (samplan.prepared, _score_search) and prepared on PostgreSQL's connection.


class _ScorePage:
    """The rows of an Observation search as ``searchset`` takes them: a page by slicing (the compiled
    query), the total by ``count()`` (the ORM's, built only when a page is full)."""

    def __init__(self, shape, values):
        self.shape, self.values = shape, values

    def count(self):
        return _score_queryset(*self.shape, self.values).count()

    def __getitem__(self, page):
        if page.stop <= page.start:  # _count=0: no page, only the total
            return []
        search = _score_search(*self.shape, page.start, page.stop)
        return [ScoreRow._make(row) for row in search.rows(**self.values)]


def _score_queryset(response, keys, lookups, values):
    queryset = Score.objects.filter(citizen_id=values["citizen"])
    if response:
        queryset = queryset.filter(response_id=values["response"])
    if keys is not None:
        queryset = queryset.filter(instrument__in=[values[f"key{n}"] for n in range(keys)])
    for n, lookup in enumerate(lookups):
        queryset = queryset.filter(**{lookup: values[f"at{n}"]})
    return score_rows(queryset.order_by("effective_at", "pk"))


@functools.lru_cache(maxsize=128)
def _score_search(response, keys, lookups, start, stop):
    kinds = {"citizen": int} | ({"response": int} if response else {})
    kinds |= {f"key{n}": str for n in range(keys or 0)} | {f"at{n}": datetime.datetime for n in range(len(lookups))}
    return Prepared(lambda **markers: _score_queryset(response, keys, lookups, markers)[start:stop], **kinds)


def _observation_rows(citizen_id, params):
    """The scores an Observation search asks for (the citizen's, already granted)."""
    values = {"citizen": citizen_id}
    if "derived-from" in params:
        values["response"] = reference_id(params["derived-from"], "QuestionnaireResponse")
    keys = None
    if "code" in params:
        code = params["code"].rpartition("|")[2]
        keys = [k for k, i in scoring.INSTRUMENTS.items() if i.total_code == code or k == code]
        if code == WHO5_SNOMED[1]:
            keys.append("who5")
        values |= {f"key{n}": key for n, key in enumerate(keys)}
    lookups = [*date_lookups(params, "date", "effective_at"), *date_lookups(params, "_lastUpdated", "created_at")]
    values |= {f"at{n}": moment for n, (_lookup, moment) in enumerate(lookups)}
    shape = ("response" in values, None if keys is None else len(keys), tuple(lookup for lookup, _ in lookups))
    if keys == []:  # a code no instrument has: no rows, and nothing to compile
        return Score.objects.none()
    return _ScorePage(shape, values)


@bearer_required
@require_GET
def observation_search(request):
    params = request.GET
    try:
        check_params(params, "Observation")
        citizen_id = _observation_citizen(request, params)
        try:
            access.get_grant_or_404(request, citizen_id, Section.MEASURES, detail="FHIR Observation search")
        except (Http404, PermissionDenied):
            return not_found()
        bundle = searchset(
            request,
            url_name="fhir:observation_search",
            params=params,
            queryset=_observation_rows(citizen_id, params),
            to_resource=observation_of,
            resource_type="Observation",
        )
    except SearchError as error:
        return operation_outcome(400, error.code, error.message, expression=error.expression)
    return fhir_response(bundle)


@bearer_required
@require_GET
def observation_read(request, score_id):
    score = Score.objects.filter(pk=score_id).first()
    if score is None:
        return not_found()
    try:
        access.get_grant_or_404(request, score.citizen_id, Section.MEASURES, detail=f"FHIR Observation {score.pk}")
    except (Http404, PermissionDenied):
        return not_found()
    return fhir_response(mapping.observation(score, total_code(score)))
