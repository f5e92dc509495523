"""FHIR RelatedPerson and Consent: the citizen's relatives and each consent, a revoked one inactive;
the same access policy and log as the relatives pages."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent as FhirConsent
from fhir.resources.R4B.relatedperson import RelatedPerson

from accounts.models import ApiToken
from audit.models import AccessEvent
from people import access
from relatives import actions


@pytest.fixture
def odd(citizen):
    own = access.grant_for(citizen.user, citizen)
    odd = actions.add_relative(own, acting_user=citizen.user, name="Odd Innbygger", relation="sibling", phone="99")
    earlier = actions.give_consent(own, odd, ["plan"], acting_user=citizen.user)
    actions.revoke_consent(own, earlier, acting_user=citizen.user)
    actions.give_consent(own, odd, ["crisis_plan"], acting_user=citizen.user)
    return odd


def test_the_relatives_as_related_persons(ask, citizen, odd, coordinator):
    data = ask("/fhir/RelatedPerson", {"patient": f"Patient/{citizen.pk}"}).json()
    bundle = Bundle.model_validate(data)
    [entry] = bundle.entry
    person = RelatedPerson.model_validate(entry.resource.model_dump())
    assert person.patient.reference == f"Patient/{citizen.pk}"
    assert person.name[0].text == "Odd Innbygger"
    assert [c.code for c in person.relationship[0].coding][:1] == ["SIB"]
    assert person.telecom[0].value == "99"
    assert "own_needs" not in str(data)
    assert AccessEvent.objects.filter(actor_id=coordinator.pk, action="read", section="relatives").count() == 1
    read = RelatedPerson.model_validate(ask(f"/fhir/RelatedPerson/{odd.pk}").json())
    assert read.id == str(odd.pk) and read.active is True


def test_each_consent_with_its_sections_and_a_revoked_one_inactive(ask, citizen, odd):
    bundle = Bundle.model_validate(ask("/fhir/Consent", {"patient": citizen.pk}).json())
    consents = [FhirConsent.model_validate(entry.resource.model_dump()) for entry in bundle.entry]
    assert [c.status for c in consents] == ["active", "inactive"]
    current, earlier = consents
    assert current.scope.coding[0].code == "patient-privacy"
    assert current.provision.actor[0].reference.reference == f"RelatedPerson/{odd.pk}"
    assert [[code.coding[0].code for code in p.code] for p in current.provision.provision] == [["crisis_plan"]]
    assert current.provision.provision[0].code[0].coding[0].display == "Crisis plan"
    assert current.dateTime is not None
    assert earlier.provision.provision[0].code[0].coding[0].code == "plan"
    assert earlier.provision.period.end is not None
    again = FhirConsent.model_validate(ask(f"/fhir/Consent/{earlier.id}").json())
    assert again.status == "inactive"


def test_a_member_without_the_section_is_refused_and_logged(client, citizen, odd, care_team_member, gp):
    token = ApiToken.issue(gp)
    for url, query in (("/fhir/Consent", {"patient": citizen.pk}), (f"/fhir/RelatedPerson/{odd.pk}", {})):
        response = client.get(url, query, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 403
        assert response.json()["resourceType"] == "OperationOutcome"
    assert AccessEvent.objects.filter(actor_id=gp.pk, action="denied", section="relatives").count() == 2


def test_a_search_without_the_patient_is_a_clear_400(ask, odd):
    response = ask("/fhir/Consent")
    assert response.status_code == 400
    assert "patient" in response.json()["issue"][0]["diagnostics"]
