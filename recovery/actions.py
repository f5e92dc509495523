"""Writing the personal development plan and asking for a peer worker, each logged in its transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from people.access import Grant, log_write
from people.models import CareTeamMember
from samplan.locks import lock_row

from .models import PARTS, DevelopmentPlan, PeerRequest
from .sections import DEVELOPMENT_PLAN, PEER_SUPPORT


def may_write_plan(grant: Grant):
    """The citizen, or their coordinator with them."""
    return grant.is_self or grant.is_coordinator


def current_plan(citizen):
    return DevelopmentPlan.objects.filter(citizen=citizen).order_by("-number").first()


@transaction.atomic(durable=True)
def write_plan(grant: Grant, *, acting_user, based_on, confirmed_with_citizen=False, **parts):
    """The next version of the plan. ``based_on`` is the number the writer saw (0 for none): if
    someone wrote a newer one meanwhile, nothing is saved and the writer is told."""
    if not may_write_plan(grant):
        raise PermissionDenied
    if not grant.is_self and not confirmed_with_citizen:
        raise ValidationError(
            {"confirmed_with_citizen": _("Write it only with the citizen, in their words. Tick to confirm.")}
        )
    texts = {name: (parts.get(name) or "").strip() for name, _label, _prompt in PARTS}
    if not any(texts.values()):
        raise ValidationError(_("Write at least one part."))
    latest = DevelopmentPlan.objects.filter(citizen=grant.citizen).aggregate(n=Max("number"))["n"] or 0
    if latest != based_on:
        raise ValidationError(
            _(
                "The plan was changed by someone else while you wrote (now version %(n)s). Your text is kept below: "
                "read the new version, then save again."
            )
            % {"n": latest}
        )
    try:
        with transaction.atomic():
            plan = DevelopmentPlan.objects.create(
                citizen=grant.citizen, number=latest + 1, written_by=acting_user, by_citizen=grant.is_self, **texts
            )
    except IntegrityError as error:  # the same number written at the same moment
        raise ValidationError(_("The plan was changed by someone else. Reload and try again.")) from error
    log_write(grant, acting_user=acting_user, section=DEVELOPMENT_PLAN, detail=f"version {plan.number}")
    return plan


def open_request(citizen):
    return PeerRequest.objects.filter(citizen=citizen, answered_at__isnull=True).order_by("-asked_at").first()


def has_peer_worker(citizen):
    return CareTeamMember.objects.active().filter(citizen=citizen, role=CareTeamMember.Role.PEER_WORKER).exists()


@transaction.atomic(durable=True)
def ask_for_peer_worker(grant: Grant, *, acting_user, wish=""):
    """The citizen asks; asking again while a request is open adds nothing."""
    if not grant.is_self:
        raise PermissionDenied
    # A double tap: the second request waits on the citizen's row for the first, then gets its request.
    lock_row(grant.citizen)
    existing = open_request(grant.citizen)
    if existing is not None:
        return existing
    request = PeerRequest.objects.create(citizen=grant.citizen, asked_by=acting_user, wish=wish.strip())
    log_write(grant, acting_user=acting_user, section=PEER_SUPPORT, detail=f"asked for a peer worker ({request.pk})")
    return request


@transaction.atomic(durable=True)
def answer_request(grant: Grant, request, *, acting_user, answer):
    """The coordinator's answer, which the citizen reads (e.g. who the peer worker is, or why not yet)."""
    if not grant.may_manage_team or request.citizen_id != grant.citizen.pk:
        raise PermissionDenied
    request = PeerRequest.objects.select_for_update().get(pk=request.pk)
    if request.answered_at is not None:
        raise ValidationError(_("This request has already been answered."))
    if not answer.strip():
        raise ValidationError({"answer": _("Write a short answer to the citizen.")})
    request.answered_at = timezone.now()
    request.answered_by = acting_user
    request.answer = answer.strip()
    request.save(update_fields=["answered_at", "answered_by", "answer"])
    log_write(grant, acting_user=acting_user, section=PEER_SUPPORT, detail=f"answered peer request {request.pk}")
    return request
