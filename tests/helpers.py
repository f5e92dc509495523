from people.national_id import with_check_digits


def valid_national_id(prefix="170491123"):
    number = with_check_digits(prefix)
    assert number is not None
    return number
