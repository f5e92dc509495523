"""Background tasks of the measures app (django-tasks; run by ``manage.py db_worker`` in production).

Work that talks to another server (a mail server) runs here, not inside the citizen's request: a
mail server that hangs holds a worker, never the citizen's submit. Tasks carry ids only; what they
need is read from the database when they run, so no health data sits in the queue table.
"""

import logging

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from people.access import preferred_language_of
from people.models import CareTeamMember

logger = logging.getLogger(__name__)


@task(priority=50)
def notify_coordinators_of_risk(citizen_id):
    """A risk answer (PHQ-9 item 9) must reach the responsible staff the same day.

    The e-mail says only that something needs follow-up today: no name, no answers, nothing
    clinical leaves Samplan. Each coordinator gets it in their own language. Returns how many
    e-mails were sent.
    """
    coordinators = list(
        CareTeamMember.objects.active()
        .filter(citizen_id=citizen_id, role=CareTeamMember.Role.COORDINATOR, user__isnull=False, user__is_active=True)
        .exclude(user__email="")
        .select_related("user__staff_profile")
    )
    if not coordinators:
        logger.warning("No coordinator with an e-mail address to tell of a risk answer (citizen %s)", citizen_id)
        return 0
    sent = 0
    # settings.EMAIL_TIMEOUT (30 s by default) keeps a silent mail server from holding the worker.
    with get_connection() as connection:
        for member in coordinators:
            with translation.override(preferred_language_of(member.user) or settings.LANGUAGE_CODE):
                sent += send_mail(
                    subject=_("Samplan: a citizen needs follow-up today"),
                    message=_(
                        "A citizen you coordinate has answered a questionnaire in a way that needs follow-up "
                        "today. Log in to Samplan and open your citizens to see who."
                    ),
                    from_email=None,
                    recipient_list=[member.user.email],
                    connection=connection,
                )
    return sent
