"""Tests for measures.scoring: every published vector, plus properties that must hold for any answers.

The vectors are copied verbatim from the instrument scoring reference (vectors.json, change_vectors.json) so that
these tests run anywhere; ``test_embedded_vectors_match_the_reference`` fails if the copy drifts from the reference
whenever the reference folder is present. No database: these tests run with or without the Django plugin.
"""

import dataclasses
import json
import os
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from measures.scoring import (
    INSTRUMENTS,
    SEXES,
    Band,
    Instrument,
    band_for,
    classify_against_first,
    reliable_change,
    round_half_up,
    score,
)

REFERENCE_DIR = Path(os.environ.get("SAMPLAN_INSTRUMENTS_DIR", "/work/shared/instruments"))

VECTORS_JSON = r"""[
{"id": "phq9-01", "instrument": "phq9", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 0], "expected": {"total": 0, "band": "minimal", "prorated": false, "items_answered": 9, "caseness": false, "item9_alert": false, "item9_unanswered": false}, "note": "all zero"},
{"id": "phq9-02", "instrument": "phq9", "answers": [3, 3, 3, 3, 3, 3, 3, 3, 3], "expected": {"total": 27, "band": "severe", "prorated": false, "items_answered": 9, "caseness": true, "item9_alert": true, "item9_unanswered": false}, "note": "all max; item 9 = 3 -> alert"},
{"id": "phq9-03", "instrument": "phq9", "answers": [1, 1, 1, 1, 0, 0, 0, 0, 0], "expected": {"total": 4, "band": "minimal", "prorated": false, "items_answered": 9, "caseness": false, "item9_alert": false, "item9_unanswered": false}, "note": "4 = top of minimal"},
{"id": "phq9-04", "instrument": "phq9", "answers": [1, 1, 1, 1, 1, 0, 0, 0, 0], "expected": {"total": 5, "band": "mild", "prorated": false, "items_answered": 9, "caseness": false, "item9_alert": false, "item9_unanswered": false}, "note": "5 = bottom of mild"},
{"id": "phq9-05", "instrument": "phq9", "answers": [2, 2, 2, 2, 1, 0, 0, 0, 0], "expected": {"total": 9, "band": "mild", "prorated": false, "items_answered": 9, "caseness": false, "item9_alert": false, "item9_unanswered": false}, "note": "9 = top of mild; caseness false"},
{"id": "phq9-06", "instrument": "phq9", "answers": [2, 2, 2, 2, 2, 0, 0, 0, 0], "expected": {"total": 10, "band": "moderate", "prorated": false, "items_answered": 9, "caseness": true, "item9_alert": false, "item9_unanswered": false}, "note": "10 = bottom of moderate; caseness true"},
{"id": "phq9-07", "instrument": "phq9", "answers": [2, 2, 2, 2, 2, 2, 2, 0, 0], "expected": {"total": 14, "band": "moderate", "prorated": false, "items_answered": 9, "caseness": true, "item9_alert": false, "item9_unanswered": false}, "note": "14 = top of moderate"},
{"id": "phq9-08", "instrument": "phq9", "answers": [3, 2, 2, 2, 2, 2, 2, 0, 0], "expected": {"total": 15, "band": "moderately_severe", "prorated": false, "items_answered": 9, "caseness": true, "item9_alert": false, "item9_unanswered": false}, "note": "15 = bottom of moderately severe"},
{"id": "phq9-09", "instrument": "phq9", "answers": [3, 3, 3, 3, 3, 2, 2, 0, 0], "expected": {"total": 19, "band": "moderately_severe", "prorated": false, "items_answered": 9, "caseness": true, "item9_alert": false, "item9_unanswered": false}, "note": "19 = top of moderately severe"},
{"id": "phq9-10", "instrument": "phq9", "answers": [3, 3, 3, 3, 3, 3, 2, 0, 0], "expected": {"total": 20, "band": "severe", "prorated": false, "items_answered": 9, "caseness": true, "item9_alert": false, "item9_unanswered": false}, "note": "20 = bottom of severe"},
{"id": "phq9-11", "instrument": "phq9", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 1], "expected": {"total": 1, "band": "minimal", "prorated": false, "items_answered": 9, "caseness": false, "item9_alert": true, "item9_unanswered": false}, "note": "item 9 = 1 with total 1: alert regardless of total"},
{"id": "phq9-12", "instrument": "phq9", "answers": [2, null, 2, 2, 2, 2, 2, 2, 0], "expected": {"total": 16, "band": "moderately_severe", "prorated": true, "items_answered": 8, "caseness": true, "item9_alert": false, "item9_unanswered": false}, "note": "1 missing: 14*9/8 = 15.75 -> 16"},
{"id": "phq9-13", "instrument": "phq9", "answers": [1, 1, 1, 1, null, 0, 0, 0, 0], "expected": {"total": 5, "band": "mild", "prorated": true, "items_answered": 8, "caseness": false, "item9_alert": false, "item9_unanswered": false}, "note": "1 missing: 4*9/8 = 4.5 -> 5 (mild). Banker's rounding would give 4 (minimal) - wrong"},
{"id": "phq9-14", "instrument": "phq9", "answers": [3, 3, 3, 3, 3, 2, 2, null, 1], "expected": {"total": 23, "band": "severe", "prorated": true, "items_answered": 8, "caseness": true, "item9_alert": true, "item9_unanswered": false}, "note": "1 missing: 20*9/8 = 22.5 -> 23 (banker's gives 22)"},
{"id": "phq9-15", "instrument": "phq9", "answers": [3, 3, 3, null, null, 3, 3, 3, 0], "expected": {"total": 23, "band": "severe", "prorated": true, "items_answered": 7, "caseness": true, "item9_alert": false, "item9_unanswered": false}, "note": "2 missing: 18*9/7 = 23.14 -> 23"},
{"id": "phq9-16", "instrument": "phq9", "answers": [1, null, 1, 1, 1, 1, null, 1, 0], "expected": {"total": 8, "band": "mild", "prorated": true, "items_answered": 7, "caseness": false, "item9_alert": false, "item9_unanswered": false}, "note": "2 missing: 6*9/7 = 7.71 -> 8"},
{"id": "phq9-17", "instrument": "phq9", "answers": [2, null, null, null, 2, 2, 2, 2, 0], "expected": {"total": null, "band": null, "prorated": false, "items_answered": 6, "caseness": null, "item9_alert": false, "item9_unanswered": false, "reason": "too_many_missing"}, "note": "3 missing -> not scorable"},
{"id": "phq9-18", "instrument": "phq9", "answers": [null, null, null, 1, 1, 1, 1, 1, 2], "expected": {"total": null, "band": null, "prorated": false, "items_answered": 6, "caseness": null, "item9_alert": true, "item9_unanswered": false, "reason": "too_many_missing"}, "note": "3 missing -> not scorable, but item 9 = 2 still raises the alert"},
{"id": "phq9-19", "instrument": "phq9", "answers": [0, 0, 0, 0, 0, 0, 0, 0, null], "expected": {"total": 0, "band": "minimal", "prorated": true, "items_answered": 8, "caseness": false, "item9_alert": false, "item9_unanswered": true}, "note": "only item 9 missing: pro-rated 0, item9_unanswered must be surfaced to staff"},
{"id": "phq9-20", "instrument": "phq9", "answers": [0, 0, 0, 0, 4, 0, 0, 0, 0], "expected": {"error": "invalid_item_value"}, "note": "value 4 is out of range"},
{"id": "phq9-21", "instrument": "phq9", "answers": [0, 0, 0, 0, 0, 0, 0, 0], "expected": {"error": "wrong_item_count"}, "note": "8 answers for a 9-item instrument"},
{"id": "gad7-01", "instrument": "gad7", "answers": [0, 0, 0, 0, 0, 0, 0], "expected": {"total": 0, "band": "minimal", "prorated": false, "items_answered": 7, "caseness": false}, "note": "all zero"},
{"id": "gad7-02", "instrument": "gad7", "answers": [3, 3, 3, 3, 3, 3, 3], "expected": {"total": 21, "band": "severe", "prorated": false, "items_answered": 7, "caseness": true}, "note": "all max"},
{"id": "gad7-03", "instrument": "gad7", "answers": [1, 1, 1, 1, 0, 0, 0], "expected": {"total": 4, "band": "minimal", "prorated": false, "items_answered": 7, "caseness": false}, "note": "4 = top of minimal"},
{"id": "gad7-04", "instrument": "gad7", "answers": [1, 1, 1, 1, 1, 0, 0], "expected": {"total": 5, "band": "mild", "prorated": false, "items_answered": 7, "caseness": false}, "note": "5 = bottom of mild"},
{"id": "gad7-05", "instrument": "gad7", "answers": [1, 1, 1, 1, 1, 1, 1], "expected": {"total": 7, "band": "mild", "prorated": false, "items_answered": 7, "caseness": false}, "note": "7: caseness (>=8) false"},
{"id": "gad7-06", "instrument": "gad7", "answers": [2, 1, 1, 1, 1, 1, 1], "expected": {"total": 8, "band": "mild", "prorated": false, "items_answered": 7, "caseness": true}, "note": "8: caseness true, band still mild"},
{"id": "gad7-07", "instrument": "gad7", "answers": [2, 2, 1, 1, 1, 1, 1], "expected": {"total": 9, "band": "mild", "prorated": false, "items_answered": 7, "caseness": true}, "note": "9 = top of mild"},
{"id": "gad7-08", "instrument": "gad7", "answers": [2, 2, 2, 1, 1, 1, 1], "expected": {"total": 10, "band": "moderate", "prorated": false, "items_answered": 7, "caseness": true}, "note": "10 = bottom of moderate"},
{"id": "gad7-09", "instrument": "gad7", "answers": [2, 2, 2, 2, 2, 2, 2], "expected": {"total": 14, "band": "moderate", "prorated": false, "items_answered": 7, "caseness": true}, "note": "14 = top of moderate"},
{"id": "gad7-10", "instrument": "gad7", "answers": [3, 2, 2, 2, 2, 2, 2], "expected": {"total": 15, "band": "severe", "prorated": false, "items_answered": 7, "caseness": true}, "note": "15 = bottom of severe"},
{"id": "gad7-11", "instrument": "gad7", "answers": [3, 2, 1, 1, 1, 1, null], "expected": {"total": 11, "band": "moderate", "prorated": true, "items_answered": 6, "caseness": true}, "note": "1 missing: 9*7/6 = 10.5 -> 11 (banker's gives 10)"},
{"id": "gad7-12", "instrument": "gad7", "answers": [1, 1, null, 0, 0, 1, 0], "expected": {"total": 4, "band": "minimal", "prorated": true, "items_answered": 6, "caseness": false}, "note": "1 missing: 3*7/6 = 3.5 -> 4"},
{"id": "gad7-13", "instrument": "gad7", "answers": [1, 1, null, null, 0, 1, 0], "expected": {"total": null, "band": null, "prorated": false, "items_answered": 5, "caseness": null, "reason": "too_many_missing"}, "note": "2 missing -> not scorable"},
{"id": "gad7-14", "instrument": "gad7", "answers": [0, 0, 0, 0, 0, 0, 5], "expected": {"error": "invalid_item_value"}, "note": "value 5 is out of range"},
{"id": "who5-01", "instrument": "who5", "answers": [0, 0, 0, 0, 0], "expected": {"total": 0, "who5_percent": 0, "band": "likely_depression", "items_answered": 5, "low_item_flag": true}, "note": "all 'at no time': 0 %"},
{"id": "who5-02", "instrument": "who5", "answers": [5, 5, 5, 5, 5], "expected": {"total": 25, "who5_percent": 100, "band": "ok", "items_answered": 5, "low_item_flag": false}, "note": "all 'all of the time': 100 %"},
{"id": "who5-03", "instrument": "who5", "answers": [2, 2, 1, 1, 1], "expected": {"total": 7, "who5_percent": 28, "band": "likely_depression", "items_answered": 5, "low_item_flag": true}, "note": "raw 7 = 28 %: top of likely_depression"},
{"id": "who5-04", "instrument": "who5", "answers": [2, 2, 2, 1, 1], "expected": {"total": 8, "who5_percent": 32, "band": "poor_wellbeing", "items_answered": 5, "low_item_flag": true}, "note": "raw 8 = 32 %: poor_wellbeing"},
{"id": "who5-05", "instrument": "who5", "answers": [3, 3, 2, 2, 2], "expected": {"total": 12, "who5_percent": 48, "band": "poor_wellbeing", "items_answered": 5, "low_item_flag": false}, "note": "raw 12 = 48 %: top of poor_wellbeing (raw < 13)"},
{"id": "who5-06", "instrument": "who5", "answers": [3, 3, 3, 2, 2], "expected": {"total": 13, "who5_percent": 52, "band": "ok", "items_answered": 5, "low_item_flag": false}, "note": "raw 13 = 52 %: ok. A rule written as 'raw <= 13' would wrongly flag this"},
{"id": "who5-07", "instrument": "who5", "answers": [5, 5, 5, 5, 1], "expected": {"total": 21, "who5_percent": 84, "band": "ok", "items_answered": 5, "low_item_flag": true}, "note": "84 % ok, but one item answered 1 -> low_item_flag"},
{"id": "who5-08", "instrument": "who5", "answers": [3, 3, null, 3, 3], "expected": {"total": null, "who5_percent": null, "band": null, "items_answered": 4, "low_item_flag": false, "reason": "too_many_missing"}, "note": "missing item -> not scorable (no pro-rating rule)"},
{"id": "who5-09", "instrument": "who5", "answers": [3, 3, 6, 3, 3], "expected": {"error": "invalid_item_value"}, "note": "value 6 is out of range"},
{"id": "audit-01", "instrument": "audit", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "expected": {"skip_applied": null, "auditc_total": 0, "total": 0, "band": "zone1"}, "note": "all zero; skippable items answered 0 -> nothing to fill"},
{"id": "audit-02", "instrument": "audit", "answers": [0, null, null, null, null, null, null, null, 0, 0], "expected": {"skip_applied": "q1_never", "auditc_total": 0, "total": 0, "band": "zone1"}, "note": "item 1 'never': items 2-8 skipped, score 0"},
{"id": "audit-03", "instrument": "audit", "answers": [0, null, null, null, null, null, null, null, 4, 2], "expected": {"skip_applied": "q1_never", "auditc_total": 0, "total": 6, "band": "zone1"}, "note": "item 1 'never' but items 9-10 still asked and scored (0/2/4)"},
{"id": "audit-04", "instrument": "audit", "answers": [2, 0, 0, null, null, null, null, null, 0, 0], "expected": {"skip_applied": "q2q3_zero", "auditc_total": 2, "total": 2, "band": "zone1"}, "note": "items 2+3 = 0: items 4-8 skipped, score 0"},
{"id": "audit-05", "instrument": "audit", "answers": [2, 0, 0, 1, 0, 0, 1, 0, 0, 0], "expected": {"skip_applied": null, "auditc_total": 2, "total": 4, "band": "zone1"}, "note": "items 2+3 = 0 but items 4-8 answered anyway (self-report form): score as answered"},
{"id": "audit-06", "instrument": "audit", "answers": [4, 4, 4, 4, 4, 4, 4, 4, 4, 4], "expected": {"skip_applied": null, "auditc_total": 12, "total": 40, "band": "zone4"}, "note": "all max = 40"},
{"id": "audit-07", "instrument": "audit", "answers": [2, 1, 1, 1, 0, 0, 1, 1, 0, 0], "expected": {"skip_applied": null, "auditc_total": 4, "total": 7, "band": "zone1"}, "note": "7 = top of zone 1"},
{"id": "audit-08", "instrument": "audit", "answers": [2, 1, 1, 1, 0, 0, 1, 0, 0, 2], "expected": {"skip_applied": null, "auditc_total": 4, "total": 8, "band": "zone2"}, "note": "8 = bottom of zone 2"},
{"id": "audit-09", "instrument": "audit", "answers": [3, 2, 2, 1, 1, 1, 1, 2, 0, 2], "expected": {"skip_applied": null, "auditc_total": 7, "total": 15, "band": "zone2"}, "note": "15 = top of zone 2"},
{"id": "audit-10", "instrument": "audit", "answers": [3, 2, 2, 1, 1, 1, 1, 1, 2, 2], "expected": {"skip_applied": null, "auditc_total": 7, "total": 16, "band": "zone3"}, "note": "16 = bottom of zone 3"},
{"id": "audit-11", "instrument": "audit", "answers": [3, 2, 2, 2, 2, 1, 1, 2, 2, 2], "expected": {"skip_applied": null, "auditc_total": 7, "total": 19, "band": "zone3"}, "note": "19 = top of zone 3"},
{"id": "audit-12", "instrument": "audit", "answers": [4, 2, 2, 2, 2, 1, 1, 2, 2, 2], "expected": {"skip_applied": null, "auditc_total": 8, "total": 20, "band": "zone4"}, "note": "20 = bottom of zone 4"},
{"id": "audit-13", "instrument": "audit", "answers": [2, 1, 1, 1, null, 0, 0, 0, 0, 0], "expected": {"skip_applied": null, "auditc_total": 4, "total": null, "band": null, "reason": "too_many_missing"}, "note": "item 5 missing and not skippable -> not scorable (AUDIT-C part still 4)"},
{"id": "audit-14", "instrument": "audit", "answers": [0, null, null, null, null, null, null, null, null, 0], "expected": {"skip_applied": "q1_never", "auditc_total": 0, "total": null, "band": null, "reason": "too_many_missing"}, "note": "item 9 missing -> not scorable"},
{"id": "audit-15", "instrument": "audit", "answers": [0, 2, 1, null, null, null, null, null, 0, 0], "expected": {"error": "inconsistent_skip"}, "note": "item 1 'never' but items 2-3 answered: inconsistent, do not guess"},
{"id": "audit-16", "instrument": "audit", "answers": [2, 1, 1, 0, 0, 0, 0, 0, 1, 0], "expected": {"error": "invalid_item_value"}, "note": "item 9 = 1 is impossible (0/2/4): typical bug of storing the option index"},
{"id": "auditc-01", "instrument": "auditc", "answers": [0, null, null], "sex": "male", "expected": {"skip_applied": "q1_never", "threshold": 4, "sex_threshold_assumed": false, "total": 0, "band": "negative"}, "note": "item 1 'never': items 2-3 skipped, score 0"},
{"id": "auditc-02", "instrument": "auditc", "answers": [4, 4, 4], "sex": "male", "expected": {"skip_applied": null, "threshold": 4, "sex_threshold_assumed": false, "total": 12, "band": "positive"}, "note": "all max = 12"},
{"id": "auditc-03", "instrument": "auditc", "answers": [1, 1, 1], "sex": "male", "expected": {"skip_applied": null, "threshold": 4, "sex_threshold_assumed": false, "total": 3, "band": "negative"}, "note": "male 3: negative (cut-off >= 4)"},
{"id": "auditc-04", "instrument": "auditc", "answers": [2, 1, 1], "sex": "male", "expected": {"skip_applied": null, "threshold": 4, "sex_threshold_assumed": false, "total": 4, "band": "positive"}, "note": "male 4: positive"},
{"id": "auditc-05", "instrument": "auditc", "answers": [1, 1, 0], "sex": "female", "expected": {"skip_applied": null, "threshold": 3, "sex_threshold_assumed": false, "total": 2, "band": "negative"}, "note": "female 2: negative (cut-off >= 3)"},
{"id": "auditc-06", "instrument": "auditc", "answers": [1, 1, 1], "sex": "female", "expected": {"skip_applied": null, "threshold": 3, "sex_threshold_assumed": false, "total": 3, "band": "positive"}, "note": "female 3: positive"},
{"id": "auditc-07", "instrument": "auditc", "answers": [2, 1, 0], "expected": {"skip_applied": null, "threshold": 3, "sex_threshold_assumed": true, "total": 3, "band": "positive"}, "note": "sex unknown: Samplan policy uses the lower cut-off (3) and flags it"},
{"id": "auditc-08", "instrument": "auditc", "answers": [2, null, 1], "sex": "female", "expected": {"skip_applied": null, "threshold": 3, "sex_threshold_assumed": false, "total": null, "band": null, "reason": "too_many_missing"}, "note": "missing item -> not scorable"},
{"id": "auditc-09", "instrument": "auditc", "answers": [0, 1, null], "sex": "male", "expected": {"error": "inconsistent_skip"}, "note": "item 1 'never' but item 2 answered: inconsistent"},
{"id": "dudit-01", "instrument": "dudit", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "sex": "male", "expected": {"threshold": 6, "sex_threshold_assumed": false, "total": 0, "band": "no_problem"}, "note": "all zero"},
{"id": "dudit-02", "instrument": "dudit", "answers": [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4], "sex": "female", "expected": {"threshold": 2, "sex_threshold_assumed": false, "total": 44, "band": "probable_dependence"}, "note": "all max = 44"},
{"id": "dudit-03", "instrument": "dudit", "answers": [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0], "sex": "male", "expected": {"threshold": 6, "sex_threshold_assumed": false, "total": 5, "band": "no_problem"}, "note": "male 5: no_problem (cut-off >= 6)"},
{"id": "dudit-04", "instrument": "dudit", "answers": [2, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0], "sex": "male", "expected": {"threshold": 6, "sex_threshold_assumed": false, "total": 6, "band": "problem"}, "note": "male 6: problem"},
{"id": "dudit-05", "instrument": "dudit", "answers": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "sex": "female", "expected": {"threshold": 2, "sex_threshold_assumed": false, "total": 1, "band": "no_problem"}, "note": "female 1: no_problem (cut-off >= 2)"},
{"id": "dudit-06", "instrument": "dudit", "answers": [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], "sex": "female", "expected": {"threshold": 2, "sex_threshold_assumed": false, "total": 2, "band": "problem"}, "note": "female 2: problem"},
{"id": "dudit-07", "instrument": "dudit", "answers": [4, 3, 3, 3, 3, 2, 2, 2, 0, 2, 0], "sex": "male", "expected": {"threshold": 6, "sex_threshold_assumed": false, "total": 24, "band": "problem"}, "note": "24: problem"},
{"id": "dudit-08", "instrument": "dudit", "answers": [4, 3, 3, 3, 3, 2, 2, 2, 1, 2, 0], "sex": "male", "expected": {"threshold": 6, "sex_threshold_assumed": false, "total": 25, "band": "probable_dependence"}, "note": "25: probable_dependence (any sex)"},
{"id": "dudit-09", "instrument": "dudit", "answers": [4, 3, 3, 3, 3, 2, 2, 2, 0, 2, 0], "sex": "female", "expected": {"threshold": 2, "sex_threshold_assumed": false, "total": 24, "band": "problem"}, "note": "female 24: problem"},
{"id": "dudit-10", "instrument": "dudit", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2], "sex": "male", "expected": {"threshold": 6, "sex_threshold_assumed": false, "total": 4, "band": "no_problem"}, "note": "items 10-11 'yes, but not in the past year' = 2 each; male 4 -> no_problem"},
{"id": "dudit-11", "instrument": "dudit", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2], "sex": "female", "expected": {"threshold": 2, "sex_threshold_assumed": false, "total": 4, "band": "problem"}, "note": "same answers, female 4 -> problem"},
{"id": "dudit-12", "instrument": "dudit", "answers": [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], "expected": {"threshold": 2, "sex_threshold_assumed": true, "total": 3, "band": "problem"}, "note": "sex unknown, total 3: Samplan policy uses the lower cut-off (2) and flags it"},
{"id": "dudit-13", "instrument": "dudit", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0], "sex": "male", "expected": {"error": "invalid_item_value"}, "note": "item 10 = 1 is impossible (0/2/4)"},
{"id": "dudit-14", "instrument": "dudit", "answers": [1, 1, null, 0, 0, 0, 0, 0, 0, 0, 0], "sex": "male", "expected": {"threshold": 6, "sex_threshold_assumed": false, "total": null, "band": null, "reason": "too_many_missing"}, "note": "missing item -> not scorable"},
{"id": "hscl10-01", "instrument": "hscl10", "answers": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], "expected": {"mean": 1.0, "band": "below_cutoff", "items_answered": 10}, "note": "all 'not at all' = mean 1.00"},
{"id": "hscl10-02", "instrument": "hscl10", "answers": [4, 4, 4, 4, 4, 4, 4, 4, 4, 4], "expected": {"mean": 4.0, "band": "distress", "items_answered": 10}, "note": "all 'extremely' = mean 4.00"},
{"id": "hscl10-03", "instrument": "hscl10", "answers": [2, 2, 2, 2, 2, 2, 2, 2, 1, 1], "expected": {"mean": 1.8, "band": "below_cutoff", "items_answered": 10}, "note": "mean 1.80: below cut-off 1.85"},
{"id": "hscl10-04", "instrument": "hscl10", "answers": [2, 2, 2, 2, 2, 2, 2, 2, 2, 1], "expected": {"mean": 1.9, "band": "distress", "items_answered": 10}, "note": "mean 1.90: at/above cut-off"},
{"id": "hscl10-05", "instrument": "hscl10", "answers": [2, 2, 2, 2, 2, 2, 2, 2, 1, null], "expected": {"mean": 1.89, "band": "distress", "items_answered": 9}, "note": "9 answered: 17/9 = 1.889 -> distress (compare unrounded)"},
{"id": "hscl10-06", "instrument": "hscl10", "answers": [2, 2, 2, 2, 2, 2, 2, 1, 1, null], "expected": {"mean": 1.78, "band": "below_cutoff", "items_answered": 9}, "note": "9 answered: 16/9 = 1.778 -> below"},
{"id": "hscl10-07", "instrument": "hscl10", "answers": [2, 2, 2, 2, 2, 2, null, null, null, null], "expected": {"mean": null, "band": null, "items_answered": 6, "reason": "too_many_missing"}, "note": "only 6 answered -> not scorable"},
{"id": "hscl10-08", "instrument": "hscl10", "answers": [0, 1, 1, 1, 1, 1, 1, 1, 1, 1], "expected": {"error": "invalid_item_value"}, "note": "0 is out of range (items are 1-4)"},
{"id": "core10-01", "instrument": "core10", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "expected": {"item_scores": [0, 4, 4, 0, 0, 0, 0, 0, 0, 0], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 10, "total": 8, "band": "low", "prorated": false, "clinical_range": false}, "note": "every item 'not at all': items 2-3 reverse to 4 each -> 8, NOT 0"},
{"id": "core10-02", "instrument": "core10", "answers": [0, 4, 4, 0, 0, 0, 0, 0, 0, 0], "expected": {"item_scores": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 10, "total": 0, "band": "healthy", "prorated": false, "clinical_range": false}, "note": "lowest possible score 0"},
{"id": "core10-03", "instrument": "core10", "answers": [4, 0, 0, 4, 4, 4, 4, 4, 4, 4], "expected": {"item_scores": [4, 4, 4, 4, 4, 4, 4, 4, 4, 4], "risk_item_alert": true, "risk_item_unanswered": false, "items_answered": 10, "total": 40, "band": "severe", "prorated": false, "clinical_range": true}, "note": "highest possible score 40; risk item alert"},
{"id": "core10-04", "instrument": "core10", "answers": [1, 4, 4, 1, 1, 0, 1, 1, 0, 0], "expected": {"item_scores": [1, 0, 0, 1, 1, 0, 1, 1, 0, 0], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 10, "total": 5, "band": "healthy", "prorated": false, "clinical_range": false}, "note": "5 = top of healthy"},
{"id": "core10-05", "instrument": "core10", "answers": [1, 4, 4, 1, 1, 0, 1, 1, 1, 0], "expected": {"item_scores": [1, 0, 0, 1, 1, 0, 1, 1, 1, 0], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 10, "total": 6, "band": "low", "prorated": false, "clinical_range": false}, "note": "6 = bottom of low"},
{"id": "core10-06", "instrument": "core10", "answers": [2, 3, 3, 1, 1, 0, 1, 1, 1, 1], "expected": {"item_scores": [2, 1, 1, 1, 1, 0, 1, 1, 1, 1], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 10, "total": 10, "band": "low", "prorated": false, "clinical_range": false}, "note": "10 = top of low (below clinical cut-off)"},
{"id": "core10-07", "instrument": "core10", "answers": [2, 3, 3, 1, 1, 0, 2, 1, 1, 1], "expected": {"item_scores": [2, 1, 1, 1, 1, 0, 2, 1, 1, 1], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 10, "total": 11, "band": "mild", "prorated": false, "clinical_range": true}, "note": "11 = bottom of mild; clinical range"},
{"id": "core10-08", "instrument": "core10", "answers": [2, 2, 2, 2, 1, 0, 2, 1, 1, 1], "expected": {"item_scores": [2, 2, 2, 2, 1, 0, 2, 1, 1, 1], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 10, "total": 14, "band": "mild", "prorated": false, "clinical_range": true}, "note": "14 = top of mild"},
{"id": "core10-09", "instrument": "core10", "answers": [2, 2, 2, 2, 2, 0, 2, 1, 1, 1], "expected": {"item_scores": [2, 2, 2, 2, 2, 0, 2, 1, 1, 1], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 10, "total": 15, "band": "moderate", "prorated": false, "clinical_range": true}, "note": "15 = bottom of moderate"},
{"id": "core10-10", "instrument": "core10", "answers": [3, 2, 2, 2, 2, 0, 2, 2, 2, 2], "expected": {"item_scores": [3, 2, 2, 2, 2, 0, 2, 2, 2, 2], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 10, "total": 19, "band": "moderate", "prorated": false, "clinical_range": true}, "note": "19 = top of moderate"},
{"id": "core10-11", "instrument": "core10", "answers": [3, 1, 2, 2, 2, 0, 2, 2, 2, 2], "expected": {"item_scores": [3, 3, 2, 2, 2, 0, 2, 2, 2, 2], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 10, "total": 20, "band": "moderate_severe", "prorated": false, "clinical_range": true}, "note": "20 = bottom of moderate_severe"},
{"id": "core10-12", "instrument": "core10", "answers": [3, 1, 1, 2, 2, 0, 3, 3, 3, 2], "expected": {"item_scores": [3, 3, 3, 2, 2, 0, 3, 3, 3, 2], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 10, "total": 24, "band": "moderate_severe", "prorated": false, "clinical_range": true}, "note": "24 = top of moderate_severe"},
{"id": "core10-13", "instrument": "core10", "answers": [3, 1, 1, 3, 2, 0, 3, 3, 3, 2], "expected": {"item_scores": [3, 3, 3, 3, 2, 0, 3, 3, 3, 2], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 10, "total": 25, "band": "severe", "prorated": false, "clinical_range": true}, "note": "25 = bottom of severe"},
{"id": "core10-14", "instrument": "core10", "answers": [0, 4, 4, 0, 0, 1, 0, 0, 0, 0], "expected": {"item_scores": [0, 0, 0, 0, 0, 1, 0, 0, 0, 0], "risk_item_alert": true, "risk_item_unanswered": false, "items_answered": 10, "total": 1, "band": "healthy", "prorated": false, "clinical_range": false}, "note": "risk item 6 = 1 with total 1: alert"},
{"id": "core10-15", "instrument": "core10", "answers": [2, 3, 3, 1, 1, 0, 1, 1, null, 1], "expected": {"item_scores": [2, 1, 1, 1, 1, 0, 1, 1, null, 1], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 9, "total": 10, "band": "low", "prorated": true, "clinical_range": false}, "note": "1 missing: 10*9/9 = 10.0 -> low"},
{"id": "core10-16", "instrument": "core10", "answers": [2, 3, 3, 1, 1, 0, 2, 1, null, 1], "expected": {"item_scores": [2, 1, 1, 1, 1, 0, 2, 1, null, 1], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 9, "total": 11.1, "band": "mild", "prorated": true, "clinical_range": true}, "note": "1 missing: 10*10/9 = 11.1 -> mild"},
{"id": "core10-17", "instrument": "core10", "answers": [2, null, 3, 1, 1, 0, 2, 1, null, 1], "expected": {"item_scores": [2, null, 1, 1, 1, 0, 2, 1, null, 1], "risk_item_alert": false, "risk_item_unanswered": false, "items_answered": 8, "total": null, "band": null, "prorated": false, "clinical_range": null, "reason": "too_many_missing"}, "note": "2 missing -> not scorable"}
]"""  # noqa: E501

CHANGE_VECTORS_JSON = r"""[
{"id": "change-01", "instrument": "phq9", "before": 15, "after": 9, "expected": {"change": -6, "direction": "reliable_improvement"}, "note": "-6 meets the NHS Talking Therapies threshold (6)"},
{"id": "change-02", "instrument": "phq9", "before": 15, "after": 10, "expected": {"change": -5, "direction": "no_reliable_change"}, "note": "-5 is not reliable"},
{"id": "change-03", "instrument": "phq9", "before": 9, "after": 15, "expected": {"change": 6, "direction": "reliable_deterioration"}, "note": "+6 reliable deterioration"},
{"id": "change-04", "instrument": "gad7", "before": 12, "after": 8, "expected": {"change": -4, "direction": "reliable_improvement"}, "note": "-4 meets the threshold (4)"},
{"id": "change-05", "instrument": "gad7", "before": 12, "after": 9, "expected": {"change": -3, "direction": "no_reliable_change"}, "note": "-3 is not reliable"},
{"id": "change-06", "instrument": "gad7", "before": 8, "after": 12, "expected": {"change": 4, "direction": "reliable_deterioration"}, "note": "+4 reliable deterioration"},
{"id": "change-07", "instrument": "core10", "before": 20, "after": 14, "expected": {"change": -6, "direction": "reliable_improvement"}, "note": "-6 meets the CORE-10 RCI (6)"},
{"id": "change-08", "instrument": "core10", "before": 20, "after": 15, "expected": {"change": -5, "direction": "no_reliable_change"}, "note": "-5 is not reliable"},
{"id": "change-09", "instrument": "who5", "before": 40, "after": 52, "expected": {"change": 12, "direction": "reliable_improvement"}, "note": "+12 percentage points (raw 10 -> 13) >= 10: improvement"},
{"id": "change-10", "instrument": "who5", "before": 40, "after": 48, "expected": {"change": 8, "direction": "no_reliable_change"}, "note": "+8 percentage points (raw 10 -> 12) < 10: no reliable change"},
{"id": "change-11", "instrument": "who5", "before": 60, "after": 48, "expected": {"change": -12, "direction": "reliable_deterioration"}, "note": "-12 percentage points: deterioration (higher is better on WHO-5)"}
]"""  # noqa: E501

VECTORS = json.loads(VECTORS_JSON)
CHANGE_VECTORS = json.loads(CHANGE_VECTORS_JSON)

ERROR_CODES = {"wrong_item_count", "invalid_item_value", "inconsistent_skip"}
AUDIT_LIKE = {"audit", "auditc"}

no_database = settings(database=None)


def typed(value):
    """The value with its JSON type at every level, so that 10 ≠ 10.0 and True ≠ 1 (plain == lets them pass)."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


def exact(value):
    return Fraction(Decimal(repr(value))) if isinstance(value, float) else Fraction(value)


def contains(bands, band, value):
    """Band membership as documented on Band: low included, high excluded except in the top band."""
    value = exact(value)
    return exact(band.low) <= value < exact(band.high) or (band is bands[-1] and value == exact(band.high))


def band_sets():
    for key, instrument in INSTRUMENTS.items():
        yield pytest.param(instrument, instrument.bands, id=f"{key}")
        for sex, bands in instrument.bands_by_sex.items():
            yield pytest.param(instrument, bands, id=f"{key}-{sex}")


# ---------------------------------------------------------------------------------------------------------------
# The published vectors
# ---------------------------------------------------------------------------------------------------------------


def test_vector_files_are_complete():
    assert len(VECTORS) == 108
    assert len(CHANGE_VECTORS) == 11
    assert len({v["id"] for v in VECTORS}) == 108
    # Samplan's own "medication" has its vectors beside its policy (test_medication_self_report.py).
    assert {v["instrument"] for v in VECTORS} == set(INSTRUMENTS) - {"medication"}


@pytest.mark.skipif(not REFERENCE_DIR.is_dir(), reason=f"instrument reference not found at {REFERENCE_DIR}")
def test_embedded_vectors_match_the_reference():
    assert json.loads((REFERENCE_DIR / "vectors.json").read_text()) == VECTORS
    assert json.loads((REFERENCE_DIR / "change_vectors.json").read_text()) == CHANGE_VECTORS


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector(vector):
    result = score(vector["instrument"], vector["answers"], sex=vector.get("sex"))
    assert typed(result) == typed(vector["expected"])


SCORED_VECTORS = [v for v in VECTORS if v["expected"].get(INSTRUMENTS[v["instrument"]].score_key) is not None]


@pytest.mark.parametrize("vector", SCORED_VECTORS, ids=[v["id"] for v in SCORED_VECTORS])
def test_vector_band_agrees_with_band_for(vector):
    expected = vector["expected"]
    value = expected[INSTRUMENTS[vector["instrument"]].score_key]
    assert band_for(vector["instrument"], value, sex=vector.get("sex")) == expected["band"]


@pytest.mark.parametrize("vector", CHANGE_VECTORS, ids=[v["id"] for v in CHANGE_VECTORS])
def test_change_vector(vector):
    result = reliable_change(vector["instrument"], vector["before"], vector["after"])
    assert typed(result) == typed(vector["expected"])


def test_score_does_not_change_the_answers_it_is_given():
    answers = [0, None, None, None, None, None, None, None, 0, 0]
    score("audit", answers)
    assert answers == [0, None, None, None, None, None, None, None, 0, 0]
    assert score("audit", tuple(answers)) == score("audit", answers)


# ---------------------------------------------------------------------------------------------------------------
# Instrument definitions
# ---------------------------------------------------------------------------------------------------------------


def test_instrument_definitions():
    assert {key: i.title for key, i in INSTRUMENTS.items()} == {
        "phq9": "PHQ-9",
        "gad7": "GAD-7",
        "who5": "WHO-5",
        "audit": "AUDIT",
        "auditc": "AUDIT-C",
        "dudit": "DUDIT",
        "hscl10": "HSCL-10",
        "core10": "CORE-10",
        "medication": "About my medicine",
    }
    assert {key: i.cutoff for key, i in INSTRUMENTS.items()} == {
        "phq9": 10,
        "gad7": 8,
        "who5": 13,
        "audit": 8,
        "auditc": None,
        "dudit": None,
        "hscl10": Decimal("1.85"),
        "core10": 11,
        "medication": None,
    }
    assert {key: i.reliable_change for key, i in INSTRUMENTS.items() if i.reliable_change} == {
        "phq9": 6,
        "gad7": 4,
        "who5": 10,
        "core10": 6,
    }
    assert [key for key, i in INSTRUMENTS.items() if i.higher_is_better] == ["who5", "medication"]
    assert {key: (i.total_code, i.total_code_system) for key, i in INSTRUMENTS.items() if i.total_code} == {
        "phq9": ("44261-6", "http://loinc.org"),
        "gad7": ("70274-6", "http://loinc.org"),
        "audit": ("75624-7", "http://loinc.org"),
        "auditc": ("75626-2", "http://loinc.org"),
        "who5": ("1144665009", "http://snomed.info/sct"),
    }
    assert {key: (i.min_total, i.max_total) for key, i in INSTRUMENTS.items()} == {
        "phq9": (0, 27),
        "gad7": (0, 21),
        "who5": (0, 25),
        "audit": (0, 40),
        "auditc": (0, 12),
        "dudit": (0, 44),
        "hscl10": (1, 4),
        "core10": (0, 40),
        "medication": (0, 10),
    }
    assert (INSTRUMENTS["who5"].min_percent, INSTRUMENTS["who5"].max_percent) == (0, 100)
    assert [key for key, i in INSTRUMENTS.items() if not i.shippable] == ["hscl10", "core10"]


def test_item_value_sets():
    audit, dudit, core10 = INSTRUMENTS["audit"], INSTRUMENTS["dudit"], INSTRUMENTS["core10"]
    assert audit.valid_item_values[8] == audit.valid_item_values[9] == {0, 2, 4}
    assert all(values == {0, 1, 2, 3, 4} for values in audit.valid_item_values[:8])
    assert dudit.valid_item_values[9] == dudit.valid_item_values[10] == {0, 2, 4}
    assert all(values == {0, 1, 2, 3, 4} for values in core10.valid_item_values)
    assert core10.reversed_items == {2, 3}
    assert all(values == {1, 2, 3, 4} for values in INSTRUMENTS["hscl10"].valid_item_values)
    assert all(values == {0, 1, 2, 3, 4, 5} for values in INSTRUMENTS["who5"].valid_item_values)
    for instrument in INSTRUMENTS.values():
        assert len(instrument.valid_item_values) == instrument.item_count


def test_instruments_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        INSTRUMENTS["phq9"].cutoff = 9  # type: ignore[misc]


def test_a_definition_with_a_gap_between_bands_is_refused():
    phq9 = INSTRUMENTS["phq9"]
    gap = (Band("minimal", 0, 5, "0–4"), Band("mild", 6, 27, "6–27"))
    with pytest.raises(ValueError, match="gap or overlap"):
        dataclasses.replace(phq9, bands=gap)


def test_band_labels_show_the_published_whole_number_ranges():
    assert [(b.id, b.low, b.high, b.label) for b in INSTRUMENTS["phq9"].bands] == [
        ("minimal", 0, 5, "0–4"),
        ("mild", 5, 10, "5–9"),
        ("moderate", 10, 15, "10–14"),
        ("moderately_severe", 15, 20, "15–19"),
        ("severe", 20, 27, "20–27"),
    ]


@pytest.mark.parametrize("key", ["auditc", "dudit"])
def test_sex_specific_bands_start_the_problem_range_at_the_sex_cutoff(key):
    instrument = INSTRUMENTS[key]
    assert set(instrument.bands_by_sex) == {"male", "female"}
    for sex, cutoff in instrument.cutoff_by_sex.items():
        assert instrument.bands_for(sex)[1].low == cutoff
    assert instrument.bands_for(None)[1].low == min(instrument.cutoff_by_sex.values())
    assert instrument.bands_for("other") == instrument.bands_for("unknown") == instrument.bands


# ---------------------------------------------------------------------------------------------------------------
# Bands
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("instrument", "bands"), list(band_sets()))
def test_bands_cover_the_range_without_gaps_or_overlaps(instrument, bands):
    assert bands[0].low == instrument.min_total
    assert bands[-1].high == instrument.max_total
    for before, after in pairwise(bands):
        assert before.low < before.high == after.low
    assert len({band.id for band in bands}) == len(bands)
    for whole in range(instrument.min_total, instrument.max_total + 1):
        assert sum(contains(bands, band, whole) for band in bands) == 1


@pytest.mark.parametrize(("instrument", "bands"), list(band_sets()))
@no_database
@given(data=st.data())
def test_any_value_in_range_has_exactly_one_band(instrument, bands, data):
    value = data.draw(st.fractions(min_value=instrument.min_total, max_value=instrument.max_total))
    holding = [band for band in bands if contains(bands, band, value)]
    assert len(holding) == 1
    sex = next((sex for sex, sex_bands in instrument.bands_by_sex.items() if sex_bands is bands), None)
    assert band_for(instrument.key, value, sex=sex) == holding[0].id


@pytest.mark.parametrize("key", INSTRUMENTS)
def test_band_for_refuses_scores_outside_the_range(key):
    instrument = INSTRUMENTS[key]
    with pytest.raises(ValueError, match="outside"):
        band_for(key, instrument.max_total + 1)
    with pytest.raises(ValueError, match="outside"):
        band_for(key, instrument.min_total - Fraction(1, 100))


def test_who5_bands_are_on_the_raw_total():
    assert [band_for("who5", raw) for raw in (7, 8, 12, 13)] == [
        "likely_depression",
        "poor_wellbeing",
        "poor_wellbeing",
        "ok",
    ]


def test_hscl10_rounded_mean_always_falls_in_the_same_band_as_the_unrounded_mean():
    """Stored means are rounded to 2 decimals; no mean of 7–10 answers lies in [1.845, 1.85)."""
    for answered in range(7, 11):
        for total in range(answered, 4 * answered + 1):
            mean = Fraction(total, answered)
            assert band_for("hscl10", float(round_half_up(mean, 2))) == band_for("hscl10", mean)


def test_core10_rounded_score_always_falls_in_the_same_band_as_the_unrounded_score():
    for answered in (9, 10):
        for total in range(4 * answered + 1):
            clinical = Fraction(10 * total, answered)
            assert band_for("core10", float(round_half_up(clinical, 1))) == band_for("core10", clinical)


# ---------------------------------------------------------------------------------------------------------------
# Properties over any answers
# ---------------------------------------------------------------------------------------------------------------


def consistent(key, answers):
    """AUDIT and AUDIT-C: item 1 "Never" means items 2–8 were not asked; answers that contradict it are an error."""
    if key in AUDIT_LIKE and answers[0] == 0:
        return [0] + [0] * min(7, len(answers) - 1) + answers[8:]
    return answers


def complete_answers(key):
    instrument = INSTRUMENTS[key]
    items = [st.sampled_from(sorted(values)) for values in instrument.valid_item_values]
    return st.tuples(*items).map(lambda answers: consistent(key, list(answers)))


sexes = st.sampled_from([None, *sorted(SEXES)])


@pytest.mark.parametrize("key", INSTRUMENTS)
@no_database
@given(data=st.data())
def test_complete_answers_score_within_range_and_in_exactly_one_band(key, data):
    instrument = INSTRUMENTS[key]
    answers = data.draw(complete_answers(key))
    sex = data.draw(sexes)
    result = score(key, answers, sex=sex)
    assert "error" not in result
    assert "reason" not in result
    value = result[instrument.score_key]
    assert instrument.min_total <= value <= instrument.max_total
    if key == "who5":
        assert result["who5_percent"] == 4 * result["total"]
        assert instrument.min_percent <= result["who5_percent"] <= instrument.max_percent
    bands = instrument.bands_for(sex)
    assert [band.id for band in bands if contains(bands, band, value)] == [result["band"]]


@pytest.mark.parametrize("key", INSTRUMENTS)
@no_database
@given(data=st.data())
def test_a_higher_item_score_never_lowers_the_total_or_the_band(key, data):
    """For CORE-10 items 2 and 3 a higher response position is a lower item score, so the total may only fall."""
    instrument = INSTRUMENTS[key]
    answers = data.draw(complete_answers(key))
    index = data.draw(st.integers(0, instrument.item_count - 1))
    higher = sorted(v for v in instrument.valid_item_values[index] if v > answers[index])
    assume(higher)
    raised = list(answers)
    raised[index] = data.draw(st.sampled_from(higher))

    before, after = score(key, answers), score(key, raised)
    if "error" in after:
        # Only AUDIT's item 1 "Never" with a later answer in items 2-8.
        assert after == {"error": "inconsistent_skip"}
        assert key in AUDIT_LIKE and answers[0] == 0 and 1 <= index <= 7
        return
    order = [band.id for band in instrument.bands]
    change = exact(after[instrument.score_key]) - exact(before[instrument.score_key])
    band_step = order.index(after["band"]) - order.index(before["band"])
    if index + 1 in instrument.reversed_items:
        assert change < 0
        assert band_step <= 0
    else:
        assert change > 0
        assert band_step >= 0


@pytest.mark.parametrize("key", ["phq9", "gad7"])
@no_database
@given(data=st.data())
def test_prorated_totals_are_the_exact_value_rounded_half_up_and_banded_after_rounding(key, data):
    instrument = INSTRUMENTS[key]
    answers = data.draw(complete_answers(key))
    missing = data.draw(st.sets(st.integers(0, instrument.item_count - 1), min_size=1, max_size=instrument.max_missing))
    for index in missing:
        answers[index] = None
    result = score(key, answers)
    given_answers = [a for a in answers if a is not None]
    exact_total = Fraction(sum(given_answers) * instrument.item_count, len(given_answers))
    assert result["prorated"] is True
    assert type(result["total"]) is int
    # Half up: the exact value is in [total − ½, total + ½).
    assert result["total"] - Fraction(1, 2) <= exact_total < result["total"] + Fraction(1, 2)
    assert result["band"] == band_for(key, result["total"])


@pytest.mark.parametrize("key", ["phq9", "gad7", "core10", "hscl10", "who5", "audit", "dudit", "auditc"])
def test_one_missing_item_more_than_allowed_is_not_scorable(key):
    instrument = INSTRUMENTS[key]
    answers = [max(values) for values in instrument.valid_item_values]  # item 1 "Never" would skip AUDIT items
    for index in range(instrument.max_missing + 1):
        answers[-1 - index] = None
    result = score(key, answers)
    assert result["reason"] == "too_many_missing"
    assert result[instrument.score_key] is None
    assert result["band"] is None


def test_half_a_point_rounds_up_not_to_even():
    # 4 × 9/8 = 4.5: Python's round() gives 4 ("minimal"); the rule is 5 ("mild").
    assert round(4.5) == 4
    result = score("phq9", [1, 1, 1, 1, None, 0, 0, 0, 0])
    assert (result["total"], result["band"], result["prorated"]) == (5, "mild", True)
    # 9 × 7/6 = 10.5 → 11 ("moderate"), where round() gives 10.
    assert score("gad7", [3, 2, 1, 1, 1, 1, None])["total"] == 11


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(9, 2), 0, "5"),
        (Fraction(21, 2), 0, "11"),
        (Fraction(45, 2), 0, "23"),
        (Fraction(63, 4), 0, "16"),
        (Fraction(54, 7), 0, "8"),
        (Fraction(1, 2), 0, "1"),
        (Fraction(49, 100), 0, "0"),
        (Fraction(9, 8), 2, "1.13"),
        (Fraction(17, 9), 2, "1.89"),
        (Fraction(16, 9), 2, "1.78"),
        (Fraction(100, 9), 1, "11.1"),
        (Decimal("2.675"), 2, "2.68"),  # a float 2.675 is 2.67499…; exact decimals are not
        (0, 0, "0"),
    ],
)
def test_round_half_up(value, places, expected):
    rounded = round_half_up(value, places)
    assert rounded == Decimal(expected)
    assert str(rounded) == expected


def test_round_half_up_refuses_floats_and_negative_values():
    with pytest.raises(TypeError):
        round_half_up(4.5)
    with pytest.raises(ValueError):
        round_half_up(Fraction(-1, 2))


@no_database
@given(value=st.fractions(min_value=0, max_value=1000), places=st.integers(0, 3))
def test_round_half_up_property(value, places):
    rounded = Fraction(round_half_up(value, places))
    half = Fraction(1, 2 * 10**places)
    assert rounded - half <= value < rounded + half
    assert (rounded * 10**places).denominator == 1


# ---------------------------------------------------------------------------------------------------------------
# Bad input gives error dicts and never raises
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "answers"),
    [
        ("phq9", [0] * 8),
        ("phq9", [0] * 10),
        ("phq9", []),
        ("phq9", None),
        ("phq9", "000000000"),
        ("phq9", dict.fromkeys(range(9), 0)),
        ("phq9", (x for x in [0] * 9)),
        ("phq9", 0),
        ("core10", [0] * 9),
        ("auditc", [0] * 10),
    ],
)
def test_wrong_item_count(key, answers):
    assert score(key, answers) == {"error": "wrong_item_count"}


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("phq9", 4),
        ("phq9", -1),
        ("phq9", True),  # a bool is not the value 1
        ("phq9", 1.0),  # never coerce
        ("phq9", "1"),
        ("phq9", Decimal(1)),
        ("phq9", [1]),
        ("phq9", {"value": 1}),
        ("gad7", 5),
        ("who5", 6),
        ("hscl10", 0),
        ("core10", 5),
        ("dudit", 5),
    ],
)
def test_invalid_item_value(key, bad):
    instrument = INSTRUMENTS[key]
    answers = [min(values) for values in instrument.valid_item_values]
    answers[0] = bad
    assert score(key, answers) == {"error": "invalid_item_value"}


@pytest.mark.parametrize(("key", "item"), [("audit", 8), ("audit", 9), ("dudit", 9), ("dudit", 10)])
@pytest.mark.parametrize("option_index", [1, 3])
def test_storing_the_option_index_instead_of_the_value_is_refused(key, item, option_index):
    answers = [0] * INSTRUMENTS[key].item_count
    answers[item] = option_index
    assert score(key, answers) == {"error": "invalid_item_value"}


anything = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-10, 10),
        st.floats(allow_nan=True),
        st.decimals(allow_nan=True),
        st.text(max_size=3),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=2),
    max_leaves=5,
)


@pytest.mark.parametrize("key", INSTRUMENTS)
@no_database
@given(data=st.data())
def test_bad_answers_give_an_error_and_never_raise(key, data):
    instrument = INSTRUMENTS[key]
    answers = data.draw(st.one_of(anything, st.lists(anything, max_size=12)))
    sex = data.draw(sexes)
    result = score(key, answers, sex=sex)
    assert isinstance(result, dict)
    if not isinstance(answers, list) or len(answers) != instrument.item_count:
        assert result == {"error": "wrong_item_count"}
    elif any(
        answer is not None and (type(answer) is not int or answer not in allowed)
        for answer, allowed in zip(answers, instrument.valid_item_values, strict=True)
    ):
        assert result == {"error": "invalid_item_value"}
    else:
        assert result.get("error") in {None, "inconsistent_skip"}


@pytest.mark.parametrize("key", INSTRUMENTS)
@no_database
@given(data=st.data())
def test_right_length_answers_with_some_bad_values_give_invalid_item_value(key, data):
    instrument = INSTRUMENTS[key]
    answers = data.draw(complete_answers(key))
    index = data.draw(st.integers(0, instrument.item_count - 1))
    answers[index] = data.draw(
        st.one_of(
            st.integers(-50, 50).filter(lambda v: v not in instrument.valid_item_values[index]),
            st.booleans(),
            st.floats(),
            st.text(max_size=2),
        )
    )
    assert score(key, answers) == {"error": "invalid_item_value"}


@pytest.mark.parametrize("key", INSTRUMENTS)
@no_database
@given(data=st.data())
def test_any_valid_answers_with_gaps_score_or_explain_why_not(key, data):
    instrument = INSTRUMENTS[key]
    answers = data.draw(
        st.tuples(*(st.none() | st.sampled_from(sorted(values)) for values in instrument.valid_item_values))
    )
    sex = data.draw(sexes)
    result = score(key, list(answers), sex=sex)
    if "error" in result:
        assert result == {"error": "inconsistent_skip"}
        assert key in AUDIT_LIKE and answers[0] == 0
    elif result[instrument.score_key] is None:
        assert result["reason"] == "too_many_missing"
        assert result["band"] is None
    else:
        assert "reason" not in result
        assert band_for(key, result[instrument.score_key], sex=sex) == result["band"]


def test_flags_are_set_even_when_the_total_cannot_be_scored():
    phq9 = score("phq9", [None, None, None, 1, 1, 1, 1, 1, 2])
    assert (phq9["total"], phq9["item9_alert"]) == (None, True)
    core10 = score("core10", [None, None, 0, 0, 0, 3, 0, 0, 0, 0])
    assert (core10["total"], core10["risk_item_alert"]) == (None, True)
    who5 = score("who5", [5, None, 1, 5, 5])
    assert (who5["total"], who5["low_item_flag"]) == (None, True)


def test_unknown_instrument_and_unknown_sex_are_programming_errors():
    with pytest.raises(ValueError, match="unknown instrument"):
        score("phq8", [0] * 8)
    with pytest.raises(ValueError, match="sex"):
        score("dudit", [0] * 11, sex="M")


@pytest.mark.parametrize("sex", [None, "other", "unknown"])
def test_unknown_or_other_sex_takes_the_lower_cutoff_and_says_so(sex):
    dudit = score("dudit", [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], sex=sex)
    assert (dudit["threshold"], dudit["sex_threshold_assumed"], dudit["band"]) == (2, True, "problem")
    auditc = score("auditc", [2, 1, 0], sex=sex)
    assert (auditc["threshold"], auditc["sex_threshold_assumed"], auditc["band"]) == (3, True, "positive")


# ---------------------------------------------------------------------------------------------------------------
# Change over time
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "first", "latest", "expected"),
    [
        ("phq9", 15, 9, {"change": -6, "direction": "reliable_improvement", "recovered": True}),
        ("phq9", 15, 10, {"change": -5, "direction": "no_reliable_change", "recovered": False}),
        ("phq9", 9, 15, {"change": 6, "direction": "reliable_deterioration", "recovered": False}),
        ("phq9", 12, 4, {"change": -8, "direction": "reliable_improvement", "recovered": True}),
        (
            "phq9",
            Decimal("15.00"),
            Decimal("9.00"),
            {"change": -6, "direction": "reliable_improvement", "recovered": True},
        ),
        ("gad7", 12, 7, {"change": -5, "direction": "reliable_improvement", "recovered": True}),
        ("gad7", 8, 8, {"change": 0, "direction": "no_reliable_change", "recovered": False}),
        ("gad7", 7, 3, {"change": -4, "direction": "reliable_improvement", "recovered": False}),
        # WHO-5 on raw totals: 3 raw points are 12 percentage points; caseness is raw below 13 (≤ 50 %).
        ("who5", 10, 13, {"change": 3, "direction": "reliable_improvement", "recovered": True}),
        ("who5", 10, 12, {"change": 2, "direction": "no_reliable_change", "recovered": False}),
        ("who5", 15, 12, {"change": -3, "direction": "reliable_deterioration", "recovered": False}),
        ("core10", 20, 14, {"change": -6, "direction": "reliable_improvement", "recovered": False}),
        ("core10", 11.1, 5, {"change": -6.1, "direction": "reliable_improvement", "recovered": True}),
        (
            "core10",
            Decimal("10.00"),
            Decimal("11.10"),
            {"change": 1.1, "direction": "no_reliable_change", "recovered": False},
        ),
        ("audit", 20, 5, {"change": -15, "direction": None, "recovered": True}),
        ("hscl10", 1.89, 1.78, {"change": -0.11, "direction": None, "recovered": True}),
        ("hscl10", Decimal("1.85"), Decimal("1.84"), {"change": -0.01, "direction": None, "recovered": True}),
        ("dudit", 30, 0, {"change": -30, "direction": None, "recovered": None}),
        ("auditc", 8, 0, {"change": -8, "direction": None, "recovered": None}),
    ],
)
def test_classify_against_first(key, first, latest, expected):
    assert typed(classify_against_first(key, first, latest)) == typed(expected)


@pytest.mark.parametrize("key", ["phq9", "gad7", "core10", "who5"])
@no_database
@given(data=st.data())
def test_classify_direction_agrees_with_reliable_change(key, data):
    instrument = INSTRUMENTS[key]
    first, latest = (data.draw(st.integers(instrument.min_total, instrument.max_total)) for _ in range(2))
    scale = 4 if key == "who5" else 1
    assert (
        classify_against_first(key, first, latest)["direction"]
        == reliable_change(key, first * scale, latest * scale)["direction"]
    )


def test_reliable_change_on_who5_takes_percentages_and_refuses_raw_totals():
    assert reliable_change("who5", 40, 52) == {"change": 12, "direction": "reliable_improvement"}
    with pytest.raises(ValueError, match="raw total"):
        reliable_change("who5", 10, 13)
    with pytest.raises(ValueError, match="raw total"):
        reliable_change("who5", 100, 104)


def test_reliable_change_without_an_adopted_threshold_has_no_direction():
    assert reliable_change("audit", 20, 5) == {"change": -15, "direction": None}
    assert reliable_change("hscl10", 2, 1.5) == {"change": -0.5, "direction": None}


@pytest.mark.parametrize(
    ("key", "first", "latest"),
    [("who5", 40, 52), ("phq9", 28, 3), ("hscl10", 0, 2), ("phq9", None, 3), ("phq9", True, 3), ("phq9", "9", 3)],
)
def test_classify_refuses_values_off_the_scale(key, first, latest):
    with pytest.raises((ValueError, TypeError)):
        classify_against_first(key, first, latest)


def test_instrument_is_the_type_of_every_entry():
    assert all(isinstance(instrument, Instrument) for instrument in INSTRUMENTS.values())
