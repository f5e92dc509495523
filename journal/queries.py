"""Questions other parts of Samplan ask about journal notes (the worklist asks ``unsigned_notes``)."""

from django.db.models import Q
from django.utils import timezone

from people import access

from .models import Note


def unsigned_notes(user, older_than=None, citizen_ids=None, *, started_before=None):
    """The user's own drafts started more than ``older_than`` (a timedelta) ago, oldest first.

    Only for citizens the user may still open: ``citizen_ids``, when the caller has already asked
    ``people.access.visible_to(user)``, else that query as a subquery. One query, with the
    citizen. The caller logs what it shows (``people.access.log_list_read``). A caller that keeps
    the query compiled (the worklist, ``samplan.prepared``) gives the moment itself, as
    ``started_before``, and the user as an id.
    """
    among = (
        Q(citizen__in=access.visible_to(user).values("pk")) if citizen_ids is None else Q(citizen_id__among=citizen_ids)
    )
    if started_before is None:
        started_before = timezone.now() - older_than
    return (
        Note.objects.filter(among, author=user, status=Note.Status.DRAFT, created_at__lt=started_before)
        .select_related("citizen")
        .order_by("created_at", "id")
    )
