"""FHIR R4 read and search, under the same access policy and access log as the screens."""

from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from people import access
from people.models import Citizen, Section
from people.national_id import DNR_SYSTEM, FNR_SYSTEM

from . import mapping
from .responses import bearer_required, fhir_response, not_found, operation_outcome

DEFAULT_COUNT = 20
MAX_COUNT = 100
IDENTIFIER_SYSTEMS = {FNR_SYSTEM, DNR_SYSTEM}


def _base_url(request):
    return request.build_absolute_uri(reverse("fhir:root"))


@bearer_required
@require_GET
def patient_read(request, citizen_id):
    try:
        citizen = access.get_citizen_or_404(request, citizen_id, Section.OVERVIEW, detail="FHIR Patient read")
    except Http404:
        return not_found()
    return fhir_response(mapping.patient(citizen, _base_url(request)))


def _int_param(params, name, default, maximum=None):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit():
        raise ValueError(name)
    value = int(raw)
    return min(value, maximum) if maximum else value


@bearer_required
@require_http_methods(["GET", "POST"])
def patient_search(request):
    params = request.POST if request.method == "POST" else request.GET
    known = {"identifier", "_count", "_offset", "_id"}
    unknown = sorted(set(params) - known)
    if unknown:
        return operation_outcome(
            400, "not-supported", f"Unsupported search parameter: {unknown[0]}", expression=unknown[0]
        )
    try:
        count = _int_param(params, "_count", DEFAULT_COUNT, MAX_COUNT)
        offset = _int_param(params, "_offset", 0)
    except ValueError as error:
        return operation_outcome(400, "invalid", f"{error} must be a whole number.", expression=str(error))

    citizens = Citizen.objects.visible_to(request.user).order_by("pk")
    if "identifier" in params:
        system, bar, value = params["identifier"].rpartition("|")
        if not bar:
            system, value = "", params["identifier"]
        if system and system not in IDENTIFIER_SYSTEMS:
            return operation_outcome(
                400, "not-supported", f"Unknown identifier system: {system}", expression="identifier"
            )
        citizens = citizens.filter(national_id=value.strip())
    if "_id" in params:
        if not params["_id"].isdigit():
            return operation_outcome(400, "invalid", "_id must be a number.", expression="_id")
        citizens = citizens.filter(pk=int(params["_id"]))

    total = citizens.count()
    page = list(citizens[offset : offset + count])
    if page:
        access.log_list_read(request, page, Section.OVERVIEW, detail="FHIR Patient search")
    search_url = request.build_absolute_uri(reverse("fhir:patient_search"))
    base_query = {k: v for k, v in params.items() if k not in {"_offset", "_count"}}

    def page_url(start):
        return f"{search_url}?{urlencode({**base_query, '_count': count, '_offset': start})}"

    base_url = _base_url(request)
    return fhir_response(
        mapping.searchset(
            [mapping.patient(c, base_url) for c in page],
            total=total,
            self_url=page_url(offset),
            next_url=page_url(offset + count) if offset + count < total else None,
            base_url=base_url,
            resource_type="Patient",
        )
    )


@require_GET
def root(request):
    return operation_outcome(404, "not-found", "Use a resource type, e.g. /fhir/Patient.")
