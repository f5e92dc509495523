"""What an anonymous note may not hold: numbers that could say who someone is, however they are split."""

import pytest

from social_emergency.identifying import identifying_text


@pytest.mark.parametrize(
    "note",
    [
        "fnr 01019012345",
        "fnr 010190 12345",
        "fnr 010190, 12345",  # split by a comma and a space
        "010190 - 12345",
        "tlf 22 33 44  55",  # two spaces
        "ring 4 7 9 1 2 3 4 5",
        "kari@example.org",
    ],
)
def test_a_number_or_address_that_could_identify_is_refused(note):
    assert identifying_text(note) is not None


@pytest.mark.parametrize("note", ["Kom kl. 23, gikk etter 45 min", "Trengte å snakke om søvn", ""])
def test_an_ordinary_note_is_let_through(note):
    assert identifying_text(note) is None
