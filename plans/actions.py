"""Every change to the individual plan; each writes the access log in its transaction.

Saves use optimistic locking: the caller passes the revision it started from, and a save
against a newer revision raises ``EditConflict`` carrying both texts, so nothing is lost.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from measures.models import Goal
from people.access import Grant, log_write
from people.models import CareTeamMember, Section
from samplan.locks import lock_row

from .content import COMMENT_TOPICS, newest_medication_words, visible_comment_keys
from .models import (
    ROW_MODELS,
    TEXT_SCOPE,
    AssessmentArea,
    ContactEntry,
    CrisisPlan,
    MedicationWords,
    PlanComment,
    PlanIntervention,
    PlanText,
    PlanVersion,
)

REVISION_MONTHS = 6


class EditConflict(Exception):
    """Someone saved the same section after you opened it. Both texts are kept for the person to merge."""

    def __init__(self, *, yours, theirs, by, at):
        super().__init__("edit conflict")
        self.yours, self.theirs, self.by, self.at = yours, theirs, by, at

    @property
    def who(self):
        """Who saved last, as shown; ``by`` is None for a section saved by nobody yet (a stale revision)."""
        if self.by is None:
            return _("Someone")
        return self.by.get_full_name() or self.by.username


def _log_write(grant, *, acting_user, section, detail):
    log_write(grant, acting_user=acting_user, section=section, detail=detail)


def _require(condition):
    if not condition:
        raise PermissionDenied


def may_edit_plan(grant):
    """The coordinator (or emergency access) edits the plan; the citizen comments and approves."""
    return grant.may_manage_team


def _months_later(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, 28))


@transaction.atomic(durable=True)
def start_draft(grant: Grant, *, acting_user):
    """Open the proposal for the next version: a copy of the active plan, or a new plan.

    An approved proposal not yet in effect is opened again for changes: its approvals are
    withdrawn, because the citizen (and guardian) must approve what will be changed.
    """
    return open_proposal(grant, acting_user=acting_user)


@transaction.atomic
def open_proposal(grant: Grant, *, acting_user):
    """``start_draft`` inside the caller's transaction (e.g. an incident proposed for the crisis plan)."""
    _require(may_edit_plan(grant))
    citizen = grant.citizen
    # One opener at a time per citizen: the citizen row is the lock, since before the first proposal
    # there is no version to lock (two at once both made number 1: a unique-key error, a 500).
    lock_row(citizen)
    existing = PlanVersion.objects.select_for_update().open_draft(citizen)
    if existing is not None:
        if existing.status == PlanVersion.Status.APPROVED:
            existing.status = PlanVersion.Status.DRAFT
            existing.save(update_fields=["status", "updated_at"])
            _bump(existing)
            _log_write(
                grant, acting_user=acting_user, section=Section.PLAN, detail=f"reopened plan proposal {existing.number}"
            )
            existing.refresh_from_db()
        return existing
    active = PlanVersion.objects.active(citizen)
    last = PlanVersion.objects.filter(citizen=citizen).order_by("-number").first()
    today = timezone.localdate()
    draft = PlanVersion.objects.create(
        citizen=citizen,
        number=(last.number + 1) if last else 1,
        based_on=active,
        created_by=acting_user,
        period_start=active.period_start if active else today,
        period_end=active.period_end if active else None,
        next_revision=_months_later(today, REVISION_MONTHS),
        consent_to_plan=active.consent_to_plan if active else False,
        consent_to_sharing=active.consent_to_sharing if active else False,
    )
    if active is not None:
        _copy_content(active, draft)
    copied = set(PlanText.objects.filter(version=draft).values_list("key", flat=True))
    PlanText.objects.bulk_create(PlanText(version=draft, key=key) for key in PlanText.Key.values if key not in copied)
    _log_write(grant, acting_user=acting_user, section=Section.PLAN, detail=f"opened plan proposal {draft.number}")
    return draft


def _copy_content(source, target):
    PlanText.objects.bulk_create(PlanText(version=target, key=t.key, text=t.text) for t in source.texts.all())
    for model, _scope in ROW_MODELS.values():
        for row in model.objects.filter(version=source):
            contacts = list(row.contacts.all()) if isinstance(row, CrisisPlan) else None
            row.pk, row.id, row.version, row.revision = None, None, target, 0
            row._state.adding = True
            row.save()
            if contacts is not None:
                row.contacts.set(contacts)


# A change to the content withdraws every approval given so far: an approval is of what was seen.
APPROVALS_WITHDRAWN = {"approved_by_citizen_at": None, "approved_by_guardian_at": None, "approved_by_guardian": None}


def _bump(version):
    PlanVersion.objects.filter(pk=version.pk).update(
        content_revision=F("content_revision") + 1, updated_at=timezone.now(), **APPROVALS_WITHDRAWN
    )


def _editable(grant, version):
    """The version as it is now, locked until the save commits: edit it, not the caller's copy.

    Approve and activate lock it first too, so a save at the moment of approval waits and is then refused
    (checked on a stale copy, it changed the text under the approval and the plan went into effect).
    """
    _require(may_edit_plan(grant) and version.citizen_id == grant.citizen.pk)
    version = PlanVersion.objects.select_for_update(no_key=True).get(pk=version.pk)
    if not version.is_editable:
        raise ValidationError(_("Only a proposal can be changed. Start a new proposal to change an approved plan."))
    return version


@transaction.atomic(durable=True)
def save_text(grant: Grant, version, key, text, *, expected_revision, acting_user):
    """Save one text section if nobody else has saved it since ``expected_revision``."""
    version = _editable(grant, version)
    updated = PlanText.objects.filter(version=version, key=key, revision=expected_revision).update(
        text=text, revision=F("revision") + 1, updated_by=acting_user, updated_at=timezone.now()
    )
    if not updated:
        current = PlanText.objects.select_related("updated_by").get(version=version, key=key)
        raise EditConflict(yours=text, theirs=current.text, by=current.updated_by, at=current.updated_at)
    _bump(version)
    _log_write(grant, acting_user=acting_user, section=TEXT_SCOPE[key], detail=f"plan {version.number}: {key}")
    return PlanText.objects.get(version=version, key=key)


PERIOD_FIELDS = ("period_start", "period_end", "next_revision", "consent_to_plan", "consent_to_sharing")


@transaction.atomic(durable=True)
def save_period(
    grant: Grant,
    version,
    *,
    acting_user,
    expected_revision,
    period_start,
    period_end,
    next_revision,
    consent_to_plan,
    consent_to_sharing,
):
    """Plan period, next revision and the citizen's consent; refused if the plan changed meanwhile."""
    version = _editable(grant, version)
    today = timezone.localdate()
    errors = {}
    start, end, revision = period_start, period_end, next_revision
    if start and end and end < start:
        errors["period_end"] = _("The plan period must end after it starts.")
    if revision and revision < today:
        errors["next_revision"] = _("The next revision cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    updated = PlanVersion.objects.filter(
        pk=version.pk, content_revision=expected_revision, status=PlanVersion.Status.DRAFT
    ).update(
        content_revision=F("content_revision") + 1,
        updated_at=timezone.now(),
        period_start=period_start,
        period_end=period_end,
        next_revision=next_revision,
        consent_to_plan=bool(consent_to_plan),
        consent_to_sharing=bool(consent_to_sharing),
        **APPROVALS_WITHDRAWN,
    )
    if not updated:
        raise ValidationError(_("Someone changed the plan after you opened it. Reload and try again."))
    _log_write(grant, acting_user=acting_user, section=Section.PLAN, detail=f"plan {version.number}: period")
    return PlanVersion.objects.get(pk=version.pk)


def _check_member(grant, member, field):
    if member is None or member.citizen_id != grant.citizen.pk or not member.is_active:
        raise ValidationError({field: _("Choose someone who is on the care team now.")})


@transaction.atomic(durable=True)
def save_intervention(grant: Grant, version, *, acting_user, row=None, expected_revision=0, **fields):
    """Add or change a tiltak. It must have a responsible care-team member."""
    version = _editable(grant, version)
    _check_member(grant, fields.get("responsible"), "responsible")
    if not (fields.get("what") or "").strip():
        raise ValidationError({"what": _("Write what is done.")})
    starts, ends = fields.get("starts"), fields.get("ends")
    if starts and ends and ends < starts:
        raise ValidationError({"ends": _("The end date must be on or after the start date.")})
    return _save_row(grant, version, PlanIntervention, row, expected_revision, acting_user, fields, "interventions")


@transaction.atomic(durable=True)
def save_contact(grant: Grant, version, *, acting_user, row=None, expected_revision=0, **fields):
    version = _editable(grant, version)
    _check_member(grant, fields.get("member"), "member")
    if not (fields.get("topic") or "").strip():
        raise ValidationError({"topic": _("Write what to talk about.")})
    return _save_row(grant, version, ContactEntry, row, expected_revision, acting_user, fields, "contacts")


@transaction.atomic(durable=True)
def save_crisis_plan(grant: Grant, version, *, acting_user, row=None, expected_revision=0, contacts=(), **fields):
    """A crisis plan needs warning signs, at least one person to contact, and what is done."""
    return write_crisis_plan(
        grant,
        version,
        acting_user=acting_user,
        row=row,
        expected_revision=expected_revision,
        contacts=contacts,
        **fields,
    )


@transaction.atomic
def write_crisis_plan(grant: Grant, version, *, acting_user, row=None, expected_revision=0, contacts=(), **fields):
    """``save_crisis_plan`` inside the caller's transaction."""
    version = _editable(grant, version)
    errors = {}
    if not (fields.get("warning_signs") or "").strip():
        errors["warning_signs"] = _("Write the early warning signs.")
    if not contacts and not (fields.get("other_contacts") or "").strip():
        errors["contacts"] = _("Choose at least one person to contact.")
    if not (fields.get("what_is_done") or "").strip():
        errors["what_is_done"] = _("Write what is done.")
    if errors:
        raise ValidationError(errors)
    for member in contacts:
        _check_member(grant, member, "contacts")
    row = _save_row(grant, version, CrisisPlan, row, expected_revision, acting_user, fields, "crisis_plans")
    row.contacts.set(contacts)
    return row


@transaction.atomic(durable=True)
def save_assessment(grant: Grant, version, *, acting_user, row=None, expected_revision=0, **fields):
    """One life area: the needs and the citizen's own resources. Each life area once per version."""
    version = _editable(grant, version)
    # Under the version's lock: a life area saved at the same moment is committed by now, and seen here.
    others = AssessmentArea.objects.filter(version=version, life_area=fields.get("life_area"))
    if row is not None:
        others = others.exclude(pk=row.pk)
    if others.exists():
        raise ValidationError({"life_area": _("This life area is already in the assessment. Change it there.")})
    return _save_row(grant, version, AssessmentArea, row, expected_revision, acting_user, fields, "assessment")


# The fields a save may set on each kind of row: nothing else reaches the database.
ROW_FIELDS = {
    "interventions": {"what", "responsible", "how", "frequency", "starts", "ends"},
    "contacts": {"topic", "member", "how_to_reach"},
    "crisis_plans": {"situation", "title", "warning_signs", "what_helps", "other_contacts", "what_is_done"},
    "assessment": {"life_area", "needs", "resources"},
}


def _save_row(grant, version, model, row, expected_revision, acting_user, fields, kind):
    unknown = set(fields) - ROW_FIELDS[kind]
    if unknown:
        raise TypeError(f"{kind} has no field(s) {sorted(unknown)}")
    if row is None:
        last = model.objects.filter(version=version).order_by("-order").first()
        row = model.objects.create(
            version=version, order=(last.order + 1) if last else 0, updated_by=acting_user, **fields
        )
    else:
        if row.version_id != version.pk:
            raise PermissionDenied
        updated = model.objects.filter(pk=row.pk, revision=expected_revision).update(
            revision=F("revision") + 1, updated_by=acting_user, updated_at=timezone.now(), **fields
        )
        if not updated:
            current = model.objects.select_related("updated_by").get(pk=row.pk)
            raise EditConflict(yours=fields, theirs=current, by=current.updated_by, at=current.updated_at)
        row = model.objects.get(pk=row.pk)
    _bump(version)
    _log_write(grant, acting_user=acting_user, section=ROW_MODELS[kind][1], detail=f"plan {version.number}: {kind}")
    return row


@transaction.atomic(durable=True)
def delete_row(grant: Grant, version, row, *, acting_user, expected_revision):
    """Take a row out of a proposal (earlier versions keep their own copy)."""
    version = _editable(grant, version)
    kind = next(kind for kind, (model, _scope) in ROW_MODELS.items() if isinstance(row, model))
    if row.version_id != version.pk:
        raise PermissionDenied
    deleted, _rows = type(row).objects.filter(pk=row.pk, revision=expected_revision).delete()
    if not deleted:
        raise ValidationError(_("Someone changed this after you opened it. Reload and try again."))
    _bump(version)
    _log_write(
        grant, acting_user=acting_user, section=ROW_MODELS[kind][1], detail=f"plan {version.number}: removed {kind}"
    )


def missing_contents(version):
    """Which of the nine contents the regulation requires are still missing (empty list: complete)."""
    texts = {t.key: t.text.strip() for t in version.texts.all()}
    citizen = version.citizen
    missing = []
    has_goals = Goal.objects.filter(citizen=citizen, closed_at__isnull=True).exists()
    has_assessment = AssessmentArea.objects.filter(version=version).exclude(needs="", resources="").exists()
    if not (has_goals and has_assessment):
        missing.append(_("1. The citizen's goals, resources and need for services"))
    if not texts.get(PlanText.Key.PARTICIPANTS):
        missing.append(_("2. Who takes part in the planning"))
    if not CareTeamMember.objects.active().filter(citizen=citizen, role=CareTeamMember.Role.COORDINATOR).exists():
        missing.append(_("3. Who is responsible for coordination (the coordinator)"))
    if not texts.get(PlanText.Key.CONTRIBUTIONS):
        missing.append(_("4. What the citizen, the services and relatives contribute"))
    interventions = list(PlanIntervention.objects.filter(version=version))
    if not interventions:
        missing.append(_("5. Which measures, their extent, and who is responsible"))
    if not interventions or any(not i.how.strip() for i in interventions):
        missing.append(_("6. How the measures are carried out"))
    if not (version.period_start and version.period_end and version.next_revision):
        missing.append(_("7. The plan period and when it is revised"))
    if not (version.consent_to_plan and version.consent_to_sharing):
        missing.append(_("8. The citizen's consent"))
    if not texts.get(PlanText.Key.COOPERATION):
        missing.append(_("9. Cooperation with other services"))
    return missing


@transaction.atomic(durable=True)
def approve(grant: Grant, version, *, acting_user, seen_revision):
    """The citizen (or the guardian) approves exactly the content they saw."""
    version = PlanVersion.objects.select_for_update().get(pk=version.pk)
    is_guardian = CareTeamMember.objects.guardians(grant.citizen).filter(user=acting_user).exists()
    _require((grant.is_self or is_guardian) and version.citizen_id == grant.citizen.pk)
    if version.status != PlanVersion.Status.DRAFT:
        raise ValidationError(_("This version is no longer a proposal."))
    if version.content_revision != seen_revision:
        raise ValidationError(_("The proposal has changed since you opened it. Read it again before you approve."))
    if missing_contents(version):
        raise ValidationError(
            _("The proposal is not finished yet. Your coordinator completes it first; then you can approve it.")
        )
    now = timezone.now()
    if grant.is_self:
        version.approved_by_citizen_at = now
    else:
        version.approved_by_guardian_at, version.approved_by_guardian = now, acting_user
    if version.approved_by_citizen_at and (version.approved_by_guardian_at or not _has_guardian(grant.citizen)):
        version.status = PlanVersion.Status.APPROVED
    version.save()
    _log_write(grant, acting_user=acting_user, section=Section.PLAN, detail=f"approved plan {version.number}")
    return version


def _has_guardian(citizen):
    return CareTeamMember.objects.guardians(citizen).exists()


@transaction.atomic(durable=True)
def activate(grant: Grant, version, *, acting_user):
    """Put an approved, complete plan into effect; the previous active version is archived."""
    _require(may_edit_plan(grant) and version.citizen_id == grant.citizen.pk)
    version = PlanVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PlanVersion.Status.APPROVED:
        raise ValidationError(_("Only an approved plan can be put into effect."))
    missing = missing_contents(version)
    if missing:
        raise ValidationError(_("The plan is not complete: %(missing)s") % {"missing": "; ".join(missing)})
    now = timezone.now()
    PlanVersion.objects.filter(citizen=grant.citizen, status=PlanVersion.Status.ACTIVE).update(
        status=PlanVersion.Status.ARCHIVED, archived_at=now, updated_at=now
    )
    version.status, version.activated_at = PlanVersion.Status.ACTIVE, now
    version.save(update_fields=["status", "activated_at", "updated_at"])
    _log_write(grant, acting_user=acting_user, section=Section.PLAN, detail=f"activated plan {version.number}")
    return version


@transaction.atomic(durable=True)
def add_comment(grant: Grant, version, *, acting_user, section, text):
    """The citizen (or a member who may see the section) comments on it or proposes a change."""
    return write_comment(grant, version, acting_user=acting_user, section=section, text=text)


@transaction.atomic
def write_comment(grant: Grant, version, *, acting_user, section, text):
    """``add_comment`` inside the caller's transaction (e.g. a responsibility group's plan change)."""
    if version.citizen_id != grant.citizen.pk:
        raise PermissionDenied
    if section not in COMMENT_TOPICS:
        raise ValidationError({"section": _("Choose which part of the plan your comment is about.")})
    scope = COMMENT_TOPICS[section][1]
    _require(grant.may_see(scope) and not grant.is_relative)  # a relative reads what the consent covers
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write your comment.")})
    comment = PlanComment.objects.create(version=version, section=section, text=text, author=acting_user)
    _log_write(grant, acting_user=acting_user, section=scope, detail=f"comment on plan {version.number}: {section}")
    return comment


def visible_comments(grant, version):
    """Open comments on the parts of ``version`` the reader may see, newest first."""
    return PlanComment.objects.filter(
        version=version, resolved_at__isnull=True, section__in=visible_comment_keys(grant)
    ).select_related("author")


@transaction.atomic(durable=True)
def resolve_comment(grant: Grant, comment, *, acting_user):
    """The coordinator marks a comment as handled; it leaves the open list but is kept."""
    _require(may_edit_plan(grant) and comment.version.citizen_id == grant.citizen.pk)
    if comment.resolved_at is None:
        comment.resolved_at, comment.resolved_by = timezone.now(), acting_user
        comment.save(update_fields=["resolved_at", "resolved_by"])
        scope = COMMENT_TOPICS.get(comment.section, (None, Section.PLAN))[1]
        _log_write(grant, acting_user=acting_user, section=scope, detail="resolved a plan comment")
    return comment


# The citizen's own words on their medicine -------------------------------------------------------

MEDICATION_WORDS_LIMIT = 2000
MEDICATION_WORDS_FIELDS = ("purpose", "effects", "wishes")


class WordsConflict(Exception):
    """The citizen saved newer words (from another phone or tab) after this form was opened; both are kept."""

    def __init__(self, theirs):
        super().__init__("medication words conflict")
        self.theirs = theirs


@transaction.atomic(durable=True)
def write_medication_words(grant: Grant, *, acting_user, based_on, **words):
    """The citizen writes their own words on their medicine: a new row, the earlier ones kept.

    ``based_on`` is the id of the newest words the citizen saw (None if there were none). Newer words saved since are
    a ``WordsConflict``, never overwritten; the same words sent twice (a double tap) are stored once.
    """
    _require(grant.is_self and grant.may_see(Section.MEDICATION))
    words = {name: (words.get(name) or "").strip() for name in MEDICATION_WORDS_FIELDS}
    errors = {
        name: _("Write at most %(limit)d characters here (you wrote %(count)d).")
        % {"limit": MEDICATION_WORDS_LIMIT, "count": len(text)}
        for name, text in words.items()
        if len(text) > MEDICATION_WORDS_LIMIT
    }
    if errors:
        raise ValidationError(errors)
    if not any(words.values()):
        raise ValidationError(_("Write something in at least one of the three boxes."))
    # One writer at a time per citizen: the citizen row is the lock.
    lock_row(grant.citizen, no_key=False)
    newest = newest_medication_words(grant.citizen)
    if newest is not None and newest.same_words(**words):
        return newest
    if (newest.pk if newest else None) != based_on:
        raise WordsConflict(newest)
    row = MedicationWords.objects.create(citizen=grant.citizen, written_by=acting_user, **words)
    _log_write(
        grant, acting_user=acting_user, section=Section.MEDICATION, detail=f"wrote own words on medication {row.pk}"
    )
    return row
