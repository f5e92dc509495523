"""What of a plan version a reader may see: one function for the screen, the PDF and the comparison.

``visible_content`` is the only place that decides which parts of a plan go to a reader. A part
the reader's grant does not cover is not loaded at all (its key is ``None``), so no template can
show it by mistake, and ``sections`` lists exactly what was shown, for the access log.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from measures.progress import goals_with_ratings
from people.models import CareTeamMember, Section

from .models import (
    TEXT_SCOPE,
    AssessmentArea,
    ContactEntry,
    CrisisPlan,
    MedicationWords,
    PlanIntervention,
    PlanText,
)

# What a comment can be about, and the section a reader needs to see (and write) it.
COMMENT_TOPICS = {
    "plan": (gettext_lazy("The plan as a whole"), Section.PLAN),
    "goals": (gettext_lazy("My goals"), Section.PLAN),
    "interventions": (pgettext_lazy("tiltak in the individual plan", "Interventions"), Section.PLAN),
    **{key: (PlanText.Key(key).label, scope) for key, scope in TEXT_SCOPE.items()},
    "contacts": (gettext_lazy("Who do I talk to about what"), Section.CONTACTS),
    "crisis_plans": (gettext_lazy("Crisis plans"), Section.CRISIS_PLAN),
    "assessment": (gettext_lazy("Functional assessment"), Section.FUNCTIONAL),
}

PHONE = re.compile(r"^\+?[0-9][0-9 ]{4,}$")


def comment_topics(grant):
    """The (key, label) choices a reader may comment on."""
    return [(key, label) for key, (label, scope) in COMMENT_TOPICS.items() if grant.may_see(scope)]


def visible_comment_keys(grant):
    return [key for key, (_label, scope) in COMMENT_TOPICS.items() if grant.may_see(scope)]


def how_to_reach(member):
    """A care-team member's phone: the one written on the team, else the staff profile's."""
    if member.person_contact:
        return member.person_contact
    profile = getattr(member.user, "staff_profile", None) if member.user_id else None
    return profile.phone if profile is not None else ""


def phone_href(text):
    """A ``tel:`` link for a phone number, or "" for anything else (an e-mail, a note)."""
    text = (text or "").strip()
    return "tel:" + text.replace(" ", "") if PHONE.match(text) else ""


def plan_sections(grant, *, crisis_only=False):
    """The record sections a reader is shown of a plan: what the page or PDF contains, for the access log.

    ``crisis_only`` is the crisis plan page (and its PDF): crisis plans and the contact overview.
    Goal ratings (measures) go with the plan only to a reader who may see both.
    """
    if crisis_only:
        wanted = [Section.CRISIS_PLAN, Section.CONTACTS]
    else:
        wanted = [Section.PLAN, Section.MEASURES, *TEXT_SCOPE.values(), Section.FUNCTIONAL]
        wanted += [Section.CONTACTS, Section.CRISIS_PLAN]
    sections = [section for section in dict.fromkeys(wanted) if grant.may_see(section)]
    if Section.PLAN not in sections and Section.MEASURES in sections:
        sections.remove(Section.MEASURES)
    return sections


def visible_content(grant, version, *, crisis_only=False):
    """Everything of ``version`` that ``grant`` may see; a part the reader may not see is ``None``.

    ``crisis_only`` gives the crisis plans and the contact overview alone (the crisis plan page
    and its PDF). ``sections`` in the result is ``plan_sections(grant, crisis_only=...)``.
    """
    sections = plan_sections(grant, crisis_only=crisis_only)
    citizen = grant.citizen
    content = {
        "citizen": citizen,
        "version": version,
        "crisis_only": crisis_only,
        "sections": sections,
        "texts": {},
        "plan": None,
        "assessment": None,
        "contacts": None,
        "crisis_plans": None,
        "medication_words": None,
    }
    if not crisis_only:
        content["medication_words"] = visible_medication_words(grant)
        saved = {t.key: t for t in version.texts.all()}
        for key, label in PlanText.Key.choices:
            if TEXT_SCOPE[key] in sections:
                text = saved.get(key)
                content["texts"][key] = {"key": key, "label": label, "text": text.text if text else ""}
    if Section.PLAN in sections and not crisis_only:
        show_ratings = Section.MEASURES in sections
        content["plan"] = {
            "coordinator": CareTeamMember.objects.active()
            .filter(citizen=citizen, role=CareTeamMember.Role.COORDINATOR)
            .select_related("user__staff_profile", "organisation")
            .first(),
            "goals": [
                {"goal": goal, "latest": _latest_rating(goal) if show_ratings else None}
                for goal in goals_with_ratings(citizen)
                if goal.is_open
            ],
            "show_ratings": show_ratings,
            "interventions": list(
                PlanIntervention.objects.filter(version=version).select_related(
                    "responsible__user", "responsible__organisation"
                )
            ),
        }
    if Section.FUNCTIONAL in sections:
        content["assessment"] = list(AssessmentArea.objects.filter(version=version))
    if Section.CONTACTS in sections:
        content["contacts"] = [
            {"entry": entry, "href": phone_href(entry.how_to_reach)}
            for entry in ContactEntry.objects.filter(version=version).select_related(
                "member__user", "member__organisation"
            )
        ]
    if Section.CRISIS_PLAN in sections:
        crisis_plans = CrisisPlan.objects.filter(version=version).prefetch_related(
            "contacts__user__staff_profile", "contacts__organisation"
        )
        content["crisis_plans"] = [
            {
                "plan": plan,
                "contacts": [
                    {"member": member, "reach": (reach := how_to_reach(member)), "href": phone_href(reach)}
                    for member in plan.contacts.all()
                ],
            }
            for plan in crisis_plans
        ]
    return content


def visible_medication_words(grant):
    """The citizen's newest own words on their medicine, for a reader who may see MEDICATION, else None.

    Beside every version of the plan (see ``MedicationWords``): ``{"newest": row or None}``.
    """
    if not grant.may_see(Section.MEDICATION):
        return None
    return {"newest": newest_medication_words(grant.citizen)}


def newest_medication_words(citizen):
    return MedicationWords.objects.filter(citizen=citizen).select_related("written_by").first()


def _latest_rating(goal):
    ratings = list(goal.ratings.all())
    return ratings[-1] if ratings else None


# Comparing two versions ------------------------------------------------------------------------


def _day(value):
    return date_format(value, "d.m.Y") if value else "–"


def _lines(text):
    return [line for line in (text or "").splitlines() if line.strip()]


def _joined(*parts):
    return " · ".join(part for part in parts if part)


def comparable(content):
    """The visible content as ``[(heading, [line, ...]), ...]`` in reading order, dates as dd.mm.yyyy.

    An empty part has no lines, so filling it in shows as added and emptying it as removed.
    """
    version = content["version"]
    parts = []
    plan = content["plan"]
    if plan is not None:
        parts.append(
            (
                _("Plan period and consent"),
                [
                    _("Plan period: %(start)s – %(end)s")
                    % {"start": _day(version.period_start), "end": _day(version.period_end)},
                    _("Next revision: %(date)s") % {"date": _day(version.next_revision)},
                    _("Consent is given.")
                    if version.consent_to_plan and version.consent_to_sharing
                    else _("Consent is not recorded."),
                ],
            )
        )
    for section in content["texts"].values():
        parts.append((section["label"], _lines(section["text"])))
    if plan is not None:
        parts.append(
            (
                pgettext("tiltak in the individual plan", "Interventions"),
                [
                    _joined(
                        intervention.what,
                        _("responsible: %(name)s") % {"name": intervention.responsible.display_name},
                        intervention.how.strip(),
                        intervention.frequency,
                        f"{_day(intervention.starts)} – {_day(intervention.ends)}"
                        if intervention.starts or intervention.ends
                        else "",
                    )
                    for intervention in plan["interventions"]
                ],
            )
        )
    if content["contacts"] is not None:
        parts.append(
            (
                _("Who do I talk to about what"),
                [
                    _joined(row["entry"].topic, row["entry"].member.display_name, row["entry"].how_to_reach)
                    for row in content["contacts"]
                ],
            )
        )
    for item in content["crisis_plans"] or []:
        crisis = item["plan"]
        names = [row["member"].display_name for row in item["contacts"]]
        if crisis.other_contacts:
            names.append(crisis.other_contacts)
        parts.append(
            (
                _("Crisis plan: %(title)s") % {"title": crisis},
                [
                    *(f"{_('Early warning signs')}: {line}" for line in _lines(crisis.warning_signs)),
                    *(f"{_('What helps')}: {line}" for line in _lines(crisis.what_helps) or ["–"]),
                    f"{_('Who is contacted')}: {', '.join(names) or '–'}",
                    *(f"{_('What is done')}: {line}" for line in _lines(crisis.what_is_done)),
                ],
            )
        )
    if content["assessment"] is not None:
        parts.append(
            (
                _("Functional assessment"),
                [
                    f"{area.get_life_area_display()}: {_('Needs:')} {area.needs.strip() or '–'} · "
                    f"{_('My resources:')} {area.resources.strip() or '–'}"
                    for area in content["assessment"]
                ],
            )
        )
    return parts


def _unique(parts):
    """``parts`` as a dict; a repeated heading (two crisis plans with one title) gets a number."""
    keyed, seen = {}, {}
    for heading, lines in parts:
        seen[heading] = seen.get(heading, 0) + 1
        keyed[heading if seen[heading] == 1 else f"{heading} ({seen[heading]})"] = lines
    return keyed


@dataclass
class DiffRow:
    left: str
    right: str
    change: str  # "same", "changed", "added" or "removed"


def compare_versions(left_content, right_content):
    """Side-by-side rows per heading: ``[(heading, changed?, [DiffRow, ...]), ...]``.

    A part present in only one version (e.g. a crisis plan added) shows as all added or removed.
    """
    left, right = _unique(comparable(left_content)), _unique(comparable(right_content))
    headings = list(dict.fromkeys([*left, *right]))
    result = []
    for heading in headings:
        a, b = left.get(heading, []), right.get(heading, [])
        rows = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if tag == "equal":
                rows += [DiffRow(line, line, "same") for line in a[i1:i2]]
            elif tag == "replace":
                old, new = a[i1:i2], b[j1:j2]
                for index in range(max(len(old), len(new))):
                    left_line = old[index] if index < len(old) else ""
                    right_line = new[index] if index < len(new) else ""
                    change = "changed" if left_line and right_line else ("removed" if left_line else "added")
                    rows.append(DiffRow(left_line, right_line, change))
            elif tag == "delete":
                rows += [DiffRow(line, "", "removed") for line in a[i1:i2]]
            else:
                rows += [DiffRow("", line, "added") for line in b[j1:j2]]
        result.append((heading, any(row.change != "same" for row in rows), rows))
    return result
