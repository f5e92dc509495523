"""What must never be written into an anonymous register: numbers and addresses that could say who someone is.

``identifying_text(text)`` finds, in free text, an 11-digit identity number (fødselsnummer / D-number, also written
``DDMMYY NNNNN`` or with a hyphen), any other run of eight or more digits (a Norwegian or Danish phone number, a
Danish CPR number, a date of birth written out), eight or more digits in all however they are split, and an
e-mail address. It answers with a message that says what it
found, in plain words, or ``None``. It errs on the side of refusing: a member of staff can always write the note
again without the number.

``check_known_as(text)`` is stricter: a known-visitor nickname is letters (any alphabet), spaces and hyphens with
at most ``MAX_NICKNAME_DIGITS`` digits, so it can hold "Måke 12" but never a phone or identity number.
"""

import re

from django.utils.translation import gettext as _

# Digits separated by at most one space, hyphen, dot or slash (``22 33 44 55``, ``010190-12345``, ``+47 22…``).
_NUMBER = re.compile(r"\+?\d(?:[ .\-/]?\d)+")
_IDENTITY_NUMBER = re.compile(r"^\d{6}[ \-]?\d{5}$")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
LONG_NUMBER_DIGITS = 8
MAX_NICKNAME_DIGITS = 4
_NICKNAME = re.compile(r"^[^\W_]+(?:[ \-][^\W_]+)*$")


def identifying_text(text):
    """A message saying what in ``text`` could identify a person, or None when nothing does."""
    text = text or ""
    for match in _NUMBER.finditer(text):
        number = match.group()
        digits = sum(c.isdigit() for c in number)
        if digits == 11 and _IDENTITY_NUMBER.match(number.lstrip("+")):
            return _(
                "This looks like an identity number (11 digits). Remove it: the register holds nothing that says "
                "who the person is."
            )
        if digits >= LONG_NUMBER_DIGITS:
            return _(
                "This looks like a phone number or another long number. Remove it: the register holds nothing "
                "that says who the person is."
            )
    if sum(c.isdigit() for c in text) >= LONG_NUMBER_DIGITS:
        # Split by a comma or two spaces ("010190, 12345"), a number is still a number.
        return _(
            "The note holds eight or more digits in all, which together could be a phone or identity number. "
            "Leave the numbers out, or write them as words."
        )
    if _EMAIL.search(text):
        return _(
            "This looks like an e-mail address. Remove it: the register holds nothing that says who the person is."
        )
    return None


def normalised_known_as(text):
    """One spelling per nickname, so that repeat contacts are counted whoever types it: trimmed, single spaces,
    case-folded."""
    return " ".join((text or "").split()).casefold()


def check_known_as(text):
    """A message saying why ``text`` cannot be a known-visitor nickname, or None when it can."""
    text = " ".join((text or "").split())
    if not text:
        return None
    if "@" in text:
        return _("A nickname cannot be an e-mail address. Let the person choose a word they will remember.")
    if sum(c.isdigit() for c in text) > MAX_NICKNAME_DIGITS:
        return _("A nickname may hold at most %(n)d digits, so that it can never be a phone or identity number.") % {
            "n": MAX_NICKNAME_DIGITS
        }
    if len(text) < 2 or not _NICKNAME.match(text):
        return _("Use letters and numbers only (at least two), with spaces or hyphens between words.")
    return None
