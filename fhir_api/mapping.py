"""Samplan records as FHIR R4 resources (plain dicts; tests validate them with fhir.resources)."""

from measures import fhir_forms
from people.national_id import identifier_system


def patient(citizen):
    resource = {
        "resourceType": "Patient",
        "id": str(citizen.pk),
        "identifier": [{"system": identifier_system(citizen.national_id), "value": citizen.national_id}],
        "name": [{"use": "official", "family": citizen.family_name, "given": citizen.given_name.split()}],
        "birthDate": citizen.date_of_birth.isoformat(),
        "communication": [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": citizen.preferred_language}]},
                "preferred": True,
            }
        ],
    }
    telecom = []
    if citizen.phone:
        telecom.append({"system": "phone", "value": citizen.phone})
    if citizen.email:
        telecom.append({"system": "email", "value": citizen.email})
    if telecom:
        resource["telecom"] = telecom
    return resource


def searchset(resources, *, total, self_url, next_url, base_url, resource_type):
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base_url}{resource_type}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ],
    }


SAMPLAN_BAND_SYSTEM = "https://samplan.no/fhir/CodeSystem/score-band"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"


def questionnaire(q):
    """The stored Questionnaire JSON with Samplan's id and version metadata."""
    resource = dict(q.resource)
    resource["id"] = str(q.pk)
    resource["meta"] = {"versionId": q.version, "lastUpdated": q.imported_at.isoformat()}
    return resource


def questionnaire_response(response, items):
    system, bar, value = str(response.idempotency_key).rpartition("|")
    identifier = {"system": system, "value": value} if bar and system else {"value": value}
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "identifier": identifier,
        "questionnaire": response.questionnaire.canonical,
        "status": response.status,
        "subject": {"reference": f"Patient/{response.citizen_id}"},
        "item": fhir_forms.to_fhir_items(items, response.answers),
    }
    if response.authored_at:
        resource["authored"] = response.authored_at.isoformat()
    if response.entered_on_behalf and response.author_id:
        resource["author"] = {"reference": f"Practitioner/{response.author_id}"}
    else:
        resource["author"] = {"reference": f"Patient/{response.citizen_id}"}
    return resource


def observation(score, total_code):
    """A total score as an Observation derived from its QuestionnaireResponse."""
    system, code, display = total_code
    resource = {
        "resourceType": "Observation",
        "id": str(score.pk),
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                        "display": "Survey",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": system, "code": code, "display": display}], "text": display},
        "subject": {"reference": f"Patient/{score.citizen_id}"},
        "effectiveDateTime": score.effective_at.isoformat(),
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{score.response_id}"}],
    }
    if score.total is None:
        resource["dataAbsentReason"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "not-performed"}],
            "text": score.result.get("reason", "not scorable"),
        }
    elif score.total == score.total.to_integral_value():
        resource["valueInteger"] = int(score.total)
    else:
        resource["valueQuantity"] = {"value": float(score.total)}
    if score.band:
        resource["interpretation"] = [{"coding": [{"system": SAMPLAN_BAND_SYSTEM, "code": score.band}]}]
    return resource
