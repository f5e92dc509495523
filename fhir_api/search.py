"""Searchset Bundles with ``_count``/``_offset`` paging, shared by every resource type."""

import datetime
import functools
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from people import access

from . import mapping
from .edge import BadInput, reference_id, whole_number
from .parameters import DEFAULT_COUNT, GENERAL, MAX_COUNT, PAGING, SEARCH_PARAMETERS
from .responses import fhir_response, forbidden, not_found, operation_outcome, versioned

SUMMARIES = {"count", "false"}  # _summary=true/text/data would need a summary view of each type
TOTALS = {"none", "estimate", "accurate"}
SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}


# Paging past this is refused (400): no search has two billion rows, and OFFSET + LIMIT stays in range.
MAX_OFFSET = 2**31 - 1


class SearchError(BadInput):
    """A search parameter the API refuses: a 400 OperationOutcome naming it."""


def base_url(request):
    return request.build_absolute_uri(route_path("fhir:root"))


def route_path(url_name):
    """``reverse(url_name)`` for a route without arguments, reversed once per URL configuration and
    script prefix (a reverse is 60 µs, two in every search)."""
    return _reversed(url_name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@functools.lru_cache(maxsize=64)
def _reversed(url_name, urlconf, _prefix):
    return reverse(url_name, urlconf=urlconf)


def check_params(params, resource_type):
    """SearchError for a parameter ``resource_type``'s search does not support."""
    known = {name for name, _type, _doc in SEARCH_PARAMETERS[resource_type]}
    unknown = sorted(set(params) - known - GENERAL)
    if unknown:
        raise SearchError(f"Unsupported search parameter: {unknown[0]}", unknown[0], code="not-supported")


def subject_id(params, names=("subject", "patient")):
    """The citizen id in the first of ``names`` given (``Patient/<id>`` or a bare id); SearchError
    if none is given or it is not one."""
    name = next((name for name in names if name in params), None)
    if name is None:
        raise SearchError(f"Search by {names[0]}=Patient/<id> (or {names[1]}=).", names[0], code="required")
    citizen_id = reference_id(params[name], "Patient", bare=True)
    if citizen_id is None:
        raise SearchError(f"{name} must be Patient/<id>.", name)
    return citizen_id


def token_codes(params, name, known):
    """The codes of a token parameter (comma means or); SearchError for a code that is not known."""
    codes = [code.rpartition("|")[2] for value in params.getlist(name) for code in value.split(",")]
    for code in codes:
        if code not in known:
            raise SearchError(f"{name} {code!r} is not a code this resource uses.", name)
    return codes


# Days a search may name: the day after and the time zones around it must stay within Python's dates.
SEARCH_DAYS = (datetime.date(1, 1, 3), datetime.date(9999, 12, 29))
PREFIXES = ("ge", "le", "gt", "lt", "eq")


def _search_moment(raw):
    """A day as ``datetime.date`` or a moment as an aware datetime; None if it is neither (or is
    too near the ends of the calendar to compare, e.g. 9999-12-31)."""
    try:
        moment = parse_date(raw) if "T" not in raw else parse_datetime(raw)
    except ValueError:  # well formed but impossible, e.g. 2026-02-30
        return None
    if moment is None:
        return None
    day = moment.date() if isinstance(moment, datetime.datetime) else moment
    if not SEARCH_DAYS[0] <= day <= SEARCH_DAYS[1]:
        return None
    if isinstance(moment, datetime.datetime) and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def date_lookups(params, name, field):
    """The ``name`` parameter's values (FHIR date prefixes eq, ge, gt, le, lt; repeatable) as
    ``(lookup, moment)`` pairs on ``field``. A day is the whole day in the server's time zone, a range
    of ``field``."""
    lookups = []
    for value in params.getlist(name):
        prefix, raw = (value[:2], value[2:]) if value[:2] in PREFIXES else ("eq", value)
        moment = _search_moment(raw)
        if moment is None:
            raise SearchError(f"{name} {value!r} is not a date (use e.g. ge2026-01-01).", name)
        if isinstance(moment, datetime.datetime):
            lookup = {"ge": "gte", "le": "lte", "gt": "gt", "lt": "lt", "eq": "exact"}[prefix]
            lookups.append((f"{field}__{lookup}", moment))
            continue
        start = timezone.make_aware(datetime.datetime.combine(moment, datetime.time()))
        end = timezone.make_aware(datetime.datetime.combine(moment + datetime.timedelta(days=1), datetime.time()))
        ranges = {
            "ge": [(f"{field}__gte", start)],
            "gt": [(f"{field}__gte", end)],
            "le": [(f"{field}__lt", end)],
            "lt": [(f"{field}__lt", start)],
            "eq": [(f"{field}__gte", start), (f"{field}__lt", end)],
        }
        lookups.extend(ranges[prefix])
    return lookups


def date_filters(queryset, params, name, field):
    """``queryset`` filtered by ``date_lookups``."""
    for lookup, moment in date_lookups(params, name, field):
        queryset = queryset.filter(**{lookup: moment})
    return queryset


def last_updated(queryset, params, field):
    """``_lastUpdated`` on ``field`` (the column, or annotation, the resource's meta.lastUpdated is)."""
    return date_filters(queryset, params, "_lastUpdated", field)


def respond(run):
    """``run()`` → Bundle (or a read's resource) as the response; a refused parameter is a 400, no
    access to the patient a 404 and a part of the record the reader may not see a 403 (both logged
    by the access policy)."""
    try:
        return fhir_response(run())
    except SearchError as error:
        return operation_outcome(400, error.code, error.message, expression=error.expression)
    except Http404:
        return not_found()
    except access.SectionDenied:
        return forbidden()


def _int_param(params, name, default, maximum=None):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    value = whole_number(raw, name, MAX_OFFSET)
    return min(value, maximum) if maximum else value


def _count(rows):
    """How many: a QuerySet counts in the database, a short list (the reader's Groups) in Python."""
    return len(rows) if isinstance(rows, list) else rows.count()


def _choice(params, name, allowed, default):
    value = params.get(name, default)
    if value not in allowed:
        raise SearchError(f"{name} must be one of: {', '.join(sorted(allowed))}.", name, code="not-supported")
    return value


def _elements(params):
    """The top-level elements ``_elements`` keeps (resourceType, id and meta always), or None."""
    if "_elements" not in params:
        return None
    names = {name.strip() for value in params.getlist("_elements") for name in value.split(",") if name.strip()}
    if not names or not all(name.replace("_", "").isalnum() for name in names):
        raise SearchError("_elements takes comma-separated element names, e.g. _elements=status,code.", "_elements")
    return names | {"resourceType", "id", "meta"}


def _subset(resource, keep):
    subset = {key: value for key, value in resource.items() if key in keep}
    meta = dict(subset.get("meta") or {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    subset["meta"] = meta
    return subset


def searchset(request, *, url_name, params, queryset, to_resource, resource_type, on_page=None):
    """One page of ``queryset`` as a searchset Bundle; ``on_page(rows)`` logs what is returned.

    ``_summary=count`` gives the total and no entries (nothing is read, so nothing is logged);
    ``_total=none`` leaves the total out; ``_elements`` keeps only the named top-level elements."""
    count = _int_param(params, "_count", DEFAULT_COUNT, MAX_COUNT)
    offset = _int_param(params, "_offset", 0)
    summary = _choice(params, "_summary", SUMMARIES, "false")
    with_total = _choice(params, "_total", TOTALS, "accurate") != "none"
    keep = _elements(params)
    if summary == "count":
        return mapping.searchset(
            [],
            total=_count(queryset),
            self_url=request.build_absolute_uri(),
            next_url=None,
            base_url=base_url(request),
            resource_type=resource_type,
        )
    rows = list(queryset[offset : offset + count])
    # A short page that is not past the end holds the last rows: no COUNT query needed.
    total = offset + len(rows) if len(rows) < count and (rows or offset == 0) else _count(queryset)
    if rows and on_page is not None:
        on_page(rows)
    search_url = request.build_absolute_uri(route_path(url_name))
    kept = [(key, value) for key in params if key not in PAGING for value in params.getlist(key)]

    def page_url(start):
        return f"{search_url}?{urlencode([*kept, ('_count', count), ('_offset', start)])}"

    resources = [to_resource(row) for row in rows]
    for resource in resources:
        versioned(resource)  # of the whole resource, before _elements keeps a part of it
    bundle = mapping.searchset(
        [_subset(resource, keep) for resource in resources] if keep else resources,
        total=total,
        self_url=page_url(offset),
        next_url=page_url(offset + count) if offset + count < total else None,
        base_url=base_url(request),
        resource_type=resource_type,
    )
    if not with_total:
        del bundle["total"]
    return bundle
