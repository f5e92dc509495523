"""Every change to a citizen's relatives, consents and children, each writing the access log in its
own transaction.

The citizen decides: they (or their coordinator, with them) record relatives and what each may
know. A relative with a login reaches the citizen through a care-team row of role "relative";
every consent change sets that row's sections to the open consent's in the same transaction, so
revoking is refused access at once.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import sections as section_registry
from audit.log import record
from audit.models import AccessEvent
from people.access import Grant, is_staff_member, log_write
from people.actions import AccessCodeError, save_login, username_taken
from people.models import AccessCode, CareTeamMember, hash_access_code

from .models import Child, ChildrenQuestion, Consent, Relative, RelativeInvitation, default_invitation_expiry
from .models import youngest_adult_birth_year as _youngest_adult
from .sections import RELATIVES, consentable_keys


def may_manage(grant: Grant):
    """The citizen themself, or the coordinator with them, records relatives and consents."""
    return grant.is_self or grant.may_manage_team


def may_read(grant: Grant):
    return grant.is_self or grant.may_see(RELATIVES)


def may_support(grant: Grant):
    """Staff who may see the section note the conversations offered and the relative's own needs."""
    return not grant.is_self and not grant.is_relative and grant.may_see(RELATIVES)


may_record_children = may_support


def _require(condition):
    if not condition:
        raise PermissionDenied


def _log(grant, acting_user, detail):
    log_write(grant, acting_user=acting_user, section=RELATIVES, detail=detail)


def _locked(relative, grant):
    """The relative, locked, and checked to be this citizen's; a removed one cannot be changed."""
    relative = Relative.objects.select_for_update().get(pk=relative.pk)
    _require(relative.citizen_id == grant.citizen.pk)
    if relative.ended_at is not None:
        raise ValidationError(_("%(name)s is no longer among the relatives.") % {"name": relative.name})
    return relative


def _sync_member(relative, sections):
    """The relative's care-team row (their login's access) shows exactly ``sections``."""
    if relative.member_id is None:
        return
    CareTeamMember.objects.filter(pk=relative.member_id).update(sections=section_registry.in_order(sections))


# Relatives ---------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def add_relative(grant: Grant, *, acting_user, **fields):
    _require(may_manage(grant))
    relative = Relative(citizen=grant.citizen, recorded_by=acting_user, **fields)
    relative.full_clean()
    relative.save()
    _log(grant, acting_user, f"added relative {relative.pk} ({relative.relation})")
    return relative


@transaction.atomic(durable=True)
def update_relative(grant: Grant, relative, *, acting_user, **fields):
    _require(may_manage(grant))
    relative = _locked(relative, grant)
    for name, value in fields.items():
        setattr(relative, name, value)
    relative.full_clean()
    relative.save()
    _log(grant, acting_user, f"changed relative {relative.pk}")
    return relative


@transaction.atomic(durable=True)
def remove_relative(grant: Grant, relative, *, acting_user):
    """No longer a relative here: the consent is revoked and a login loses its access; the history stays."""
    _require(may_manage(grant))
    relative = _locked(relative, grant)
    now = timezone.now()
    Consent.objects.open().filter(relative=relative).update(revoked_at=now, revoked_by=acting_user)
    if relative.member_id is not None:
        CareTeamMember.objects.filter(pk=relative.member_id, ended_at__isnull=True).update(
            ended_at=now, ended_by=acting_user, sections=[]
        )
    RelativeInvitation.objects.filter(relative=relative, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    relative.ended_at = now
    relative.save(update_fields=["ended_at", "updated_at"])
    _log(grant, acting_user, f"removed relative {relative.pk}")
    return relative


@transaction.atomic(durable=True)
def record_support(grant: Grant, relative, *, acting_user, **fields):
    """Early contact and dialogue: the conversation offered and held, and the relative's own needs."""
    _require(may_support(grant))
    relative = _locked(relative, grant)
    offered, held = fields.get("conversation_offered_on"), fields.get("conversation_held_on")
    today = timezone.localdate()
    errors = {}
    if offered and offered > today:
        errors["conversation_offered_on"] = _("The date cannot be in the future.")
    if held and held > today:
        errors["conversation_held_on"] = _("The date cannot be in the future.")
    if held and not offered:
        errors["conversation_offered_on"] = _("When was the conversation offered? It was held on %(date)s.") % {
            "date": held.strftime("%d.%m.%Y")
        }
    elif held and offered and held < offered:
        errors["conversation_held_on"] = _("The conversation cannot be held before it was offered.")
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(relative, name, value)
    relative.save()
    _log(grant, acting_user, f"conversation and own needs of relative {relative.pk}")
    return relative


# Consent -----------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def give_consent(grant: Grant, relative, sections, *, acting_user, confirmed_with_citizen=False):
    """What ``relative`` may know from now on: the open consent is revoked and a new one given.

    Staff record it only as the citizen says, with them (``confirmed_with_citizen``).
    """
    _require(may_manage(grant))
    if not grant.is_self and not confirmed_with_citizen:
        raise ValidationError(
            {"confirmed_with_citizen": _("Record a consent only when the citizen has said so. Tick to confirm.")}
        )
    unknown = sorted(set(sections) - consentable_keys())
    if unknown:
        raise ValidationError(
            {"sections": _("These are not parts of the record you can share: %(keys)s.") % {"keys": ", ".join(unknown)}}
        )
    if not sections:
        raise ValidationError({"sections": _("Choose at least one part, or revoke the consent instead.")})
    relative = _locked(relative, grant)
    now = timezone.now()
    Consent.objects.open().filter(relative=relative).update(revoked_at=now, revoked_by=acting_user)
    ordered = section_registry.in_order(sections)
    try:
        with transaction.atomic():
            consent = Consent.objects.create(
                citizen=grant.citizen,
                relative=relative,
                sections=ordered,
                given_at=now,
                recorded_by=acting_user,
                by_citizen=grant.is_self,
            )
    except IntegrityError as error:  # another consent was given at the same moment
        raise ValidationError(_("The consent was changed by someone else. Reload and try again.")) from error
    _sync_member(relative, ordered)
    _log(grant, acting_user, f"consent {consent.pk}: relative {relative.pk} may know {', '.join(ordered)}")
    return consent


@transaction.atomic(durable=True)
def revoke_consent(grant: Grant, consent, *, acting_user):
    """Take a consent back: the relative's login sees nothing of it from this moment."""
    _require(may_manage(grant))
    _require(consent.citizen_id == grant.citizen.pk)
    # The relative first, as activate_relative locks it: a revoke cannot slip between its reading the
    # consent and making the login's care-team row.
    Relative.objects.select_for_update().get(pk=consent.relative_id)
    consent = Consent.objects.select_for_update().select_related("relative").get(pk=consent.pk)
    if consent.revoked_at is not None:
        raise ValidationError(
            _("This consent was already revoked on %(date)s.")
            % {"date": timezone.localtime(consent.revoked_at).strftime("%d.%m.%Y %H:%M")}
        )
    consent.revoked_at = timezone.now()
    consent.revoked_by = acting_user
    consent.save(update_fields=["revoked_at", "revoked_by"])
    _sync_member(consent.relative, [])
    _log(grant, acting_user, f"revoked consent {consent.pk} of relative {consent.relative_id}")
    return consent


# A login of their own ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def invite_relative(grant: Grant, relative, *, acting_user):
    """A one-time code the relative turns into a login. Returns the plain code, shown once."""
    _require(may_manage(grant))
    relative = _locked(relative, grant)
    now = timezone.now()
    RelativeInvitation.objects.filter(relative=relative, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    code = AccessCode.new_code()
    invitation = RelativeInvitation.objects.create(
        relative=relative,
        code_hash=hash_access_code(code),
        created_by=acting_user,
        expires_at=default_invitation_expiry(),
    )
    _log(grant, acting_user, f"invited relative {relative.pk} to a login")
    return code, invitation


def find_invitation(raw_code):
    invitation = (
        RelativeInvitation.objects.select_related("relative__citizen")
        .filter(code_hash=hash_access_code(raw_code))
        .first()
    )
    if invitation is None:
        raise AccessCodeError(
            _("We do not recognise this code. Check each character, or ask for a new code."), code="unknown"
        )
    if invitation.used_at is not None:
        raise AccessCodeError(
            _("This code has already been used. Log in with your username and password."), code="used"
        )
    if invitation.revoked_at is not None or invitation.relative.ended_at is not None:
        raise AccessCodeError(_("This code is no longer valid. Ask for a new one."), code="revoked")
    if invitation.expires_at <= timezone.now():
        raise AccessCodeError(_("This code has expired. Ask for a new one."), code="expired")
    return invitation


@transaction.atomic(durable=True)
def activate_relative(*, raw_code, username, password):
    """Use an invitation once: the relative's login, and their care-team row with the open consent's sections."""
    invitation = find_invitation(raw_code)
    invitation = RelativeInvitation.objects.select_for_update().select_related("relative").get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise AccessCodeError(_("This code has already been used."), code="used")
    relative = Relative.objects.select_for_update().get(pk=invitation.relative_id)
    user_model = get_user_model()
    user = relative.user
    if user is not None and is_staff_member(user):
        raise AccessCodeError(_("This code is no longer valid. Ask for a new one."), code="revoked")
    taken = user_model.objects.filter(username=username)
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise username_taken()
    if user is None:
        given, _sep, family = relative.name.partition(" ")
        user = user_model(first_name=given[:150], last_name=family[:150])
    user.username = username
    user.set_password(password)
    save_login(user)  # the username may have been taken a moment ago
    consent = Consent.objects.open().filter(relative=relative).first()
    sections = consent.sections if consent is not None else []
    member = relative.member
    if member is not None and member.ended_at is None and member.user_id is None:
        # Already on the team as a person without a login: the row becomes their login's.
        member.user = user
        member.sections = section_registry.in_order(sections)
        member.save(update_fields=["user", "sections"])
    elif member is None or member.ended_at is not None:
        member = CareTeamMember.objects.create(
            citizen_id=relative.citizen_id,
            user=user,
            role=CareTeamMember.Role.RELATIVE,
            person_contact=relative.phone or relative.email,
            sections=section_registry.in_order(sections),
            added_by=invitation.created_by,
        )
    relative.user = user
    relative.member = member
    relative.save(update_fields=["user", "member", "updated_at"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    record(
        actor=user,
        citizen_id=relative.citizen_id,
        action=AccessEvent.Action.WRITE,
        section=RELATIVES,
        ground=AccessEvent.Ground.CARE_TEAM,
        role=CareTeamMember.Role.RELATIVE,
        detail=f"relative {relative.pk} activated a login with an invitation",
    )
    return user


# Children under 18 -------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def answer_children_question(grant: Grant, *, acting_user, has_children):
    _require(may_record_children(grant))
    ChildrenQuestion.objects.update_or_create(
        citizen=grant.citizen,
        defaults={"has_children": has_children, "answered_at": timezone.now(), "answered_by": acting_user},
    )
    _log(grant, acting_user, f"children under 18: {'yes' if has_children else 'no'}")


def _check_child(child):
    today = timezone.localdate()
    errors = {}
    if child.birth_year is not None:
        if child.birth_year > today.year:
            errors["birth_year"] = _("The year of birth cannot be in the future.")
        elif child.birth_year < _youngest_adult(today):
            errors["birth_year"] = _("Born in %(year)s, the child is 18 or older. Record children under 18 here.") % {
                "year": child.birth_year
            }
    if child.needs_addressed_on and child.needs_addressed_on > today:
        errors["needs_addressed_on"] = _("The date cannot be in the future.")
    if child.needs_addressed_on and not child.how_addressed.strip():
        errors["how_addressed"] = _("Say how the child's need for information and follow-up was seen to.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic(durable=True)
def add_child(grant: Grant, *, acting_user, **fields):
    _require(may_record_children(grant))
    child = Child(citizen=grant.citizen, recorded_by=acting_user, **fields)
    _check_child(child)
    child.full_clean()
    child.save()
    ChildrenQuestion.objects.update_or_create(
        citizen=grant.citizen,
        defaults={"has_children": True, "answered_at": timezone.now(), "answered_by": acting_user},
    )
    _log(grant, acting_user, f"added child {child.pk}")
    return child


@transaction.atomic(durable=True)
def update_child(grant: Grant, child, *, acting_user, **fields):
    _require(may_record_children(grant))
    child = Child.objects.select_for_update().get(pk=child.pk)
    _require(child.citizen_id == grant.citizen.pk and child.ended_at is None)
    for name, value in fields.items():
        setattr(child, name, value)
    _check_child(child)
    child.full_clean()
    child.save()
    _log(grant, acting_user, f"changed child {child.pk}")
    return child
