import datetime
import itertools

from people.models import Citizen
from people.national_id import with_check_digits

_serial = itertools.count(100)


def valid_national_id(prefix="170491123"):
    number = with_check_digits(prefix)
    assert number is not None
    return number


def make_national_id(born=datetime.date(1990, 5, 17)):
    """A synthetic (month + 80) national id that passes validation; unique per call."""
    while True:
        prefix = f"{born.day:02d}{born.month + 80:02d}{born.year % 100:02d}{next(_serial) % 500:03d}"
        number = with_check_digits(prefix)
        if number is not None and not Citizen.objects.filter(national_id=number).exists():
            return number
