"""The outcome figures computed by hand on a small fixture, then published with suppression."""

from decimal import Decimal

from insights.outcomes import effect_size, publish, tally
from measures import scoring

# PHQ-9 (lower is better; caseness 10 or more; reliable change 6 points), first and last score.
PAIRS = [
    (20, 8),  # reliably improved, recovered (reliably)
    (15, 12),  # no reliable change, still a case
    (12, 9),  # no reliable change, recovered (not reliably)
    (8, 16),  # reliably deteriorated, not a case at first
    (22, 10),  # reliably improved, still a case (10 is a case)
    (18, 4),  # reliably improved, recovered (reliably)
    (9, None),  # only one score: counted beside, not dropped
    (25, 5),  # reliably improved, recovered (reliably)
    (11, 3),  # reliably improved, recovered (reliably)
    (14, 14),  # no change, still a case
]


def test_the_tally_by_hand():
    counted = tally("phq9", PAIRS)
    assert (counted.with_two_scores, counted.only_one_score) == (9, 1)
    assert counted.directions == {scoring.IMPROVEMENT: 5, scoring.NO_CHANGE: 3, scoring.DETERIORATION: 1}
    assert (counted.at_caseness_first, counted.recovered, counted.reliably_recovered) == (8, 5, 4)
    # firsts 145 / 9, lasts 81 / 9, changes -64 / 9; SD of the firsts 5.5553 (sample).
    assert effect_size(counted) == Decimal("1.28")


def test_published_small_counts_and_what_would_give_them_back_are_withheld():
    shown = publish(tally("phq9", PAIRS))
    assert shown["reliably_improved"].value == 5
    assert not shown["no_reliable_change"].shown and not shown["reliably_deteriorated"].shown
    # 5 + 3 + 1 = 9: with the 9 published, the two small ones would add up to 4 and be guessable.
    assert not shown["with_two_scores"].shown
    assert shown["only_one_score"].withheld == "small"
    assert not shown["at_caseness_first"].shown and not shown["recovered"].shown
    assert not shown["reliably_recovered"].shown
    assert (shown["mean_first"], shown["mean_last"], shown["mean_change"]) == (
        Decimal("16.11"),
        Decimal("9.00"),
        Decimal("-7.11"),
    )


def test_with_enough_citizens_everything_is_shown():
    shown = publish(tally("phq9", PAIRS * 5))
    figures = {key: value.value for key, value in shown.items() if hasattr(value, "value")}
    assert figures == {
        "with_two_scores": 45,
        "only_one_score": 5,
        "reliably_improved": 25,
        "no_reliable_change": 15,
        "reliably_deteriorated": 5,
        "at_caseness_first": 40,
        "recovered": 25,
        "reliably_recovered": 20,
    }
    assert shown["effect_size"] == Decimal("1.34")  # the same change over a sample SD of 5.2968


def test_under_five_citizens_no_mean_and_no_effect_size():
    shown = publish(tally("phq9", PAIRS[:4]))
    assert shown["mean_first"] is None and shown["mean_change"] is None and shown["effect_size"] is None


def test_who5_counts_up():
    """WHO-5 (raw 0-25; higher is better; a case under 13): an improvement is a positive effect size."""
    pairs = [(8, 16), (10, 18), (6, 15), (12, 20), (9, 17)]
    counted = tally("who5", pairs)
    assert counted.at_caseness_first == 5 and counted.recovered == 5
    assert effect_size(counted) > 0
