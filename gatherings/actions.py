"""Every change to gatherings, their cards and answers, and the interview rounds.

**Cards.** A card's code is ten characters from ``people.models.ACCESS_CODE_ALPHABET`` (31
characters that cannot be mistaken for one another: about 49.5 bits), drawn with ``secrets``; only
its keyed hash (``people.models.hash_access_code``, the citizens' access codes' helper) is stored.
The codes are returned once, to be printed; nobody can show them again.

**One answer per code.** ``answer_with_code`` checks the answers first (nothing is touched when they
are wrong), then, in one transaction, marks the card used with a conditional UPDATE (``used=False``
→ ``True``: of two submissions at once, the database lets exactly one through) and stores the
answer, which holds no trace of the card. A code that is unknown, used, or of another gathering is
a ``CodeError`` with a message for the participant, and nothing is saved.
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from measures import fhir_forms
from measures.models import Questionnaire, QuestionnaireResponse
from people.access import Grant, citizens_served_by, log_write, unit_tree
from people.models import ACCESS_CODE_ALPHABET, Section, hash_access_code, normalise_access_code

from .models import (
    INTERVIEW_GUIDE_URL,
    QUESTIONNAIRE_OF_KIND,
    CourseAnswer,
    EvaluationCard,
    Gathering,
    InterviewRound,
    RoundInterview,
)
from .scope import units_run_by

CODE_LENGTH = 10
MAX_CARDS = 200
MAX_TITLE = 200


class CodeError(Exception):
    """A card code that gives no answer: ``kind`` is unknown, used or foreign; ``message`` says so."""

    MESSAGES = {
        "unknown": gettext_lazy("We do not recognise this code. Check the letters and numbers on your card."),
        "used": gettext_lazy("This code has already been used. Each card gives one answer."),
        "foreign": gettext_lazy(
            "This code belongs to another evaluation. Use the card you were given for this gathering."
        ),
    }

    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind

    @property
    def message(self):
        return str(self.MESSAGES[self.kind])


def formatted(code):
    """Groups of five, as printed on the card."""
    return " ".join(code[i : i + 5] for i in range(0, len(code), 5))


def new_code():
    return "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def may_run(user, unit_id):
    return unit_id in units_run_by(user)


def _require_runs(user, unit_id):
    if not may_run(user, unit_id):
        raise PermissionDenied


def current_questionnaire(url):
    return Questionnaire.objects.current().filter(url=url).first()


# Gatherings and cards ---------------------------------------------------------------------------


@transaction.atomic(durable=True)
def create_gathering(*, acting_user, unit, title, held_on, kind=Gathering.Kind.COURSE):
    """A gathering of ``unit`` with the current questionnaire of its kind (the course evaluation, or the
    relatives' satisfaction questionnaire for a relatives' survey); every field error at once."""
    _require_runs(acting_user, getattr(unit, "pk", None))
    errors = {}
    title = (title or "").strip()
    if not title and kind == Gathering.Kind.RELATIVES:
        errors["title"] = _("Write the name of the survey, e.g. “Relatives' survey spring 2027”.")
    elif not title:
        errors["title"] = _("Write the name of the course or gathering.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("Write at most %(n)d characters.") % {"n": MAX_TITLE}
    if held_on is None and kind == Gathering.Kind.RELATIVES:
        errors["held_on"] = _("Choose the day the survey starts.")
    elif held_on is None:
        errors["held_on"] = _("Choose the day of the gathering.")
    questionnaire = None
    if kind not in Gathering.Kind.values:
        errors["kind"] = _("Choose course, network gathering or relatives' survey.")
    else:
        questionnaire = current_questionnaire(QUESTIONNAIRE_OF_KIND[kind])
        if questionnaire is None and kind == Gathering.Kind.RELATIVES:
            errors.setdefault(
                "__all__", _("The relatives' satisfaction questionnaire is not installed. Ask an administrator.")
            )
        elif questionnaire is None:
            errors.setdefault(
                "__all__", _("The course evaluation questionnaire is not installed. Ask an administrator.")
            )
    if errors:
        raise ValidationError(errors)
    return Gathering.objects.create(
        unit=unit, title=title, held_on=held_on, kind=kind, questionnaire=questionnaire, created_by=acting_user
    )


@transaction.atomic(durable=True)
def issue_cards(gathering, count, *, acting_user):
    """``count`` new cards for ``gathering``; their codes, returned this once."""
    _require_runs(acting_user, gathering.unit_id)
    if not isinstance(count, int) or not 1 <= count <= MAX_CARDS:
        raise ValidationError({"count": _("Choose between 1 and %(max)d cards.") % {"max": MAX_CARDS}})
    codes = set()
    while len(codes) < count:
        codes.add(new_code())
    EvaluationCard.objects.bulk_create(
        EvaluationCard(gathering=gathering, code_hash=hash_access_code(code)) for code in codes
    )
    return sorted(codes)


def find_card(raw_code, gathering_id=None):
    """The unused card of ``raw_code`` (of ``gathering_id`` when given), or ``CodeError``."""
    code = normalise_access_code(raw_code or "")
    card = (
        EvaluationCard.objects.filter(code_hash=hash_access_code(code)).select_related("gathering").first()
        if len(code) == CODE_LENGTH
        else None
    )
    if card is None:
        raise CodeError("unknown")
    if gathering_id is not None and card.gathering_id != gathering_id:
        raise CodeError("foreign")
    if card.used:
        raise CodeError("used")
    return card


def check_course_answers(gathering, answers):
    """The participant's answers checked as complete against the gathering's questionnaire."""
    checked = fhir_forms.check_answers(gathering.questionnaire, answers, complete=True)
    if checked.errors:
        raise ValidationError(checked.errors)
    return checked


@transaction.atomic(durable=True)
def answer_with_code(raw_code, gathering, answers):
    """Use the card once and store the anonymous answer, in one transaction; see the module's notes."""
    checked = answers if isinstance(answers, fhir_forms.Answers) else check_course_answers(gathering, answers)
    if checked.questionnaire_id != gathering.questionnaire_id:
        raise ValueError("These answers were checked against another questionnaire.")
    code_hash = hash_access_code(normalise_access_code(raw_code or ""))
    used_now = EvaluationCard.objects.filter(code_hash=code_hash, gathering=gathering, used=False).update(used=True)
    if used_now != 1:
        find_card(raw_code, gathering.pk)  # says why: unknown, another gathering's, or used
        raise CodeError("used")  # used between the check and the update
    return CourseAnswer.objects.create(gathering=gathering, answered_on=timezone.localdate(), answers=checked.values)


# Interview rounds ---------------------------------------------------------------------------------


def create_round(*, acting_user, unit, name, opened_on):
    """The unit's next round of the interview guide (numbered 1, 2, 3… per unit)."""
    _require_runs(acting_user, getattr(unit, "pk", None))
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Name the round, e.g. “Baseline 2026”.")
    elif len(name) > MAX_TITLE:
        errors["name"] = _("Write at most %(n)d characters.") % {"n": MAX_TITLE}
    if opened_on is None:
        errors["opened_on"] = _("Choose the day the round opens.")
    questionnaire = current_questionnaire(INTERVIEW_GUIDE_URL)
    if questionnaire is None:
        errors.setdefault("__all__", _("The interview guide questionnaire is not installed. Ask an administrator."))
    if errors:
        raise ValidationError(errors)
    for _attempt in range(3):  # two leaders adding a round at once: the second takes the next number
        try:
            with transaction.atomic(durable=True):
                number = (InterviewRound.objects.filter(unit=unit).aggregate(n=Max("number"))["n"] or 0) + 1
                return InterviewRound.objects.create(
                    unit=unit,
                    name=name,
                    number=number,
                    opened_on=opened_on,
                    questionnaire=questionnaire,
                    created_by=acting_user,
                )
        except IntegrityError:
            continue
    raise ValidationError(_("Someone else added a round at the same time. Try again."))


def may_interview(user, grant: Grant, interview_round):
    """Staff of the round's unit with the citizen's measures in their grant, for a citizen the unit serves."""
    if grant is None or grant.is_self or not grant.may_see(Section.MEASURES):
        return False
    if not may_run(user, interview_round.unit_id):
        return False
    return citizens_served_by(unit_tree([interview_round.unit_id])).filter(pk=grant.citizen.pk).exists()


@transaction.atomic(durable=True)
def start_interview(grant: Grant, interview_round, *, acting_user):
    """The citizen's interview in the round: a draft response of the guide in the citizen's record,
    filled in with the citizen through the measures pages. Started twice, it is the same interview."""
    if not may_interview(acting_user, grant, interview_round):
        raise PermissionDenied
    interview_round = InterviewRound.objects.select_for_update().get(pk=interview_round.pk)
    existing = RoundInterview.objects.filter(round=interview_round, citizen=grant.citizen).first()
    if existing is not None:
        return existing.response
    response = QuestionnaireResponse.objects.create(
        citizen=grant.citizen,
        questionnaire=interview_round.questionnaire,
        author=acting_user,
        entered_on_behalf=True,
    )
    RoundInterview.objects.create(
        round=interview_round, citizen=grant.citizen, response=response, started_by=acting_user
    )
    log_write(
        grant,
        acting_user=acting_user,
        section=Section.MEASURES,
        detail=f"started interview guide for round {interview_round.pk} (response {response.pk})",
    )
    return response
