"""FHIR R4 RelatedPerson and Consent: a citizen's relatives and what each may know, read and search.

Same access policy and access log as the relatives pages: the citizen, and staff with the
relatives section. No access at all is a 404 (logged); on the team without the section, a 403
(logged). A revoked consent stays readable, with status inactive.
"""

from django.http import Http404
from django.views.decorators.http import require_GET

from audit import sections as section_registry
from people import access
from relatives.models import Consent, Relative
from relatives.sections import RELATIVES

from . import mapping
from .edge import bearer_required
from .responses import fhir_response, forbidden, not_found
from .search import check_params, respond, searchset, subject_id


def _grant(request, citizen_id, detail, *, log=True):
    return access.get_grant_or_404(request, citizen_id, RELATIVES, log=log, detail=detail)


def _consent(consent):
    return mapping.consent(consent, section_registry.label)


def _read(request, row, to_resource, detail):
    if row is None:
        return not_found()
    try:
        _grant(request, row.citizen_id, detail)
    except Http404:
        return not_found()
    except access.SectionDenied:
        return forbidden()
    return fhir_response(to_resource(row))


def _search(request, resource_type, url_name, queryset, to_resource):
    params = request.GET

    def search():
        check_params(params, resource_type)
        citizen_id = subject_id(params, names=("patient", "subject"))
        grant = _grant(request, citizen_id, f"FHIR {resource_type} search", log=False)
        bundle = searchset(
            request,
            url_name=url_name,
            params=params,
            queryset=queryset.filter(citizen_id=citizen_id),
            to_resource=to_resource,
            resource_type=resource_type,
        )
        access.log_read(request, grant, RELATIVES, f"FHIR {resource_type} search")
        return bundle

    return respond(search)


def consents():
    return Consent.objects.select_related("relative").order_by("-given_at", "-pk")


@bearer_required
@require_GET
def related_person_read(request, relative_id):
    relative = Relative.objects.filter(pk=relative_id).first()
    return _read(request, relative, mapping.related_person, f"FHIR RelatedPerson {relative_id}")


@bearer_required
@require_GET
def related_person_search(request):
    relatives = Relative.objects.order_by("ended_at", "name", "pk")
    return _search(request, "RelatedPerson", "fhir:related_person_search", relatives, mapping.related_person)


@bearer_required
@require_GET
def consent_read(request, consent_id):
    return _read(request, consents().filter(pk=consent_id).first(), _consent, f"FHIR Consent {consent_id}")


@bearer_required
@require_GET
def consent_search(request):
    return _search(request, "Consent", "fhir:consent_search", consents(), _consent)
