"""The relatives pages: the citizen's (or their coordinator's) list of relatives and what each may
know, the staff's notes on conversations and children, and the relative's own start page.

Every page reaches the citizen through ``people.access`` and logs the read or the refusal; the
writes are ``relatives.actions``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from people import access
from people.access import SectionDenied, get_grant_or_404, log_denied, log_read
from people.models import AccessCode, CareTeamMember, Section
from people.views import code_activation
from web.forms import add_errors

from . import actions
from .forms import ChildForm, ChildrenQuestionForm, ConsentForm, RelativeActivationForm, RelativeForm, SupportForm
from .models import Child, ChildrenQuestion, Consent, Relative
from .sections import RELATIVES

# Where a relative's start page sends them for each section they may know (pages that exist for it).
SECTION_PAGES = {
    Section.OVERVIEW: "people:citizen",
    Section.PLAN: "plans:plan",
    Section.CRISIS_PLAN: "plans:crisis_plan",
    Section.MEASURES: "measures:overview",
    Section.PATHWAY: "pathways:episodes",
    "group": "groups:group",
}


def _grant(request, citizen_id, detail, *, write=False, check=None):
    """The grant if the reader may see the relatives (the citizen, or staff with the section)."""
    grant = get_grant_or_404(request, citizen_id, RELATIVES, log=False, detail=detail)
    allowed = (check or actions.may_read)(grant)
    if not allowed:
        log_denied(request, citizen_id, RELATIVES, detail)
        if write:
            raise PermissionDenied
        raise SectionDenied(RELATIVES)
    if not write:
        log_read(request, grant, RELATIVES, detail)
    return grant


def _relative(grant, relative_id):
    return get_object_or_404(Relative, pk=relative_id, citizen=grant.citizen)


def _back(grant):
    return reverse("people:citizen_home") if grant.is_self else grant.citizen.get_absolute_url()


def _relatives_url(grant):
    return reverse("relatives:list", args=[grant.citizen.pk])


@login_required
def relative_list(request, citizen_id):
    grant = _grant(request, citizen_id, "relatives")
    relatives = Relative.objects.filter(citizen=grant.citizen).prefetch_related(
        Prefetch("consents", queryset=Consent.objects.open(), to_attr="open_consents")
    )
    active = [r for r in relatives if r.ended_at is None]
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "relatives": active,
        "earlier": [r for r in relatives if r.ended_at is not None],
        "may_manage": actions.may_manage(grant),
        "staff": actions.may_support(grant),
        "back": _back(grant),
    }
    if actions.may_record_children(grant) or grant.is_self:
        context["children_question"] = ChildrenQuestion.objects.filter(citizen=grant.citizen).first()
        context["children"] = list(Child.objects.filter(citizen=grant.citizen, ended_at__isnull=True))
    return render(request, "relatives/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def relative_add(request, citizen_id):
    grant = _grant(request, citizen_id, "add relative", write=request.method == "POST", check=actions.may_manage)
    form = RelativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            relative = actions.add_relative(grant, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s is added. Choose what they may know, if anything.") % {"name": relative}
            )
            return redirect("relatives:relative", citizen_id, relative.pk)
    return render(
        request, "relatives/relative_form.html", {"grant": grant, "citizen": grant.citizen, "form": form, "new": True}
    )


def _detail_context(request, grant, relative, **forms):
    consents = list(relative.consents.select_related("recorded_by", "revoked_by"))
    current = next((c for c in consents if c.revoked_at is None), None)
    staff = actions.may_support(grant)
    consent_form = forms.get("consent_form") or ConsentForm(
        by_citizen=grant.is_self, initial={"sections": current.sections if current else []}
    )
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "relative": relative,
        "current": current,
        "history": [c for c in consents if c is not current],
        "may_manage": actions.may_manage(grant) and relative.ended_at is None,
        "staff": staff,
        "show_needs": staff or relative.needs_shared_with_citizen,
        "consent_form": consent_form,
        "support_form": forms.get("support_form") or (SupportForm(instance=relative) if staff else None),
        "has_login": relative.user_id is not None,
    }
    return context


@login_required
def relative_detail(request, citizen_id, relative_id):
    grant = _grant(request, citizen_id, f"relative {relative_id}")
    relative = _relative(grant, relative_id)
    return render(request, "relatives/relative.html", _detail_context(request, grant, relative))


@login_required
@require_http_methods(["GET", "POST"])
def relative_edit(request, citizen_id, relative_id):
    grant = _grant(
        request, citizen_id, f"edit relative {relative_id}", write=request.method == "POST", check=actions.may_manage
    )
    relative = _relative(grant, relative_id)
    form = RelativeForm(request.POST or None, instance=relative)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in RelativeForm.Meta.fields}
        try:
            actions.update_relative(grant, relative, acting_user=request.user, **fields)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("relatives:relative", citizen_id, relative.pk)
    return render(
        request,
        "relatives/relative_form.html",
        {"grant": grant, "citizen": grant.citizen, "form": form, "relative": relative},
    )


@login_required
@require_POST
def consent_give(request, citizen_id, relative_id):
    grant = _grant(request, citizen_id, f"consent for relative {relative_id}", write=True, check=actions.may_manage)
    relative = _relative(grant, relative_id)
    form = ConsentForm(request.POST, by_citizen=grant.is_self)
    if form.is_valid():
        try:
            actions.give_consent(
                grant,
                relative,
                form.cleaned_data["sections"],
                acting_user=request.user,
                confirmed_with_citizen=form.cleaned_data.get("confirmed_with_citizen", False),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved. %(name)s may know what you ticked, from now on.") % {"name": relative})
            return redirect("relatives:relative", citizen_id, relative.pk)
    log_read(request, grant, RELATIVES, f"relative {relative_id} (consent not saved)")
    context = _detail_context(request, grant, relative, consent_form=form)
    return render(request, "relatives/relative.html", context, status=400)


@login_required
@require_POST
def consent_revoke(request, citizen_id, relative_id, consent_id):
    grant = _grant(request, citizen_id, f"revoke consent {consent_id}", write=True, check=actions.may_manage)
    relative = _relative(grant, relative_id)
    consent = get_object_or_404(Consent, pk=consent_id, relative=relative)
    try:
        actions.revoke_consent(grant, consent, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The consent is taken back. %(name)s can no longer see it.") % {"name": relative})
    return redirect("relatives:relative", citizen_id, relative.pk)


@login_required
@require_POST
def relative_support(request, citizen_id, relative_id):
    grant = _grant(request, citizen_id, f"support for relative {relative_id}", write=True, check=actions.may_support)
    relative = _relative(grant, relative_id)
    form = SupportForm(request.POST, instance=relative)
    if form.is_valid():
        try:
            actions.record_support(grant, relative, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("relatives:relative", citizen_id, relative.pk)
    relative.refresh_from_db()
    log_read(request, grant, RELATIVES, f"relative {relative_id} (support not saved)")
    context = _detail_context(request, grant, relative, support_form=form)
    return render(request, "relatives/relative.html", context, status=400)


@login_required
@require_POST
def relative_remove(request, citizen_id, relative_id):
    grant = _grant(request, citizen_id, f"remove relative {relative_id}", write=True, check=actions.may_manage)
    relative = _relative(grant, relative_id)
    try:
        actions.remove_relative(grant, relative, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("relatives:relative", citizen_id, relative.pk)
    messages.success(request, _("%(name)s is no longer among the relatives.") % {"name": relative})
    return redirect("relatives:list", citizen_id)


@login_required
@require_POST
def relative_invite(request, citizen_id, relative_id):
    grant = _grant(request, citizen_id, f"invite relative {relative_id}", write=True, check=actions.may_manage)
    relative = _relative(grant, relative_id)
    try:
        code, invitation = actions.invite_relative(grant, relative, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("relatives:relative", citizen_id, relative.pk)
    return render(
        request,
        "relatives/invitation.html",
        {
            "grant": grant,
            "citizen": grant.citizen,
            "relative": relative,
            "code": AccessCode.formatted(code),
            "invitation": invitation,
            "activate_url": request.build_absolute_uri(reverse("relatives:activate")),
            "has_consent": relative.consents.open().exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def children(request, citizen_id):
    """Health-personnel law § 10 a: has the citizen children under 18, and is their need seen to?"""
    writing = request.method == "POST"
    grant = _grant(request, citizen_id, "children", write=writing, check=actions.may_record_children)
    question_form = ChildrenQuestionForm(request.POST if "answer" in request.POST else None)
    child_form = ChildForm(request.POST if "add_child" in request.POST else None)
    if writing and "answer" in request.POST and question_form.is_valid():
        try:
            actions.answer_children_question(
                grant, acting_user=request.user, has_children=question_form.cleaned_data["has_children"]
            )
        except ValidationError as error:
            add_errors(question_form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("relatives:children", citizen_id)
    elif writing and "add_child" in request.POST and child_form.is_valid():
        try:
            actions.add_child(grant, acting_user=request.user, **child_form.cleaned_data)
        except ValidationError as error:
            add_errors(child_form, error)
        else:
            messages.success(request, _("The child is recorded."))
            return redirect("relatives:children", citizen_id)
    if writing:
        log_read(request, grant, RELATIVES, "children (not saved)")
    question = ChildrenQuestion.objects.filter(citizen=grant.citizen).first()
    if question is not None and not question_form.is_bound:
        question_form = ChildrenQuestionForm(initial={"has_children": "yes" if question.has_children else "no"})
    context = {
        "grant": grant,
        "citizen": grant.citizen,
        "question": question,
        "question_form": question_form,
        "child_form": child_form,
        "children": list(Child.objects.filter(citizen=grant.citizen, ended_at__isnull=True)),
    }
    bound = question_form.is_bound or child_form.is_bound
    return render(request, "relatives/children.html", context, status=400 if bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def child_edit(request, citizen_id, child_id):
    writing = request.method == "POST"
    grant = _grant(request, citizen_id, f"child {child_id}", write=writing, check=actions.may_record_children)
    child = get_object_or_404(Child, pk=child_id, citizen=grant.citizen, ended_at__isnull=True)
    form = ChildForm(request.POST or None, instance=child)
    if writing and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ChildForm.Meta.fields}
        try:
            actions.update_child(grant, child, acting_user=request.user, **fields)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("relatives:children", citizen_id)
    if writing:
        log_read(request, grant, RELATIVES, f"child {child_id} (not saved)")
    return render(
        request,
        "relatives/child_form.html",
        {"grant": grant, "citizen": grant.citizen, "form": form, "child": child},
        status=400 if form.is_bound else 200,
    )


@login_required
def relative_home(request):
    """A relative's start page: whose relative they are, and what each has shared with them now."""
    rows = (
        CareTeamMember.objects.active()
        .filter(user=request.user, role=CareTeamMember.Role.RELATIVE)
        .select_related("citizen")
        .order_by("citizen__given_name", "pk")
    )
    grants = access.grants_for(request.user, [m.citizen_id for m in rows])
    shared = []
    for member in rows:
        grant = grants.get(member.citizen_id)
        links = [(key, url_name) for key, url_name in SECTION_PAGES.items() if grant and grant.may_see(key)]
        shared.append({"citizen": member.citizen, "links": links, "blocked": grant is None})
    if not shared:
        raise PermissionDenied
    for item in shared:
        if item["links"]:  # what the page names: the citizen and the parts shared, one read each
            keys = [key for key, _url in item["links"]]
            access.log_reads(request, grants[item["citizen"].pk], keys, "relative home")
    return render(request, "relatives/home.html", {"shared": shared})


@require_http_methods(["GET", "POST"])
def activate(request):
    """A relative turns their invitation code into a login."""
    return code_activation(
        request,
        RelativeActivationForm(request.POST or None),
        template="relatives/activate.html",
        activate=actions.activate_relative,
        credentials={"username": "relative-invitation"},
        locked_message=_("Too many wrong codes from this device. Wait 15 minutes, or ask for a new code."),
        then="relatives:home",
    )
