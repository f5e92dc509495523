"""The relatives and children on the citizen overview (staff who may see the section)."""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from people.access import log_read
from people.models import Citizen

from . import actions
from .models import Child, ChildrenQuestion, Consent, Relative
from .sections import RELATIVES


def _count(queryset):
    counted = queryset.filter(citizen=OuterRef("pk")).order_by().values("citizen").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def relatives_panel(request, grant):
    """How many relatives, how many may know something, and the children question: one query."""
    if grant.is_self or not grant.may_see(RELATIVES):
        return None
    log_read(request, grant, RELATIVES, "overview: relatives and children")
    question = ChildrenQuestion.objects.filter(citizen=OuterRef("pk"))
    summary = (
        Citizen.objects.filter(pk=grant.citizen.pk)
        .annotate(
            relative_count=_count(Relative.objects.filter(ended_at__isnull=True)),
            with_consent=_count(Consent.objects.open()),
            open_children=_count(Child.objects.filter(ended_at__isnull=True, needs_addressed_on__isnull=True)),
            asked=Subquery(question.values("answered_at")[:1]),
            has_children=Subquery(question.values("has_children")[:1]),
        )
        .values("relative_count", "with_consent", "open_children", "asked", "has_children")
        .get()
    )
    return "relatives/includes/overview_panel.html", {
        **summary,
        "may_record_children": actions.may_record_children(grant),
    }
