"""fhir_forms.ItemWriter (a bulk export's memo) gives exactly what to_fhir_items gives."""

import datetime
import json
import random

import pytest

from measures import fhir_forms


def _answer(item, chance):
    if item.type == "choice":
        return [chance.choice(item.options).code] if item.options else None
    return {
        "integer": [chance.randint(0, 10)],
        "boolean": [chance.choice([True, False])],
        "string": ["som før"],
        "text": ["lang tekst"],
        "date": [datetime.date(2026, 12, chance.randint(1, 28)).isoformat()],
    }.get(item.type)


def _answers(items, chance):
    answers = {}
    for item in fhir_forms.walk(items):
        if item.type in ("group", "display") or chance.random() < 0.2:  # some left out
            continue
        value = _answer(item, chance)
        if value is not None:
            answers[item.link_id] = value
    # Stored answers need not be in the form's order.
    return dict(chance.sample(list(answers.items()), len(answers)))


@pytest.mark.django_db
def test_the_export_writer_makes_the_same_items_as_a_read_for_every_shipped_form(shipped):
    chance = random.Random(15)
    for key, questionnaire in shipped.items():
        items = fhir_forms.questionnaire_items(questionnaire)
        writer = fhir_forms.ItemWriter()
        for _ in range(60):  # repeats hit the memo
            answers = _answers(items, chance)
            assert writer(items, answers) == fhir_forms.to_fhir_items(items, answers), key
            text = json.dumps(answers)
            assert writer.from_json(items, text) == fhir_forms.to_fhir_items(items, answers), key
            assert writer.from_json(items, text) is writer.from_json(items, text)  # remembered
