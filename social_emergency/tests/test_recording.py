"""A night-shift worker records contacts on one screen; anonymous means anonymous, and bad input is refused with
a message beside the field, keeping what was typed, saving nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from social_emergency.models import Contact


def url(register):
    return reverse("social_emergency:record", args=[register.pk])


def form_data(lists, **changes):
    data = {
        "channel": "walk_in",
        "duration_minutes": "30",
        "topics": [lists["Anxiety or panic"].pk, lists["Loneliness"].pk],
        "referred_to": "none",
        "identified": "no",
        "wellbeing_before": "3",
        "wellbeing_after": "6",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "known_as": "",
        "note": "",
    }
    data.update(changes)
    return data


def test_the_form_says_the_register_is_anonymous_and_starts_at_now(login, night_worker, register):
    response = login(night_worker).get(url(register))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This register is anonymous" in page
    assert timezone.localtime().strftime("%Y-%m-%dT%H:") in page
    assert 'value="none"' in page and "checked" in page


def test_a_night_worker_records_an_anonymous_contact(login, night_worker, register, topics):
    response = login(night_worker).post(url(register), form_data(topics))
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("social_emergency:recorded", args=[register.pk, contact.pk])
    assert contact.channel == "walk_in" and contact.duration_minutes == 30
    assert {t.name for t in contact.topics.all()} == {"Anxiety or panic", "Loneliness"}
    assert (contact.wellbeing_before, contact.wellbeing_after) == (3, 6)
    assert not contact.identified and contact.citizen is None and contact.known_as == ""
    assert contact.recorded_by == night_worker
    assert not AccessEvent.objects.filter(citizen_id__isnull=False).exists()
    page = login(night_worker).get(response["Location"]).content.decode()
    assert "The contact is recorded" in page and "Record another" in page
    assert "Link to their record" not in page


def test_an_identified_contact_is_offered_a_link_to_the_record(login, night_worker, register, topics):
    response = login(night_worker).post(url(register), form_data(topics, identified="yes"))
    contact = Contact.objects.get()
    assert contact.identified and contact.citizen is None
    page = login(night_worker).get(response["Location"]).content.decode()
    assert reverse("social_emergency:link", args=[register.pk, contact.pk]) in page


def test_the_well_being_answers_may_be_skipped(login, night_worker, register, topics):
    login(night_worker).post(url(register), form_data(topics, wellbeing_before="", wellbeing_after=""))
    contact = Contact.objects.get()
    assert contact.wellbeing_before is None and contact.wellbeing_after is None


def test_the_same_form_sent_twice_is_one_contact(login, night_worker, register, topics):
    client = login(night_worker)
    data = form_data(topics, submission="0b7a1f0e-8f7d-4c55-9a39-3d0e4b0f8a11")
    first = client.post(url(register), data)
    second = client.post(url(register), data)
    assert Contact.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("Kom inn, fnr 01019012345, ville prate", "looks like an identity number"),
        ("Oppga 010190 12345 selv", "looks like an identity number"),
        ("Ring tilbake på 22 33 44 55", "looks like a phone number"),
        ("Ring tilbake på +47 912 34 567", "looks like a phone number"),
        ("Skriv til ola.nordmann@example.no", "looks like an e-mail address"),
    ],
)
def test_an_anonymous_contact_with_identifying_free_text_is_refused_and_keeps_what_was_typed(
    login, night_worker, register, topics, note, message
):
    response = login(night_worker).post(url(register), form_data(topics, note=note))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'aria-invalid="true"' in page
    assert note.replace("+", "&#x2B;") in page or note in page
    assert not Contact.objects.exists()


def test_a_nickname_cannot_hold_an_identity_or_phone_number(login, night_worker, register, topics):
    for nickname in ("01019012345", "9123 4567", "ola@example.no"):
        response = login(night_worker).post(url(register), form_data(topics, known_as=nickname))
        assert response.status_code == 400
        assert "nickname" in response.content.decode().lower()
    assert not Contact.objects.exists()


def test_a_nickname_is_kept_in_one_spelling_so_repeat_contacts_count(record):
    first = record(known_as="  Måke  12 ")
    second = record(known_as="måke 12")
    assert first.known_as == second.known_as == "måke 12"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"occurred_at": "2999-01-01T02:00"}, "occurred_at", "The time is in the future."),
        ({"occurred_at": "not a time"}, "occurred_at", "Give the date and time"),
        ({"duration_minutes": "-5"}, "duration_minutes", "Choose about how long the contact lasted."),
        ({"duration_minutes": ""}, "duration_minutes", "Choose about how long the contact lasted."),
        ({"channel": "carrier-pigeon"}, "channel", "Choose walk-in, phone or chat."),
        ({"referred_to": "moon"}, "referred_to", "Choose where the person was referred on"),
        ({"topics": ["999999"]}, "topics", "Choose topics from the list."),
        ({"topics": ["x"]}, "topics", "Choose topics from the list."),
        ({"wellbeing_before": "11"}, "wellbeing_before", "Choose a number from 0 to 10"),
        ({"wellbeing_after": "-1"}, "wellbeing_after", "Choose a number from 0 to 10"),
        ({"identified": "maybe"}, "identified", "Choose yes or no."),
    ],
)
def test_bad_input_is_a_clear_message_beside_the_field_and_nothing_is_saved(
    login, night_worker, register, topics, changes, field, message
):
    response = login(night_worker).post(url(register), form_data(topics, **changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not Contact.objects.exists()


def test_a_contact_older_than_a_month_is_refused(login, night_worker, register, topics):
    long_ago = (timezone.localtime() - datetime.timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    response = login(night_worker).post(url(register), form_data(topics, occurred_at=long_ago))
    assert response.status_code == 400
    assert "last 31 days" in " ".join(response.context["form"].errors["occurred_at"])
    assert not Contact.objects.exists()


def test_a_topic_taken_off_the_list_is_not_offered_and_refused(login, night_worker, register, topics):
    retired = topics["Sleep"]
    retired.active = False
    retired.save()
    client = login(night_worker)
    assert "Sleep" not in client.get(url(register)).content.decode()
    response = client.post(url(register), form_data(topics, topics=[retired.pk]))
    assert response.status_code == 400 and not Contact.objects.exists()
