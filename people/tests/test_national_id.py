import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from people.national_id import birth_date, validate_national_id, with_check_digits


def independent_check(number):
    """Both mod-11 checks written out from the published weights, to test against."""
    d = [int(c) for c in number]
    s1 = 3 * d[0] + 7 * d[1] + 6 * d[2] + 1 * d[3] + 8 * d[4] + 9 * d[5] + 4 * d[6] + 5 * d[7] + 2 * d[8] + d[9]
    s2 = 5 * d[0] + 4 * d[1] + 3 * d[2] + 2 * d[3] + 7 * d[4] + 6 * d[5] + 5 * d[6] + 4 * d[7] + 3 * d[8] + 2 * d[9]
    s2 += d[10]
    return s1 % 11 == 0 and s2 % 11 == 0


@pytest.mark.parametrize(
    "prefix, expected",
    [
        ("010190124", "01019012480"),
        ("170491123", "17049112386"),
        ("410190123", "41019012393"),  # D-number: day + 40
        ("178591123", "17859112331"),  # synthetic (Tenor): month + 80
    ],
)
def test_completed_numbers_pass_both_published_checks(prefix, expected):
    assert with_check_digits(prefix) == expected
    assert independent_check(expected)
    validate_national_id(expected)


def test_a_prefix_whose_check_digit_would_be_ten_cannot_be_completed():
    assert with_check_digits("010190123") is None


def test_a_wrong_check_digit_is_refused_with_a_message_about_check_digits():
    good = "01019012480"
    bad = good[:10] + str((int(good[10]) + 1) % 10)
    with pytest.raises(ValidationError) as error:
        validate_national_id(bad)
    assert error.value.code == "checksum"
    assert "check digits" in error.value.messages[0]


@pytest.mark.parametrize("value", ["1234567890", "123456789012", "0101901234a", "010190 12345"])
def test_anything_but_eleven_digits_is_refused(value):
    with pytest.raises(ValidationError) as error:
        validate_national_id(value)
    assert error.value.code == "format"


def test_a_number_whose_date_cannot_exist_is_refused():
    number = with_check_digits("310290123") or with_check_digits("310290124")
    with pytest.raises(ValidationError) as error:
        validate_national_id(number)
    assert error.value.code == "date"


def test_birth_date_follows_the_individual_number_century_rules():
    assert birth_date("01019012300").year == 1990  # individual 123: 1900-1999
    assert birth_date("01010551200").year == 2005  # individual 512, year 05: 2000s
    assert birth_date("01016091200").year == 1960  # individual 912, year 60: 1940-1999
    assert birth_date("41019012300").day == 1  # D-number


@given(
    day=st.integers(1, 28),
    month=st.integers(1, 12),
    year=st.integers(0, 99),
    individual=st.integers(0, 499),
    position=st.integers(0, 10),
    delta=st.integers(1, 9),
)
def test_any_single_digit_error_is_caught(day, month, year, individual, position, delta):
    number = with_check_digits(f"{day:02d}{month:02d}{year:02d}{individual:03d}")
    if number is None:
        return
    validate_national_id(number)
    typo = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_national_id(typo)
