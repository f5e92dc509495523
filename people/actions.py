"""Every change to a citizen's people data, each writing the access log in its own transaction."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import sections as section_registry
from audit.log import record
from audit.models import AccessEvent

from . import sections as logged
from .access import Grant, all_sections, citizen_of, coordinator_sections, grant_for, log_write
from .models import (
    AccessCode,
    Block,
    CareTeamMember,
    Citizen,
    EmergencyAccess,
    Language,
    StaffProfile,
    hash_access_code,
)

Write = AccessEvent.Action.WRITE
# The same citizen registered again this soon by the same person (a double click, a retry) is one registration.
REGISTERED_JUST_NOW = timedelta(minutes=10)


def _require(condition):
    if not condition:
        raise PermissionDenied


def username_taken():
    return ValidationError({"username": _("This username is taken. Choose another.")})


def save_login(user):
    """Save ``user`` with a username checked as free. Someone may have taken it a moment ago (the check
    saw nothing yet, and the unique key waited for them): that is the same form error as the check's."""
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        if not get_user_model().objects.filter(username=user.username).exclude(pk=user.pk).exists():
            raise
        raise username_taken() from error


@transaction.atomic(durable=True)
def register_citizen(*, acting_user, coordinator_organisation, **fields):
    """A new citizen always starts with a coordinator: the staff member who registers them.

    The same citizen sent again by the same user a moment later (a double click, a retry) is one
    registration: that citizen is returned (the form leaves this uniqueness to the action)."""
    registered = _registered_just_now(fields.get("national_id"), acting_user)
    if registered is not None:
        return registered
    citizen = Citizen(**fields)
    citizen.full_clean()
    try:
        with transaction.atomic():
            citizen.save()
    except IntegrityError as error:  # registered at the same moment: the check above saw nothing yet
        registered = _registered_just_now(citizen.national_id, acting_user)
        if registered is not None:  # a double click is one registration
            return registered
        if not Citizen.objects.filter(national_id=citizen.national_id).exists():
            raise
        # The form's own message for a national id already registered.
        raise ValidationError({"national_id": citizen.unique_error_message(Citizen, ("national_id",))}) from error
    CareTeamMember.objects.create(
        citizen=citizen,
        user=acting_user,
        role=CareTeamMember.Role.COORDINATOR,
        organisation=coordinator_organisation,
        sections=coordinator_sections(),
        added_by=acting_user,
    )
    record(
        actor=acting_user,
        citizen_id=citizen.pk,
        action=Write,
        section=logged.PERSONAL_DETAILS,
        ground=AccessEvent.Ground.CARE_TEAM,
        role=CareTeamMember.Role.COORDINATOR,
        detail="registered citizen; registering user is coordinator",
    )
    return citizen


def _registered_just_now(national_id, acting_user):
    """The citizen with ``national_id`` if ``acting_user`` registered them a moment ago (and is their coordinator)."""
    return Citizen.objects.filter(
        national_id=national_id,
        created_at__gte=timezone.now() - REGISTERED_JUST_NOW,
        care_team__role=CareTeamMember.Role.COORDINATOR,
        care_team__added_by=acting_user,
        care_team__user=acting_user,
    ).first()


def _open_coordinator(citizen):
    return (
        CareTeamMember.objects.select_for_update()
        .filter(citizen=citizen, role=CareTeamMember.Role.COORDINATOR, ended_at__isnull=True)
        .first()
    )


@transaction.atomic(durable=True)
def add_care_team_member(grant: Grant, *, acting_user, hand_over=False, **fields):
    """Add a member. A new coordinator replaces the current one only when ``hand_over`` is set."""
    _require(grant.may_manage_team)
    citizen = grant.citizen
    member = CareTeamMember(citizen=citizen, added_by=acting_user, **fields)
    if member.role == CareTeamMember.Role.RELATIVE and member.user_id is not None:
        raise ValidationError(
            {"user": _("A relative gets a login of their own from the Relatives page, with the citizen's consent.")}
        )
    if member.role == CareTeamMember.Role.COORDINATOR:
        member.sections = coordinator_sections()
        current = _open_coordinator(citizen)
        if current is not None:
            if not hand_over:
                raise ValidationError(
                    {
                        "hand_over": _(
                            "%(name)s is the coordinator. A citizen has one coordinator at a time: "
                            "tick “Hand over” to end %(name)s's role as coordinator."
                        )
                        % {"name": current.display_name}
                    }
                )
            current.ended_at = timezone.now()
            current.ended_by = acting_user
            current.save(update_fields=["ended_at", "ended_by"])
            log_write(grant, acting_user=acting_user, section=logged.CARE_TEAM, detail=f"ended coordinator {current}")
    member.full_clean()
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as error:  # another coordinator was added at the same moment
        raise ValidationError(_("The care team was changed by someone else. Reload and try again.")) from error
    log_write(grant, acting_user=acting_user, section=logged.CARE_TEAM, detail=f"added {member}")
    return member


@transaction.atomic(durable=True)
def end_care_team_member(grant: Grant, member: CareTeamMember, *, acting_user):
    _require(grant.may_manage_team and member.citizen_id == grant.citizen.pk)
    member = CareTeamMember.objects.select_for_update().get(pk=member.pk)
    if member.ended_at is not None:
        raise ValidationError(_("This role has already ended."))
    if member.role == CareTeamMember.Role.COORDINATOR:
        raise ValidationError(
            _(
                "%(name)s is the citizen's only coordinator and cannot be removed. "
                "Add a new coordinator with “Hand over” first."
            )
            % {"name": member.display_name}
        )
    member.ended_at = timezone.now()
    member.ended_by = acting_user
    member.save(update_fields=["ended_at", "ended_by"])
    log_write(grant, acting_user=acting_user, section=logged.CARE_TEAM, detail=f"ended {member}")
    return member


@transaction.atomic(durable=True)
def set_member_sections(grant: Grant, member: CareTeamMember, sections, *, acting_user):
    """The citizen (or their coordinator) decides which parts each member may see."""
    _require((grant.is_self or grant.may_manage_team) and member.citizen_id == grant.citizen.pk)
    if member.role == CareTeamMember.Role.COORDINATOR:
        raise ValidationError(_("The coordinator always sees the whole record."))
    if member.role == CareTeamMember.Role.RELATIVE and member.user_id is not None:
        raise ValidationError(_("A relative sees what the citizen's consent covers. Change the consent instead."))
    if set(sections) - all_sections():
        raise ValidationError(_("Unknown section."))
    member.sections = section_registry.in_order(sections)
    member.save(update_fields=["sections"])
    log_write(grant, acting_user=acting_user, section=logged.CARE_TEAM, detail=f"{member} may see {member.sections}")
    return member


@transaction.atomic(durable=True)
def block_user(grant: Grant, blocked_user, *, acting_user):
    _require(grant.is_self or grant.is_coordinator)
    if blocked_user.pk == acting_user.pk:
        raise ValidationError(_("You cannot block yourself."))
    if CareTeamMember.objects.filter(
        citizen=grant.citizen, user=blocked_user, role=CareTeamMember.Role.COORDINATOR, ended_at__isnull=True
    ).exists():
        raise ValidationError(
            _("Your coordinator cannot be blocked. Ask for a new coordinator first, then block this person.")
        )
    block, created = Block.objects.get_or_create(
        citizen=grant.citizen, blocked_user=blocked_user, lifted_at__isnull=True, defaults={"created_by": acting_user}
    )
    if created:
        log_write(
            grant, acting_user=acting_user, section=logged.BLOCKS, detail=f"blocked {blocked_user.get_username()}"
        )
    return block


@transaction.atomic(durable=True)
def lift_block(grant: Grant, block: Block, *, acting_user):
    _require((grant.is_self or grant.is_coordinator) and block.citizen_id == grant.citizen.pk)
    if block.lifted_at is None:
        block.lifted_at = timezone.now()
        block.save(update_fields=["lifted_at"])
        log_write(
            grant,
            acting_user=acting_user,
            section=logged.BLOCKS,
            detail=f"lifted block on {block.blocked_user.get_username()}",
        )
    return block


@transaction.atomic(durable=True)
def set_preferred_language(user, language):
    """The language a logged-in user picks becomes their preference: reminders and the next login use it.

    A citizen's preferred language is part of their record, so a change is logged as their own write.
    A staff member's is not citizen data and is not in the access log. Returns whether it changed.
    """
    if language not in Language.values:
        raise ValueError(f"Not a language Samplan offers: {language!r}")  # the view checks settings.LANGUAGES
    citizen = citizen_of(user)
    if citizen is not None:
        changed = (
            Citizen.objects.filter(pk=citizen.pk)
            .exclude(preferred_language=language)
            .update(preferred_language=language, updated_at=timezone.now())  # .update() skips auto_now
        )
        citizen.preferred_language = language
        if changed:
            own = grant_for(user, citizen)  # ground "self"
            log_write(own, acting_user=user, section=logged.PERSONAL_DETAILS, detail=f"preferred language {language}")
        return bool(changed)
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return False
    changed = (
        StaffProfile.objects.filter(pk=profile.pk)
        .exclude(preferred_language=language)
        .update(preferred_language=language)
    )
    profile.preferred_language = language
    return bool(changed)


MIN_EMERGENCY_REASON = 15


@transaction.atomic(durable=True)
def start_emergency_access(*, acting_user, citizen, reason):
    """Break the glass: only staff, only with a real reason, never past the citizen's block."""
    reason = (reason or "").strip()
    if len(reason) < MIN_EMERGENCY_REASON:
        raise ValidationError(
            {"reason": _("Write why you need access now (at least %(n)d characters).") % {"n": MIN_EMERGENCY_REASON}}
        )
    if not hasattr(acting_user, "staff_profile"):
        raise PermissionDenied
    if Block.objects.filter(citizen=citizen, blocked_user=acting_user, lifted_at__isnull=True).exists():
        record(
            actor=acting_user,
            citizen_id=citizen.pk,
            action=AccessEvent.Action.DENIED,
            section=logged.EMERGENCY,
            ground=AccessEvent.Ground.NONE,
            detail="emergency access refused: blocked by the citizen",
        )
        return None
    now = timezone.now()
    access = EmergencyAccess.objects.create(
        user=acting_user,
        citizen=citizen,
        reason=reason,
        started_at=now,
        expires_at=now + timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
    )
    record(
        actor=acting_user,
        citizen_id=citizen.pk,
        action=Write,
        section=logged.EMERGENCY,
        ground=AccessEvent.Ground.EMERGENCY,
        detail=f"emergency access until {access.expires_at:%Y-%m-%d %H:%M}: {reason}",
    )
    return access


@transaction.atomic(durable=True)
def review_emergency_access(access: EmergencyAccess, *, acting_user, comment=""):
    if not acting_user.has_perm("people.review_emergencyaccess"):
        raise PermissionDenied
    if access.user_id == acting_user.pk:
        raise ValidationError(_("You cannot review your own emergency access."))
    access.reviewed_at = timezone.now()
    access.reviewed_by = acting_user
    access.review_comment = comment
    access.save(update_fields=["reviewed_at", "reviewed_by", "review_comment"])
    return access


@transaction.atomic(durable=True)
def issue_access_code(grant: Grant, *, acting_user):
    """Revoke any unused code and make a new one. Returns the plain code, shown once."""
    return new_access_code(grant, acting_user=acting_user)


@transaction.atomic
def new_access_code(grant: Grant, *, acting_user):
    """``issue_access_code`` inside the caller's transaction (e.g. a code for a self-help programme)."""
    _require(grant.may_manage_team)
    now = timezone.now()
    AccessCode.objects.filter(citizen=grant.citizen, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    code = AccessCode.new_code()
    access_code = AccessCode.objects.create(
        citizen=grant.citizen,
        code_hash=hash_access_code(code),
        created_by=acting_user,
        expires_at=AccessCode.default_expiry(),
    )
    log_write(grant, acting_user=acting_user, section=logged.ACCESS_CODE, detail="issued a new access code")
    return code, access_code


class AccessCodeError(ValidationError):
    pass


def find_access_code(raw_code):
    """The usable code matching ``raw_code``, or an ``AccessCodeError`` that says why not."""
    access_code = AccessCode.objects.select_related("citizen").filter(code_hash=hash_access_code(raw_code)).first()
    if access_code is None:
        raise AccessCodeError(
            _("We do not recognise this code. Check each character, or ask your coordinator for a new code."),
            code="unknown",
        )
    if access_code.used_at is not None:
        raise AccessCodeError(
            _("This code has already been used. Log in with your username and password, or ask for a new code."),
            code="used",
        )
    if access_code.revoked_at is not None:
        raise AccessCodeError(
            _("This code has been replaced by a newer one. Use the newest code from your coordinator."),
            code="revoked",
        )
    if access_code.expires_at <= timezone.now():
        raise AccessCodeError(
            _("This code has expired. Ask your coordinator for a new code."),
            code="expired",
        )
    return access_code


@transaction.atomic(durable=True)
def activate_citizen(*, raw_code, username, password):
    """Use a code once: create (or re-key) the citizen's login and mark the code used."""
    access_code = find_access_code(raw_code)
    access_code = AccessCode.objects.select_for_update().get(pk=access_code.pk)
    if access_code.used_at is not None:
        raise AccessCodeError(_("This code has already been used."), code="used")
    citizen = access_code.citizen
    user_model = get_user_model()
    if citizen.user_id is not None:
        user = citizen.user
        if user.username != username and user_model.objects.filter(username=username).exists():
            raise username_taken()
        user.username = username
    else:
        if user_model.objects.filter(username=username).exists():
            raise username_taken()
        user = user_model(username=username, first_name=citizen.given_name, last_name=citizen.family_name)
    user.set_password(password)
    save_login(user)
    if citizen.user_id != user.pk:
        citizen.user = user
        citizen.save(update_fields=["user"])
    access_code.used_at = timezone.now()
    access_code.save(update_fields=["used_at"])
    record(
        actor=user,
        citizen_id=citizen.pk,
        action=Write,
        section=logged.ACCESS_CODE,
        ground=AccessEvent.Ground.SELF,
        detail="activated login with access code",
    )
    return user
