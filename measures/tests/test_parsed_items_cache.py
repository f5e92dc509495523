"""Parsed Questionnaire items are kept per process, and only for the content they were parsed from."""

import copy

from measures import fhir_forms


def test_the_same_questionnaire_is_parsed_once(phq9):
    first = fhir_forms.questionnaire_items(phq9)
    assert fhir_forms.questionnaire_items(phq9) is first
    assert [item.link_id for item in first] == [item.link_id for item in fhir_forms.parse_items(phq9.resource)]


def test_other_content_under_the_same_id_and_version_is_parsed_anew(phq9):
    fhir_forms.questionnaire_items(phq9)
    phq9.resource = copy.deepcopy(phq9.resource)
    phq9.resource["item"][1]["text"] = "Changed in another test database"
    items = fhir_forms.questionnaire_items(phq9)
    assert items[1].text == "Changed in another test database"


def test_each_language_has_its_own_items(phq9):
    assert fhir_forms.questionnaire_items(phq9, "en") is not fhir_forms.questionnaire_items(phq9, "nb")
