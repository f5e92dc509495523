import json
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from people.access import citizen_of, get_grant_or_404
from people.models import Section
from web.forms import add_errors

from . import actions, fhir_forms, scoring
from .bands import CITIZEN_SUMMARY, band_label
from .forms import GoalForm, QuestionnaireForm
from .models import Goal, Questionnaire, QuestionnaireResponse
from .progress import CHECKIN_KEY, citizen_progress, goals_with_ratings, perceived_benefit

GIVEN_BY_THE_SERVICE = {
    "session-feedback",
    "user-evaluation",
    "course-evaluation",
    "interview-guide",
    "relatives-satisfaction",  # answered by relatives with a card (gatherings), never in a citizen's record
}


def _grant(request, citizen_id, detail=""):
    return get_grant_or_404(request, citizen_id, Section.MEASURES, detail=detail)


@login_required
def overview(request, citizen_id):
    """Questionnaires to fill in, drafts to finish, and progress over time."""
    grant = _grant(request, citizen_id, "measures overview")
    citizen = grant.citizen
    drafts = (
        QuestionnaireResponse.objects.filter(citizen=citizen, status="in-progress")
        .select_related("questionnaire")
        .order_by("-updated_at")
    )
    questionnaires = Questionnaire.objects.current().order_by("title")
    if grant.is_self:
        # Evaluations are given by the service at set times (after a session, at the end of a pathway).
        questionnaires = [q for q in questionnaires if q.key not in GIVEN_BY_THE_SERVICE]
    context = {
        "grant": grant,
        "citizen": citizen,
        "questionnaires": questionnaires,
        "drafts": drafts,
        **citizen_progress(citizen),
    }
    return render(request, "measures/overview.html", context)


@login_required
@require_POST
def start(request, citizen_id, questionnaire_id):
    grant = _grant(request, citizen_id, "start questionnaire")
    questionnaire = get_object_or_404(Questionnaire.objects.current(), pk=questionnaire_id)
    response = actions.start_response(grant, questionnaire, acting_user=request.user)
    return redirect(response)


@login_required
def checkin(request):
    """The citizen's check-in: resume a draft from within the check-in interval, or start a new one."""
    citizen = citizen_of(request.user)
    if citizen is None:
        raise PermissionDenied
    grant = _grant(request, citizen.pk, "check-in")
    questionnaire = Questionnaire.objects.current().filter(url__endswith=f"/{CHECKIN_KEY}").first()
    if questionnaire is None:
        return redirect("people:citizen_home")
    since = timezone.now() - timedelta(hours=settings.CHECKIN_INTERVAL_HOURS)
    draft = (
        QuestionnaireResponse.objects.filter(
            citizen=citizen, questionnaire=questionnaire, status="in-progress", updated_at__gte=since
        )
        .order_by("-updated_at")
        .first()
    )
    if draft is None:
        draft = actions.start_response(grant, questionnaire, acting_user=request.user)
    return redirect(draft)


def _tree(items, form, enabled):
    return [
        {
            "item": item,
            "field": form[item.link_id] if item.is_question else None,
            "enabled": item.link_id in enabled,
            "conditional": bool(item.enable_when),
            "children": _tree(item.children, form, enabled),
        }
        for item in items
    ]


def _load_response(grant, response_id):
    return get_object_or_404(
        QuestionnaireResponse.objects.select_related("questionnaire", "score", "author"),
        pk=response_id,
        citizen=grant.citizen,
    )


def _check(form, questionnaire, *, complete):
    """Parse the POST with the form's fields, then check it against the questionnaire's rules:
    each once. Returns what parsed (the items shown follow it) and the checked answers.

    A value that does not parse keeps its field's error and is left out of the answers, as it is
    left out of a draft; each rule broken is put next to its field.
    """
    form.is_valid()
    given = form.answers()
    answers = fhir_forms.check_answers(questionnaire, given, complete=complete, items=form.items)
    for link_id, message in answers.errors.items():
        form.add_error(link_id if link_id in form.fields else None, message)
    return given, answers


@login_required
@require_http_methods(["GET", "POST"])
def response_page(request, citizen_id, response_id):
    """Fill in (GET shows the saved draft; POST submits) or, once completed, see the result."""
    grant = _grant(request, citizen_id, f"questionnaire response {response_id}")
    response = _load_response(grant, response_id)
    items = fhir_forms.questionnaire_items(response.questionnaire, get_language())
    if response.is_completed:
        # A second submit (double click, retry) lands on the result of the first.
        return redirect(response) if request.method == "POST" else _result(request, grant, response, items)
    if request.method == "POST":
        form = QuestionnaireForm(items, request.POST)
        given, answers = _check(form, response.questionnaire, complete=True)
        if not form.errors:  # the questionnaire's rules and every field's own parsing
            try:
                return redirect(actions.submit_response(grant, response, answers, acting_user=request.user))
            except ValidationError as error:  # answers the published rules cannot score: say so, keep them
                add_errors(form, error)
        # Nothing typed is lost: what passed is kept as the draft, next to the errors.
        saved, _errors = actions.save_draft(grant, response, answers, acting_user=request.user)
        if saved.is_completed:  # another submit got there first
            return redirect(saved)
    else:
        given = response.answers
        form = QuestionnaireForm(items, initial=QuestionnaireForm.initial_from(given, items))
    enabled = fhir_forms.enabled_items(items, given)
    return render(
        request,
        "measures/response_form.html",
        {
            "grant": grant,
            "citizen": grant.citizen,
            "response": response,
            "questionnaire": response.questionnaire,
            "title": _title(response.questionnaire),
            "form": form,
            "tree": _tree(items, form, enabled),
        },
        status=400 if form.errors else 200,
    )


def _title(questionnaire):
    resource = questionnaire.resource
    return fhir_forms.translated(resource, "title", get_language()) or questionnaire.title


@login_required
@require_POST
def autosave(request, citizen_id, response_id):
    """Save each answer as it is given (htmx). Reply with a status line and which items to show."""
    grant = get_grant_or_404(request, citizen_id, Section.MEASURES, log=False)
    response = _load_response(grant, response_id)
    items = fhir_forms.questionnaire_items(response.questionnaire, get_language())
    _given, answers = _check(QuestionnaireForm(items, request.POST), response.questionnaire, complete=False)
    response, errors = actions.save_draft(grant, response, answers, acting_user=request.user)
    enabled = fhir_forms.enabled_items(items, response.answers)
    conditional = [item.link_id for item in fhir_forms.walk(items) if item.enable_when]
    reply = render(
        request,
        "measures/response_form.html#autosave-status",
        {"saved_at": time_format(timezone.localtime(), "H:i"), "errors": errors, "completed": response.is_completed},
    )
    reply["HX-Trigger"] = json.dumps(
        {
            "samplan:items": {
                "show": [f"item-{i}" for i in conditional if i in enabled],
                "hide": [f"item-{i}" for i in conditional if i not in enabled],
            }
        }
    )
    return reply


def _result(request, grant, response, items):
    score = getattr(response, "score", None)
    answered = []
    for item in fhir_forms.walk(items):
        values = response.answers.get(item.link_id)
        if values:
            shown = [item.option(v).display if item.type == "choice" and item.option(v) else v for v in values]
            answered.append({"text": item.text, "answer": ", ".join(str(v) for v in shown)})
    return render(
        request,
        "measures/response_result.html",
        {
            "grant": grant,
            "citizen": grant.citizen,
            "response": response,
            "title": _title(response.questionnaire),
            "score": score,
            "instrument": scoring.INSTRUMENTS.get(score.instrument) if score else None,
            "band": band_label(score.band) if score else "",
            "summary": CITIZEN_SUMMARY.get(response.questionnaire.scoring_key, ""),
            "answered": answered,
            "is_checkin": response.questionnaire.key == CHECKIN_KEY,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def goals(request, citizen_id):
    """Goals in the citizen's own words, rated 1–10 at each conversation, and the perceived benefit."""
    grant = _grant(request, citizen_id, "goals")
    form = GoalForm(request.POST if "add_goal" in request.POST else None)
    rating_errors = {}
    if request.method == "POST" and "add_goal" in request.POST and form.is_valid():
        try:
            actions.add_goal(grant, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The goal is saved."))
            return redirect("measures:goals", citizen_id=citizen_id)
    elif request.method == "POST" and "rate" in request.POST:
        ratings, rating_errors = _ratings_from(request.POST)
        if not rating_errors and ratings:
            try:
                actions.rate_goals(grant, ratings, acting_user=request.user)
            except ValidationError as error:
                rating_errors = error.message_dict
            else:
                messages.success(request, _("The ratings are saved."))
                return redirect("measures:goals", citizen_id=citizen_id)
        elif not rating_errors:
            rating_errors = {"__all__": [_("Choose a number for at least one goal.")]}
    all_goals = goals_with_ratings(grant.citizen)
    open_goals = [g for g in all_goals if g.is_open]
    for goal in open_goals:
        ratings = list(goal.ratings.all())
        goal.latest_rating = ratings[-1].rating if ratings else None
        goal.posted = request.POST.get(f"goal_{goal.pk}", "")
        goal.error = rating_errors.get(f"goal_{goal.pk}", [""])[0] if rating_errors else ""
    return render(
        request,
        "measures/goals.html",
        {
            "grant": grant,
            "citizen": grant.citizen,
            "form": form,
            "open_goals": open_goals,
            "closed_goals": [g for g in all_goals if not g.is_open],
            "benefit": perceived_benefit(all_goals),
            "rating_errors": rating_errors,
            "scale": range(1, 11),
        },
        status=400 if rating_errors or form.errors else 200,
    )


def _ratings_from(data):
    ratings, errors = {}, {}
    for key, value in data.items():
        if not key.startswith("goal_") or value == "":
            continue
        goal_id = key.removeprefix("goal_")
        if not (goal_id.isascii() and goal_id.isdigit()) or len(goal_id) > 18:
            continue
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 10:
            errors[key] = [_("Choose a number from 1 to 10.")]
            continue
        ratings[int(goal_id)] = int(value)
    return ratings, errors


@login_required
@require_POST
def goal_close(request, citizen_id, goal_id):
    grant = _grant(request, citizen_id, "close goal")
    goal = get_object_or_404(Goal, pk=goal_id, citizen=grant.citizen)
    actions.close_goal(grant, goal, acting_user=request.user)
    messages.success(request, _("The goal is marked as finished."))
    return redirect("measures:goals", citizen_id=citizen_id)
