"""The individual plan, or its crisis plans alone, as a PDF to print, hand over or put on the fridge.

Only what the reader's grant may see is put into the HTML that WeasyPrint renders, so a hidden
section cannot leak through the PDF. Fonts come from our static folder: rendering never touches
the network. What goes in is ``plans.content.visible_content`` (the same as on screen). The caller (a view)
fetches the grant with ``people.access`` and logs the read of ``plan_sections(...)``; this module
reads no request and writes no log.
"""

import re

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from people.access import SectionDenied
from people.models import Section
from web.pdf import html_to_pdf

from .content import visible_content

TEMPLATE = "plans/pdf/plan.html"


def render_plan_pdf(grant, version, *, language, crisis_only=False, base_url=None) -> bytes:
    """The plan ``version`` as ``grant`` may see it, in ``language``, as PDF bytes.

    ``crisis_only`` gives the crisis plans (and the contact overview, if visible) in large type.
    ``base_url``: see ``web.pdf.html_to_pdf`` (by default our static folder, offline).
    Raises ``SectionDenied`` if the reader may not see the plan (or the crisis plan).
    """
    required = Section.CRISIS_PLAN if crisis_only else Section.PLAN
    if version.citizen_id != grant.citizen.pk:
        raise PermissionDenied
    if not grant.may_see(required):
        raise SectionDenied(required)
    with translation.override(language):
        context = pdf_content(grant, version, crisis_only=crisis_only)
        html = render_to_string(TEMPLATE, context)
    return html_to_pdf(html, base_url=base_url)


def pdf_content(grant, version, *, crisis_only=False):
    """The template context: the visible content, with the approval lines and the print date."""
    return {
        **visible_content(grant, version, crisis_only=crisis_only),
        "printed_on": timezone.localdate(),
        "approval": approval_lines(version),
        "page_counter": page_counter_css(),
    }


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
