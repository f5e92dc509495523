"""Scores for the standardised questionnaires Samplan offers: PHQ-9, GAD-7, WHO-5, AUDIT, AUDIT-C, DUDIT, HSCL-10
and CORE-10, and for Samplan's own medication self-report ("medication", a Samplan policy [S] throughout).

A wrong score is a clinical error, so this module is deliberately small, pure Python (no Django, standard library
only) and checked against the published test vectors of the instrument scoring reference (instruments/README.md,
vectors.json, change_vectors.json). The server recomputes every score here and never trusts a client's total.

Each rule carries the reference's status:
  [P] a published rule from the instrument's authors or official manual;
  [C] a convention used in practice, with a source, but not part of the instrument;
  [S] a Samplan policy that the clinical lead must confirm before release.

Input: ``answers`` holds the *item values* of the instrument's scoring key, in item order (what FHIR stores as
``ordinalValue``/``itemWeight``), with ``None`` for not answered or not asked. The one exception is CORE-10, whose
answers are response positions 0–4 (0 = "Not at all"); the scorer reverses items 2 and 3 itself.

Output of :func:`score`: a JSON-ready dict with exactly the keys of the vectors' ``expected`` objects.
Numbers are computed exactly (``fractions.Fraction`` for the unrounded value, because ``Decimal`` cannot hold 17/9)
and rounded half up with integer arithmetic into a ``Decimal``. They are then given as JSON numbers: an ``int`` when
the rounded value is whole, otherwise a ``float`` of the rounded decimal (CORE-10 pro-rated total to 1 decimal, e.g.
11.1). The HSCL-10 ``mean`` is always a ``float`` rounded to 2 decimals (1.0, 1.89). The floats are for storage and
display only: bands, caseness and flags are decided here on the exact values, so never re-derive them from a float.

Bad answers (a citizen's input) never raise: they give ``{"error": "wrong_item_count" | "invalid_item_value" |
"inconsistent_skip"}`` and nothing is coerced or guessed. Programming errors raise ``ValueError``/``TypeError``: an
unknown instrument key, a ``sex`` that is not a FHIR AdministrativeGender code, a score outside the instrument's range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from types import MappingProxyType
from typing import Any

__all__ = [
    "INCONSISTENT_SKIP",
    "INSTRUMENTS",
    "INVALID_ITEM_VALUE",
    "SEXES",
    "TOO_MANY_MISSING",
    "WRONG_ITEM_COUNT",
    "Band",
    "Instrument",
    "band_for",
    "classify_against_first",
    "reliable_change",
    "round_half_up",
    "score",
]

WRONG_ITEM_COUNT = "wrong_item_count"
INVALID_ITEM_VALUE = "invalid_item_value"
INCONSISTENT_SKIP = "inconsistent_skip"
TOO_MANY_MISSING = "too_many_missing"

# FHIR AdministrativeGender. Only "male" and "female" pick a sex-specific cut-off; the rest (and None) get the lower,
# more sensitive cut-off and a ``sex_threshold_assumed`` flag [S].
SEXES = frozenset({"male", "female", "other", "unknown"})

LOINC = "http://loinc.org"
SNOMED_CT = "http://snomed.info/sct"

IMPROVEMENT = "reliable_improvement"
NO_CHANGE = "no_reliable_change"
DETERIORATION = "reliable_deterioration"


@dataclass(frozen=True)
class Band:
    """A named score range: ``low`` is included, ``high`` is excluded, except in the instrument's top band, where
    ``high`` is the maximum score and included (PHQ-9 "mild 5–9" is ``Band("mild", 5, 10, "5–9")``).

    Half-open ranges meet without gaps, so pro-rated CORE-10 scores (5.6) and HSCL-10 means (1.889) that fall between
    the published whole numbers still belong to exactly one band. ``label`` is the published range, for display.
    """

    id: str
    low: int | Decimal
    high: int | Decimal
    label: str


@dataclass(frozen=True)
class Instrument:
    """The scoring key and reading rules of one questionnaire, as data, so that forms, charts and reports use the
    same numbers as :func:`score`.

    ``score_key`` names the value of a :func:`score` result that ``bands``, ``cutoff``, :func:`band_for` and
    :func:`classify_against_first` work on: ``"total"`` (for WHO-5 the *raw* 0–25 total) or ``"mean"`` (HSCL-10).
    ``min_total``/``max_total`` is the range of that value (for HSCL-10 the mean, 1–4). ``cutoff`` is the edge of
    the clinical range on that scale: a score is a case when it is at or over the cut-off, or, when
    ``higher_is_better``, below it. ``reliable_change`` is the reliable-change threshold on the ``change_key`` scale
    (WHO-5: percentage points, as :func:`reliable_change` takes percentages). For AUDIT-C and DUDIT the cut-off
    depends on sex: ``cutoff`` is None, ``cutoff_by_sex``/``bands_by_sex`` hold the male and female rules and
    ``bands`` are those used when sex is unknown or other (the lower cut-off [S]). ``total_code`` is the code of the
    total score in ``total_code_system``, which is SNOMED CT for WHO-5 (README §10).
    """

    key: str
    title: str
    item_count: int
    valid_item_values: tuple[frozenset[int], ...]
    min_total: int
    max_total: int
    bands: tuple[Band, ...]
    cutoff: int | Decimal | None
    higher_is_better: bool
    reliable_change: int | None
    total_code: str | None
    max_missing: int
    licence: str
    shippable: bool
    score_key: str = "total"
    change_key: str | None = None
    min_percent: int | None = None
    max_percent: int | None = None
    reversed_items: frozenset[int] = frozenset()
    total_code_system: str | None = None
    panel_loinc: str | None = None
    cutoff_by_sex: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    bands_by_sex: Mapping[str, tuple[Band, ...]] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    def __post_init__(self):
        # Refuse to import a definition that could score wrongly.
        if len(self.valid_item_values) != self.item_count:
            raise ValueError(f"{self.key}: {len(self.valid_item_values)} item value sets for {self.item_count} items")
        for bands in (self.bands, *self.bands_by_sex.values()):
            _check_bands(self.key, bands, self.min_total, self.max_total)
        if self.cutoff is not None and not self.min_total < self.cutoff <= self.max_total:
            raise ValueError(f"{self.key}: cut-off {self.cutoff} outside {self.min_total}–{self.max_total}")
        if (self.reliable_change is None) != (self.change_key is None):
            raise ValueError(f"{self.key}: a reliable-change threshold needs a change_key and the other way round")

    def bands_for(self, sex: str | None = None) -> tuple[Band, ...]:
        """The bands for this sex; the unknown-sex bands when the cut-off does not depend on sex or sex is not
        male or female."""
        return self.bands_by_sex.get(sex, self.bands) if sex is not None else self.bands


def _check_bands(key: str, bands: tuple[Band, ...], low: int, high: int) -> None:
    if not bands or bands[0].low != low or bands[-1].high != high:
        raise ValueError(f"{key}: bands do not cover {low}–{high}")
    for before, after in pairwise(bands):
        if not before.low < before.high == after.low:
            raise ValueError(f"{key}: bands {before.id} and {after.id} leave a gap or overlap")
    if len({band.id for band in bands}) != len(bands):
        raise ValueError(f"{key}: band ids repeat")


def _whole_number_bands(*published: tuple[str, int, int]) -> tuple[Band, ...]:
    """Bands from published whole-number ranges such as ("mild", 5, 9), each reaching up to the next one's start."""
    bands = []
    for index, (band_id, first, last) in enumerate(published):
        is_top = index == len(published) - 1
        if not is_top and published[index + 1][1] != last + 1:
            raise ValueError(f"published band {band_id} does not end just before the next one")
        bands.append(Band(band_id, first, last if is_top else last + 1, f"{first}–{last}"))
    return tuple(bands)


def _values(*allowed: int, times: int = 1) -> tuple[frozenset[int], ...]:
    return (frozenset(allowed),) * times


def _auditc_bands(cutoff: int) -> tuple[Band, ...]:
    return _whole_number_bands(("negative", 0, cutoff - 1), ("positive", cutoff, 12))


def _dudit_bands(cutoff: int) -> tuple[Band, ...]:
    # [P] Berman manual: problem from the sex cut-off, 25 or more probably heavily dependent whatever the sex.
    return _whole_number_bands(("no_problem", 0, cutoff - 1), ("problem", cutoff, 24), ("probable_dependence", 25, 44))


_ZERO_TO_3 = (0, 1, 2, 3)
_ZERO_TO_4 = (0, 1, 2, 3, 4)
_NO_PAST_CURRENT = (0, 2, 4)  # No 0 · Yes, but not in the last year 2 · Yes, during the last year 4 [P]

_PFIZER_LICENCE = (
    "© Pfizer; no permission needed to reproduce, translate, display or distribute. Keep the copyright line."
)
_AUDIT_LICENCE = "© WHO 2001; free, but not for sale or commercial purposes. Ask WHO if Samplan is sold or licensed."

INSTRUMENTS: dict[str, Instrument] = {
    instrument.key: instrument
    for instrument in (
        Instrument(
            key="phq9",
            title="PHQ-9",
            item_count=9,  # item 10 (difficulty) is recorded but never scored [P]
            valid_item_values=_values(*_ZERO_TO_3, times=9),
            min_total=0,
            max_total=27,
            # [P] Kroenke 2001.
            bands=_whole_number_bands(
                ("minimal", 0, 4),
                ("mild", 5, 9),
                ("moderate", 10, 14),
                ("moderately_severe", 15, 19),
                ("severe", 20, 27),
            ),
            cutoff=10,  # [P] caseness: 10 or more; also the NHS Talking Therapies caseness threshold
            higher_is_better=False,
            reliable_change=6,  # [C] NHS Talking Therapies
            change_key="total",
            max_missing=2,  # [C] pro-rate with 2 or fewer missing; no primary source found
            total_code="44261-6",
            total_code_system=LOINC,
            panel_loinc="44249-1",
            licence=_PFIZER_LICENCE,
            shippable=True,
        ),
        Instrument(
            key="gad7",
            title="GAD-7",
            item_count=7,
            valid_item_values=_values(*_ZERO_TO_3, times=7),
            min_total=0,
            max_total=21,
            # [P] Spitzer 2006.
            bands=_whole_number_bands(("minimal", 0, 4), ("mild", 5, 9), ("moderate", 10, 14), ("severe", 15, 21)),
            cutoff=8,  # [C] NHS Talking Therapies caseness; the published GAD screen is 10 or more [P]
            higher_is_better=False,
            reliable_change=4,  # [C] NHS Talking Therapies (not "about 5")
            change_key="total",
            max_missing=1,  # [C] pro-rate with 1 or fewer missing
            total_code="70274-6",
            total_code_system=LOINC,
            panel_loinc="69737-5",
            licence=_PFIZER_LICENCE,
            shippable=True,
        ),
        Instrument(
            key="who5",
            title="WHO-5",
            item_count=5,
            valid_item_values=_values(0, 1, 2, 3, 4, 5, times=5),  # map options by label, never by column
            min_total=0,
            max_total=25,
            min_percent=0,
            max_percent=100,
            # On the raw total, which is what score() reports as "total" and what is stored. Percent = raw × 4 is
            # always a multiple of 4, so "≤ 28 %" = raw ≤ 7 and "≤ 50 %" = raw ≤ 12 = raw < 13 [P] (WHO-5 guidance,
            # Topp 2015). A rule written as "raw ≤ 13" is wrong: raw 13 is 52 %.
            bands=(
                Band("likely_depression", 0, 8, "0–7 (0–28 %)"),
                Band("poor_wellbeing", 8, 13, "8–12 (32–48 %)"),
                Band("ok", 13, 25, "13–25 (52–100 %)"),
            ),
            cutoff=13,  # [P] a raw score below 13 (50 % or less) calls for depression screening
            higher_is_better=True,
            reliable_change=10,  # [P] WHO-5 guidance: 10 percentage points (in practice 12, i.e. 3 raw points)
            change_key="who5_percent",
            max_missing=0,  # [S] no published pro-rating rule
            total_code="1144665009",  # SNOMED CT, as in KL's Danish municipal IG; no LOINC code found
            total_code_system=SNOMED_CT,
            licence="Free, no permission needed; name the source (Psychiatric Centre North Zealand).",
            shippable=True,
        ),
        Instrument(
            key="audit",
            title="AUDIT",
            item_count=10,
            valid_item_values=_values(*_ZERO_TO_4, times=8) + _values(*_NO_PAST_CURRENT, times=2),
            min_total=0,
            max_total=40,
            # [P] WHO manual zones.
            bands=_whole_number_bands(("zone1", 0, 7), ("zone2", 8, 15), ("zone3", 16, 19), ("zone4", 20, 40)),
            cutoff=8,  # [P] 8 or more indicates hazardous or harmful use
            higher_is_better=False,
            reliable_change=None,  # none adopted
            max_missing=0,  # [S] no pro-rating; only the skip rules fill items
            total_code="75624-7",  # not 75626-2, which is AUDIT-C
            total_code_system=LOINC,
            panel_loinc="72110-0",
            licence=_AUDIT_LICENCE,
            shippable=True,
        ),
        Instrument(
            key="auditc",
            title="AUDIT-C",
            item_count=3,
            valid_item_values=_values(*_ZERO_TO_4, times=3),
            min_total=0,
            max_total=12,
            bands=_auditc_bands(3),
            cutoff=None,  # depends on sex, see cutoff_by_sex
            # [P] Bradley et al.: men 4 or more, women 3 or more. Some guidance uses 5 for men; change it only here.
            cutoff_by_sex=MappingProxyType({"male": 4, "female": 3}),
            bands_by_sex=MappingProxyType({"male": _auditc_bands(4), "female": _auditc_bands(3)}),
            higher_is_better=False,
            reliable_change=None,
            max_missing=0,
            total_code="75626-2",  # not 75624-7, which is the full AUDIT
            total_code_system=LOINC,
            panel_loinc="72109-2",
            licence=_AUDIT_LICENCE,
            shippable=True,
        ),
        Instrument(
            key="dudit",
            title="DUDIT",
            item_count=11,
            valid_item_values=_values(*_ZERO_TO_4, times=9) + _values(*_NO_PAST_CURRENT, times=2),
            min_total=0,
            max_total=44,
            bands=_dudit_bands(2),
            cutoff=None,  # depends on sex, see cutoff_by_sex
            cutoff_by_sex=MappingProxyType({"male": 6, "female": 2}),  # [P] Berman manual
            bands_by_sex=MappingProxyType({"male": _dudit_bands(6), "female": _dudit_bands(2)}),
            higher_is_better=False,
            reliable_change=None,
            max_missing=0,  # [S] no pro-rating
            total_code=None,
            licence="Free in care and research; use the form unchanged (changes need the authors' permission).",
            shippable=True,
        ),
        Instrument(
            key="hscl10",
            title="HSCL-10",
            item_count=10,
            valid_item_values=_values(1, 2, 3, 4, times=10),
            min_total=1,  # the mean, 1.00–4.00: HSCL-10 has no total
            max_total=4,
            score_key="mean",
            bands=(Band("below_cutoff", 1, Decimal("1.85"), "< 1.85"), Band("distress", Decimal("1.85"), 4, "≥ 1.85")),
            cutoff=Decimal("1.85"),  # [P] Strand et al. 2003; compare the unrounded mean
            higher_is_better=False,
            reliable_change=None,
            max_missing=3,  # [C] valid with 7 or more of 10 answered (Norwegian research); confirm before use
            total_code=None,
            licence="Not confirmed: do not ship until the licence is confirmed.",
            shippable=False,
        ),
        Instrument(
            key="core10",
            title="CORE-10",
            item_count=10,
            valid_item_values=_values(*_ZERO_TO_4, times=10),  # response positions, not item values
            reversed_items=frozenset({2, 3}),  # worded positively: scored 4 − position [P]
            min_total=0,
            max_total=40,
            # Secondary sources only; one site gives different bands.
            bands=_whole_number_bands(
                ("healthy", 0, 5),
                ("low", 6, 10),
                ("mild", 11, 14),
                ("moderate", 15, 19),
                ("moderate_severe", 20, 24),
                ("severe", 25, 40),
            ),
            cutoff=11,  # clinical cut-off: 11 or more
            higher_is_better=False,
            reliable_change=6,  # Barkham et al. 2013, seen only in secondary sources
            change_key="total",
            max_missing=1,  # [P] CST allows pro-rating only when one item is missing
            total_code=None,
            licence="© CORE System Trust, CC BY-NC-ND 4.0: non-commercial, unchanged text; legal check needed.",
            shippable=False,
        ),
        # Samplan's own self-report at medication-pedagogy sessions (measures/questionnaires/
        # medication_self_report.md, all [S]): no validated norms, so one band, no cut-off and no reliable change.
        Instrument(
            key="medication",
            title="About my medicine",
            item_count=5,
            valid_item_values=_values(*range(11), times=5),  # 0–10, higher is better (item 3's ends are turned) [S]
            min_total=0,
            max_total=10,
            score_key="mean",
            bands=(Band("own_trend", 0, 10, "0–10"),),
            cutoff=None,
            higher_is_better=True,
            reliable_change=None,
            max_missing=1,  # [S] scorable with 4 or 5 of the 5 items
            total_code=None,
            licence="© Samplan; Samplan's own wording.",
            shippable=True,
        ),
    )
}


class _Rejected(Exception):
    """Answers that cannot be scored without guessing; turned into ``{"error": code}`` by :func:`score`."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------------------------


def round_half_up(value: int | Decimal | Fraction, places: int = 0) -> Decimal:
    """Round a non-negative exact value half up (4.5 → 5, 10.5 → 11, 1.125 → 1.13).

    Python's ``round()`` rounds half to even (``round(4.5) == 4``), which would put a pro-rated PHQ-9 of 4.5 in the
    wrong band. This works on exact fractions with integer arithmetic, so no binary float can tip a half either way.
    """
    if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction):
        raise TypeError(f"round_half_up needs an exact number, not {value!r}")
    exact = Fraction(value)
    if exact < 0:
        raise ValueError("scores are never negative")
    scaled = exact * 10**places
    whole, remainder = divmod(scaled.numerator, scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        whole += 1
    return Decimal(whole).scaleb(-places)


def _json_number(value: Decimal | Fraction) -> int | float:
    """An ``int`` when whole, otherwise a ``float`` (the vectors' JSON encoding)."""
    if Fraction(value).denominator == 1:
        return int(value)
    return float(value)


def _exact(value: Any, name: str) -> Fraction:
    """A stored or reported score as an exact fraction. Floats are read as the decimal they print as (11.1, 1.89),
    which is how :func:`score` produced them."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise TypeError(f"{name} must be a number, not {value!r}")
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{name} must be finite, not {value!r}")
    return Fraction(value)


def _instrument(instrument_key: str) -> Instrument:
    instrument = INSTRUMENTS.get(instrument_key) if isinstance(instrument_key, str) else None
    if instrument is None:
        raise ValueError(f"unknown instrument {instrument_key!r}; known: {', '.join(INSTRUMENTS)}")
    return instrument


def _check_sex(sex: str | None) -> None:
    if sex is not None and sex not in SEXES:
        raise ValueError(f"sex must be None or one of {sorted(SEXES)}, not {sex!r}")


def _on_scale(instrument: Instrument, value: Any, name: str) -> Fraction:
    exact = _exact(value, name)
    if not instrument.min_total <= exact <= instrument.max_total:
        raise ValueError(
            f"{name} {value!r} is outside the {instrument.title} {instrument.score_key} range "
            f"{instrument.min_total}–{instrument.max_total}"
        )
    return exact


def _band(bands: tuple[Band, ...], value: Fraction) -> Band:
    for band in bands:
        if Fraction(band.low) <= value < Fraction(band.high):
            return band
    if value == Fraction(bands[-1].high):
        return bands[-1]
    raise ValueError(f"{value} is outside every band")


def _is_case(instrument: Instrument, value: Fraction, cutoff: int | Decimal) -> bool:
    """At or over the cut-off, or below it when a higher score is better."""
    return (value >= Fraction(cutoff)) != instrument.higher_is_better


def _sex_cutoff(instrument: Instrument, sex: str | None) -> tuple[int, bool]:
    """The cut-off for this sex and whether it had to be assumed [S: unknown or other → the lower cut-off]."""
    if sex in instrument.cutoff_by_sex:
        return instrument.cutoff_by_sex[sex], False
    return min(instrument.cutoff_by_sex.values()), True


# ---------------------------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------------------------


def score(instrument_key: str, answers: Sequence[int | None], *, sex: str | None = None) -> dict[str, Any]:
    """Score one completed questionnaire: validate → skip rules → missing-item rule → pro-rate → round → band → flags.

    Flags such as the PHQ-9 item 9 alert are filled in even when the total cannot be scored, because they must
    reach staff whatever the total. ``sex`` ("male", "female", "other", "unknown" or None) matters only for AUDIT-C
    and DUDIT. See the module docstring for the result encoding.
    """
    instrument = _instrument(instrument_key)
    _check_sex(sex)
    problem = _validation_error(instrument, answers)
    if problem is not None:
        return {"error": problem}
    try:
        return _SCORERS[instrument.key](instrument, list(answers), sex)
    except _Rejected as rejected:
        return {"error": rejected.code}


def _validation_error(instrument: Instrument, answers: Any) -> str | None:
    """Reject, never coerce: only plain ints from the item's value set (no bools, floats, strings or indexes)."""
    if not isinstance(answers, list | tuple) or len(answers) != instrument.item_count:
        return WRONG_ITEM_COUNT
    for value, allowed in zip(answers, instrument.valid_item_values, strict=True):
        if value is not None and (type(value) is not int or value not in allowed):
            return INVALID_ITEM_VALUE
    return None


def _answered(answers: list[int | None]) -> list[int]:
    return [value for value in answers if value is not None]


def _not_scorable(result: dict[str, Any], **nulls: Any) -> dict[str, Any]:
    result.update(nulls)
    result["reason"] = TOO_MANY_MISSING
    return result


def _prorated_sum(instrument: Instrument, answers: list[int | None]) -> tuple[int | None, bool]:
    """The sum, or with a few items missing sum × items ÷ answered rounded half up; None with too many missing.
    The pro-rated total is rounded before it is banded (README §1)."""
    given = _answered(answers)
    missing = instrument.item_count - len(given)
    if missing > instrument.max_missing:
        return None, False
    if missing == 0:
        return sum(given), False
    return int(round_half_up(Fraction(sum(given) * instrument.item_count, len(given)))), True


def _sum_score(instrument: Instrument, answers: list[int | None]) -> dict[str, Any]:
    """PHQ-9 and GAD-7: total, band, pro-rating and caseness."""
    total, prorated = _prorated_sum(instrument, answers)
    result: dict[str, Any] = {
        "total": total,
        "band": None,
        "prorated": prorated,
        "items_answered": len(_answered(answers)),
        "caseness": None,
    }
    if total is not None:
        result["band"] = _band(instrument.bands, Fraction(total)).id
        result["caseness"] = _is_case(instrument, Fraction(total), instrument.cutoff)
    return result


def _score_phq9(instrument: Instrument, answers: list[int | None], sex: str | None) -> dict[str, Any]:
    result = _sum_score(instrument, answers)
    item9 = answers[8]
    # [P+S] "Several days" or more on item 9 alerts staff at once, whatever the total and even when not scorable.
    result["item9_alert"] = item9 is not None and item9 >= 1
    result["item9_unanswered"] = item9 is None  # [S] staff must ask
    if result["total"] is None:
        result["reason"] = TOO_MANY_MISSING
    return result


def _score_gad7(instrument: Instrument, answers: list[int | None], sex: str | None) -> dict[str, Any]:
    result = _sum_score(instrument, answers)
    if result["total"] is None:
        result["reason"] = TOO_MANY_MISSING
    return result


def _score_who5(instrument: Instrument, answers: list[int | None], sex: str | None) -> dict[str, Any]:
    given = _answered(answers)
    result: dict[str, Any] = {"total": None, "who5_percent": None, "band": None, "items_answered": len(given)}
    # [P] any item at 0 or 1 calls for depression assessment even when the total is fine.
    result["low_item_flag"] = any(value <= 1 for value in given)
    if instrument.item_count - len(given) > instrument.max_missing:
        return _not_scorable(result)
    raw = sum(given)
    result["total"] = raw
    result["who5_percent"] = raw * instrument.max_percent // instrument.max_total  # raw × 4 [P]
    result["band"] = _band(instrument.bands, Fraction(raw)).id
    return result


def _apply_audit_skips(values: list[int | None]) -> str | None:
    """Fill the items that AUDIT's interview skips with 0 and name the rule used, if anything was filled [P].

    Item 1 "Never" skips items 2–8: a non-zero answer to any of them contradicts item 1, so nothing is guessed [S].
    Items 2 + 3 = 0 (item 1 answered) skips items 4–8: answers given anyway, e.g. on paper, are scored as given [S].
    Works for AUDIT-C too, whose three items only meet the first rule.
    """
    if values[0] == 0:
        skipped, rule = range(1, min(8, len(values))), "q1_never"
        if any(values[index] not in (None, 0) for index in skipped):
            raise _Rejected(INCONSISTENT_SKIP)
    elif values[0] is not None and values[1] == 0 and values[2] == 0:
        skipped, rule = range(3, min(8, len(values))), "q2q3_zero"
    else:
        return None
    filled = [index for index in skipped if values[index] is None]
    for index in filled:
        values[index] = 0
    return rule if filled else None


def _score_audit(instrument: Instrument, answers: list[int | None], sex: str | None) -> dict[str, Any]:
    values = list(answers)
    skip = _apply_audit_skips(values)
    consumption = values[:3]
    result: dict[str, Any] = {
        "skip_applied": skip,
        # Still reported when only later items are missing [S].
        "auditc_total": sum(consumption) if None not in consumption else None,
    }
    if None in values:  # [S] no pro-rating
        return _not_scorable(result, total=None, band=None)
    total = sum(values)
    result["total"] = total
    result["band"] = _band(instrument.bands, Fraction(total)).id
    return result


def _score_auditc(instrument: Instrument, answers: list[int | None], sex: str | None) -> dict[str, Any]:
    values = list(answers)
    skip = _apply_audit_skips(values)
    cutoff, assumed = _sex_cutoff(instrument, sex)
    result: dict[str, Any] = {"skip_applied": skip, "threshold": cutoff, "sex_threshold_assumed": assumed}
    if None in values:
        return _not_scorable(result, total=None, band=None)
    total = sum(values)
    result["total"] = total
    result["band"] = _band(instrument.bands_for(None if assumed else sex), Fraction(total)).id
    return result


def _score_dudit(instrument: Instrument, answers: list[int | None], sex: str | None) -> dict[str, Any]:
    cutoff, assumed = _sex_cutoff(instrument, sex)
    result: dict[str, Any] = {"threshold": cutoff, "sex_threshold_assumed": assumed}
    if None in answers:  # [S] no skip rule and no pro-rating: ask all 11 items
        return _not_scorable(result, total=None, band=None)
    total = sum(answers)
    result["total"] = total
    result["band"] = _band(instrument.bands_for(None if assumed else sex), Fraction(total)).id
    return result


def _score_hscl10(instrument: Instrument, answers: list[int | None], sex: str | None) -> dict[str, Any]:
    given = _answered(answers)
    if instrument.item_count - len(given) > instrument.max_missing:
        return _not_scorable({"mean": None, "band": None, "items_answered": len(given)})
    mean = Fraction(sum(given), len(given))
    # [P] compare the unrounded mean with 1.85; show it rounded half up to 2 decimals.
    return {
        "mean": float(round_half_up(mean, 2)),
        "band": _band(instrument.bands, mean).id,
        "items_answered": len(given),
    }


def _score_core10(instrument: Instrument, answers: list[int | None], sex: str | None) -> dict[str, Any]:
    item_scores = [
        None if position is None else (max(allowed) - position if number in instrument.reversed_items else position)
        for number, (position, allowed) in enumerate(zip(answers, instrument.valid_item_values, strict=True), start=1)
    ]
    given = _answered(item_scores)
    risk = answers[5]  # item 6, plans to end one's life; not reversed
    result: dict[str, Any] = {
        "item_scores": item_scores,
        "risk_item_alert": risk is not None and risk >= 1,
        "risk_item_unanswered": risk is None,
        "items_answered": len(given),
    }
    if instrument.item_count - len(given) > instrument.max_missing:
        return _not_scorable(result, total=None, band=None, prorated=False, clinical_range=None)
    # [P] clinical score = 10 × mean of the answered items: the sum when complete, pro-rated when one is missing.
    clinical = Fraction(10 * sum(given), len(given))
    result["total"] = _json_number(round_half_up(clinical, 1))
    result["band"] = _band(instrument.bands, clinical).id  # from the unrounded score
    result["prorated"] = len(given) < instrument.item_count
    result["clinical_range"] = _is_case(instrument, clinical, instrument.cutoff)
    return result


def _score_medication(instrument: Instrument, answers: list[int | None], sex: str | None) -> dict[str, Any]:
    """[S] The mean of the answered items to one decimal (round half up); the side-effects flag whatever the mean."""
    given = _answered(answers)
    side_effects = answers[2]
    result: dict[str, Any] = {
        "mean": None,
        "band": None,
        "items_answered": len(given),
        # [S] 0–3 on "How much do side effects bother you?" (0 = very much): talk about it, and with the GP.
        "side_effects_flag": side_effects is not None and side_effects <= 3,
    }
    if instrument.item_count - len(given) > instrument.max_missing:
        return _not_scorable(result)
    mean = Fraction(sum(given), len(given))
    result["mean"] = _json_number(round_half_up(mean, 1))
    result["band"] = _band(instrument.bands, mean).id
    return result


_SCORERS = {
    "phq9": _score_phq9,
    "gad7": _score_gad7,
    "who5": _score_who5,
    "audit": _score_audit,
    "auditc": _score_auditc,
    "dudit": _score_dudit,
    "hscl10": _score_hscl10,
    "core10": _score_core10,
    "medication": _score_medication,
}


def band_for(instrument_key: str, total: int | float | Decimal | Fraction, *, sex: str | None = None) -> str:
    """The band id of a score on the instrument's ``score_key`` scale (WHO-5: the raw total; HSCL-10: the mean).

    Give it the value :func:`score` reported or stored; for HSCL-10 the unrounded mean decides, but no mean of 7–10
    answers lies between 1.845 and 1.85, so the rounded mean gives the same band. ``sex`` matters for AUDIT-C and
    DUDIT, with the same unknown-sex policy as :func:`score`. Raises ``ValueError`` outside the instrument's range.
    """
    instrument = _instrument(instrument_key)
    _check_sex(sex)
    value = _on_scale(instrument, total, "total")
    return _band(instrument.bands_for(sex), value).id


# ---------------------------------------------------------------------------------------------------------------
# Change over time
# ---------------------------------------------------------------------------------------------------------------


def _direction(instrument: Instrument, change_on_rci_scale: Fraction) -> str | None:
    if instrument.reliable_change is None:
        return None
    improvement = change_on_rci_scale if instrument.higher_is_better else -change_on_rci_scale
    if improvement >= instrument.reliable_change:
        return IMPROVEMENT
    if improvement <= -instrument.reliable_change:
        return DETERIORATION
    return NO_CHANGE


def _percent_per_point(instrument: Instrument) -> Fraction:
    return Fraction(instrument.max_percent - instrument.min_percent, instrument.max_total - instrument.min_total)


def reliable_change(
    instrument_key: str, before: int | float | Decimal | Fraction, after: int | float | Decimal | Fraction
) -> dict[str, Any]:
    """``{"change": after − before, "direction": ...}``, one of reliable_improvement / no_reliable_change /
    reliable_deterioration, or None where no reliable-change threshold is adopted (AUDIT, AUDIT-C, DUDIT, HSCL-10).

    The scale is ``Instrument.change_key``: the total, but for WHO-5 the *percentage* (raw × 4), because the WHO-5
    guidance states its threshold in percentage points. A WHO-5 value that is not a multiple of 4 is refused as a likely
    raw total, but a raw total that happens to be a multiple of 4 cannot be told apart, so convert first (or use
    :func:`classify_against_first`, which takes raw totals).
    Thresholds (README §9): PHQ-9 6 [C], GAD-7 4 [C], WHO-5 10 percentage points [P], CORE-10 6 (secondary sources).
    Pro-rated totals may be used.
    """
    instrument = _instrument(instrument_key)
    on_scale = _on_percent_scale if instrument.change_key == "who5_percent" else _on_scale
    start, end = on_scale(instrument, before, "before"), on_scale(instrument, after, "after")
    return {"change": _json_number(end - start), "direction": _direction(instrument, end - start)}


def _on_percent_scale(instrument: Instrument, value: Any, name: str) -> Fraction:
    exact = _exact(value, name)
    step = _percent_per_point(instrument)
    if not instrument.min_percent <= exact <= instrument.max_percent or (exact / step).denominator != 1:
        raise ValueError(
            f"{name} {value!r} is not a {instrument.title} percentage ({instrument.min_percent}–"
            f"{instrument.max_percent} in steps of {step}); is it a raw total?"
        )
    return exact


def classify_against_first(
    instrument_key: str,
    first_total: int | float | Decimal | Fraction,
    latest_total: int | float | Decimal | Fraction,
) -> dict[str, Any]:
    """How the latest score compares with the first, for a person's progress and the leaders' pre/post reports.

    Both scores are on the ``score_key`` scale, as stored (WHO-5: raw totals; HSCL-10: means). Returns
    ``{"change": latest − first on that scale, "direction": as reliable_change() (WHO-5 converted to percentage
    points) or None where no threshold is adopted, "recovered": bool or None}``.

    ``recovered`` is True when the first score was a case (at or over the cut-off; WHO-5: below 13) and the latest is
    not, and None where the instrument has no single cut-off (AUDIT-C and DUDIT depend on sex). [S] This follows the
    NHS Talking Therapies reading of recovery for one instrument at a time; NHS Talking Therapies itself asks for
    caseness on PHQ-9 or GAD-7 at the start and neither at the end, and "reliable recovery" also needs reliable
    improvement. Applying it to other instruments, and to one instrument alone, is a Samplan policy.
    """
    instrument = _instrument(instrument_key)
    first = _on_scale(instrument, first_total, "first_total")
    latest = _on_scale(instrument, latest_total, "latest_total")
    change = latest - first
    if instrument.change_key == "who5_percent":
        direction = _direction(instrument, change * _percent_per_point(instrument))
    else:
        direction = _direction(instrument, change)
    recovered = None
    if instrument.cutoff is not None:
        recovered = _is_case(instrument, first, instrument.cutoff) and not _is_case(
            instrument, latest, instrument.cutoff
        )
    return {"change": _json_number(change), "direction": direction, "recovered": recovered}
