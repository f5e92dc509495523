"""The unit's figures: counted right, and never a count from 1 to 4 nor a part of a split that would give one back.
The page asks the database the same number of questions for 5 contacts as for 40."""

import dataclasses
import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from people.suppression import Figure
from social_emergency import figures
from social_emergency.models import Contact

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=OSLO)  # a Friday


def add(register, worker, n=1, *, when=None, **fields):
    values = {"channel": "phone", "duration_minutes": 15, **fields}
    Contact.objects.bulk_create(
        Contact(register=register, recorded_by=worker, occurred_at=when or NOW - datetime.timedelta(hours=5), **values)
        for _ in range(n)
    )


def all_figures(published):
    """Every Figure the page can show."""
    found = [published.total, published.visitors, published.referred_total, published.wellbeing.pairs]
    for name in ("channels", "hours", "weekdays", "referrals", "topics", "helped", "known_split", "visitor_split"):
        found += [part.figure for part in getattr(published, name)]
    assert all(isinstance(f, Figure) for f in found)
    return found


def test_the_counts_by_channel_time_and_weekday(register, night_worker):
    add(register, night_worker, 5, channel="phone", when=datetime.datetime(2026, 11, 19, 2, 30, tzinfo=OSLO))  # Thu
    add(register, night_worker, 6, channel="chat", when=datetime.datetime(2026, 11, 19, 2, 59, tzinfo=OSLO))
    published = figures.build(register, "4w", now=NOW)
    assert published.total == Figure(11)
    assert [p.figure.value for p in published.channels] == [0, 5, 6]
    hours = {str(p.label): p.figure.value for p in published.hours}
    assert hours["00–03"] == 11 and sum(hours.values()) == 11
    weekdays = {str(p.label): p.figure.value for p in published.weekdays}
    assert weekdays["Thursday"] == 11 and sum(weekdays.values()) == 11


def test_four_contacts_are_under_5_and_every_split_of_them_is_hidden(register, night_worker):
    add(register, night_worker, 4)
    published = figures.build(register, "4w", now=NOW)
    assert published.total.withheld == "small"
    for name in ("channels", "hours", "weekdays", "known_split"):
        assert all(part.figure.withheld == "hidden" for part in getattr(published, name)), name


def test_one_small_channel_hides_every_channel(register, night_worker):
    """Eleven contacts shown, phone 10: if chat showed "under 5" and walk-in 0, 11 − 10 would give chat = 1."""
    add(register, night_worker, 10, channel="phone")
    add(register, night_worker, 1, channel="chat")
    published = figures.build(register, "4w", now=NOW)
    assert published.total == Figure(11)
    assert all(part.figure.withheld == "hidden" for part in published.channels)


def test_referrals_are_counted_per_kind_without_a_total_that_gives_a_small_one_back(register, night_worker):
    add(register, night_worker, 6, referred_to="gp")
    add(register, night_worker, 2, referred_to="police")
    add(register, night_worker, 7)
    published = figures.build(register, "4w", now=NOW)
    by_kind = {str(p.label): p.figure for p in published.referrals}
    assert by_kind["GP"] == Figure(6) and by_kind["Police"].withheld == "small" and by_kind["Nav"] == Figure(0)
    assert published.referred_total.withheld == "hidden"
    assert "Not referred on" not in by_kind


def test_repeat_contacts_of_known_visitors(register, night_worker):
    for nickname, visits in (("måke", 3), ("rev", 2), ("ugle", 2), ("bjørn", 2), ("elg", 2), ("hare", 1)):
        add(register, night_worker, visits, known_as=nickname)
    add(register, night_worker, 6)
    published = figures.build(register, "4w", now=NOW)
    assert published.visitors == Figure(6)
    split = {str(p.label): p.figure for p in published.visitor_split}
    assert all(f.withheld == "hidden" for f in split.values())  # one came once: under 5, so both hidden
    known = {str(p.label): p.figure for p in published.known_split}
    assert known == {"With a nickname": Figure(12), "Without": Figure(6)}


def test_well_being_change_needs_five_contacts_with_both_answers(register, night_worker):
    add(register, night_worker, 4, wellbeing_before=4, wellbeing_after=5)
    add(register, night_worker, 3, wellbeing_before=2)  # no answer at the end: not counted
    published = figures.build(register, "4w", now=NOW)
    assert published.wellbeing.change is None and published.wellbeing.change_percent is None
    add(register, night_worker, 1, wellbeing_before=4, wellbeing_after=5)
    published = figures.build(register, "4w", now=NOW)
    assert published.wellbeing.before == 4 and published.wellbeing.after == 5
    assert published.wellbeing.change == 1 and published.wellbeing.change_percent == 25
    assert published.wellbeing.pairs.withheld == "hidden"  # 5 with both, 3 without: 3 is small


def test_the_period_filter(register, night_worker):
    add(register, night_worker, 5, when=NOW - datetime.timedelta(days=10))
    add(register, night_worker, 5, when=NOW - datetime.timedelta(days=40))
    add(register, night_worker, 5, when=NOW - datetime.timedelta(days=200))
    add(register, night_worker, 5, when=NOW - datetime.timedelta(days=400))
    totals = {period: figures.build(register, period, now=NOW).total.value for period in figures.PERIODS}
    assert totals == {"4w": 5, "3m": 10, "12m": 15}


def test_another_registers_contacts_are_not_counted(register, night_worker, make_staff):
    from people.models import Organisation
    from social_emergency.models import ContactRegister

    other = ContactRegister.objects.create(unit=Organisation.objects.create(name="Nabokommunen akutt"))
    add(other, make_staff("nabo", other.unit), 7)
    add(register, night_worker, 5)
    assert figures.build(register, "4w", now=NOW).total == Figure(5)


@st.composite
def contact_sets(draw):
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(Contact.Channel.values),
                st.integers(0, 23 * 60 + 59),
                st.integers(0, 20),
                st.sampled_from(Contact.Referral.values),
                st.sampled_from(["", "", "a", "b", "c"]),
                st.one_of(st.none(), st.tuples(st.integers(0, 10), st.integers(0, 10))),
            ),
            max_size=30,
        )
    )
    return rows


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contact_sets())
def test_no_published_figure_is_from_1_to_4_and_no_split_is_half_shown(register, night_worker, rows):
    Contact.objects.all().delete()
    for channel, minute, days_ago, referral, nickname, wellbeing in rows:
        when = NOW - datetime.timedelta(days=days_ago) - datetime.timedelta(minutes=minute)
        before, after = wellbeing or (None, None)
        add(
            register,
            night_worker,
            when=when,
            channel=channel,
            referred_to=referral,
            known_as=nickname,
            wellbeing_before=before,
            wellbeing_after=after,
        )
    published = figures.build(register, "4w", now=NOW)
    for figure in all_figures(published):
        assert not (figure.shown and 1 <= figure.value <= 4), figure
    for name in ("channels", "hours", "weekdays", "known_split", "visitor_split"):
        shown = {part.figure.shown for part in getattr(published, name)}
        assert len(shown) == 1, (name, getattr(published, name))
    if any(not part.figure.shown for part in published.referrals):
        assert not published.referred_total.shown
    wellbeing = published.wellbeing
    pairs = sum(1 for *_rest, w in rows if w is not None and _rest[2] < 28)
    assert (wellbeing.change is None) == (pairs < 5)


# The page -------------------------------------------------------------------------------------------------


def page(client, register, **query):
    return client.get(reverse("social_emergency:figures", args=[register.pk]), query)


def test_the_page_shows_the_figures_with_under_5(login, night_worker, register):
    add(register, night_worker, 6, channel="chat", referred_to="gp", wellbeing_before=3, wellbeing_after=5)
    add(register, night_worker, 2, channel="walk_in", when=timezone.now() - datetime.timedelta(days=2))
    response = page(login(night_worker), register)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="total"' in html and ">8<" in html
    assert "under 5" in html and "hidden" in html
    wellbeing = dataclasses.asdict(response.context["figures"].wellbeing)
    assert wellbeing["change"] == 2 and wellbeing["pairs"]["withheld"] == "hidden"  # a mean of 6; 6 + 2 = 8 shown


def test_a_bad_period_is_a_clear_message(login, night_worker, register):
    response = page(login(night_worker), register, period="forever")
    assert response.status_code == 400
    assert "Choose one of the periods in the list." in response.content.decode()


@pytest.mark.parametrize("n", [5, 40])
def test_the_page_asks_a_fixed_number_of_queries(
    login, night_worker, register, topics, n, django_assert_max_num_queries
):
    add(register, night_worker, n, known_as="rev")
    through = Contact.topics.through
    through.objects.bulk_create(
        through(contact_id=pk, topic_id=topics["Loneliness"].pk) for pk in Contact.objects.values_list("pk", flat=True)
    )
    client = login(night_worker)
    # session, user, two-factor device (3); the organisation tree, the user's leaderships, the registers (3);
    # channel, hour, weekday, referral, nickname, topic and help counts (7), the two lists (2), well-being (1);
    # the aggregate event (1); the menu's permissions (2) and the session's renewal (3).
    with django_assert_max_num_queries(22):
        assert page(client, register).status_code == 200
