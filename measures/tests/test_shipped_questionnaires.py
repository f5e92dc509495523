"""The FHIR Questionnaires Samplan ships (``measures/questionnaires``), checked against the scoring
reference (shared instruments README, sections 2–6 and 10–12) and Samplan's own forms (checkin.md).

No database: these tests only read the JSON files.
"""

import itertools
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

DIR = Path(__file__).resolve().parent.parent / "questionnaires"

LOINC = "http://loinc.org"
ORDINAL_URL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TRANSLATION_URL = "http://hl7.org/fhir/StructureDefinition/translation"
SCORING_URL = "https://samplan.no/fhir/StructureDefinition/scoring-algorithm"
EXCLUSION_SYSTEM = "https://samplan.no/fhir/CodeSystem/answer-exclusion"
EXCLUSION_CODES = {"not-relevant", "dont-know", "not-applicable"}
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")

# file stem -> (id, name, title)
FILES = {
    "phq9": ("phq9", "PHQ9", "PHQ-9"),
    "gad7": ("gad7", "GAD7", "GAD-7"),
    "who5": ("who5", "WHO5", "WHO-5"),
    "audit": ("audit", "AUDIT", "AUDIT"),
    "dudit": ("dudit", "DUDIT", "DUDIT"),
    "checkin": ("checkin", "SamplanCheckin", "Check-in"),
    "session_feedback": ("session-feedback", "SamplanSessionFeedback", "Session feedback"),
    "user_evaluation": ("user-evaluation", "SamplanUserEvaluation", "User evaluation"),
    "course_evaluation": ("course-evaluation", "SamplanCourseEvaluation", "Course and network evaluation"),
    "interview_guide": ("interview-guide", "SamplanInterviewGuide", "Interview guide: the help and the collaboration"),
    "medication_self_report": ("medication-self-report", "SamplanMedicationSelfReport", "About my medicine"),
    "relatives_satisfaction": ("relatives-satisfaction", "SamplanRelativesSatisfaction", "Relatives' satisfaction"),
}
PUBLISHED = ("phq9", "gad7", "who5", "audit", "dudit")
OWN = (
    "checkin",
    "session_feedback",
    "user_evaluation",
    "course_evaluation",
    "interview_guide",
    "medication_self_report",
    "relatives_satisfaction",
)
# The scoring key of each scored form: the published ones by their own name, Samplan's own by the key in scoring.py.
SCORING_KEYS = {**{stem: stem for stem in PUBLISHED}, "medication_self_report": "medication"}
PANEL_LOINC = {"phq9": "44249-1", "gad7": "69737-5", "audit": "72110-0"}

# The scoring key (README sections 2–6): the item values each scored item must offer, exactly.
ZERO_TO_THREE = {0, 1, 2, 3}
ZERO_TO_FOUR = {0, 1, 2, 3, 4}
ZERO_TWO_FOUR = {0, 2, 4}
SCORED_VALUES = {
    "phq9": [ZERO_TO_THREE] * 9,
    "gad7": [ZERO_TO_THREE] * 7,
    "who5": [{0, 1, 2, 3, 4, 5}] * 5,
    "audit": [ZERO_TO_FOUR] * 8 + [ZERO_TWO_FOUR] * 2,
    "dudit": [ZERO_TO_FOUR] * 9 + [ZERO_TWO_FOUR] * 2,
}
UNSCORED = {"phq9": ["phq9-10"], "gad7": ["gad7-8"], "who5": [], "audit": [], "dudit": []}

ITEM_LOINC = {
    "phq9-1": "44250-9",
    "phq9-2": "44255-8",
    "phq9-3": "44259-0",
    "phq9-4": "44254-1",
    "phq9-5": "44251-7",
    "phq9-6": "44258-2",
    "phq9-7": "44252-5",
    "phq9-8": "44253-3",
    "phq9-9": "44260-8",
    "phq9-10": "69722-7",
    "gad7-1": "69725-0",
    "gad7-2": "68509-9",
    "gad7-3": "69733-4",
    "gad7-4": "69734-2",
    "gad7-5": "69735-9",
    "gad7-6": "69689-8",
    "gad7-7": "69736-7",
    "audit-1": "68518-0",
    "audit-2": "68519-8",
    "audit-3": "68520-6",
}
PHQ_ANSWERS = {"LA6568-5": 0, "LA6569-3": 1, "LA6570-1": 2, "LA6571-9": 3}
WHO5_LABELS = {
    "All of the time": 5,
    "Most of the time": 4,
    "More than half of the time": 3,
    "Less than half of the time": 2,
    "Some of the time": 1,
    "At no time": 0,
}
AUDIT_9_10_LABELS = {"No": 0, "Yes, but not in the last year": 2, "Yes, during the last year": 4}
DUDIT_10_11_LABELS = {"No": 0, "Yes, but not over the past year": 2, "Yes, over the past year": 4}


def load(stem):
    return json.loads((DIR / f"{stem}.json").read_text(encoding="utf-8"))


def walk(items):
    for item in items:
        yield item
        yield from walk(item.get("item", []))


def items_of(stem):
    return list(walk(load(stem)["item"]))


def by_link_id(stem):
    return {item["linkId"]: item for item in items_of(stem)}


def ordinal_values(option):
    return [e["valueDecimal"] for e in option.get("extension", []) if e["url"] == ORDINAL_URL]


def ordinal(option):
    values = ordinal_values(option)
    assert len(values) <= 1, option
    return Decimal(str(values[0])) if values else None


def option_values(item):
    return {ordinal(option) for option in item["answerOption"]}


def nb_translation(element):
    """The bokmål translation in a primitive's ``_x`` element, or None."""
    for extension in (element or {}).get("extension", []):
        if extension.get("url") != TRANSLATION_URL:
            continue
        parts = {part["url"]: part for part in extension.get("extension", [])}
        if parts.get("lang", {}).get("valueCode") == "nb":
            return parts.get("content", {}).get("valueString")
    return None


def contains_url(node, url):
    if isinstance(node, dict):
        return node.get("url") == url or any(contains_url(value, url) for value in node.values())
    if isinstance(node, list):
        return any(contains_url(value, url) for value in node)
    return False


# Files, identity and FHIR validity --------------------------------------------------------------


def test_exactly_the_shipped_files_are_there():
    assert sorted(p.stem for p in DIR.glob("*.json")) == sorted(FILES)


@pytest.mark.parametrize("stem", FILES)
def test_valid_fhir_r4_questionnaire(stem):
    raw = (DIR / f"{stem}.json").read_bytes()
    resource = json.loads(raw.decode("utf-8"))
    Questionnaire.model_validate(resource)
    assert raw.decode("utf-8") == json.dumps(resource, indent=2, ensure_ascii=False) + "\n", "pretty-printed UTF-8"


@pytest.mark.parametrize("stem", FILES)
def test_identity(stem):
    resource = load(stem)
    qid, name, title = FILES[stem]
    assert resource["resourceType"] == "Questionnaire"
    assert resource["id"] == qid
    assert FHIR_ID.match(qid)
    assert resource["url"] == f"https://samplan.no/fhir/Questionnaire/{qid}"
    assert resource["version"] == "1.0.0"
    assert resource["status"] == "active"
    assert resource["name"] == name
    assert re.match(r"^[A-Z][A-Za-z0-9_]{0,254}$", name)
    assert resource["title"] == title
    assert resource["language"] == "en"
    for key in ("publisher", "description", "copyright"):
        assert resource.get(key), key


def test_urls_and_url_versions_are_unique():
    resources = [load(stem) for stem in FILES]
    assert len({r["url"] for r in resources}) == len(resources)
    assert len({(r["url"], r["version"]) for r in resources}) == len(resources)
    assert len({r["id"] for r in resources}) == len(resources)


@pytest.mark.parametrize("stem", FILES)
def test_link_ids_are_unique(stem):
    link_ids = [item["linkId"] for item in items_of(stem)]
    assert len(link_ids) == len(set(link_ids))


def test_copyright_lines():
    assert "Pfizer" in load("phq9")["copyright"]
    assert "Pfizer" in load("gad7")["copyright"]
    assert "World Health Organization" in load("audit")["copyright"]
    assert "commercial" in load("audit")["copyright"]
    assert "Psychiatric Centre North Zealand" in load("who5")["copyright"]
    assert "Berman" in load("dudit")["copyright"]
    assert "Karolinska" in load("dudit")["copyright"]
    for stem in OWN:
        assert "Samplan" in load(stem)["copyright"]


# Codes and the scoring key -----------------------------------------------------------------------


@pytest.mark.parametrize("stem", FILES)
def test_panel_code(stem):
    resource = load(stem)
    if stem in PANEL_LOINC:
        assert resource["code"] == [{"system": LOINC, "code": PANEL_LOINC[stem]}]
    else:
        assert "code" not in resource, "WHO-5, DUDIT and Samplan's own forms have no LOINC panel"


@pytest.mark.parametrize("stem", FILES)
def test_scoring_algorithm_extension(stem):
    keys = [e["valueCode"] for e in load(stem).get("extension", []) if e["url"] == SCORING_URL]
    assert keys == ([SCORING_KEYS[stem]] if stem in SCORING_KEYS else [])


@pytest.mark.parametrize("stem", PUBLISHED)
def test_item_codes(stem):
    for item in items_of(stem):
        expected = ITEM_LOINC.get(item["linkId"])
        if expected:
            assert item["code"] == [{"system": LOINC, "code": expected}], item["linkId"]
        else:
            assert "code" not in item, f"{item['linkId']}: no confirmed LOINC item code"


# Published instruments: linkIds, values, skip rules -----------------------------------------------


@pytest.mark.parametrize("stem", PUBLISHED)
def test_published_link_ids(stem):
    items = items_of(stem)
    scored = [f"{stem}-{n}" for n in range(1, len(SCORED_VALUES[stem]) + 1)]
    questions = [item["linkId"] for item in items if item["type"] != "display"]
    assert questions == scored + UNSCORED[stem]
    for item in items:
        assert "item" not in item, "published instruments are flat"
        if item["type"] == "display":
            assert item["linkId"].startswith(f"{stem}-")
        else:
            assert item["type"] == "choice"


@pytest.mark.parametrize("stem", PUBLISHED)
def test_scored_items_carry_the_scoring_key(stem):
    items = by_link_id(stem)
    for number, expected in enumerate(SCORED_VALUES[stem], start=1):
        item = items[f"{stem}-{number}"]
        assert item["required"] is True, item["linkId"]
        values = [ordinal(option) for option in item["answerOption"]]
        assert None not in values, f"{item['linkId']}: every option of a scored item has an ordinalValue"
        assert sorted(values) == sorted(expected), item["linkId"]
        for option in item["answerOption"]:
            coding = option["valueCoding"]
            assert coding.get("system") and coding.get("code") and coding.get("display"), option
            assert not contains_url(coding, ORDINAL_URL), "ordinalValue sits on answerOption, not valueCoding"
        codes = [option["valueCoding"]["code"] for option in item["answerOption"]]
        assert len(codes) == len(set(codes))


@pytest.mark.parametrize("stem", PUBLISHED)
def test_unscored_items_carry_no_value(stem):
    items = by_link_id(stem)
    for link_id in UNSCORED[stem]:
        assert items[link_id]["required"] is False
        assert option_values(items[link_id]) == {None}


@pytest.mark.parametrize("stem", ["phq9", "gad7"])
def test_phq_gad_options_are_the_loinc_answers(stem):
    items = by_link_id(stem)
    for number in range(1, len(SCORED_VALUES[stem]) + 1):
        for option in items[f"{stem}-{number}"]["answerOption"]:
            coding = option["valueCoding"]
            assert coding["system"] == LOINC
            assert ordinal(option) == PHQ_ANSWERS[coding["code"]]


def test_who5_values_follow_the_labels():
    for number in range(1, 6):
        for option in by_link_id("who5")[f"who5-{number}"]["answerOption"]:
            assert ordinal(option) == WHO5_LABELS[option["valueCoding"]["display"]]


def test_audit_and_dudit_last_items_are_0_2_4_by_label():
    for stem, labels, numbers in (("audit", AUDIT_9_10_LABELS, (9, 10)), ("dudit", DUDIT_10_11_LABELS, (10, 11))):
        for number in numbers:
            item = by_link_id(stem)[f"{stem}-{number}"]
            assert {o["valueCoding"]["display"]: ordinal(o) for o in item["answerOption"]} == labels


def test_audit_item_1_never_is_0():
    options = by_link_id("audit")["audit-1"]["answerOption"]
    never = [o for o in options if o["valueCoding"]["display"] == "Never"]
    assert len(never) == 1 and ordinal(never[0]) == 0


def _condition_holds(condition, answers, unanswered_not_equal):
    """FHIR enableWhen for one condition; ``answers`` maps linkId to a list of codes.

    ``unanswered_not_equal``: what '!=' gives for an unanswered question. The R5 wording ("no answer
    is equal") makes it true; some renderers (and Samplan's) make it false. The forms must work either way.
    """
    given = answers.get(condition["question"], [])
    expected = condition["answerCoding"]["code"]
    if condition["operator"] == "=":
        return expected in given
    if condition["operator"] == "!=":
        return expected not in given if given else unanswered_not_equal
    raise AssertionError(condition)


def enabled(items, answers, unanswered_not_equal=False):
    """linkIds that are enabled, treating answers of disabled items as absent (FHIR R4)."""
    on = {}
    for item in items:  # items only refer to earlier items
        live = {k: v for k, v in answers.items() if on.get(k)}
        conditions = item.get("enableWhen", [])
        results = [_condition_holds(c, live, unanswered_not_equal) for c in conditions]
        behaviour = any if item.get("enableBehavior") == "any" else all
        on[item["linkId"]] = not conditions or behaviour(results)
    return {link_id for link_id, is_on in on.items() if is_on}


@pytest.mark.parametrize("unanswered_not_equal", [False, True])
def test_audit_skip_rules_match_the_who_manual(unanswered_not_equal):
    items = items_of("audit")
    by_id = {item["linkId"]: item for item in items}
    never = next(o["valueCoding"] for o in by_id["audit-1"]["answerOption"] if ordinal(o) == 0)
    for number in (2, 3):
        assert by_id[f"audit-{number}"]["enableWhen"] == [
            {"question": "audit-1", "operator": "!=", "answerCoding": never}
        ]
    for number in (1, 9, 10):
        assert "enableWhen" not in by_id[f"audit-{number}"]
    non_zero = [
        {"question": f"audit-{n}", "operator": "=", "answerCoding": o["valueCoding"]}
        for n in (2, 3)
        for o in by_id[f"audit-{n}"]["answerOption"]
        if ordinal(o) != 0
    ]
    for number in range(4, 9):
        assert by_id[f"audit-{number}"]["enableBehavior"] == "any"
        assert by_id[f"audit-{number}"]["enableWhen"] == non_zero
    options = {
        n: [(o["valueCoding"]["code"], ordinal(o)) for o in by_id[f"audit-{n}"]["answerOption"]] for n in (1, 2, 3)
    }
    # Every combination of items 1-3, also with items 2/3 unanswered and with stale answers to hidden items.
    # Where '!=' is true for an unanswered item, items 2-3 show before item 1 is answered: check only from there.
    first = [*options[1]] if unanswered_not_equal else [None, *options[1]]
    for a1, a2, a3 in itertools.product(first, [None, *options[2]], [None, *options[3]]):
        answers = {f"audit-{n}": [a[0]] for n, a in ((1, a1), (2, a2), (3, a3)) if a is not None}
        on = enabled(items, answers, unanswered_not_equal)
        item1_asked = a1 is not None and a1[1] != 0
        assert ("audit-2" in on) == item1_asked
        assert ("audit-3" in on) == item1_asked
        known_non_zero = item1_asked and ((a2 is not None and a2[1] > 0) or (a3 is not None and a3[1] > 0))
        for number in range(4, 9):
            assert (f"audit-{number}" in on) == known_non_zero, (a1, a2, a3, number)
        assert {"audit-1", "audit-9", "audit-10"} <= on


def test_dudit_asks_every_item():
    for item in items_of("dudit"):
        assert "enableWhen" not in item


# Exclusion options -------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", FILES)
def test_exclusion_options_never_carry_a_value(stem):
    for item in items_of(stem):
        for option in item.get("answerOption", []):
            coding = option["valueCoding"]
            assert not contains_url(option, "http://hl7.org/fhir/StructureDefinition/itemWeight")
            if coding["system"] == EXCLUSION_SYSTEM:
                assert coding["code"] in EXCLUSION_CODES
                assert ordinal_values(option) == [], f"{item['linkId']}: {coding['code']} must have no value"
                assert not contains_url(coding, ORDINAL_URL)


# Translations ------------------------------------------------------------------------------------


def translatable(resource):
    """(where, base text, its ``_x`` element) for every text a person reads."""
    yield "title", resource["title"], resource.get("_title")
    for item in walk(resource["item"]):
        yield item["linkId"], item["text"], item.get("_text")
        for option in item.get("answerOption", []):
            coding = option["valueCoding"]
            yield f"{item['linkId']}/{coding['code']}", coding["display"], coding.get("_display")


@pytest.mark.parametrize("stem", OWN)
def test_own_forms_have_bokmal_for_every_text(stem):
    for where, text, element in translatable(load(stem)):
        assert text, where
        content = nb_translation(element)
        assert content and content.strip(), f"{where}: no nb translation"


@pytest.mark.parametrize("stem", PUBLISHED)
def test_published_instruments_carry_no_made_up_translation(stem):
    """README section 12: only official translations may be shipped, and Samplan has none yet."""
    resource = load(stem)
    assert not contains_url(resource, TRANSLATION_URL)
    for where, _text, element in translatable(resource):
        assert element is None, where


# Samplan's own forms -----------------------------------------------------------------------------


def _zero_to_ten(item, low_en, low_nb):
    numeric = [o for o in item["answerOption"] if o["valueCoding"]["system"] != EXCLUSION_SYSTEM]
    assert [ordinal(o) for o in numeric] == list(range(11))
    assert [o["valueCoding"]["code"] for o in numeric] == [str(n) for n in range(11)]
    for option in numeric[1:10]:
        assert option["valueCoding"]["display"] == option["valueCoding"]["code"]
    assert numeric[0]["valueCoding"]["display"] == f"0 – {low_en}"
    assert nb_translation(numeric[0]["valueCoding"]["_display"]) == f"0 – {low_nb}"
    assert numeric[10]["valueCoding"]["display"].startswith("10 – ")
    assert nb_translation(numeric[10]["valueCoding"]["_display"]).startswith("10 – ")


def test_checkin():
    items = items_of("checkin")
    assert [(i["linkId"], i["type"]) for i in items] == [
        ("intro", "display"),
        ("mood", "choice"),
        ("calm", "choice"),
        ("sleep", "choice"),
        ("substance", "choice"),
        ("hope", "choice"),
        ("note", "text"),
        ("after", "display"),
    ]
    by_id = {item["linkId"]: item for item in items}
    _zero_to_ten(by_id["mood"], "Very low", "Svært dårlig")
    _zero_to_ten(by_id["calm"], "Very uneasy", "Svært urolig")
    _zero_to_ten(by_id["sleep"], "Very badly", "Svært dårlig")
    _zero_to_ten(by_id["substance"], "Very hard", "Svært vanskelig")
    _zero_to_ten(by_id["hope"], "No hope", "Ikke noe håp")
    extra = [o["valueCoding"] for o in by_id["substance"]["answerOption"] if ordinal(o) is None]
    assert [(c["system"], c["code"]) for c in extra] == [(EXCLUSION_SYSTEM, "not-applicable")]
    for link_id in ("mood", "calm", "sleep", "hope"):
        assert option_values(by_id[link_id]) == set(range(11))
    assert by_id["note"]["text"] == "Is there anything you want your helper to know?"
    assert by_id["note"].get("required", False) is False
    for number in ("113", "116 117", "116 123"):
        assert number in by_id["after"]["text"]
        assert number in nb_translation(by_id["after"]["_text"])


def test_session_feedback():
    items = items_of("session_feedback")
    assert [(i["linkId"], i["type"]) for i in items] == [
        ("intro", "display"),
        ("heard", "choice"),
        ("what_matters", "choice"),
        ("way_of_working", "choice"),
        ("overall", "choice"),
        ("different", "text"),
    ]
    by_id = {item["linkId"]: item for item in items}
    _zero_to_ten(by_id["heard"], "Not at all", "Nei, ikke i det hele tatt")
    _zero_to_ten(by_id["what_matters"], "Not at all", "Nei, ikke i det hele tatt")
    _zero_to_ten(by_id["way_of_working"], "Did not suit me at all", "Passet ikke i det hele tatt")
    _zero_to_ten(by_id["overall"], "Very poor", "Svært dårlig")
    assert by_id["different"].get("required", False) is False


def test_user_evaluation():
    items = items_of("user_evaluation")
    assert [(i["linkId"], i["type"]) for i in items] == [
        ("completed", "choice"),
        ("reason", "choice"),
        ("reason_other", "string"),
        ("change", "choice"),
        ("why", "text"),
        ("anything_else", "text"),
    ]
    by_id = {item["linkId"]: item for item in items}
    assert {i["linkId"] for i in items if i.get("required")} == {"completed", "change"}
    assert [o["valueCoding"]["code"] for o in by_id["completed"]["answerOption"]] == [
        "yes",
        "stopped",
        "other-reasons",
    ]
    assert by_id["reason"]["repeats"] is True
    (condition,) = by_id["reason"]["enableWhen"]
    assert (condition["question"], condition["operator"], condition["answerCoding"]["code"]) == (
        "completed",
        "!=",
        "yes",
    )
    (condition,) = by_id["reason_other"]["enableWhen"]
    assert (condition["question"], condition["operator"], condition["answerCoding"]["code"]) == (
        "reason",
        "=",
        "other",
    )
    assert "other" in {o["valueCoding"]["code"] for o in by_id["reason"]["answerOption"]}
    assert [ordinal(o) for o in by_id["change"]["answerOption"]] == [2, 1, 0, -1, -2]
    assert option_values(by_id["completed"]) == option_values(by_id["reason"]) == {None}


def test_course_evaluation():
    resource = load("course_evaluation")
    assert [(i["linkId"], i["type"]) for i in resource["item"]] == [("questions", "group"), ("comments", "text")]
    questions = resource["item"][0]["item"]
    assert len(questions) == 5
    expected_nb = ["Svært dårlig", "Dårlig", "Nokså dårlig", "Nokså bra", "Bra", "Svært bra"]
    for question in questions:
        assert question["type"] == "choice"
        options = question["answerOption"]
        numeric = [o for o in options if ordinal(o) is not None]
        excluded = [o["valueCoding"] for o in options if ordinal(o) is None]
        assert [ordinal(o) for o in numeric] == [1, 2, 3, 4, 5, 6]
        assert [nb_translation(o["valueCoding"]["_display"]) for o in numeric] == [
            f"{n} – {text}" for n, text in enumerate(expected_nb, start=1)
        ]
        assert [(c["system"], c["code"]) for c in excluded] == [
            (EXCLUSION_SYSTEM, "not-relevant"),
            (EXCLUSION_SYSTEM, "dont-know"),
        ]
    assert resource["item"][1].get("required", False) is False
