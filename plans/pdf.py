"""The individual plan, or its crisis plans alone, as a PDF to print, hand over or put on the fridge.

Only what the reader's grant may see is put into the HTML that WeasyPrint renders, so a hidden
section cannot leak through the PDF. Fonts come from our static folder: rendering never touches
the network. The caller (a view) fetches the grant with ``people.access`` and logs the read of
``pdf_sections(...)``; this module reads no request and writes no log.
"""

import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from measures.progress import goals_with_ratings
from people.access import SectionDenied
from people.models import CareTeamMember, Section

from .models import TEXT_SCOPE, AssessmentArea, ContactEntry, CrisisPlan, PlanMeasure, PlanText

TEMPLATE = "plans/pdf/plan.html"
# Only local files (our fonts) and inline data may be loaded while rendering.
ALLOWED_PROTOCOLS = ("file", "data")


def render_plan_pdf(grant, version, *, language, crisis_only=False, base_url=None) -> bytes:
    """The plan ``version`` as ``grant`` may see it, in ``language``, as PDF bytes.

    ``crisis_only`` gives the crisis plans (and the contact overview, if visible) in large type.
    ``base_url`` is where relative URLs in the template resolve; by default our static folder,
    as a ``file://`` URL, so the vendored Inter font is found offline.
    Raises ``SectionDenied`` if the reader may not see the plan (or the crisis plan).
    """
    # Imported here so that a machine without Pango can still serve every page but this one.
    from weasyprint import HTML, URLFetcher

    required = Section.CRISIS_PLAN if crisis_only else Section.PLAN
    if version.citizen_id != grant.citizen.pk:
        raise PermissionDenied
    if not grant.may_see(required):
        raise SectionDenied(required)
    with translation.override(language):
        context = pdf_content(grant, version, crisis_only=crisis_only)
        html = render_to_string(TEMPLATE, context)
    document = HTML(
        string=html,
        base_url=base_url or static_base_url(),
        url_fetcher=URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS),
    )
    return document.write_pdf(pdf_tags=True)  # tagged: headings and tables reach a screen reader


def pdf_sections(grant, *, crisis_only=False):
    """The record sections a PDF for ``grant`` contains, for the caller's access log."""
    if crisis_only:
        wanted = [Section.CRISIS_PLAN, Section.CONTACTS]
    else:
        wanted = [Section.PLAN, Section.FUNCTIONAL, *TEXT_SCOPE.values(), Section.CONTACTS, Section.CRISIS_PLAN]
        if grant.may_see(Section.PLAN):
            wanted.append(Section.MEASURES)  # goal ratings
    return [section for section in dict.fromkeys(wanted) if grant.may_see(section)]


def static_base_url():
    """The static folder in the source tree as a file URL: present without collectstatic, and offline."""
    return Path(settings.BASE_DIR, "static").resolve().as_uri() + "/"


def pdf_content(grant, version, *, crisis_only=False):
    """The template context: each part only if ``grant`` may see its section, else left out."""
    citizen = grant.citizen
    may_see = grant.may_see
    context = {
        "citizen": citizen,
        "version": version,
        "crisis_only": crisis_only,
        "printed_on": timezone.localdate(),
        "approval": approval_lines(version),
        "page_counter": page_counter_css(),
        "texts": {},
    }
    if not crisis_only:
        texts = {t.key: t.text for t in version.texts.all()}
        context["texts"] = {
            key: {"label": label, "text": texts.get(key, "")}
            for key, label in PlanText.Key.choices
            if TEXT_SCOPE.get(key) is not None and may_see(TEXT_SCOPE[key])
        }
        if may_see(Section.PLAN):
            context["plan"] = {
                "coordinator": CareTeamMember.objects.active()
                .filter(citizen=citizen, role=CareTeamMember.Role.COORDINATOR)
                .select_related("user__staff_profile", "organisation")
                .first(),
                "goals": [
                    {"goal": goal, "latest": ratings[-1] if (ratings := list(goal.ratings.all())) else None}
                    for goal in goals_with_ratings(citizen)
                    if goal.is_open
                ],
                "show_ratings": may_see(Section.MEASURES),
                "measures": list(
                    PlanMeasure.objects.filter(version=version).select_related(
                        "responsible__user", "responsible__organisation"
                    )
                ),
            }
        if may_see(Section.FUNCTIONAL):
            context["assessment"] = list(AssessmentArea.objects.filter(version=version))
    if may_see(Section.CONTACTS):
        context["contacts"] = list(
            ContactEntry.objects.filter(version=version).select_related("member__user", "member__organisation")
        )
    if may_see(Section.CRISIS_PLAN):
        crisis_plans = CrisisPlan.objects.filter(version=version).prefetch_related(
            "contacts__user__staff_profile", "contacts__organisation"
        )
        context["crisis_plans"] = [
            {"plan": plan, "contacts": [(member, how_to_reach(member)) for member in plan.contacts.all()]}
            for plan in crisis_plans
        ]
    return context


def approval_lines(version):
    """Who approved the version and when, and when it took effect or was archived."""
    lines = []
    if version.archived_at:
        lines.append(_("Archived %(date)s") % {"date": _day(version.archived_at)})
    if version.activated_at:
        lines.append(_("In effect from %(date)s") % {"date": _day(version.activated_at)})
    if version.approved_by_citizen_at:
        lines.append(_("Approved by the citizen %(date)s") % {"date": _day(version.approved_by_citizen_at)})
    if version.approved_by_guardian_at:
        lines.append(_("Approved by the guardian %(date)s") % {"date": _day(version.approved_by_guardian_at)})
    if not (version.approved_by_citizen_at or version.approved_by_guardian_at):
        lines.append(_("Not approved yet"))
    return lines


def _day(moment):
    return date_format(timezone.localtime(moment), "d.m.Y")


def how_to_reach(member):
    """A care-team member's phone: the one written on the team, else the staff profile's."""
    if member.person_contact:
        return member.person_contact
    profile = getattr(member.user, "staff_profile", None) if member.user_id else None
    return profile.phone if profile is not None else ""


def page_counter_css():
    """The translated "Page N of M" as a CSS ``content`` value with the page counters in place."""
    sentence = _("Page %(number)s of %(total)s")
    counters = {"number": "counter(page)", "total": "counter(pages)"}
    parts = re.split(r"%\((number|total)\)s", sentence)
    values = [counters[part] if index % 2 else css_string(part) for index, part in enumerate(parts) if part]
    return mark_safe(" ".join(values))  # noqa: S308 - every literal part is escaped by css_string


def css_string(text):
    """``text`` as a quoted CSS string that is also safe inside an HTML <style> element."""
    escaped = "".join(char if char.isalnum() or char == " " else f"\\{ord(char):x} " for char in text)
    return f'"{escaped}"'
