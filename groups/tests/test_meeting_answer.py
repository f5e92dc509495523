"""A member answers an invitation from the meeting page: the answer counts for the time the page showed,
never for a time the coordinator moved the meeting to after the page was opened (moving asks everyone
again). The page carries the meeting's ``sequence`` it showed; a missing or made-up one is a form error."""

import datetime
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from groups import actions
from groups.models import Meeting, Participant
from people import access

MOVED = "The meeting has been moved since you opened it. Look at the new time, then answer again."
NOT_TOLD = "We could not tell which time you answered. Look at the meeting&#x27;s time, then answer again."


class _AnswerForm(HTMLParser):
    """The hidden fields of the form that posts to ``action`` (what a browser would send back)."""

    def __init__(self, action):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif tag == "input" and self.inside and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def opened(client, citizen, meeting):
    """The meeting page as the member opens it: the answer form's hidden fields."""
    page = client.get(reverse("groups:meeting", args=[citizen.pk, meeting.pk]))
    assert page.status_code == 200
    parser = _AnswerForm(reverse("groups:meeting_answer", args=[citizen.pk, meeting.pk]))
    parser.feed(page.text)
    assert "csrfmiddlewaretoken" in parser.fields
    return parser.fields


def gp_answer(meeting, gp):
    return Participant.objects.get(meeting=meeting, member__care_team_member__user=gp).answer


def shown(when):
    return timezone.localtime(when).strftime("%d.%m.%Y %H:%M")


def move(grant, meeting, coordinator, **change):
    return actions.move_meeting(
        grant,
        meeting,
        acting_user=coordinator,
        **{"starts_at": meeting.starts_at, "duration_minutes": 60, "place": meeting.place} | change,
    )


def test_an_answer_from_a_page_opened_before_the_move_is_refused_and_the_new_time_shown(
    client, login, citizen, meeting, grant, coordinator, gp
):
    login(gp)
    old_page = opened(client, citizen, meeting)
    assert old_page["shown_sequence"] == str(meeting.sequence)
    new_start = meeting.starts_at + datetime.timedelta(days=2, hours=1)
    move(grant, meeting, coordinator, starts_at=new_start)

    url = reverse("groups:meeting_answer", args=[citizen.pk, meeting.pk])
    response = client.post(url, old_page | {"answer": "accepted"})
    assert response.status_code == 409
    assert MOVED in response.text
    assert shown(new_start) in response.text and shown(meeting.starts_at) not in response.text
    assert gp_answer(meeting, gp) == Participant.Answer.NEEDS_ACTION

    # The page that said so carries the new time: answering from it counts.
    parser = _AnswerForm(url)
    parser.feed(response.text)
    assert parser.fields["shown_sequence"] == str(Meeting.objects.get(pk=meeting.pk).sequence)
    assert client.post(url, parser.fields | {"answer": "accepted"}).status_code == 302
    assert gp_answer(meeting, gp) == Participant.Answer.ACCEPTED


def test_an_answer_after_only_the_place_changed_is_asked_again_too(
    client, login, citizen, meeting, grant, coordinator, gp
):
    login(gp)
    old_page = opened(client, citizen, meeting)
    move(grant, meeting, coordinator, place="Biblioteket")
    response = client.post(
        reverse("groups:meeting_answer", args=[citizen.pk, meeting.pk]), old_page | {"answer": "declined"}
    )
    assert response.status_code == 409 and "Biblioteket" in response.text
    assert gp_answer(meeting, gp) == Participant.Answer.NEEDS_ACTION


def test_an_answer_to_the_time_shown_is_saved(client, login, citizen, meeting, gp):
    login(gp)
    page = opened(client, citizen, meeting)
    response = client.post(
        reverse("groups:meeting_answer", args=[citizen.pk, meeting.pk]), page | {"answer": "tentative"}, follow=True
    )
    assert response.status_code == 200 and "Your answer is saved." in response.text
    assert gp_answer(meeting, gp) == Participant.Answer.TENTATIVE


@pytest.mark.parametrize("sequence", [None, "", "abc", "-1", "1.5", "99999999999999999999999", "0x1"], ids=repr)
def test_a_missing_or_malformed_shown_time_is_a_form_error_and_nothing_is_saved(
    client, login, citizen, meeting, gp, sequence
):
    login(gp)
    page = opened(client, citizen, meeting)
    del page["shown_sequence"]
    if sequence is not None:
        page["shown_sequence"] = sequence
    response = client.post(
        reverse("groups:meeting_answer", args=[citizen.pk, meeting.pk]), page | {"answer": "accepted"}
    )
    assert response.status_code == 400
    assert NOT_TOLD in response.text
    assert shown(meeting.starts_at) in response.text
    assert gp_answer(meeting, gp) == Participant.Answer.NEEDS_ACTION


def test_a_made_up_sequence_is_refused_as_a_moved_meeting(client, login, citizen, meeting, gp):
    login(gp)
    page = opened(client, citizen, meeting)
    response = client.post(
        reverse("groups:meeting_answer", args=[citizen.pk, meeting.pk]),
        page | {"shown_sequence": str(meeting.sequence + 5), "answer": "accepted"},
    )
    assert response.status_code == 409 and MOVED in response.text
    assert gp_answer(meeting, gp) == Participant.Answer.NEEDS_ACTION


def test_no_answer_chosen_is_a_form_error(client, login, citizen, meeting, gp):
    login(gp)
    page = opened(client, citizen, meeting)
    for answer in [None, "needs-action", "maybe?"]:
        data = page if answer is None else page | {"answer": answer}
        response = client.post(reverse("groups:meeting_answer", args=[citizen.pk, meeting.pk]), data)
        assert response.status_code == 400 and "Choose whether you are coming." in response.text
    assert gp_answer(meeting, gp) == Participant.Answer.NEEDS_ACTION


def test_the_action_refuses_an_answer_to_a_sequence_the_meeting_no_longer_has(meeting, grant, coordinator, citizen, gp):
    """Even with the meeting loaded after the move (as the view does), the shown sequence decides."""
    gp_grant = access.grant_for(gp, citizen)
    before = meeting.sequence
    move(grant, meeting, coordinator, starts_at=meeting.starts_at + datetime.timedelta(days=1))
    fresh = Meeting.objects.get(pk=meeting.pk)
    with pytest.raises(ValidationError) as refused:
        actions.answer_invitation(gp_grant, fresh, acting_user=gp, answer="accepted", shown_sequence=before)
    assert refused.value.messages == [MOVED]
    assert gp_answer(meeting, gp) == Participant.Answer.NEEDS_ACTION
    actions.answer_invitation(gp_grant, fresh, acting_user=gp, answer="accepted", shown_sequence=fresh.sequence)
    assert gp_answer(meeting, gp) == Participant.Answer.ACCEPTED
