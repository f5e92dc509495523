"""Samplan records as FHIR R4 resources (plain dicts; tests validate them with fhir.resources)."""

from people.national_id import identifier_system


def patient(citizen, base_url):
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
