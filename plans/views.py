"""The individual plan on screen: each reader sees only the sections their scope allows.

What a reader sees of a version comes from ``plans.content.visible_content`` (also used by the
PDF), and each page logs one read per section it shows.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from people.access import SectionDenied, get_grant_or_404, log_denied, log_read, log_reads
from people.models import CareTeamMember, Section
from web.forms import add_errors

from . import actions
from .content import (
    COMMENT_TOPICS,
    comment_topics,
    compare_versions,
    plan_sections,
    visible_content,
    visible_medication_words,
)
from .forms import (
    AssessmentForm,
    CommentForm,
    ContactForm,
    CrisisPlanForm,
    InterventionForm,
    MedicationWordsForm,
    PeriodForm,
    TextSectionForm,
)
from .models import ROW_MODELS, TEXT_SCOPE, MedicationWords, PlanComment, PlanText, PlanVersion
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


def plan_grant(request, citizen_id, section=None, detail="individual plan", *, log=True):
    """The reader's grant if they may see ``section`` (or any part of the plan).

    A refusal is always logged; the read is logged here unless the caller logs the sections it
    shows itself (``log=False``).
    """
    grant = get_grant_or_404(request, citizen_id, (section,) if section else PLAN_SCOPES, log=False, detail=detail)
    if log:
        log_read(request, grant, section or Section.PLAN, detail)
    return grant


def _version(grant, version_id):
    return get_object_or_404(PlanVersion, pk=version_id, citizen=grant.citizen)


def _is_guardian(grant, user):
    return (
        CareTeamMember.objects.active()
        .filter(citizen=grant.citizen, user=user, role=CareTeamMember.Role.GUARDIAN)
        .exists()
    )


def _current_version(grant):
    """The plan in effect, else the newest version (a proposal): what the crisis plan page shows."""
    return (
        PlanVersion.objects.active(grant.citizen)
        or PlanVersion.objects.filter(citizen=grant.citizen).order_by("-number").first()
    )


@login_required
def plan(request, citizen_id):
    """The active plan, the open proposal, and the history of versions."""
    grant = plan_grant(request, citizen_id, log=False)
    versions = list(PlanVersion.objects.filter(citizen=grant.citizen).order_by("-number"))
    shown_id = request.GET.get("version")
    shown = next((v for v in versions if str(v.pk) == shown_id), None)
    shown = shown or next((v for v in versions if v.status in ("draft", "approved")), None)
    shown = shown or next((v for v in versions if v.status == "active"), None)
    may_edit = actions.may_edit_plan(grant)
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "versions": versions,
        "may_edit": may_edit,
        "comment_topics": comment_topics(grant),
    }
    if shown is None:
        log_read(request, grant, Section.PLAN, "individual plan (none yet)")
        context["medication_words"] = visible_medication_words(grant)
        if context["medication_words"] is not None:
            log_read(request, grant, Section.MEDICATION, "own words on medication, beside the plan")
        return render(request, "plans/plan.html", context)
    content = visible_content(grant, shown)
    log_reads(request, grant, content["sections"], f"individual plan, version {shown.number}")
    is_guardian = not grant.is_self and _is_guardian(grant, request.user)
    approver = grant.is_self or is_guardian
    missing = actions.missing_contents(shown) if (grant.may_see(Section.PLAN) or approver) else []
    approved_at = shown.approved_by_citizen_at if grant.is_self else shown.approved_by_guardian_at
    context.update(
        content,
        missing=missing,
        editable=may_edit and shown.is_editable,
        comments=[
            (COMMENT_TOPICS[c.section][0], c)
            for c in actions.visible_comments(grant, shown)
            if c.section in COMMENT_TOPICS
        ],
        approver=approver and shown.status == PlanVersion.Status.DRAFT,
        approved_at=approved_at if approver else None,
        may_approve=approver and shown.status == PlanVersion.Status.DRAFT and not missing and not approved_at,
        revision_due=shown.is_revision_due(),
    )
    return render(request, "plans/plan.html", context)


@login_required
@require_POST
def start(request, citizen_id):
    """Open a proposal: a new plan, the next version, or an approved proposal opened for changes."""
    grant = plan_grant(request, citizen_id, Section.PLAN, "start plan proposal")
    _require_editor(request, grant, citizen_id, "start plan proposal")
    draft = actions.start_draft(grant, acting_user=request.user)
    return redirect(_back(draft))


def _back(version, anchor=""):
    return f"{reverse('plans:plan', args=[version.citizen_id])}?version={version.pk}{anchor}"


def _require_editor(request, grant, citizen_id, detail):
    """Edit pages are for those who may save: a reader is refused on GET too, and it is logged."""
    if not actions.may_edit_plan(grant):
        log_denied(request, citizen_id, Section.PLAN, detail)
        raise SectionDenied(Section.PLAN)


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
                return redirect(_back(version, f"#text-{key}"))
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
            "back": _back(version, f"#text-{key}"),
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
        except (actions.EditConflict, ValidationError):
            context["conflict"] = True
        else:
            context.update(saved_at=timezone.localtime(saved.updated_at), revision=saved.revision)
    return render(request, "plans/edit_text.html#autosave", context)


# Each kind of row: its form, the action that saves it, and the page titles (add, change).
ROW_FORMS = {
    "interventions": (
        InterventionForm,
        actions.save_intervention,
        gettext_lazy("Add an intervention"),
        gettext_lazy("Change the intervention"),
        "#interventions-heading",
    ),
    "contacts": (
        ContactForm,
        actions.save_contact,
        gettext_lazy("Add a contact"),
        gettext_lazy("Change the contact"),
        "#contacts-heading",
    ),
    "crisis_plans": (
        CrisisPlanForm,
        actions.save_crisis_plan,
        gettext_lazy("Add a crisis plan"),
        gettext_lazy("Change the crisis plan"),
        "#crisis-heading",
    ),
    "assessment": (
        AssessmentForm,
        actions.save_assessment,
        gettext_lazy("Add a life area"),
        gettext_lazy("Change the life area"),
        "#assessment-heading",
    ),
}


def _row_setup(request, citizen_id, version_id, kind, detail):
    if kind not in ROW_FORMS:
        raise SectionDenied(kind)
    scope = ROW_MODELS[kind][1]
    grant = plan_grant(request, citizen_id, scope, f"{detail} {kind}")
    _require_editor(request, grant, citizen_id, f"{detail} {kind}")
    return grant, _version(grant, version_id)


@login_required
@require_http_methods(["GET", "POST"])
def add_row(request, citizen_id, version_id, kind):
    grant, version = _row_setup(request, citizen_id, version_id, kind, "add")
    form_class, save, add_title, _change_title, anchor = ROW_FORMS[kind]
    form = form_class(request.POST or None, citizen=grant.citizen)
    if request.method == "POST" and form.is_valid():
        try:
            save(grant, version, acting_user=request.user, **form.row_fields())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_back(version, anchor))
    return _form_page(request, grant, version, form, add_title, back=_back(version, anchor))


@login_required
@require_http_methods(["GET", "POST"])
def edit_row(request, citizen_id, version_id, kind, row_id):
    """Change a tiltak, contact, crisis plan or life area; a save over someone else's shows what they saved."""
    grant, version = _row_setup(request, citizen_id, version_id, kind, "change")
    form_class, save, _add_title, change_title, anchor = ROW_FORMS[kind]
    row = get_object_or_404(ROW_MODELS[kind][0], pk=row_id, version=version)
    conflict = None
    if request.method == "POST":
        form = form_class(request.POST, instance=row, citizen=grant.citizen)
        if form.is_valid():
            try:
                save(
                    grant,
                    version,
                    acting_user=request.user,
                    row=row,
                    expected_revision=form.cleaned_data["revision"],
                    **form.row_fields(),
                )
            except actions.EditConflict as error:
                # Their saved values are shown; the form keeps what this person typed, against the new revision.
                conflict = error
                theirs = form_class(instance=error.theirs, citizen=grant.citizen).describe()
                data = request.POST.copy()
                data["revision"] = error.theirs.revision
                form = form_class(data, instance=error.theirs, citizen=grant.citizen)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(_back(version, anchor))
    else:
        form = form_class(instance=row, initial={"revision": row.revision}, citizen=grant.citizen)
    extra = {"row": row, "kind": kind, "conflict": conflict}
    if conflict is not None:
        extra["theirs"] = theirs
    return _form_page(request, grant, version, form, change_title, back=_back(version, anchor), **extra)


@login_required
@require_POST
def delete_row(request, citizen_id, version_id, kind, row_id):
    grant, version = _row_setup(request, citizen_id, version_id, kind, "remove")
    row = get_object_or_404(ROW_MODELS[kind][0], pk=row_id, version=version)
    try:
        revision = int(request.POST.get("revision", ""))
        actions.delete_row(grant, version, row, acting_user=request.user, expected_revision=revision)
    except ValueError:
        messages.error(request, _("Reload and try again."))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Removed from the proposal."))
    return redirect(_back(version, ROW_FORMS[kind][4]))


def _form_page(request, grant, version, form, title, *, back, **extra):
    context = {"grant": grant, "citizen": grant.citizen, "version": version, "form": form, "title": title}
    context.update(back=back, **extra)
    status = 409 if extra.get("conflict") else 400 if form.errors else 200
    return render(request, "plans/row_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def period(request, citizen_id, version_id):
    grant = plan_grant(request, citizen_id, Section.PLAN, "plan period and consent")
    _require_editor(request, grant, citizen_id, "plan period and consent")
    version = _version(grant, version_id)
    form = PeriodForm(request.POST or None, instance=version, initial={"revision": version.content_revision})
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in actions.PERIOD_FIELDS}
        try:
            actions.save_period(
                grant, version, acting_user=request.user, expected_revision=form.cleaned_data["revision"], **fields
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_back(version))
    return _form_page(request, grant, version, form, _("Plan period, revision and consent"), back=_back(version))


@login_required
@require_POST
def approve(request, citizen_id, version_id):
    grant = plan_grant(request, citizen_id, detail="approve plan")
    version = _version(grant, version_id)
    try:
        seen = int(request.POST.get("seen_revision", "-1"))
        version = actions.approve(grant, version, acting_user=request.user, seen_revision=seen)
    except ValueError:
        messages.error(request, _("Reload and try again."))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if version.status == PlanVersion.Status.APPROVED:
            messages.success(request, _("Thank you. The plan is approved."))
        else:
            messages.success(request, _("Thank you. The plan is approved when the other party has approved it too."))
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
    return redirect(_back(version, "#comment-heading"))


@login_required
@require_POST
def resolve_comment(request, citizen_id, comment_id):
    grant = plan_grant(request, citizen_id, Section.PLAN, "resolve plan comment")
    _require_editor(request, grant, citizen_id, "resolve plan comment")
    comment = get_object_or_404(PlanComment, pk=comment_id, version__citizen=grant.citizen)
    actions.resolve_comment(grant, comment, acting_user=request.user)
    messages.success(request, _("The comment is marked as handled."))
    return redirect(_back(comment.version, "#comments-heading"))


MEDICATION_HISTORY = 20  # the earlier words shown; older ones stay stored


@login_required
@require_http_methods(["GET", "POST"])
def medication_words(request, citizen_id):
    """The citizen's own words on their medicine, beside the plan (``MedicationWords``): the citizen writes them, on a
    phone as a rule; a reader whose scope includes MEDICATION reads them and the earlier ones. Reads, writes and
    refusals are logged under MEDICATION."""
    grant = plan_grant(request, citizen_id, Section.MEDICATION, "own words on medication")
    history = list(
        MedicationWords.objects.filter(citizen=grant.citizen).select_related("written_by")[: MEDICATION_HISTORY + 1]
    )
    newest = history[0] if history else None
    conflict, form = None, None
    if request.method == "POST":
        if not grant.is_self:
            log_denied(request, citizen_id, Section.MEDICATION, "write own words on medication")
            raise SectionDenied(Section.MEDICATION)
        form = MedicationWordsForm(request.POST)
        if form.is_valid():
            words = {name: form.cleaned_data[name] for name in actions.MEDICATION_WORDS_FIELDS}
            try:
                actions.write_medication_words(
                    grant, acting_user=request.user, based_on=form.cleaned_data["based_on"], **words
                )
            except actions.WordsConflict as error:
                # Keep what was typed; the next save is against the words now shown.
                conflict = error.theirs
                form = MedicationWordsForm(initial={**words, "based_on": conflict.pk})
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Saved. Your team reads this under the medication plan."))
                return redirect("plans:medication_words", citizen_id=citizen_id)
    elif grant.is_self:
        initial = {name: getattr(newest, name) for name in actions.MEDICATION_WORDS_FIELDS} if newest else {}
        form = MedicationWordsForm(initial={**initial, "based_on": newest.pk if newest else None})
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "form": form,
        "newest": newest,
        "earlier": history[1 : MEDICATION_HISTORY + 1],
        "conflict": conflict,
    }
    status = 409 if conflict else 400 if form is not None and form.errors else 200
    return render(request, "plans/medication_words.html", context, status=status)


@login_required
def crisis_plan(request, citizen_id):
    """The crisis plans of the plan in effect (or the newest proposal), one tap from the citizen's home."""
    grant = plan_grant(request, citizen_id, Section.CRISIS_PLAN, "crisis plan", log=False)
    version = _current_version(grant)
    if version is None:
        log_read(request, grant, Section.CRISIS_PLAN, "crisis plan (none yet)")
        content = {}
    else:
        content = visible_content(grant, version, crisis_only=True)
        log_reads(request, grant, content["sections"], f"crisis plan, version {version.number}")
    return render(request, "plans/crisis_plan.html", {"grant": grant, **content, "citizen": grant.citizen})


def _pdf_response(pdf, filename):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def plan_pdf(request, citizen_id, version_id):
    """The plan as PDF in the reader's language, with only what the reader may see."""
    grant = plan_grant(request, citizen_id, Section.PLAN, f"plan PDF, version {version_id}", log=False)
    version = _version(grant, version_id)
    log_reads(request, grant, plan_sections(grant), f"plan PDF, version {version.number}")
    pdf = render_plan_pdf(grant, version, language=get_language())
    return _pdf_response(pdf, f"individuell-plan-{version.number}.pdf")


@login_required
def crisis_plan_pdf(request, citizen_id):
    grant = plan_grant(request, citizen_id, Section.CRISIS_PLAN, "crisis plan PDF", log=False)
    version = _current_version(grant)
    if version is None:
        raise Http404
    log_reads(request, grant, plan_sections(grant, crisis_only=True), f"crisis plan PDF, version {version.number}")
    pdf = render_plan_pdf(grant, version, language=get_language(), crisis_only=True)
    return _pdf_response(pdf, f"kriseplan-{version.number}.pdf")


@login_required
def compare(request, citizen_id):
    """Any two versions side by side, as the reader may see them."""
    grant = plan_grant(request, citizen_id, detail="compare plan versions", log=False)
    versions = list(PlanVersion.objects.filter(citizen=grant.citizen).order_by("-number"))
    by_id = {str(v.pk): v for v in versions}
    left, right = by_id.get(request.GET.get("a", "")), by_id.get(request.GET.get("b", ""))
    parts = None
    if left and right:
        parts = compare_versions(visible_content(grant, left), visible_content(grant, right))
        log_reads(request, grant, plan_sections(grant), f"compare plan versions {left.number} and {right.number}")
    else:
        log_read(request, grant, Section.PLAN, "compare plan versions (list)")
    context = {"grant": grant, "citizen": grant.citizen, "versions": versions, "left": left, "right": right}
    context["changed"] = [part for part in parts or [] if part[1]]
    context["unchanged"] = [part[0] for part in parts or [] if not part[1]]
    context["compared"] = parts is not None
    return render(request, "plans/compare.html", context)
