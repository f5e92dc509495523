"""Questions other parts of Samplan ask about journal notes (the worklist asks ``unsigned_notes``)."""

from django.utils import timezone

from people.models import Citizen

from .models import Note


def unsigned_notes(user, older_than):
    """The user's own drafts started more than ``older_than`` (a timedelta) ago, oldest first.

    Only for citizens the user may still open; one query, with the citizen. The caller logs what
    it shows (``people.access.log_list_read``).
    """
    return (
        Note.objects.filter(
            author=user,
            status=Note.Status.DRAFT,
            created_at__lt=timezone.now() - older_than,
            citizen__in=Citizen.objects.visible_to(user).values("pk"),
        )
        .select_related("citizen")
        .order_by("created_at", "id")
    )
