"""FHIR R4 Questionnaires as forms: checking a Questionnaire on import, reading its items in
the reader's language, deciding which items are enabled, and checking answers.

One set of rules serves the web form and ``POST /fhir/QuestionnaireResponse`` alike, applied
once per request: the view checks what it parsed (``check_answers``) and hands the ``Answers`` to
the action, which stores and scores them.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property

import orjson
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

ORDINAL_URLS = (
    "http://hl7.org/fhir/StructureDefinition/ordinalValue",
    "http://hl7.org/fhir/StructureDefinition/questionnaire-ordinalValue",
    "http://hl7.org/fhir/StructureDefinition/itemWeight",
)
TRANSLATION_URL = "http://hl7.org/fhir/StructureDefinition/translation"
MIN_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/maxValue"
SCORING_URL = "https://samplan.no/fhir/StructureDefinition/scoring-algorithm"
EXCLUSION_SYSTEM = "https://samplan.no/fhir/CodeSystem/answer-exclusion"

SUPPORTED_TYPES = {"group", "display", "choice", "integer", "boolean", "string", "text", "date"}
ANSWER_TYPES = SUPPORTED_TYPES - {"group", "display"}
SUPPORTED_OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}
MAX_TEXT = 5000


class QuestionnaireError(ValueError):
    """A Questionnaire we cannot use; ``link_id`` names the item when there is one."""

    def __init__(self, message, link_id=None):
        super().__init__(message)
        self.message = message
        self.link_id = link_id

    def __str__(self):
        return f"item {self.link_id}: {self.message}" if self.link_id else self.message


@dataclass
class Option:
    code: str
    display: str
    value: Decimal | None  # the item value from the scoring key (ordinalValue); None = excluded from means
    system: str = ""

    @property
    def excluded(self):
        return self.value is None


@dataclass
class Condition:
    question: str
    operator: str
    answer: object


@dataclass
class Item:
    link_id: str
    type: str
    text: str
    required: bool = False
    repeats: bool = False
    options: list = field(default_factory=list)
    enable_when: list = field(default_factory=list)
    enable_behavior: str = "all"
    children: list = field(default_factory=list)
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None

    def option(self, code):
        """The option with ``code`` (the first, should two share it), or None; any value may be asked."""
        try:
            return self._options_by_code.get(code)
        except TypeError:  # a list or an object from a client's JSON is no option's code
            return None

    @cached_property
    def _options_by_code(self):
        found = {}
        for option in self.options:
            found.setdefault(option.code, option)
        return found

    @property
    def is_scale(self):
        """A long run of numbered options (0–10, 1–9) is laid out as a compact grid."""
        return self.type == "choice" and not self.repeats and len(self.options) >= 7

    @property
    def is_question(self):
        return self.type in ANSWER_TYPES


def translated(resource, key, language):
    """The text of ``resource[key]`` in ``language`` (FHIR translation extension), else the base text."""
    base = resource.get(key) or ""
    for extension in (resource.get(f"_{key}") or {}).get("extension", []):
        if extension.get("url") != TRANSLATION_URL:
            continue
        parts = {part.get("url"): part for part in extension.get("extension", [])}
        if parts.get("lang", {}).get("valueCode") == language and "content" in parts:
            return parts["content"].get("valueString", base)
    return base


def _extension_value(element, urls):
    for extension in element.get("extension", []):
        if extension.get("url") in urls:
            for key, value in extension.items():
                if key.startswith("value"):
                    return value
    return None


def _option(raw, language, link_id):
    ordinal = _extension_value(raw, ORDINAL_URLS)
    if "valueCoding" in raw:
        coding = raw["valueCoding"]
        if ordinal is None:
            ordinal = _extension_value(coding, ORDINAL_URLS)
        code, display, system = coding.get("code"), translated(coding, "display", language), coding.get("system", "")
    elif "valueInteger" in raw:
        code, display, system = str(raw["valueInteger"]), str(raw["valueInteger"]), ""
        ordinal = raw["valueInteger"] if ordinal is None else ordinal
    elif "valueString" in raw:
        code, display, system = raw["valueString"], translated(raw, "valueString", language), ""
    else:
        raise QuestionnaireError("an answer option must be a valueCoding, valueInteger or valueString", link_id)
    if not code:
        raise QuestionnaireError("an answer option has no code", link_id)
    try:
        value = None if ordinal is None else Decimal(str(ordinal))
    except InvalidOperation as error:
        raise QuestionnaireError(f"ordinalValue {ordinal!r} is not a number", link_id) from error
    return Option(code=str(code), display=display or str(code), value=value, system=system)


def _condition(raw, link_id):
    operator = raw.get("operator")
    if operator not in SUPPORTED_OPERATORS:
        raise QuestionnaireError(f"enableWhen operator {operator!r} is not supported", link_id)
    answers = [(k, v) for k, v in raw.items() if k.startswith("answer")]
    if len(answers) != 1:
        raise QuestionnaireError("enableWhen needs exactly one answer[x]", link_id)
    kind, answer = answers[0]
    if kind == "answerCoding":
        answer = answer.get("code")
    return Condition(question=raw.get("question", ""), operator=operator, answer=answer)


def _item(raw, language, seen):
    link_id = raw.get("linkId")
    if not link_id:
        raise QuestionnaireError("an item has no linkId")
    if link_id in seen:
        raise QuestionnaireError("linkId is used twice", link_id)
    seen.add(link_id)
    item_type = raw.get("type")
    if item_type not in SUPPORTED_TYPES:
        raise QuestionnaireError(f"item type {item_type!r} is not supported", link_id)
    if raw.get("answerValueSet"):
        raise QuestionnaireError("answerValueSet is not supported; list the answerOption values", link_id)
    item = Item(
        link_id=link_id,
        type=item_type,
        text=translated(raw, "text", language),
        required=bool(raw.get("required", False)),
        repeats=bool(raw.get("repeats", False)),
        enable_behavior=raw.get("enableBehavior", "all"),
        max_length=raw.get("maxLength"),
    )
    item.options = [_option(option, language, link_id) for option in raw.get("answerOption", [])]
    if item_type == "choice" and not item.options:
        raise QuestionnaireError("a choice item needs answerOption values", link_id)
    if item_type == "integer":
        item.min_value = _extension_value(raw, (MIN_VALUE_URL,))
        item.max_value = _extension_value(raw, (MAX_VALUE_URL,))
    item.enable_when = [_condition(condition, link_id) for condition in raw.get("enableWhen", [])]
    item.children = [_item(child, language, seen) for child in raw.get("item", [])]
    if item.children and item_type not in ("group", "display"):
        raise QuestionnaireError("only groups may have child items here", link_id)
    return item


def parse_items(resource, language="en"):
    seen = set()
    items = [_item(raw, language, seen) for raw in resource.get("item", [])]
    for item in walk(items):
        for condition in item.enable_when:
            if condition.question not in seen:
                raise QuestionnaireError(f"enableWhen refers to unknown item {condition.question!r}", item.link_id)
    return items


_parsed = {}
PARSED_CACHE_SIZE = 64


def questionnaire_items(questionnaire, language="en"):
    """``parse_items`` of a stored Questionnaire, kept per process: a version never changes once
    imported, so each request need not parse it again. The items are shared: read them, never change them.
    """
    key = (questionnaire.pk, questionnaire.version, language)
    cached = _parsed.get(key)
    if cached is not None and cached[0] == questionnaire.resource:  # a cheap guard, e.g. for test databases
        return cached[1]
    items = parse_items(questionnaire.resource, language)
    if len(_parsed) >= PARSED_CACHE_SIZE:
        _parsed.clear()
    _parsed[key] = (questionnaire.resource, items)
    return items


def walk(items):
    for item in items:
        yield item
        yield from walk(item.children)


def validate_questionnaire(resource):
    """Refuse a Questionnaire we cannot render or score; the message names the item and the problem."""
    from fhir.resources.R4B.questionnaire import Questionnaire

    if not isinstance(resource, dict) or resource.get("resourceType") != "Questionnaire":
        raise QuestionnaireError("this is not a FHIR Questionnaire (resourceType must be 'Questionnaire')")
    try:
        Questionnaire.model_validate(resource)
    except PydanticValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise QuestionnaireError(f"not valid FHIR R4 at {where}: {first['msg']}") from error
    for required in ("url", "version", "title"):
        if not resource.get(required):
            raise QuestionnaireError(f"the Questionnaire needs a {required}")
    if resource.get("status") not in ("active", "draft", "retired"):
        raise QuestionnaireError("status must be active, draft or retired")
    return parse_items(resource)


def scoring_key(resource):
    return _extension_value(resource, (SCORING_URL,)) or ""


def loinc_code(resource):
    for coding in resource.get("code", []):
        if coding.get("system") == "http://loinc.org":
            return coding.get("code", "")
    return ""


# Answers --------------------------------------------------------------------------------------


def _compare(actual, operator, expected):
    if operator == "=":
        return actual == expected
    if operator == "!=":
        return actual != expected
    try:
        return {">": actual > expected, "<": actual < expected, ">=": actual >= expected, "<=": actual <= expected}[
            operator
        ]
    except TypeError:
        return False


def _condition_holds(condition, answers):
    given = answers.get(condition.question) or []
    if condition.operator == "exists":
        return bool(given) == bool(condition.answer)
    if condition.operator == "!=":
        return bool(given) and all(_compare(value, "!=", condition.answer) for value in given)
    return any(_compare(value, condition.operator, condition.answer) for value in given)


def enabled_items(items, answers):
    """linkIds of the items enabled by the answers so far (FHIR enableWhen rules).

    Items are visited in order and a condition only sees answers of items already found
    enabled: an answer left behind in a question that has since been hidden counts as
    unanswered, as FHIR R4 says.
    """
    enabled, visible_answers = set(), {}

    def visit(item_list):
        for item in item_list:
            if item.enable_when:
                results = [_condition_holds(c, visible_answers) for c in item.enable_when]
                on = any(results) if item.enable_behavior == "any" else all(results)
                if not on:
                    continue
            enabled.add(item.link_id)
            if item.link_id in answers:
                visible_answers[item.link_id] = answers[item.link_id]
            visit(item.children)

    visit(items)
    return enabled


def check_value(item, value):
    """Return the value in its stored form, or raise ValueError with a message for the person."""
    if item.type == "choice":
        if item.option(str(value)) is None:
            raise ValueError(_("Choose one of the answers shown."))
        return str(value)
    if item.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(_("Write a whole number."))
        if item.min_value is not None and value < item.min_value:
            raise ValueError(_("The number must be at least %(min)s.") % {"min": item.min_value})
        if item.max_value is not None and value > item.max_value:
            raise ValueError(_("The number must be at most %(max)s.") % {"max": item.max_value})
        return value
    if item.type == "boolean":
        if not isinstance(value, bool):
            raise ValueError(_("Answer yes or no."))
        return value
    if item.type in ("string", "text"):
        if not isinstance(value, str):
            raise ValueError(_("Write text."))
        limit = item.max_length or MAX_TEXT
        if len(value) > limit:
            raise ValueError(_("Write at most %(n)d characters.") % {"n": limit})
        return value
    if item.type == "date":
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
        except ValueError as error:
            raise ValueError(_("Write a date as dd.mm.yyyy.")) from error
    raise ValueError(_("This item takes no answer."))


def _check(items, answers, complete):
    """The rules, in one place: ``(cleaned, invalid, missing)`` of ``answers`` against ``items``."""
    by_id = {item.link_id: item for item in walk(items)}
    invalid, cleaned = {}, {}
    for link_id, values in answers.items():
        item = by_id.get(link_id)
        if item is None:
            invalid[link_id] = _("There is no question with this id in the questionnaire.")
            continue
        if not item.is_question:
            invalid[link_id] = _("This item takes no answer.")
            continue
        values = values if isinstance(values, list) else [values]
        values = [v for v in values if v not in (None, "")]
        if len(values) > 1 and not item.repeats:
            invalid[link_id] = _("Give only one answer.")
            continue
        try:
            checked = [check_value(item, value) for value in values]
        except ValueError as error:
            invalid[link_id] = str(error)
            continue
        if checked:
            cleaned[link_id] = checked
    enabled = enabled_items(items, cleaned)
    cleaned = {link_id: values for link_id, values in cleaned.items() if link_id in enabled}
    missing = {}
    if complete:
        missing = {
            item.link_id: _("Answer this question.")
            for item in walk(items)
            if item.required and item.is_question and item.link_id in enabled
            if item.link_id not in cleaned and item.link_id not in invalid
        }
    return cleaned, invalid, missing


def clean_answers(items, answers, *, complete):
    """Check every answer; with ``complete``, also that each enabled required item is answered.

    Returns ``(cleaned, errors)``: answers of disabled items are dropped, ``errors`` maps linkId
    to a message. ``check_answers`` gives the same for a stored Questionnaire, as actions take it.
    """
    cleaned, invalid, missing = _check(items, answers, complete)
    return cleaned, {**invalid, **missing}


@dataclass(frozen=True)
class Answers:
    """Answers checked against one Questionnaire version, once per request: what an action stores.

    ``values`` are the answers that passed, in their stored form, of enabled items only;
    ``invalid`` names each answer given that broke a rule and ``missing`` each enabled required
    question left unanswered (only when checked as ``complete``).
    """

    questionnaire_id: int
    items: list
    values: dict
    invalid: dict
    missing: dict
    complete: bool

    @property
    def errors(self):
        return {**self.invalid, **self.missing}


def check_answers(questionnaire, answers, *, complete, items=None):
    """Check ``{linkId: [value]}`` against a stored Questionnaire's rules (see ``clean_answers``).

    ``items`` are its parsed items if the caller holds them already, in any language: the rules
    do not depend on it.
    """
    if items is None:
        items = questionnaire_items(questionnaire)
    cleaned, invalid, missing = _check(items, answers, complete)
    return Answers(
        questionnaire_id=questionnaire.pk,
        items=items,
        values=cleaned,
        invalid=invalid,
        missing=missing,
        complete=complete,
    )


def item_value(item, values):
    """The numeric item value of an answer for scoring and charts; None if unanswered or excluded."""
    if not values:
        return None
    if item.type == "choice":
        option = item.option(values[0])
        return option.value if option else None
    if item.type == "integer":
        return Decimal(values[0])
    return None


# FHIR QuestionnaireResponse items ---------------------------------------------------------------


ANSWER_KEYS = {
    "integer": "valueInteger",
    "boolean": "valueBoolean",
    "string": "valueString",
    "text": "valueString",
    "date": "valueDate",
}


def to_fhir_answer(item, value):
    if item.type == "choice":
        option = item.option(value)
        coding = {"code": option.code, "display": option.display}
        if option.system:
            coding = {"system": option.system, **coding}
        return {"valueCoding": coding}
    return {ANSWER_KEYS[item.type]: value}


def _answered(item, values):
    return {"linkId": item.link_id, "text": item.text, "answer": [to_fhir_answer(item, value) for value in values]}


def _walk_answered(items, answers, answered):
    """The FHIR items of ``answers`` in the form's order, groups kept; ``answered(item, values)``
    makes each answered item."""
    out = []
    for item in items:
        if item.type == "display":
            continue
        if item.type == "group":
            children = _walk_answered(item.children, answers, answered)
            if children:
                out.append({"linkId": item.link_id, "text": item.text, "item": children})
            continue
        if item.link_id in answers:
            out.append(answered(item, answers[item.link_id]))
    return out


def to_fhir_items(items, answers):
    return _walk_answered(items, answers, _answered)


class ItemWriter:
    """``to_fhir_items`` for many responses to one questionnaire (a bulk export; one writer per
    questionnaire version, since its keys are link ids): each item's answer
    is made into FHIR once per value and the same object shared by every response that gave it. The
    items it returns must be read, not changed (they are written out and dropped)."""

    # Whole answer sets remembered by their stored JSON text, at most this many per writer: a form
    # is answered in a few thousand ways, and memory stays bounded whatever the export's size.
    REMEMBERED = 20_000

    def __init__(self):
        self._leaves = {}
        self._orders = {}
        self._kept = []
        self._by_text = {}

    def from_json(self, items, answers_json):
        """The items of answers stored as ``answers_json`` (a response's ``answers`` as text)."""
        found = self._by_text.get(answers_json)
        if found is None:
            found = self(items, orjson.loads(answers_json))
            if len(self._by_text) < self.REMEMBERED:
                self._by_text[answers_json] = found
        return found

    def _leaf(self, item, values):
        try:
            key = (item.link_id, tuple(values))
            found = self._leaves.get(key)
        except TypeError:  # a value that is no key (a list in stored JSON): made each time
            key = found = None
        if found is None:
            found = _answered(item, values)
            if key is not None:
                self._leaves[key] = found
        return found

    def _flat(self, items):
        """{link id: (position, item)} of a questionnaire without groups (None if it has any)."""
        key = id(items)
        if key not in self._orders:
            if any(item.type == "group" for item in items):
                self._orders[key] = None
            else:
                self._orders[key] = {
                    item.link_id: (position, item) for position, item in enumerate(items) if item.type != "display"
                }
            self._kept.append(items)  # the id stays this list's while the writer lives
        return self._orders[key]

    def __call__(self, items, answers):
        order = self._flat(items)
        if order is not None:  # walk the few answers, not every item of the form
            given = sorted((order[link_id][0], link_id) for link_id in answers if link_id in order)
            return [self._leaf(order[link_id][1], answers[link_id]) for _position, link_id in given]
        return _walk_answered(items, answers, self._leaf)


def from_fhir_items(qr_items):
    """``{linkId: [value]}`` from QuestionnaireResponse items (nested groups flattened)."""
    answers = {}
    for qr_item in qr_items or []:
        link_id = qr_item.get("linkId")
        values = []
        for answer in qr_item.get("answer", []):
            for key, value in answer.items():
                if key == "valueCoding":
                    values.append((value or {}).get("code"))
                elif key.startswith("value"):
                    values.append(value)
            answers.update(from_fhir_items(answer.get("item")))
        if values:
            answers[link_id] = values
        answers.update(from_fhir_items(qr_item.get("item")))
    return answers
