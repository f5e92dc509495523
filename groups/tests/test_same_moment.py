"""Two requests at the same moment on PostgreSQL (a double click, or two people at once): the second
waits for the first and then sees what it did, never a second row, a 500 or an answer to an old time."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from groups import actions
from groups.models import AgendaItem, Meeting, Minutes, Participant, PlanChange
from people import access
from plans.models import PlanComment, PlanVersion
from tests.concurrency import first_two_at_once

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway"),
    pytest.mark.django_db(transaction=True),
]


def signed_minutes(grant, meeting, coordinator):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2))
    meeting.refresh_from_db()
    minutes = actions.start_minutes(grant, meeting, acting_user=coordinator)
    minutes = actions.save_minutes(
        grant, minutes, acting_user=coordinator, summary="Først", parts=[], expected_revision=0
    )
    return actions.sign_minutes(grant, minutes, acting_user=coordinator, expected_revision=minutes.revision)


def test_correct_minutes_clicked_twice_at_once_makes_one_draft_and_both_get_it(meeting, grant, coordinator):
    signed = signed_minutes(grant, meeting, coordinator)
    drafts = []

    def correct():
        drafts.append(actions.start_correction(grant, signed, acting_user=coordinator))

    failures = first_two_at_once(correct, correct, hold=(actions, "_log"))
    assert failures == []
    [draft] = Minutes.objects.filter(meeting=meeting, status=Minutes.Status.DRAFT)
    assert [minutes.pk for minutes in drafts] == [draft.pk, draft.pk]
    assert draft.corrects_id == signed.pk


def test_an_answer_sent_while_the_meeting_is_moved_is_refused_not_kept_for_the_new_time(
    meeting, grant, coordinator, citizen, gp
):
    """The GP answered the time they saw; the meeting is moved meanwhile and everyone is asked again:
    the GP's answer must not stand as an answer to the new time."""
    gp_grant = access.grant_for(gp, citizen)
    seen = Meeting.objects.get(pk=meeting.pk)  # the meeting as the GP's request loaded it, before the move
    failures = first_two_at_once(
        lambda: actions.move_meeting(
            grant,
            meeting,
            acting_user=coordinator,
            starts_at=meeting.starts_at + datetime.timedelta(days=2),
            duration_minutes=60,
            place="Fjordby rådhus, møterom 2",
        ),
        lambda: actions.answer_invitation(gp_grant, seen, acting_user=gp, answer=Participant.Answer.ACCEPTED),
        hold=(actions, "_log"),
    )
    assert Participant.objects.get(meeting=meeting, member__care_team_member__user=gp).answer == (
        Participant.Answer.NEEDS_ACTION
    )
    assert [type(failure) for failure in failures] == [ValidationError]  # said on the page, not a 500


def test_the_plan_must_change_sent_twice_at_once_is_one_change_and_one_comment(meeting, grant, coordinator, citizen):
    """A double click on "The plan must change": one proposal, one change linked to the meeting, one
    comment on the proposal for the coordinator to resolve; both clicks are shown the same change."""
    changes = []

    def request():
        changes.append(actions.request_plan_change(grant, meeting, acting_user=coordinator, text="Arbeidstrening"))

    failures = first_two_at_once(request, request, hold=(actions, "_log"))
    assert failures == []
    draft = PlanVersion.objects.get(citizen=citizen)
    change = PlanChange.objects.get(meeting=meeting)
    assert change.plan_version == draft
    assert [made.pk for made in changes] == [change.pk, change.pk]
    assert PlanComment.objects.filter(version=draft).count() == 1


@pytest.mark.parametrize("change", ["edit", "remove"])
def test_an_agenda_point_changed_while_the_meeting_is_cancelled_is_refused(meeting, grant, coordinator, change):
    """The coordinator changes a point on a meeting another cancels at the same moment: the change waits
    for the cancellation and is refused, not made on a cancelled meeting."""
    item = actions.add_agenda_point(grant, meeting, acting_user=coordinator, title="Bolig")
    seen = AgendaItem.objects.select_related("meeting").get(pk=item.pk)  # as the request loaded it

    def edit_or_remove():
        if change == "edit":
            actions.edit_agenda_point(grant, seen, acting_user=coordinator, title="Bolig og arbeid", section="group")
        else:
            actions.remove_agenda_point(grant, seen, acting_user=coordinator)

    failures = first_two_at_once(
        lambda: actions.cancel_meeting(grant, meeting, acting_user=coordinator, reason="Koordinator er syk"),
        edit_or_remove,
        hold=(actions, "_log"),
    )
    assert [type(failure) for failure in failures] == [ValidationError]  # said on the page, not a 500
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CANCELLED
    assert AgendaItem.objects.get(pk=item.pk).title == "Bolig"


def test_a_point_edited_while_another_removes_it_is_a_message_not_a_500(meeting, grant, coordinator):
    """Two coordinators: one removes a point while the other rewords it. The rewording waits for the
    removal and is told the point is gone (a form error on the page), not a 500."""
    item = actions.add_agenda_point(grant, meeting, acting_user=coordinator, title="Bolig")
    seen = AgendaItem.objects.select_related("meeting").get(pk=item.pk)  # as the second request loaded it
    failures = first_two_at_once(
        lambda: actions.remove_agenda_point(grant, item, acting_user=coordinator),
        lambda: actions.edit_agenda_point(
            grant, seen, acting_user=coordinator, title="Bolig og arbeid", section="group"
        ),
        hold=(actions, "_log"),
    )
    assert [type(failure) for failure in failures] == [ValidationError]
    assert "removed" in failures[0].messages[0]
    assert not AgendaItem.objects.filter(pk=item.pk).exists()
