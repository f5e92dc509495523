"""Background tasks of the groups app (django-tasks; run by ``manage.py db_worker`` in production).

The e-mails about meetings and minutes go from here, never from inside the coordinator's
request: a mail server that hangs holds a worker, not the page. Tasks carry ids only (and the
site's address for the links); what a message says is read from the database when it runs, so
nothing about the citizen sits in the queue table, and a message overtaken by a later change is
not sent. A task that fails is not tried again: an e-mail may be lost, never sent twice.
"""

from django_tasks import task

from . import meeting_mail


@task(priority=20)
def send_meeting_message(meeting_id, *, kind, sequence, participant_id=None, organizer_id=None, site=""):
    """An invitation, change or cancellation (``kind``) with its ``invite.ics``; no ``participant_id``: the citizen."""
    return meeting_mail.send_meeting_message(
        meeting_id, kind=kind, sequence=sequence, participant_id=participant_id, organizer_id=organizer_id, site=site
    )


@task(priority=10)
def send_meeting_reminder(meeting_id, *, sequence, participant_id=None, site=""):
    """The day before (``run_after``); sends nothing if the meeting was moved or cancelled since."""
    return meeting_mail.send_meeting_reminder(meeting_id, sequence=sequence, participant_id=participant_id, site=site)


@task(priority=10)
def send_minutes_ready(minutes_id, *, user_id=None, site=""):
    """ "Minutes are ready" and a link, to one member (``user_id`` None: the citizen)."""
    return meeting_mail.send_minutes_ready(minutes_id, user_id=user_id, site=site)
