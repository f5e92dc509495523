from django.db.models import Count, Q

from people.models import Section

from .actions import may_write_notes
from .models import Note


def notes_panel(request, grant):
    """The number of signed notes on the citizen overview, and the reader's own unsigned drafts.

    One query (two when the reader has drafts here). Like the other overview panels it shows no
    note text; the overview's read is logged by the page.
    """
    if not grant.may_see(Section.NOTES) or grant.is_self:
        return None
    counts = Note.objects.filter(citizen=grant.citizen).aggregate(
        signed=Count("pk", filter=Q(status=Note.Status.SIGNED)),
        drafts=Count("pk", filter=Q(status=Note.Status.DRAFT, author=request.user)),
    )
    drafts = []
    if counts["drafts"]:
        drafts = list(
            Note.objects.filter(citizen=grant.citizen, status=Note.Status.DRAFT, author=request.user).order_by(
                "created_at", "id"
            )
        )
    return "journal/includes/overview_panel.html", {
        "signed_count": counts["signed"],
        "drafts": drafts,
        "may_write": may_write_notes(grant),
    }
