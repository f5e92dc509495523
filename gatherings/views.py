"""The evaluation pages: gatherings and their cards, the participants' anonymous answer page, and the
interview rounds. Who may open which page: ``gatherings.scope``; every summary read is logged with
``people.access.log_aggregate``; a citizen's interview is reached through ``people.access`` only.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from measures import fhir_forms
from measures.forms import QuestionnaireForm
from people.access import get_grant_or_404, log_aggregate, units_led_by
from people.models import Organisation, Section
from people.suppression import SMALL
from web.decorators import staff_required
from web.forms import add_errors

from . import actions, guessing, reports
from .charts import bar_chart
from .forms import CardsForm, CodeForm, GatheringForm, RoundForm
from .models import COURSE_EVALUATION_URL, INTERVIEW_GUIDE_URL, Gathering, InterviewRound
from .scope import evaluation_scope, interview_scope, units_run_by
from .sections import COURSE_EVALUATIONS, INTERVIEW_ROUNDS, RELATIVES_SURVEYS


def _units(scope):
    return Organisation.objects.filter(pk__in=scope.unit_ids).order_by("name")


def _items(questionnaire):
    return fhir_forms.questionnaire_items(questionnaire, get_language())


def _gathering_or_404(scope, gathering_id):
    gathering = (
        Gathering.objects.filter(pk=gathering_id, unit_id__in=scope.unit_ids)
        .select_related("unit", "questionnaire")
        .first()
    )
    if gathering is None:
        raise Http404
    return gathering


# Gatherings -------------------------------------------------------------------------------------


@staff_required
@require_GET
def gathering_list(request):
    """The gatherings of the units the user runs, newest first."""
    scope = evaluation_scope(request.user)
    gatherings = Gathering.objects.filter(unit_id__in=scope.unit_ids).select_related("unit")
    context = {
        "gatherings": gatherings,
        "units": list(_units(scope).values_list("name", flat=True)),
        "leads_units": _leads(request.user),
    }
    return render(request, "gatherings/list.html", context)


def _leads(user):
    return bool(units_led_by(user))


@staff_required
@require_http_methods(["GET", "POST"])
def gathering_create(request):
    scope = evaluation_scope(request.user)
    form = GatheringForm(request.POST or None, units=_units(scope))
    if request.method == "POST" and form.is_valid():
        try:
            gathering = actions.create_gathering(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The gathering is created. Print the cards for the participants."))
            return redirect("gatherings:cards", gathering_id=gathering.pk)
    return render(request, "gatherings/create.html", {"form": form}, status=400 if form.errors else 200)


@staff_required
@require_GET
def gathering_page(request, gathering_id):
    """One gathering's evaluation: seed 001's table (mean per question, n) and the same as a bar chart."""
    scope = evaluation_scope(request.user)
    gathering = _gathering_or_404(scope, gathering_id)
    report = reports.gathering_report(gathering, _items(gathering.questionnaire))
    chart = bar_chart(
        chart_id=f"gathering-{gathering.pk}",
        title=_("Mean satisfaction per question (1–%(max)d)") % {"max": report.scale_max},
        description=_(
            "Horizontal bars, one per question, from 0 to %(max)d. Not relevant and don't know are left out. "
            "A question with fewer than %(small)d answers has no bar. The same numbers are in the table."
        )
        % {"max": report.scale_max, "small": SMALL},
        rows=[(q.text, q.mean) for q in report.questions],
        scale_max=report.scale_max,
    )
    section = RELATIVES_SURVEYS if gathering.is_relatives_survey else COURSE_EVALUATIONS
    log_aggregate(request, scope, section, {"gathering": gathering.pk})
    context = {
        "gathering": gathering,
        "report": report,
        "chart": chart,
        "small": SMALL,
        "answer_url": request.build_absolute_uri(reverse("gatherings:answer")),
    }
    return render(request, "gatherings/gathering.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
@never_cache
def gathering_cards(request, gathering_id):
    """Print cards: the codes are made and shown in this one response, never again."""
    scope = evaluation_scope(request.user)
    gathering = _gathering_or_404(scope, gathering_id)
    form = CardsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = actions.issue_cards(gathering, form.cleaned_data["count"], acting_user=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            base = request.build_absolute_uri(reverse("gatherings:answer"))
            cards = [
                {
                    "code": actions.formatted(code),
                    "qr": _qr_svg_data_uri(request.build_absolute_uri(reverse("gatherings:answer_code", args=[code]))),
                }
                for code in codes
            ]
            return render(
                request, "gatherings/cards_print.html", {"gathering": gathering, "cards": cards, "base": base}
            )
    context = {"gathering": gathering, "form": form, "issued": gathering.cards.count()}
    return render(request, "gatherings/cards.html", context, status=400 if form.errors else 200)


def _qr_svg_data_uri(text):
    import base64
    from io import BytesIO

    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=6)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@staff_required
@require_GET
def compare(request):
    """The gatherings of each unit side by side, oldest first: the course evaluation's means over time.
    Relatives' surveys ask other questions and are left out (their own pages, and insights for leaders)."""
    scope = evaluation_scope(request.user)
    latest = actions.current_questionnaire(COURSE_EVALUATION_URL)
    tables = []
    if latest is not None:
        items = _items(latest)
        gatherings = list(
            Gathering.objects.filter(unit_id__in=scope.unit_ids)
            .exclude(kind=Gathering.Kind.RELATIVES)
            .select_related("unit")
        )
        for unit in _units(scope):
            mine = [g for g in gatherings if g.unit_id == unit.pk]
            if mine:
                columns, rows = reports.comparison(mine, items)
                tables.append({"unit": unit, "columns": columns, "rows": rows})
    log_aggregate(request, scope, COURSE_EVALUATIONS, {"compare": "gatherings"})
    return render(request, "gatherings/compare.html", {"tables": tables, "small": SMALL})


# The participant's answer --------------------------------------------------------------------------


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


def _code_page(request, form, status=200):
    return render(request, "gatherings/answer_code.html", {"form": form}, status=status)


def _answer_form(request, gathering, code, form, status=200):
    items = form.items
    given = form.answers() if form.is_bound else {}
    return render(
        request,
        "gatherings/answer_form.html",
        {
            "gathering": gathering,
            "code": code,
            "form": form,
            "title": fhir_forms.translated(gathering.questionnaire.resource, "title", get_language()),
            "tree": _tree(items, form, fhir_forms.enabled_items(items, given)),
        },
        status=status,
    )


def _refused(request, form, error):
    guessing.record_failure(request)
    form.add_error("code", error.message)
    return _code_page(request, form, status=400)


@require_http_methods(["GET", "POST"])
@never_cache
def answer(request, code=None):
    """Public, no login: type the code from the card (or follow its link), then answer. Nothing
    about the participant is stored; a wrong code is counted against the device (``guessing``)."""
    if request.method == "GET" and code is None:
        return _code_page(request, CodeForm())
    data = request.POST if request.method == "POST" else {"code": code}
    form = CodeForm(data)
    if guessing.locked(request):
        form.is_valid()
        form.add_error(None, _("Too many wrong codes from this device. Wait 15 minutes and try again."))
        return _code_page(request, form, status=429)
    if not form.is_valid():
        return _code_page(request, form, status=400)
    raw_code = form.cleaned_data["code"]
    gathering_id = request.POST.get("gathering") if request.method == "POST" else None
    try:
        if gathering_id is None:
            card = actions.find_card(raw_code)
        else:
            if not str(gathering_id).isdigit():
                raise actions.CodeError("foreign")
            card = actions.find_card(raw_code, int(gathering_id))
    except actions.CodeError as error:
        return _refused(request, form, error)
    gathering = card.gathering
    items = _items(gathering.questionnaire)
    if gathering_id is None:  # the code was right: now the questions
        return _answer_form(request, gathering, raw_code, QuestionnaireForm(items))
    questions = QuestionnaireForm(items, request.POST)
    questions.is_valid()
    checked = fhir_forms.check_answers(gathering.questionnaire, questions.answers(), complete=True, items=items)
    for link_id, message in checked.errors.items():
        questions.add_error(link_id if link_id in questions.fields else None, message)
    if questions.errors:
        return _answer_form(request, gathering, raw_code, questions, status=400)
    try:
        actions.answer_with_code(raw_code, gathering, checked)
    except actions.CodeError as error:
        return _refused(request, form, error)
    messages.success(request, _("Thank you! Your answers are saved. They cannot be traced back to you."))
    return redirect("gatherings:answer")


# Interview rounds ---------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def round_list(request):
    """The interview rounds of the units the user runs; a new round."""
    scope = evaluation_scope(request.user)
    form = RoundForm(request.POST or None, units=_units(scope))
    if request.method == "POST" and form.is_valid():
        try:
            made = actions.create_round(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The round “%(name)s” is open.") % {"name": made.name})
            return redirect("gatherings:rounds")
    rounds = (
        InterviewRound.objects.filter(unit_id__in=scope.unit_ids)
        .select_related("unit")
        .order_by("unit__name", "number")
    )
    context = {
        "form": form,
        "rounds": rounds,
        "leads_units": _leads(request.user),
        "guide_installed": actions.current_questionnaire(INTERVIEW_GUIDE_URL) is not None,
    }
    return render(request, "gatherings/rounds.html", context, status=400 if form.errors else 200)


@staff_required
@require_GET
def round_summary(request):
    """For leaders: the rounds of their units, per 1–9 question, small numbers suppressed."""
    scope = interview_scope(request.user)
    latest = actions.current_questionnaire(INTERVIEW_GUIDE_URL)
    units = []
    if latest is not None:
        items = _items(latest)
        rounds = list(InterviewRound.objects.filter(unit_id__in=scope.unit_ids).select_related("unit"))
        for unit in _units(scope):
            mine = [r for r in rounds if r.unit_id == unit.pk]
            if mine:
                units.append({"unit": unit, "summaries": reports.round_summaries(mine, items)})
    log_aggregate(request, scope, INTERVIEW_ROUNDS, {"rounds": "all"})
    return render(request, "gatherings/round_summary.html", {"units": units, "small": SMALL})


@staff_required
@require_POST
def round_interview(request, round_id):
    """Start (or go back to) a citizen's interview in a round, from the citizen's overview."""
    interview_round = InterviewRound.objects.filter(pk=round_id, unit_id__in=units_run_by(request.user)).first()
    if interview_round is None:
        raise Http404
    citizen_id = request.POST.get("citizen", "")
    if not citizen_id.isdigit():
        raise Http404
    detail = f"interview round {interview_round.pk}"
    grant = get_grant_or_404(request, int(citizen_id), Section.MEASURES, detail=detail)
    if not actions.may_interview(request.user, grant, interview_round):
        raise Http404
    response = actions.start_interview(grant, interview_round, acting_user=request.user)
    return redirect(response)
