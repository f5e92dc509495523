"""The individual plan on screen: each reader sees only the sections their scope allows."""

import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from measures.progress import goals_with_ratings
from people.access import SectionDenied, get_grant_or_404, log_denied, log_read
from people.models import CareTeamMember, Section
from people.views import add_errors

from . import actions
from .forms import AssessmentForm, CommentForm, ContactForm, CrisisPlanForm, MeasureForm, PeriodForm, TextSectionForm
from .models import (
    TEXT_SCOPE,
    AssessmentArea,
    ContactEntry,
    CrisisPlan,
    PlanComment,
    PlanMeasure,
    PlanText,
    PlanVersion,
)
from .pdf import render_plan_pdf

PLAN_SCOPES = (
    Section.PLAN,
    Section.CRISIS_PLAN,
    Section.CONTACTS,
    Section.FINANCE,
    Section.MEDICATION,
    Section.DAILY_PLAN,
    Section.FUNCTIONAL,
    Section.MANDATE,
)


def plan_grant(request, citizen_id, section=None, detail="individual plan"):
    """The reader's grant if they may see ``section`` (or any part of the plan); logs the read."""
    grant = get_grant_or_404(request, citizen_id, Section.OVERVIEW, log=False)
    wanted = (section,) if section else PLAN_SCOPES
    if not any(grant.may_see(scope) for scope in wanted):
        log_denied(request, citizen_id, section or Section.PLAN, detail)
        raise SectionDenied(section or Section.PLAN)
    log_read(request, grant, section or Section.PLAN, detail)
    return grant


def _version(grant, version_id):
    return get_object_or_404(PlanVersion, pk=version_id, citizen=grant.citizen)


def plan_content(grant, version):
    """Everything of ``version`` that ``grant`` may see, ready for the template (screen and PDF)."""
    texts = {t.key: t for t in version.texts.select_related("updated_by")}
    visible_texts = [
        {"key": key, "label": label, "text": texts.get(key), "scope": TEXT_SCOPE[key]}
        for key, label in PlanText.Key.choices
        if grant.may_see(TEXT_SCOPE[key])
    ]
    content = {"version": version, "texts": visible_texts}
    if grant.may_see(Section.PLAN):
        content["measures"] = PlanMeasure.objects.filter(version=version).select_related("responsible__user")
        content["goals"] = [g for g in goals_with_ratings(grant.citizen) if g.is_open]
        for goal in content["goals"]:
            ratings = list(goal.ratings.all())
            goal.latest_rating = ratings[-1].rating if ratings else None
        content["coordinator"] = (
            CareTeamMember.objects.active()
            .filter(citizen=grant.citizen, role=CareTeamMember.Role.COORDINATOR)
            .select_related("user")
            .first()
        )
    if grant.may_see(Section.CONTACTS):
        content["contacts"] = ContactEntry.objects.filter(version=version).select_related("member__user")
    if grant.may_see(Section.CRISIS_PLAN):
        content["crisis_plans"] = CrisisPlan.objects.filter(version=version).prefetch_related("contacts__user")
    if grant.may_see(Section.FUNCTIONAL):
        content["assessment"] = AssessmentArea.objects.filter(version=version)
    return content


@login_required
def plan(request, citizen_id):
    """The active plan, the open proposal, and the history of versions."""
    grant = plan_grant(request, citizen_id)
    versions = list(PlanVersion.objects.filter(citizen=grant.citizen).order_by("-number"))
    shown_id = request.GET.get("version")
    shown = next((v for v in versions if str(v.pk) == shown_id), None)
    shown = shown or next((v for v in versions if v.status in ("draft", "approved")), None)
    shown = shown or next((v for v in versions if v.status == "active"), None)
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "versions": versions,
        "may_edit": actions.may_edit_plan(grant),
        "comment_form": CommentForm(),
    }
    if shown is not None:
        context.update(plan_content(grant, shown))
        context["missing"] = actions.missing_contents(shown) if grant.may_see(Section.PLAN) else []
        context["comments"] = PlanComment.objects.filter(version=shown, resolved_at__isnull=True).select_related(
            "author"
        )
        context["may_approve"] = shown.status == "draft" and (
            grant.is_self
            or CareTeamMember.objects.active()
            .filter(citizen=grant.citizen, user=request.user, role=CareTeamMember.Role.GUARDIAN)
            .exists()
        )
        context["revision_due"] = actions.revision_due(shown)
    return render(request, "plans/plan.html", context)


@login_required
@require_POST
def start(request, citizen_id):
    grant = plan_grant(request, citizen_id, Section.PLAN, "start plan proposal")
    if not actions.may_edit_plan(grant):
        log_denied(request, citizen_id, Section.PLAN, "start plan proposal")
        raise SectionDenied(Section.PLAN)
    draft = actions.start_draft(grant, acting_user=request.user)
    return redirect(f"{reverse('plans:plan', args=[citizen_id])}?version={draft.pk}")


def _back(version):
    return f"{reverse('plans:plan', args=[version.citizen_id])}?version={version.pk}"


@login_required
@require_http_methods(["GET", "POST"])
def edit_text(request, citizen_id, version_id, key):
    """Edit one text section; a save against a newer revision shows both texts and loses neither."""
    if key not in PlanText.Key.values:
        raise SectionDenied(key)
    grant = plan_grant(request, citizen_id, TEXT_SCOPE[key], f"edit {key}")
    _require_editor(request, grant, citizen_id, f"edit {key}")
    version = _version(grant, version_id)
    section = get_object_or_404(PlanText, version=version, key=key)
    conflict = None
    if request.method == "POST":
        form = TextSectionForm(request.POST)
        if form.is_valid():
            try:
                actions.save_text(
                    grant,
                    version,
                    key,
                    form.cleaned_data["text"],
                    expected_revision=form.cleaned_data["revision"],
                    acting_user=request.user,
                )
            except actions.EditConflict as error:
                # Keep what this person typed; the next save is against the revision they now see.
                conflict = error
                section.refresh_from_db()
                form = TextSectionForm(initial={"text": error.yours, "revision": section.revision})
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(_back(version))
    else:
        form = TextSectionForm(initial={"text": section.text, "revision": section.revision})
    return render(
        request,
        "plans/edit_text.html",
        {
            "grant": grant,
            "citizen": grant.citizen,
            "version": version,
            "label": PlanText.Key(key).label,
            "key": key,
            "form": form,
            "conflict": conflict,
            "back": _back(version),
        },
        status=409 if conflict else 200,
    )


@login_required
@require_POST
def autosave_text(request, citizen_id, version_id, key):
    """Save a text section as the coordinator types (htmx); a conflict is reported, never forced."""
    if key not in PlanText.Key.values:
        raise SectionDenied(key)
    grant = get_grant_or_404(request, citizen_id, TEXT_SCOPE[key], log=False)
    version = _version(grant, version_id)
    form = TextSectionForm(request.POST)
    context = {"saved_at": None, "conflict": False, "revision": None}
    if form.is_valid():
        try:
            saved = actions.save_text(
                grant,
                version,
                key,
                form.cleaned_data["text"],
                expected_revision=form.cleaned_data["revision"],
                acting_user=request.user,
            )
        except actions.EditConflict:
            context["conflict"] = True
        except ValidationError:
            context["conflict"] = True
        else:
            context.update(saved_at=timezone.localtime(saved.updated_at), revision=saved.revision)
    return render(request, "plans/edit_text.html#autosave", context)


ROW_FORMS = {
    "measures": (MeasureForm, Section.PLAN, actions.save_measure, _("Add a measure")),
    "contacts": (ContactForm, Section.CONTACTS, actions.save_contact, _("Who do I talk to about what")),
    "crisis": (CrisisPlanForm, Section.CRISIS_PLAN, actions.save_crisis_plan, _("Add a crisis plan")),
    "assessment": (AssessmentForm, Section.FUNCTIONAL, actions.save_assessment, _("Functional assessment")),
}


@login_required
@require_http_methods(["GET", "POST"])
def add_row(request, citizen_id, version_id, kind):
    if kind not in ROW_FORMS:
        raise SectionDenied(kind)
    form_class, scope, save, title = ROW_FORMS[kind]
    grant = plan_grant(request, citizen_id, scope, f"add {kind}")
    _require_editor(request, grant, citizen_id, f"add {kind}")
    version = _version(grant, version_id)
    form = form_class(request.POST or None, citizen=grant.citizen)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            save(grant, version, acting_user=request.user, **fields)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_back(version))
    return _form_page(request, grant, version, form, title)


def _form_page(request, grant, version, form, title):
    context = {"grant": grant, "citizen": grant.citizen, "version": version, "form": form, "title": title}
    context["back"] = _back(version)
    return render(request, "plans/add_row.html", context, status=400 if form.errors else 200)


def _require_editor(request, grant, citizen_id, detail):
    """Edit pages are for those who may save: a reader is refused on GET too, and it is logged."""
    if not actions.may_edit_plan(grant):
        log_denied(request, citizen_id, Section.PLAN, detail)
        raise SectionDenied(Section.PLAN)


@login_required
@require_http_methods(["GET", "POST"])
def period(request, citizen_id, version_id):
    grant = plan_grant(request, citizen_id, Section.PLAN, "plan period and consent")
    _require_editor(request, grant, citizen_id, "plan period and consent")
    version = _version(grant, version_id)
    form = PeriodForm(request.POST or None, instance=version, initial={"revision": version.content_revision})
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in PeriodForm.Meta.fields}
        try:
            actions.save_period(
                grant, version, acting_user=request.user, expected_revision=form.cleaned_data["revision"], **fields
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_back(version))
    return _form_page(request, grant, version, form, _("Plan period, revision and consent"))


@login_required
@require_POST
def approve(request, citizen_id, version_id):
    grant = plan_grant(request, citizen_id, detail="approve plan")
    version = _version(grant, version_id)
    try:
        seen = int(request.POST.get("seen_revision", "-1"))
        actions.approve(grant, version, acting_user=request.user, seen_revision=seen)
    except (ValueError, ValidationError) as error:
        messages.error(request, error.messages[0] if isinstance(error, ValidationError) else _("Reload and try again."))
    else:
        messages.success(request, _("Thank you. The plan is approved."))
    return redirect(_back(version))


@login_required
@require_POST
def activate(request, citizen_id, version_id):
    grant = plan_grant(request, citizen_id, Section.PLAN, "put plan into effect")
    version = _version(grant, version_id)
    try:
        actions.activate(grant, version, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The plan is in effect. Everyone on the team sees the new version."))
    return redirect(_back(version))


@login_required
@require_POST
def comment(request, citizen_id, version_id):
    grant = plan_grant(request, citizen_id, detail="comment on plan")
    version = _version(grant, version_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            actions.add_comment(grant, version, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Your comment is sent to your coordinator."))
    else:
        messages.error(request, _("Write your comment."))
    return redirect(_back(version))


@login_required
def crisis_plan(request, citizen_id):
    """The crisis plans of the plan in effect (or the newest proposal), one tap from the citizen's home."""
    grant = plan_grant(request, citizen_id, Section.CRISIS_PLAN, "crisis plan")
    version = PlanVersion.objects.active(grant.citizen) or (
        PlanVersion.objects.filter(citizen=grant.citizen).order_by("-number").first()
    )
    content = plan_content(grant, version) if version else {}
    return render(request, "plans/crisis_plan.html", {"grant": grant, "citizen": grant.citizen, **content})


def _pdf_response(pdf, filename):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def plan_pdf(request, citizen_id, version_id):
    """The plan as PDF in the reader's language, with only what the reader may see."""
    grant = plan_grant(request, citizen_id, Section.PLAN, f"plan PDF, version {version_id}")
    version = _version(grant, version_id)
    pdf = render_plan_pdf(grant, version, language=get_language())
    return _pdf_response(pdf, f"individuell-plan-{version.number}.pdf")


@login_required
def crisis_plan_pdf(request, citizen_id):
    grant = plan_grant(request, citizen_id, Section.CRISIS_PLAN, "crisis plan PDF")
    version = PlanVersion.objects.active(grant.citizen) or (
        PlanVersion.objects.filter(citizen=grant.citizen).order_by("-number").first()
    )
    if version is None:
        raise Http404
    pdf = render_plan_pdf(grant, version, language=get_language(), crisis_only=True)
    return _pdf_response(pdf, f"kriseplan-{version.number}.pdf")


def _as_lines(grant, version):
    content = plan_content(grant, version)
    lines = [f"{_('Plan period')}: {version.period_start or '–'} – {version.period_end or '–'}"]
    for section in content["texts"]:
        lines.append(f"## {section['label']}")
        lines.extend((section["text"].text if section["text"] else "").splitlines() or ["–"])
    for measure in content.get("measures", []):
        lines.append(f"* {measure.what} – {measure.responsible.display_name} – {measure.frequency} – {measure.how}")
    for entry in content.get("contacts", []):
        lines.append(f"* {entry.topic}: {entry.member.display_name} {entry.how_to_reach}")
    for crisis in content.get("crisis_plans", []):
        lines.append(f"## {crisis}")
        lines.extend([crisis.warning_signs, crisis.what_helps, crisis.what_is_done])
    for area in content.get("assessment", []):
        lines.append(f"* {area}: {area.needs} / {area.resources}")
    return lines


@login_required
def compare(request, citizen_id):
    """Any two versions side by side, as the reader may see them."""
    grant = plan_grant(request, citizen_id, detail="compare plan versions")
    versions = list(PlanVersion.objects.filter(citizen=grant.citizen).order_by("-number"))
    by_id = {str(v.pk): v for v in versions}
    left, right = by_id.get(request.GET.get("a", "")), by_id.get(request.GET.get("b", ""))
    table = None
    if left and right:
        table = difflib.HtmlDiff(wrapcolumn=60).make_table(
            _as_lines(grant, left),
            _as_lines(grant, right),
            fromdesc=_("Version %(n)d") % {"n": left.number},
            todesc=_("Version %(n)d") % {"n": right.number},
        )
    return render(
        request,
        "plans/compare.html",
        {"grant": grant, "citizen": grant.citizen, "versions": versions, "left": left, "right": right, "table": table},
    )
