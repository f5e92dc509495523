"""Samplan's own medication self-report: scored by the policy written beside it, charted like other measures.

The test vectors are the table in ``measures/questionnaires/medication_self_report.md``, read here, so the policy a
clinical lead signs and the numbers the code gives cannot drift apart.
"""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from measures.models import QuestionnaireResponse, Score
from measures.scoring import band_for, classify_against_first, score

FOLDER = Path(__file__).resolve().parent.parent / "questionnaires"
POLICY = (FOLDER / "medication_self_report.md").read_text(encoding="utf-8")
RESOURCE = json.loads((FOLDER / "medication_self_report.json").read_text(encoding="utf-8"))
TRANSLATION_URL = "http://hl7.org/fhir/StructureDefinition/translation"


def table_rows(heading):
    """The rows of the first Markdown table after ``heading``, as lists of cell texts."""
    lines = POLICY.split(heading, 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    rows = lines[start + 2 : end]
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]


def expected_of(row):
    _id, _answers, mean, band, answered, flag, reason = row
    if reason in ("wrong_item_count", "invalid_item_value"):
        return {"error": reason}
    expected = {
        "mean": None if mean == "–" else json.loads(mean),
        "band": None if band == "–" else band,
        "items_answered": int(answered),
        "side_effects_flag": flag == "true",
    }
    if reason:
        expected["reason"] = reason
    return expected


VECTORS = [
    pytest.param(json.loads(row[1].strip("`")), expected_of(row), id=row[0]) for row in table_rows("## Test vectors")
]


def test_the_policy_has_its_vectors():
    assert len(VECTORS) == 16


@pytest.mark.parametrize("answers, expected", VECTORS)
def test_scored_as_the_policy_says(answers, expected):
    result = score("medication", answers)
    assert result == expected
    # the JSON types too: 10 and 6 are whole numbers, 5.8 a decimal
    for key in ("mean", "items_answered"):
        if key in expected:
            assert type(result[key]) is type(expected[key])


def test_half_is_rounded_up_not_to_even():
    assert score("medication", [2, 2, 2, 3, None])["mean"] == 2.3  # 2.25; banker's rounding would give 2.2
    assert score("medication", [1, 2, 2, 2, None])["mean"] == 1.8  # 1.75


def test_no_norms_no_cutoff_no_reliable_change():
    assert band_for("medication", 0) == band_for("medication", 10) == "own_trend"
    assert classify_against_first("medication", 3, 7.5) == {"change": 4.5, "direction": None, "recovered": None}


def nb(element):
    for extension in element["extension"]:
        if extension["url"] == TRANSLATION_URL:
            parts = {part["url"]: part for part in extension["extension"]}
            return parts["content"]["valueString"]
    return None


def test_the_form_says_what_the_policy_says():
    items = {item["linkId"]: item for item in RESOURCE["item"]}
    rows = table_rows("Intro en:")
    assert [row[0].strip("`") for row in rows] == [f"medication-{n}" for n in range(1, 6)]
    for link_id, text_nb, text_en, low, high in ((r[0].strip("`"), *r[1:]) for r in rows):
        item = items[link_id]
        assert (item["text"], nb(item["_text"])) == (text_en, text_nb)
        assert item["required"] is True
        options = item["answerOption"]
        assert [o["extension"][0]["valueDecimal"] for o in options] == list(range(11))
        low_nb, low_en = low.split(" / ")
        high_nb, high_en = high.split(" / ")
        assert options[0]["valueCoding"]["display"] == f"0 – {low_en}"
        assert nb(options[0]["valueCoding"]["_display"]) == f"0 – {low_nb}"
        assert options[10]["valueCoding"]["display"] == f"10 – {high_en}"
        assert nb(options[10]["valueCoding"]["_display"]) == f"10 – {high_nb}"
    assert items["comment"]["type"] == "text" and items["comment"]["required"] is False
    assert items["comment"]["maxLength"] == 2000
    assert re.search(r"10 is always the best", items["intro"]["text"])


# Filled in on the web, scored and charted ---------------------------------------------------------


def form(values, comment=""):
    data = {f"medication-{n}": str(v) for n, v in enumerate(values, start=1) if v is not None}
    if comment:
        data["comment"] = comment
    return data


@pytest.fixture
def medication(shipped):
    return shipped["medication_self_report"]


def fill(client, citizen, questionnaire, values, comment=""):
    client.post(reverse("measures:start", args=[citizen.pk, questionnaire.pk]))
    draft = QuestionnaireResponse.objects.filter(status="in-progress").get()
    return draft, client.post(draft.get_absolute_url(), form(values, comment))


def test_the_citizen_answers_and_the_mean_is_stored_with_the_flag(login, citizen, medication):
    assert medication.scoring_key == "medication"
    client = login(citizen.user)
    draft, page = fill(client, citizen, medication, [8, 6, 2, 7, 5], "Jeg er trøtt om morgenen")
    assert page.status_code == 302
    stored = Score.objects.get(response=draft)
    assert stored.instrument == "medication" and stored.total == Decimal("5.6")
    assert stored.result["side_effects_flag"] is True
    assert AccessEvent.objects.filter(action="write", detail__startswith="completed About my medicine").exists()


def test_the_measures_page_charts_it_for_the_team(
    login, citizen, coordinator, medication, django_assert_max_num_queries
):
    client = login(citizen.user)
    for values in ([3, 4, 2, 5, 4], [5, 5, 4, 6, 5], [7, 6, 6, 7, 8]):
        fill(client, citizen, medication, values)
    client = login(coordinator)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("measures:overview", args=[citizen.pk]))
    assert page.status_code == 200
    html = page.text
    assert 'id="chart-medication-title"' in html
    assert "About my medicine over time" in html
    assert "Change since the first: +3.2" in html  # 3.6 → 6.8, no "reliably" without norms
    assert 'data-testid="side-effects-flag"' not in html  # the latest side-effects answer is 6
    progress = next(p for p in page.context["instruments"] if p["key"] == "medication")
    assert [float(s.total) for s in progress["series"]] == [3.6, 5.0, 6.8]


def test_a_latest_answer_of_heavy_side_effects_is_shown_to_staff_not_as_a_label_to_the_citizen(
    login, citizen, coordinator, medication
):
    fill(login(citizen.user), citizen, medication, [7, 6, 1, 7, 8])
    staff_page = login(coordinator).get(reverse("measures:overview", args=[citizen.pk]))
    assert 'data-testid="side-effects-flag"' in staff_page.text
    own_page = login(citizen.user).get(reverse("measures:overview", args=[citizen.pk]))
    assert 'data-testid="side-effects-flag"' not in own_page.text
    assert "This questionnaire is about your medicine." in own_page.text


def test_an_answer_out_of_range_is_refused_where_it_was_given_and_the_rest_kept(login, citizen, medication):
    client = login(citizen.user)
    data = form([8, 6, 2, 7, 5], "Tørr i munnen")
    data["medication-3"] = "11"
    client.post(reverse("measures:start", args=[citizen.pk, medication.pk]))
    draft = QuestionnaireResponse.objects.get()
    page = client.post(draft.get_absolute_url(), data)
    assert page.status_code == 400
    errors = page.context["form"].errors
    assert list(errors) == ["medication-3"]  # next to the answer, and only there
    assert errors["medication-3"][0] == "Select a valid choice. 11 is not one of the available choices."
    assert 'href="#id_medication-3"' in page.text
    assert "Tørr i munnen" in page.text  # what was typed is still in the form
    draft.refresh_from_db()
    assert draft.status == "in-progress" and not Score.objects.exists()
    assert set(draft.answers) == {"medication-1", "medication-2", "medication-4", "medication-5", "comment"}


def test_a_too_long_comment_is_refused_with_its_limit_and_the_answers_kept(login, citizen, medication):
    client = login(citizen.user)
    draft, page = fill(client, citizen, medication, [8, 6, 2, 7, 5], "x" * 2001)
    assert page.status_code == 400
    assert page.context["form"].errors == {"comment": ["Write at most 2000 characters."]}
    draft.refresh_from_db()
    assert draft.status == "in-progress" and len(draft.answers) == 5
