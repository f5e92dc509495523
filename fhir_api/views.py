"""FHIR R4 Patient read and search, under the same access policy and access log as the screens."""

from django.http import Http404
from django.views.decorators.http import require_GET, require_http_methods

from people import access
from people.models import Section
from people.national_id import DNR_SYSTEM, FNR_SYSTEM

from . import mapping
from .edge import bearer_required, whole_number
from .responses import fhir_response, not_found, operation_outcome
from .search import SearchError, check_params, last_updated, searchset

IDENTIFIER_SYSTEMS = {FNR_SYSTEM, DNR_SYSTEM}


@bearer_required
@require_GET
def patient_read(request, citizen_id):
    try:
        citizen = access.get_citizen_or_404(request, citizen_id, Section.OVERVIEW, detail="FHIR Patient read")
    except Http404:
        return not_found()
    return fhir_response(mapping.patient(citizen))


def _patients(user, params):
    citizens = access.visible_to(user).order_by("pk")
    if "identifier" in params:
        system, bar, value = params["identifier"].rpartition("|")
        if not bar:
            system, value = "", params["identifier"]
        if system and system not in IDENTIFIER_SYSTEMS:
            raise SearchError(f"Unknown identifier system: {system}", "identifier", code="not-supported")
        citizens = citizens.filter(national_id=value.strip())
    if "_id" in params:
        citizens = citizens.filter(pk=whole_number(params["_id"], "_id"))
    return last_updated(citizens, params, "updated_at")


@bearer_required
@require_http_methods(["GET", "POST"])
def patient_search(request):
    params = request.POST if request.method == "POST" else request.GET
    try:
        check_params(params, "Patient")
        bundle = searchset(
            request,
            url_name="fhir:patient_search",
            params=params,
            queryset=_patients(request.user, params),
            to_resource=mapping.patient,
            resource_type="Patient",
            on_page=lambda rows: access.log_list_read(request, rows, Section.OVERVIEW, detail="FHIR Patient search"),
        )
    except SearchError as error:
        return operation_outcome(400, error.code, error.message, expression=error.expression)
    return fhir_response(bundle)


@require_GET
def root(request):
    return operation_outcome(404, "not-found", "Use a resource type, e.g. /fhir/Patient.")
