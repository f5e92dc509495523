"""Importing Questionnaires: what is refused and how the message names the item."""

import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from measures import fhir_forms
from measures.actions import import_questionnaire
from measures.models import Questionnaire

MINIMAL = {
    "resourceType": "Questionnaire",
    "url": "https://example.org/fhir/Questionnaire/test",
    "version": "1",
    "title": "Test",
    "status": "active",
    "item": [
        {
            "linkId": "q1",
            "type": "choice",
            "text": "Pick",
            "answerOption": [
                {"valueCoding": {"code": "a", "display": "A"}},
                {"valueCoding": {"code": "b", "display": "B"}},
            ],
        },
        {
            "linkId": "q2",
            "type": "string",
            "text": "Why b?",
            "enableWhen": [{"question": "q1", "operator": "=", "answerCoding": {"code": "b"}}],
            "required": True,
        },
    ],
}


def variant(**changes):
    resource = copy.deepcopy(MINIMAL)
    for path, value in changes.items():
        target = resource
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return resource


@pytest.mark.parametrize(
    "resource, message",
    [
        ({"resourceType": "Patient"}, "not a FHIR Questionnaire"),
        (variant(**{"item.0.type": "attachment"}), "item q1: item type 'attachment' is not supported"),
        (variant(**{"item.1.linkId": "q1"}), "item q1: linkId is used twice"),
        (variant(**{"item.0.answerOption": []}), "item q1: a choice item needs answerOption"),
        (variant(**{"item.1.enableWhen.0.question": "nope"}), "item q2: enableWhen refers to unknown item 'nope'"),
        (variant(**{"item.1.enableWhen.0.operator": "~"}), "item q2: enableWhen operator '~' is not supported"),
        (variant(**{"status": "bogus"}), "status must be active, draft or retired"),
        (variant(version=""), "not valid FHIR R4"),
        (
            variant(**{"item.0.answerOption.0.extension": [{"url": fhir_forms.ORDINAL_URLS[0], "valueString": "x"}]}),
            "item q1: ordinalValue 'x' is not a number",
        ),
    ],
)
def test_a_bad_questionnaire_is_refused_with_a_message_naming_the_item(db, resource, message):
    with pytest.raises(fhir_forms.QuestionnaireError) as error:
        import_questionnaire(resource)
    assert message in str(error.value)
    assert not Questionnaire.objects.exists()


def test_a_new_version_becomes_current_and_the_old_one_is_kept(db):
    first, _ = import_questionnaire(MINIMAL)
    second, _ = import_questionnaire(variant(version="2"))
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert Questionnaire.objects.count() == 2


def test_importing_the_same_version_twice_is_harmless_but_changed_content_is_refused(db):
    import_questionnaire(MINIMAL)
    _, created = import_questionnaire(copy.deepcopy(MINIMAL))
    assert not created
    with pytest.raises(fhir_forms.QuestionnaireError, match="already exists with other content"):
        import_questionnaire(variant(title="Changed"))


def test_the_command_imports_shipped_questionnaires_and_refuses_malformed_json(db, tmp_path, capsys):
    call_command("import_questionnaire", "--shipped")
    assert Questionnaire.objects.filter(title="PHQ-9", loinc_code="44249-1", scoring_key="phq9").exists()
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Questionnaire", ')
    with pytest.raises(CommandError):
        call_command("import_questionnaire", str(broken))
    assert "cannot read JSON" in capsys.readouterr().err


def test_enable_when_ignores_answers_left_in_hidden_questions():
    items = fhir_forms.parse_items(MINIMAL)
    assert "q2" in fhir_forms.enabled_items(items, {"q1": ["b"]})
    cleaned, errors = fhir_forms.clean_answers(items, {"q1": ["a"], "q2": ["left over"]}, complete=True)
    assert cleaned == {"q1": ["a"]} and errors == {}


def test_enabled_required_question_must_be_answered():
    items = fhir_forms.parse_items(MINIMAL)
    _, errors = fhir_forms.clean_answers(items, {"q1": ["b"]}, complete=True)
    assert errors == {"q2": "Answer this question."}


@pytest.mark.parametrize(
    "answers, link_id, message",
    [
        ({"q1": ["c"]}, "q1", "Choose one of the answers shown."),
        ({"q1": ["a", "b"]}, "q1", "Give only one answer."),
        ({"zz": ["a"]}, "zz", "There is no question with this id"),
        ({"q1": ["b"], "q2": [5]}, "q2", "Write text."),
    ],
)
def test_bad_answers_are_named(answers, link_id, message):
    items = fhir_forms.parse_items(MINIMAL)
    _, errors = fhir_forms.clean_answers(items, answers, complete=False)
    assert message in errors[link_id]


def test_translations_are_read_from_the_fhir_translation_extension(shipped):
    checkin = shipped["checkin"].resource
    nb = {i.link_id: i.text for i in fhir_forms.walk(fhir_forms.parse_items(checkin, "nb"))}
    en = {i.link_id: i.text for i in fhir_forms.walk(fhir_forms.parse_items(checkin, "en"))}
    assert nb["mood"] == "Hvordan har humøret ditt vært?"
    assert en["mood"] == "How has your mood been?"


def test_shipped_files_are_json(db):
    from measures.management.commands.import_questionnaire import SHIPPED

    for path in SHIPPED.glob("*.json"):
        json.loads(path.read_text())
