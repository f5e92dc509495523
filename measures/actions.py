"""Every change to questionnaires, responses, scores and goals; each writes the access log."""

import functools
import logging
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from people.access import Grant, log_write
from people.models import Section
from samplan.prepared import insert

from . import fhir_forms, scoring, tasks
from .models import Goal, GoalRating, Questionnaire, QuestionnaireResponse, Score
from .signals import ratings_written, response_completed

logger = logging.getLogger(__name__)


def _log_write(grant, *, acting_user, section=Section.MEASURES, detail=""):
    log_write(grant, acting_user=acting_user, section=section, detail=detail)


def _require_measures(grant):
    """The citizen and staff with the section record measures and goals; a relative only reads them."""
    if not grant.may_see(Section.MEASURES) or grant.is_relative:
        raise PermissionDenied


@transaction.atomic  # not durable: the admin imports inside its own transaction
def import_questionnaire(resource, *, acting_user=None):
    """Store a new Questionnaire version; the newest becomes current. Same content twice is a no-op."""
    fhir_forms.validate_questionnaire(resource)
    url, version = resource["url"], resource["version"]
    existing = Questionnaire.objects.filter(url=url, version=version).first()
    if existing is not None:
        if existing.resource == resource:
            return existing, False
        raise fhir_forms.QuestionnaireError(
            f"version {version} of {url} already exists with other content; give the new one a new version"
        )
    Questionnaire.objects.filter(url=url, is_current=True).update(is_current=False)
    questionnaire = Questionnaire.objects.create(
        url=url,
        version=version,
        name=resource.get("name", ""),
        title=resource["title"],
        status=resource.get("status", "active"),
        loinc_code=fhir_forms.loinc_code(resource),
        scoring_key=fhir_forms.scoring_key(resource),
        resource=resource,
        imported_by=acting_user,
    )
    return questionnaire, True


@transaction.atomic(durable=True)
def start_response(grant: Grant, questionnaire, *, acting_user):
    """A new draft; staff filling in on the citizen's behalf is recorded as such."""
    _require_measures(grant)
    response = QuestionnaireResponse.objects.create(
        citizen=grant.citizen,
        questionnaire=questionnaire,
        author=acting_user,
        entered_on_behalf=not grant.is_self,
    )
    _log_write(grant, acting_user=acting_user, detail=f"started {questionnaire.title} (response {response.pk})")
    return response


def _locked(grant, response):
    """The response row locked for this transaction, its questionnaire read in the same query."""
    return (
        QuestionnaireResponse.objects.select_for_update(of=("self",))
        .select_related("questionnaire")
        .get(pk=response.pk, citizen=grant.citizen)
    )


def _checked(questionnaire, answers, *, complete):
    """The answers as checked against ``questionnaire``, once.

    The views hand in ``fhir_forms.Answers`` they checked; a direct caller (a script, a test) may
    hand in plain ``{linkId: [value]}``, which is checked here instead. Answers checked for another
    questionnaire, or only as a draft when completing, are a programming error.
    """
    if not isinstance(answers, fhir_forms.Answers):
        return fhir_forms.check_answers(questionnaire, answers, complete=complete)
    if answers.questionnaire_id != questionnaire.pk:
        raise ValueError("These answers were checked against another questionnaire.")
    if complete and not answers.complete:
        raise ValueError("Answers checked as a draft cannot complete a response.")
    return answers


@transaction.atomic(durable=True)
def save_draft(grant: Grant, response, answers, *, acting_user):
    """Keep every valid answer as it is given; return the errors for the rest. Nothing valid is lost:
    an answer that broke a rule leaves the one stored before it in place."""
    _require_measures(grant)
    response = _locked(grant, response)
    if response.is_completed:
        return response, {}
    answers = _checked(response.questionnaire, answers, complete=False)
    cleaned = dict(answers.values)
    for link_id in answers.invalid:
        if link_id in response.answers:
            cleaned.setdefault(link_id, response.answers[link_id])
    if cleaned != response.answers:
        response.answers = cleaned
        response.author = acting_user
        response.entered_on_behalf = response.entered_on_behalf or not grant.is_self
        response.save(update_fields=["answers", "author", "entered_on_behalf", "updated_at"])
        _log_write(grant, acting_user=acting_user, detail=f"saved draft of response {response.pk}")
    return response, answers.invalid


def _complete(grant, response, answers, *, acting_user):
    response.answers = answers.values
    response.status = QuestionnaireResponse.Status.COMPLETED
    response.authored_at = response.authored_at or timezone.now()
    response.author = acting_user
    response.entered_on_behalf = response.entered_on_behalf or not grant.is_self
    response.save()
    return _score_and_log_completion(grant, response, answers.items, acting_user=acting_user)


def _score_and_log_completion(grant, response, items, *, acting_user):
    score = scored(response, items)
    if score is not None and (score.result.get("item9_alert") or score.result.get("risk_item_alert")):
        transaction.on_commit(functools.partial(_queue_risk_notification, response.citizen_id, response.pk))
    detail = f"completed {response.questionnaire.title} (response {response.pk})"
    if score is not None:
        detail += f", score {score.total_display} {score.band}"
    _log_write(grant, acting_user=acting_user, detail=detail)
    response_completed.send(sender=QuestionnaireResponse, response=response)
    # The score is stored last: storing it updates the citizen's kept outcome summaries (insights),
    # whose episode rows stay locked until the commit, so another write for the same citizen waits
    # for as short a time as can be.
    if score is not None:
        insert(score)
    return response


def _queue_risk_notification(citizen_id, response_id):
    """After commit: the coordinators are e-mailed by the task queue, never inside the citizen's request.

    The response is stored whatever happens here; if the queue refuses, the risk answer still shows
    on the citizen's overview, and the error (ids only) is for the operators' monitoring.
    """
    try:
        tasks.notify_coordinators_of_risk.enqueue(citizen_id=citizen_id)
    except Exception as error:
        logger.error(
            "The e-mail about a risk answer (response %s, citizen %s) could not be queued (%s)",
            response_id,
            citizen_id,
            type(error).__name__,
        )


def score_response(response, items=None):
    """Compute and store the total score with the published rules. The client's total is never trusted.

    ``items`` are the questionnaire's parsed items if the caller holds them already.
    """
    score = scored(response, items)
    return None if score is None else insert(score)


def scored(response, items=None):
    """The total score of ``response`` by the published rules, not stored yet (None if the
    questionnaire has none); ValidationError if its answers cannot be scored."""
    key = response.questionnaire.scoring_key
    if not key or key not in scoring.INSTRUMENTS:
        return None
    instrument = scoring.INSTRUMENTS[key]
    if items is None:
        items = fhir_forms.questionnaire_items(response.questionnaire)
    items = {item.link_id: item for item in fhir_forms.walk(items)}
    values = []
    for number in range(1, instrument.item_count + 1):
        item = items.get(f"{key}-{number}")
        value = fhir_forms.item_value(item, response.answers.get(item.link_id)) if item else None
        if value is not None and value != value.to_integral_value():
            raise ValidationError(_("The questionnaire's scoring key is not a whole number; it cannot be scored."))
        values.append(None if value is None else int(value))
    result = scoring.score(key, values)
    if "error" in result:
        raise ValidationError(_("The answers cannot be scored (%(error)s).") % {"error": result["error"]})
    total = result.get("total", result.get("mean"))
    total = None if total is None else Decimal(str(total))
    return Score(
        response=response,
        citizen_id=response.citizen_id,
        instrument=key,
        total=total,
        band=result.get("band") or "",
        result=result,
        effective_at=response.authored_at,
    )


@transaction.atomic(durable=True)
def submit_response(grant: Grant, response, answers, *, acting_user):
    """Complete a response once. A second submit (double click, retry) returns the same response."""
    _require_measures(grant)
    response = _locked(grant, response)
    if response.is_completed:
        return response
    answers = _checked(response.questionnaire, answers, complete=True)
    if answers.errors:
        raise ValidationError(answers.errors)
    return _complete(grant, response, answers, acting_user=acting_user)


@transaction.atomic(durable=True)
def record_response(grant: Grant, questionnaire, answers, *, acting_user, idempotency_key, status, fresh_key=False):
    """A whole response at once (the FHIR API). The same idempotency key stores it only once.

    ``fresh_key``: the caller made the key just now (a random UUID, the client sent no identifier),
    so no response can have it: the INSERT need not allow for one stored already."""
    _require_measures(grant)
    complete = status == QuestionnaireResponse.Status.COMPLETED
    answers = _checked(questionnaire, answers, complete=complete)
    errors = answers.errors if complete else answers.invalid
    if errors:
        if not fresh_key:  # a replay is answered with what it stored, whatever it sends now
            existing = QuestionnaireResponse.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return _replayed(grant, existing, acting_user), False
        raise ValidationError(errors)
    fields = {
        "citizen": grant.citizen,
        "questionnaire": questionnaire,
        "author": acting_user,
        "entered_on_behalf": not grant.is_self,
        "idempotency_key": idempotency_key,
        "answers": answers.values,
        "status": QuestionnaireResponse.Status.COMPLETED if complete else QuestionnaireResponse.Status.IN_PROGRESS,
        "authored_at": timezone.now() if complete else None,
    }
    # Completed at once: one INSERT, no UPDATE; compiled once (samplan.prepared.insert, as save()).
    # A key the client sent may be stored already (a retry), or be stored by a request still running
    # (a retry sent at once): the INSERT then stores nothing and the stored response is the answer.
    response = insert(QuestionnaireResponse(**fields), ignore_conflicts=not fresh_key)
    if response is None:
        return _replayed(grant, QuestionnaireResponse.objects.get(idempotency_key=idempotency_key), acting_user), False
    if complete:
        _score_and_log_completion(grant, response, answers.items, acting_user=acting_user)
    else:
        _log_write(grant, acting_user=acting_user, detail=f"stored draft response {response.pk}")
    return response, True


def _replayed(grant, existing, acting_user):
    """The response stored under a replayed key, if it is this user's for this citizen."""
    if existing.citizen_id != grant.citizen.pk or existing.author_id != acting_user.pk:
        raise ValidationError({"identifier": _("This identifier is already used for another response.")})
    return existing


# Goals ------------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def add_goal(grant: Grant, *, acting_user, text, life_area=""):
    _require_measures(grant)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the goal in a few words.")})
    goal = Goal.objects.create(citizen=grant.citizen, text=text, life_area=life_area, created_by=acting_user)
    _log_write(grant, acting_user=acting_user, detail=f"added goal {goal.pk}")
    return goal


@transaction.atomic(durable=True)
def rate_goals(grant: Grant, ratings, *, acting_user, rated_at=None):
    """Rate several goals at one conversation; all or nothing."""
    _require_measures(grant)
    goals = {goal.pk: goal for goal in Goal.objects.filter(citizen=grant.citizen, closed_at__isnull=True)}
    errors = {}
    for goal_id, rating in ratings.items():
        if goal_id not in goals:
            errors[f"goal_{goal_id}"] = _("This goal is not open.")
        elif not isinstance(rating, int) or not 1 <= rating <= 10:
            errors[f"goal_{goal_id}"] = _("Choose a number from 1 to 10.")
    if errors:
        raise ValidationError(errors)
    rated_at = rated_at or timezone.now()
    created = GoalRating.objects.bulk_create(
        GoalRating(goal=goals[goal_id], rating=rating, rated_at=rated_at, rated_by=acting_user)
        for goal_id, rating in ratings.items()
    )
    ratings_written.send(sender=GoalRating, ratings=created)
    _log_write(grant, acting_user=acting_user, detail=f"rated {len(created)} goals")
    return created


@transaction.atomic(durable=True)
def close_goal(grant: Grant, goal, *, acting_user):
    _require_measures(grant)
    if goal.citizen_id != grant.citizen.pk:
        raise PermissionDenied
    goal.closed_at = timezone.now()
    goal.save(update_fields=["closed_at", "updated_at"])  # auto_now moves only when named here
    _log_write(grant, acting_user=acting_user, detail=f"closed goal {goal.pk}")
    return goal
