"""``GET /fhir/metadata``: the CapabilityStatement, made from the API's own routes and search lists.

Nothing here is written beside the code it describes:

* the resource types and their interactions come from ``fhir_api.urls`` — a route ``<Type>``
  named ``*_search`` is ``search-type`` (``*_search_post``: the same search by POST), ``<Type>/<id>``
  named ``*_read`` is ``read``, ``*_create`` is ``create``;
* each type's search parameters are ``fhir_api.parameters.SEARCH_PARAMETERS``, the very list that
  ``check_params`` accepts, plus the paging parameters every search takes.

A test asks every advertised interaction and parameter of the running API, and walks the routes,
so the statement and the code cannot drift apart.

The statement is public, as the FHIR specification expects of the capabilities interaction: it
names no citizen and no user.
"""

from django.conf import settings
from django.urls import get_resolver, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import smart

from .edge import guard
from .parameters import RESULT_PARAMETERS, SEARCH_PARAMETERS
from .responses import fhir_response

FHIR_VERSION = "4.0.1"
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
SECURITY_SERVICES = "http://terminology.hl7.org/CodeSystem/restful-security-service"
# The suffix of a route's name → the interaction it is.
INTERACTIONS = {"search": "search-type", "post": "search-type", "read": "read", "create": "create"}
INTERACTION_ORDER = ("read", "search-type", "create")
# Bulk Data Access (IG 2.0.0): a route named ``*_export`` is the $export operation at its level.
BULK_DATA = "http://hl7.org/fhir/uv/bulkdata"
EXPORT_DEFINITIONS = {
    "": f"{BULK_DATA}/OperationDefinition/export",
    "Patient": f"{BULK_DATA}/OperationDefinition/patient-export",
    "Group": f"{BULK_DATA}/OperationDefinition/group-export",
}


def export_levels():
    """The levels with an ``$export`` route: "" (the system), or the resource type."""
    return [
        str(pattern.pattern).partition("$")[0].partition("/")[0]
        for pattern in get_resolver().namespace_dict["fhir"][1].url_patterns
        if (pattern.name or "").endswith("_export")
    ]


def _export_operation(level):
    return {"name": "export", "definition": EXPORT_DEFINITIONS[level]}


def interactions_by_type():
    """``{resource type: [interaction codes]}`` from the FHIR routes (see the module's docstring)."""
    found = {}
    for pattern in get_resolver().namespace_dict["fhir"][1].url_patterns:
        resource_type = str(pattern.pattern).partition("/")[0]
        code = INTERACTIONS.get((pattern.name or "").rpartition("_")[2])
        if not resource_type[:1].isupper() or code is None:
            continue  # the root and metadata
        found.setdefault(resource_type, set()).add(code)
    return {kind: [code for code in INTERACTION_ORDER if code in codes] for kind, codes in found.items()}


def _resource(resource_type, codes, levels):
    resource = {
        "type": resource_type,
        "interaction": [{"code": code} for code in codes],
        "versioning": "versioned",
        "readHistory": False,
        "updateCreate": False,
        "conditionalCreate": False,
        "conditionalRead": "not-match" if "read" in codes else "not-supported",
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
    }
    if resource_type in levels:
        resource["operation"] = [_export_operation(resource_type)]
    if "search-type" in codes:
        resource["searchParam"] = [
            {"name": name, "type": kind, "documentation": documentation}
            for name, kind, documentation in (*SEARCH_PARAMETERS[resource_type], *RESULT_PARAMETERS)
        ]
    return resource


def capability_statement(base_url, token_url):
    levels = export_levels()
    return {
        "resourceType": "CapabilityStatement",
        "url": f"{base_url}metadata",
        "name": "SamplanFhirApi",
        "title": "Samplan FHIR API",
        "status": "active",
        "experimental": False,
        "date": timezone.localdate().isoformat(),
        "publisher": "Samplan",
        "description": (
            "Read access to a citizen's individual plan, measures, goals, care team, responsibility-group "
            "meetings, minutes and actions, writing questionnaire responses, and bulk export (Bulk Data "
            "Access 2.0: $export at patient, group and system level, NDJSON) — under the same access "
            "policy and access log as the screens."
        ),
        "kind": "instance",
        "instantiates": [f"{BULK_DATA}/CapabilityStatement/bulk-data"],
        "software": {"name": "Samplan", "version": getattr(settings, "SAMPLAN_VERSION", "dev")},
        "implementation": {"description": "Samplan", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Errors are OperationOutcomes; an unsupported search parameter is a 400 naming it.",
                "security": {
                    "cors": False,
                    "extension": [
                        {
                            "url": OAUTH_URIS,
                            "extension": [{"url": "token", "valueUri": token_url}],
                        }
                    ],
                    "service": [{"coding": [{"system": SECURITY_SERVICES, "code": "SMART-on-FHIR"}]}],
                    "description": (
                        "Every request but this one carries 'Authorization: Bearer <token>': a personal API "
                        "token, issued to a user in Samplan, or a system client's access token from the token "
                        "endpoint (SMART Backend Services: client_credentials with a private_key_jwt assertion, "
                        "RS384 or ES384; see .well-known/smart-configuration). A user meets the same access "
                        "policy as on the screens (the citizen decides who sees what); a system client sees the "
                        "citizens its units serve, within its scopes. Every read is in the citizen's access log."
                    ),
                },
                "resource": [_resource(kind, codes, levels) for kind, codes in interactions_by_type().items()],
                "operation": [_export_operation("")] if "" in levels else [],
            }
        ],
    }


@guard
@require_GET
def metadata(request):
    base_url = request.build_absolute_uri(reverse("fhir:root"))
    return fhir_response(capability_statement(base_url, smart.token_url(request)))
