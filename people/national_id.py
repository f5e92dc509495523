"""Norwegian national identity numbers: fødselsnummer and D-number.

Eleven digits DDMMYY III K1 K2. Both check digits are mod-11 sums with the published
weights. A D-number adds 4 to the first digit of the day; synthetic test numbers
(Skatteetaten's Tenor) add 8 to the first digit of the month, and are accepted so that
demo and test data never collide with a real person.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
WEIGHTS_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

FNR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.2"


def check_digit(digits, weights):
    """The mod-11 check digit for ``digits``, or None where the number cannot be valid."""
    remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    result = (11 - remainder) % 11
    return None if result == 10 else result


def with_check_digits(first_nine):
    """Complete a nine-digit prefix, or return None if no valid check digit exists."""
    digits = [int(c) for c in first_nine]
    k1 = check_digit(digits, WEIGHTS_K1)
    if k1 is None:
        return None
    k2 = check_digit([*digits, k1], WEIGHTS_K2)
    if k2 is None:
        return None
    return f"{first_nine}{k1}{k2}"


def is_d_number(value):
    return value[0] in "4567"


def birth_date(value):
    """The birth date encoded in a valid number, or None if the date part is impossible."""
    day, month, year2 = int(value[0:2]), int(value[2:4]), int(value[4:6])
    individual = int(value[6:9])
    if day > 40:
        day -= 40
    if month > 80:
        month -= 80
    elif month > 40:  # H-numbers, used by some health services
        month -= 40
    if individual <= 499:
        century = 1900
    elif individual <= 749 and year2 >= 54:
        century = 1800
    elif year2 <= 39:
        century = 2000
    elif individual >= 900:
        century = 1900
    else:
        return None
    try:
        return datetime.date(century + year2, month, day)
    except ValueError:
        return None


def validate_national_id(value):
    if not (value.isascii() and value.isdigit()) or len(value) != 11:
        raise ValidationError(
            _("The national identity number must be exactly 11 digits, with no spaces or other characters."),
            code="format",
        )
    if with_check_digits(value[:9]) != value:
        raise ValidationError(
            _("The national identity number is not valid: the check digits do not match. Check each digit."),
            code="checksum",
        )
    if birth_date(value) is None:
        raise ValidationError(
            _("The national identity number is not valid: the first six digits are not a date."),
            code="date",
        )


def identifier_system(value):
    return DNR_SYSTEM if is_d_number(value) else FNR_SYSTEM
