"""Samplan records as FHIR R4 resources (plain dicts; tests validate them with fhir.resources)."""

import datetime
import functools

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from groups.actions import PartStatus
from groups.models import AgendaItem, Meeting, Minutes
from measures import fhir_forms
from people.national_id import identifier_system
from plans.models import CrisisPlan, PlanText, PlanVersion


def patient(citizen):
    resource = {
        "resourceType": "Patient",
        "id": str(citizen.pk),
        "meta": {"lastUpdated": citizen.updated_at.isoformat()},
        "identifier": [{"system": identifier_system(citizen.national_id), "value": citizen.national_id}],
        "name": [{"use": "official", "family": citizen.family_name, "given": citizen.given_name.split()}],
        "birthDate": citizen.date_of_birth.isoformat(),
        "communication": [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": citizen.preferred_language}]},
                "preferred": True,
            }
        ],
    }
    telecom = []
    if citizen.phone:
        telecom.append({"system": "phone", "value": citizen.phone})
    if citizen.email:
        telecom.append({"system": "email", "value": citizen.email})
    if telecom:
        resource["telecom"] = telecom
    return resource


def searchset(resources, *, total, self_url, next_url, base_url, resource_type):
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base_url}{resource_type}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ],
    }


SAMPLAN_BAND_SYSTEM = "https://samplan.no/fhir/CodeSystem/score-band"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"


def questionnaire(q):
    """The stored Questionnaire JSON with Samplan's id and version metadata."""
    resource = dict(q.resource)
    resource["id"] = str(q.pk)
    resource["meta"] = {"lastUpdated": q.imported_at.isoformat()}  # versionId: fhir_api.responses
    return resource


def questionnaire_response(response, items, to_items=fhir_forms.to_fhir_items):
    """``to_items(items, answers)`` makes the answers FHIR items (a bulk export passes a memo of its
    own, ``fhir_forms.ItemWriter``)."""
    system, bar, value = str(response.idempotency_key).rpartition("|")
    identifier = {"system": system, "value": value} if bar and system else {"value": value}
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "meta": {"lastUpdated": response.updated_at.isoformat()},
        "identifier": identifier,
        "questionnaire": response.questionnaire.canonical,
        "status": response.status,
        "subject": {"reference": f"Patient/{response.citizen_id}"},
        "item": to_items(items, response.answers),
    }
    if response.authored_at:
        resource["authored"] = response.authored_at.isoformat()
    if response.entered_on_behalf and response.author_id:
        resource["author"] = {"reference": f"Practitioner/{response.author_id}"}
    else:
        resource["author"] = {"reference": f"Patient/{response.citizen_id}"}
    return resource


# The parts every score's Observation shares, made once: a search maps a year of scores at a time.
# Shared between resources, so nothing may change them in place (what serves them only reads).
SURVEY_CATEGORY = [
    {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "survey",
                "display": "Survey",
            }
        ]
    }
]


@functools.lru_cache(maxsize=256)
def _score_code(system, code, display):
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


@functools.lru_cache(maxsize=1024)
def _band_interpretation(band):
    return [{"coding": [{"system": SAMPLAN_BAND_SYSTEM, "code": band}]}]


def instant(moment):
    """A stored moment as FHIR gets it, the UTC ``datetime.isoformat()`` (2026-01-15T11:00:00.500000+00:00),
    from a datetime or from the text the database wrote it as: PostgreSQL's in its ISO style (which
    ``samplan.postgres`` makes sure of) in UTC (Django's sessions), with ``+00`` and the fraction's
    trailing zeros cut; SQLite's as Django stores it, without an offset. Anything else is parsed."""
    if not isinstance(moment, str):
        return moment.isoformat()
    text = moment[:-3] if moment.endswith("+00") else moment
    if len(text) >= 19 and text[4] == "-" and text[10] == " " and text[19:20] in ("", "."):
        if len(text) == 19:
            return f"{text[:10]}T{text[11:]}+00:00"
        if 21 <= len(text) <= 26 and text[20:].isdigit():
            return f"{text[:10]}T{text[11:19]}.{text[20:]:0<6}+00:00"
    parsed = parse_datetime(moment)
    if parsed is None:
        raise ValueError(f"Not a stored moment: {moment!r}")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, datetime.UTC)
    return parsed.astimezone(datetime.UTC).isoformat()


def observation(score, total_code):
    """A total score as an Observation derived from its QuestionnaireResponse (``score``: a Score,
    or a row whose two moments may be the database's text, see ``instant``)."""
    resource = {
        "resourceType": "Observation",
        "id": str(score.pk),
        "meta": {"lastUpdated": instant(score.created_at)},  # a score is never changed
        "status": "final",
        "category": SURVEY_CATEGORY,
        "code": _score_code(*total_code),
        "subject": {"reference": f"Patient/{score.citizen_id}"},
        "effectiveDateTime": instant(score.effective_at),
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{score.response_id}"}],
    }
    if score.total is None:
        resource["dataAbsentReason"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "not-performed"}],
            "text": score.result.get("reason", "not scorable"),
        }
    elif score.total == score.total.to_integral_value():
        resource["valueInteger"] = int(score.total)
    else:
        resource["valueQuantity"] = {"value": float(score.total)}
    if score.band:
        resource["interpretation"] = _band_interpretation(score.band)
    return resource


# Individual plan, goals and care team -----------------------------------------------------------

SAMPLAN_FHIR = "https://samplan.no/fhir"
CARE_TEAM_ROLE_SYSTEM = f"{SAMPLAN_FHIR}/CodeSystem/care-team-role"
LIFE_AREA_SYSTEM = f"{SAMPLAN_FHIR}/CodeSystem/life-area"
CRISIS_SITUATION_SYSTEM = f"{SAMPLAN_FHIR}/CodeSystem/crisis-situation"
GOAL_RATING_EXTENSION = f"{SAMPLAN_FHIR}/StructureDefinition/goal-rating"
INTERVENTION_HOW_EXTENSION = f"{SAMPLAN_FHIR}/StructureDefinition/plan-intervention-how"

# A proposal and an approved proposal are both not yet in effect.
CARE_PLAN_STATUS = {
    PlanVersion.Status.DRAFT: "draft",
    PlanVersion.Status.APPROVED: "draft",
    PlanVersion.Status.ACTIVE: "active",
    PlanVersion.Status.ARCHIVED: "completed",
}
ACTIVITY_STATUS = {"draft": "not-started", "active": "in-progress", "completed": "completed"}


@functools.cache
def _labels(model, field_name):
    """A choice field's labels by value, built once (lazy: each is translated when shown)."""
    return dict(model._meta.get_field(field_name).flatchoices)


def _display(instance, field_name):
    """``instance.get_<field>_display()`` without building the choices again on every call (an export
    maps a million goals and care-team members)."""
    value = getattr(instance, field_name)
    return _labels(type(instance), field_name).get(value, value)


def _concept(system, code, display):
    return {"coding": [{"system": system, "code": code, "display": str(display)}]}


def _period(start, end):
    period = {}
    if start:
        period["start"] = start.isoformat()
    if end:
        period["end"] = end.isoformat()
    return period


def member_reference(member):
    """Staff with a login are Practitioners; a person without a login is named only."""
    if member.user_id:
        return {"reference": f"Practitioner/{member.user_id}", "display": member.display_name}
    return {"display": member.display_name}


def care_team(citizen, members, *, last_updated):
    """The citizen's care team (``members``: the active ones, user and organisation loaded);
    ``last_updated``: when a member was last added or ended."""
    resource = {
        "resourceType": "CareTeam",
        "id": str(citizen.pk),
        "meta": {"lastUpdated": last_updated.isoformat()},
        "status": "active",
        "subject": {"reference": f"Patient/{citizen.pk}"},
    }
    participants = []
    for member in members:
        participant = {
            "role": [_concept(CARE_TEAM_ROLE_SYSTEM, member.role, _display(member, "role"))],
            "member": member_reference(member),
            "period": _period(member.active_from, member.active_to),
        }
        if member.organisation is not None:
            participant["onBehalfOf"] = {"display": member.organisation.name}
        participants.append(participant)
    if participants:
        resource["participant"] = participants
    return resource


def goal(goal):
    """A goal in the citizen's words; ``latest_rating``/``latest_rated_at``/``last_recorded_at``
    annotated (or None). Changed last when the goal was, or a rating was written down (a rating may
    be dated back to the conversation: its recorded time is what moves)."""
    recorded = getattr(goal, "last_recorded_at", None)
    updated = max(goal.updated_at, recorded) if recorded else goal.updated_at
    resource = {
        "resourceType": "Goal",
        "id": str(goal.pk),
        "meta": {"lastUpdated": updated.isoformat()},
        "lifecycleStatus": "active" if goal.is_open else "completed",
        "description": {"text": goal.text},
        "subject": {"reference": f"Patient/{goal.citizen_id}"},
        "expressedBy": {"reference": f"Patient/{goal.citizen_id}"},
        "startDate": timezone.localdate(goal.created_at).isoformat(),
    }
    if goal.life_area:
        resource["category"] = [_concept(LIFE_AREA_SYSTEM, goal.life_area, _display(goal, "life_area"))]
    if not goal.is_open:
        resource["statusDate"] = timezone.localdate(goal.closed_at).isoformat()
    rating = getattr(goal, "latest_rating", None)
    if rating is not None:
        resource["extension"] = [{"url": GOAL_RATING_EXTENSION, "valueInteger": rating}]
        resource["note"] = [{"time": goal.latest_rated_at.isoformat(), "text": f"{rating}/10"}]
    return resource


def _labelled_note(label, text, time=None):
    note = {"text": f"{capfirst(label)}: {text}"}
    if time is not None:
        note["time"] = time.isoformat()
    return note


def _plan_intervention(intervention, status):
    detail = {
        "status": status,
        "description": intervention.what,
        "performer": [member_reference(intervention.responsible)],
    }
    if intervention.frequency:
        detail["scheduledString"] = intervention.frequency
    elif intervention.starts or intervention.ends:
        detail["scheduledPeriod"] = _period(intervention.starts, intervention.ends)
    if intervention.how:
        detail["extension"] = [{"url": INTERVENTION_HOW_EXTENSION, "valueString": intervention.how}]
    return {"detail": detail}


def _crisis_plan(plan, version, status):
    """A crisis plan as a contained CarePlan: the situation, its signs, and what is done by whom."""
    field = CrisisPlan._meta.get_field
    notes = [
        _labelled_note(field(name).verbose_name, getattr(plan, name))
        for name in ("warning_signs", "what_helps", "other_contacts")
        if getattr(plan, name)
    ]
    # What is done when the situation arises: planned, not under way.
    detail = {"status": "not-started", "description": plan.what_is_done}
    performers = [member_reference(member) for member in plan.contacts.all()]
    if performers:
        detail["performer"] = performers
    resource = {
        "resourceType": "CarePlan",
        "id": f"crisis-{plan.pk}",
        "status": status,
        "intent": "plan",
        "category": [_concept(CRISIS_SITUATION_SYSTEM, plan.situation, _display(plan, "situation"))],
        "title": str(plan),
        "subject": {"reference": f"Patient/{version.citizen_id}"},
        "activity": [{"detail": detail}],
    }
    if notes:
        resource["note"] = notes
    return resource


def care_plan(version, *, texts, last_updated, interventions=None, crisis_plans=None, goal_ids=()):
    """One plan version as a CarePlan, holding only what the caller passes in.

    ``texts`` are the PlanTexts the reader may see; ``interventions`` (tiltak) and ``crisis_plans``
    are None when the reader may not see them; ``goal_ids`` the citizen's open goals;
    ``last_updated`` when any of it last changed.
    """
    status = CARE_PLAN_STATUS[version.status]
    resource = {
        "resourceType": "CarePlan",
        "id": str(version.pk),
        "meta": {"lastUpdated": last_updated.isoformat()},
        "status": status,
        "intent": "plan",
        "title": f"Individuell plan {version.number}",
        "subject": {"reference": f"Patient/{version.citizen_id}"},
        "created": version.created_at.isoformat(),
        "careTeam": [{"reference": f"CareTeam/{version.citizen_id}"}],
    }
    period = _period(version.period_start, version.period_end)
    if period:
        resource["period"] = period
    if version.based_on_id:
        resource["replaces"] = [{"reference": f"CarePlan/{version.based_on_id}"}]
    notes = []
    for text in sorted(texts, key=lambda t: PlanText.Key.values.index(t.key)):
        if not text.text.strip():
            continue
        if text.key == PlanText.Key.WHAT_MATTERS:
            resource["description"] = text.text
        else:
            notes.append(_labelled_note(PlanText.Key(text.key).label, text.text, text.updated_at))
    if goal_ids:
        resource["goal"] = [{"reference": f"Goal/{pk}"} for pk in goal_ids]
    activities = [_plan_intervention(i, ACTIVITY_STATUS[status]) for i in interventions or ()]
    if activities:
        resource["activity"] = activities
    if crisis_plans:
        resource["contained"] = [_crisis_plan(plan, version, status) for plan in crisis_plans]
        resource["supportingInfo"] = [{"reference": f"#crisis-{plan.pk}"} for plan in crisis_plans]
    if notes:
        resource["note"] = notes
    return resource


# Responsibility groups: meetings, minutes and actions ---------------------------------------------

GROUP_SERVICE_SYSTEM = f"{SAMPLAN_FHIR}/CodeSystem/group-service"
MEETING_KIND_SYSTEM = f"{SAMPLAN_FHIR}/CodeSystem/group-meeting-kind"
GROUP_ROLE_SYSTEM = f"{SAMPLAN_FHIR}/CodeSystem/group-role"
DOCUMENT_TYPE_SYSTEM = f"{SAMPLAN_FHIR}/CodeSystem/document-type"
MINUTES_PART_SYSTEM = f"{SAMPLAN_FHIR}/CodeSystem/minutes-part"
# No national or LOINC code says "minutes of a responsibility group"; LOINC 11506-3 "Progress note"
# is one clinician's note and would say less. A national code can be added as a second coding.
GROUP_MINUTES = "group-meeting-minutes"
SUMMARY_PART = "summary"
XHTML = "http://www.w3.org/1999/xhtml"

APPOINTMENT_STATUS = {
    Meeting.Status.PLANNED: "booked",
    Meeting.Status.HELD: "fulfilled",
    Meeting.Status.CANCELLED: "cancelled",
}
CITIZEN_PARTICIPATION = {
    Meeting.CitizenAttendance.TOOK_PART: "accepted",
    Meeting.CitizenAttendance.ABSENT_AGREED: "declined",
    Meeting.CitizenAttendance.ABSENT: "declined",
}


def _group_service(kind):
    labels = {Meeting.Kind.RESPONSIBILITY_GROUP: _("Responsibility group"), Meeting.Kind.NETWORK: _("Open Dialogue")}
    return _concept(GROUP_SERVICE_SYSTEM, kind, labels[kind])


def _meeting_kind(kind):
    return _concept(MEETING_KIND_SYSTEM, kind, Meeting.Kind(kind).label)


def _meeting_end(meeting):
    return meeting.starts_at + datetime.timedelta(minutes=meeting.duration_minutes)


def user_reference(user):
    return {"reference": f"Practitioner/{user.pk}", "display": user.get_full_name() or user.get_username()}


def appointment(meeting):
    """A group meeting: its kind, time, place and who is invited with their answers.

    Never the agenda or the minutes (they belong to parts of the record the reader may not see),
    the video link (a key to the meeting; the invitation carries it) or why it was cancelled (free
    text that may say why). ``meeting.agreement`` and ``meeting.participants`` (member, care-team
    row and user) are loaded by the caller.
    """
    kind = Meeting.Kind(meeting.kind)
    where = [str(kind.label)]
    if meeting.place:
        where.append(meeting.place)
    if meeting.video_link:
        where.append(_("video meeting"))
    citizen = {
        "actor": {"reference": f"Patient/{meeting.citizen_id}"},
        "required": "optional" if meeting.agreement.may_meet_without_citizen else "required",
        "status": CITIZEN_PARTICIPATION.get(meeting.citizen_attendance, "needs-action"),
    }
    members = [
        {
            "type": [_concept(GROUP_ROLE_SYSTEM, participant.member.role, _display(participant.member, "role"))],
            # An external participant is named only: their e-mail is for the invitation, not for readers.
            "actor": member_reference(participant.member),
            "status": participant.answer,
        }
        for participant in meeting.participants.all()
    ]
    return {
        "resourceType": "Appointment",
        "id": str(meeting.pk),
        "status": APPOINTMENT_STATUS[meeting.status],
        "serviceType": [_group_service(kind)],
        "appointmentType": _meeting_kind(kind),
        "description": ", ".join(where),
        "start": meeting.starts_at.isoformat(),
        "end": _meeting_end(meeting).isoformat(),
        "minutesDuration": meeting.duration_minutes,
        "created": meeting.created_at.isoformat(),
        "participant": [citizen, *members],
    }


def _narrative(paragraphs):
    """An XHTML div of ``paragraphs`` (each already escaped), as R4 requires it."""
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{"".join(paragraphs)}</div>'}


def _labelled(label, value):
    return format_html("<p><b>{}:</b> {}</p>", label, value)


def _part_label(kind):
    if kind == SUMMARY_PART:
        return capfirst(Minutes._meta.get_field("summary").verbose_name)
    if kind == "perspective":
        return _("Perspective")
    return AgendaItem.Kind(kind).label if kind in AgendaItem.Kind.values else AgendaItem.Kind.OTHER.label


def minutes_part(part, entries=()):
    """One part of the minutes as a section: what was said, how it is going, what was agreed, the rating."""
    paragraphs = []
    if part.get("said"):
        paragraphs.append(_labelled(_("What was said"), part["said"]))
    if part.get("status"):
        paragraphs.append(_labelled(_("How it is going"), dict(PartStatus.CHOICES).get(part["status"], part["status"])))
    if part.get("agreed"):
        paragraphs.append(_labelled(_("What was agreed"), part["agreed"]))
    if part.get("rating"):
        paragraphs.append(_labelled(_("Rating"), f"{part['rating']}/10"))
    if not paragraphs:
        paragraphs.append(format_html("<p>{}</p>", _("Nothing was written for this point.")))
    kind = part.get("kind") or "other"
    section = {
        "title": part.get("title") or str(_part_label(kind)),
        "code": _concept(MINUTES_PART_SYSTEM, kind, _part_label(kind)),
        "text": _narrative(paragraphs),
    }
    if entries:
        section["entry"] = [{"reference": reference} for reference in entries]
    return section


def minutes_summary(summary):
    """The general notes (not blank), one paragraph per blank-line-separated block."""
    paragraphs = [format_html("<p>{}</p>", text.strip()) for text in summary.split("\n\n") if text.strip()]
    label = _part_label(SUMMARY_PART)
    return {
        "title": str(label),
        "code": _concept(MINUTES_PART_SYSTEM, SUMMARY_PART, label),
        "text": _narrative(paragraphs),
    }


def composition(minutes, sections):
    """Signed minutes as a Composition holding only ``sections`` (built by ``minutes_part`` and
    ``minutes_summary`` from what the reader may see); a correction ``replaces`` what it corrects.

    ``minutes.meeting`` and ``minutes.signed_by`` are loaded by the caller.
    """
    meeting = minutes.meeting
    kind = Meeting.Kind(meeting.kind)
    author = user_reference(minutes.signed_by)
    resource = {
        "resourceType": "Composition",
        "id": str(minutes.pk),
        "meta": {"lastUpdated": minutes.signed_at.isoformat()},  # signed minutes never change
        "status": "amended" if minutes.corrects_id else "final",
        "type": _concept(DOCUMENT_TYPE_SYSTEM, GROUP_MINUTES, _("Minutes of a group meeting")),
        "category": [_meeting_kind(kind)],
        "subject": {"reference": f"Patient/{minutes.citizen_id}"},
        "date": minutes.signed_at.isoformat(),
        "author": [author],
        "title": _("Minutes: %(meeting)s %(date)s")
        % {"meeting": kind.label, "date": date_format(timezone.localtime(meeting.starts_at), "d.m.Y")},
        # Mental-health minutes: restricted (HL7 v3 Confidentiality).
        "confidentiality": "R",
        "attester": [{"mode": "professional", "time": minutes.signed_at.isoformat(), "party": author}],
        "event": [
            {
                "period": _period(meeting.starts_at, _meeting_end(meeting)),
                "detail": [{"reference": f"Appointment/{meeting.pk}"}],
            }
        ],
    }
    if minutes.corrects_id:
        resource["relatesTo"] = [
            {"code": "replaces", "targetReference": {"reference": f"Composition/{minutes.corrects_id}"}}
        ]
    if sections:
        resource["section"] = sections
    return resource


def task(task, *, plan_version_id=None):
    """A group's action: what, for whom, who is responsible and by when. ``task.responsible`` (care-team
    row and user) is loaded by the caller; ``plan_version_id`` is the CarePlan it is based on."""
    resource = {
        "resourceType": "Task",
        "id": str(task.pk),
        "meta": {"lastUpdated": task.updated_at.isoformat()},
        "status": task.status,  # Samplan's statuses are FHIR's codes
        "intent": "order",
        "description": task.what,
        "for": {"reference": f"Patient/{task.citizen_id}"},
        "authoredOn": task.created_at.isoformat(),
        "owner": member_reference(task.responsible),
        "restriction": {"period": {"end": task.due_on.isoformat()}},
    }
    if task.cancel_reason:
        resource["statusReason"] = {"text": task.cancel_reason}
    if task.created_by_id:
        resource["requester"] = {"reference": f"Practitioner/{task.created_by_id}"}
    if task.closed_at:
        resource["lastModified"] = task.closed_at.isoformat()
    if plan_version_id:
        resource["basedOn"] = [{"reference": f"CarePlan/{plan_version_id}"}]
    return resource


# Relatives and their consents -------------------------------------------------------------------

V3_ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
RELATION_SYSTEM = f"{SAMPLAN_FHIR}/CodeSystem/relative-relation"
RECORD_SECTION_SYSTEM = f"{SAMPLAN_FHIR}/CodeSystem/record-section"
# Samplan's relations as HL7 v3 personal relationship roles; "other close person" has none.
V3_RELATION = {
    "partner": ("SIGOTHR", "significant other"),
    "parent": ("PRN", "parent"),
    "child": ("CHILD", "child"),
    "sibling": ("SIB", "sibling"),
    "family": ("FAMMEMB", "family member"),
    "friend": ("FRND", "unrelated friend"),
}


def related_person(relative):
    """A relative as R4 RelatedPerson: the relation coded, the name and how to reach them. Their own
    needs and the conversations offered to them are the service's notes, not part of this."""
    coding = [{"system": RELATION_SYSTEM, "code": relative.relation, "display": str(_display(relative, "relation"))}]
    if relative.relation in V3_RELATION:
        code, display = V3_RELATION[relative.relation]
        coding.insert(0, {"system": V3_ROLE_SYSTEM, "code": code, "display": display})
    resource = {
        "resourceType": "RelatedPerson",
        "id": str(relative.pk),
        "meta": {"lastUpdated": relative.updated_at.isoformat()},
        "active": relative.ended_at is None,
        "patient": {"reference": f"Patient/{relative.citizen_id}"},
        "relationship": [{"coding": coding, "text": str(_display(relative, "relation"))}],
        "name": [{"text": relative.name}],
    }
    telecom = []
    if relative.phone:
        telecom.append({"system": "phone", "value": relative.phone})
    if relative.email:
        telecom.append({"system": "email", "value": relative.email})
    if telecom:
        resource["telecom"] = telecom
    return resource


def consent(consent, section_label):
    """What one relative may know, as R4 Consent: a permit for the relative (the actor, an information
    recipient) with one nested permit per section; a revoked consent is inactive and its period ends."""
    changed = consent.revoked_at or consent.given_at
    provision = {
        "type": "permit",
        "period": _period(consent.given_at, consent.revoked_at),
        "actor": [
            {
                "role": _concept(
                    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", "information recipient"
                ),
                "reference": {"reference": f"RelatedPerson/{consent.relative_id}", "display": consent.relative.name},
            }
        ],
        "provision": [
            {"type": "permit", "code": [_concept(RECORD_SECTION_SYSTEM, key, section_label(key))]}
            for key in consent.sections
        ],
    }
    return {
        "resourceType": "Consent",
        "id": str(consent.pk),
        "meta": {"lastUpdated": changed.isoformat()},
        "status": "active" if consent.revoked_at is None else "inactive",
        "scope": _concept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", "Privacy Consent"),
        "category": [_concept("http://loinc.org", "59284-0", "Patient Consent")],
        "patient": {"reference": f"Patient/{consent.citizen_id}"},
        "dateTime": consent.given_at.isoformat(),
        "performer": [{"reference": f"Patient/{consent.citizen_id}"}],
        "policyRule": _concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN", "opt-in"),
        "provision": provision,
    }
