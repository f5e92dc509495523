"""Access and course of care counted by hand on a small set of episodes, then published."""

import datetime
from decimal import Decimal

import pytest

from insights.course import Row, publish, tally

TODAY = datetime.date(2026, 12, 6)


def day(n):
    """The referral day is day 0: 1 November 2026."""
    return datetime.date(2026, 11, 1) + datetime.timedelta(days=n)


def row(status, *, contact=None, due=7, received=0):
    return Row(
        status=status,
        referral_received=day(received),
        first_contact_due=day(received + due) if due is not None else None,
        first_contact_on=day(received + contact) if contact is not None else None,
    )


EPISODES = [
    row("completed", contact=2),
    row("completed", contact=5),
    row("completed", contact=7),  # on the deadline: within it
    row("completed", contact=9),  # late
    row("completed", contact=3),
    row("dropped_out", contact=4),
    row("dropped_out"),  # dropped out before any contact; the deadline passed: not within it
    row("transferred", contact=6),
    row("active", contact=1),
    row("active", contact=12),  # late
    row("waiting", received=30),  # referred 1 December, due 8 December: not yet counted either way
    row("waiting", due=None),  # a template without a deadline
]


def test_the_tally_by_hand():
    counted = tally(EPISODES, today=TODAY)
    assert counted.referrals == 12 and counted.waiting == 2
    assert counted.by_status == {"completed": 5, "dropped_out": 2, "transferred": 1, "active": 2}
    assert counted.started == 10
    assert sorted(counted.days_to_first_contact) == [1, 2, 3, 4, 5, 6, 7, 9, 12]
    # Deadline known: the nine contacts and the drop-out whose deadline passed; within: 2,5,7,3,4,6,1 days.
    assert (counted.deadline_known, counted.within_deadline) == (10, 7)


def test_published():
    shown = publish(tally(EPISODES, today=TODAY))
    assert shown["waiting"].withheld == "small"
    # 12 referrals beside the number started would give the small waiting list back: hidden with it.
    assert not shown["referrals"].shown
    assert shown["first_contact_median_days"] == Decimal("5")  # the middle of nine days
    assert shown["first_contact_within_deadline"] is None  # 7 of 10: the other 3 are from 1 to 4
    assert shown["completed"].value == 5
    assert not shown["dropped_out"].shown and not shown["transferred"].shown and not shown["ongoing"].shown
    assert not shown["started"].shown  # 10 - 5 would give the three small ones back together


def test_ties_and_an_even_number_at_the_median():
    rows = [row("completed", contact=days) for days in (2, 4, 4, 6, 6, 8)]
    assert publish(tally(rows, today=TODAY))["first_contact_median_days"] == Decimal("5.0")


def test_a_larger_service_is_shown_in_full():
    shown = publish(tally(EPISODES * 5, today=TODAY))
    assert [shown[key].value for key in ("started", "completed", "dropped_out", "transferred", "ongoing")] == [
        50,
        25,
        10,
        5,
        10,
    ]
    assert shown["first_contact_within_deadline"] == Decimal("70.0")


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError):
        tally([row("lost")], today=TODAY)


def test_two_rows_and_a_total_give_no_small_cell_back():
    from insights.course import publish_rows

    big = tally(EPISODES * 5, today=TODAY)
    small = tally([row("completed", contact=2)] * 6 + [row("transferred", contact=3)] * 2, today=TODAY)
    rows, total = publish_rows({"a": big, "b": small})
    assert rows["b"]["transferred"].withheld == "small"
    assert rows["a"]["transferred"].value == 5
    # The total of transferred (7) minus row a's 5 would give row b's 2: the column total is hidden.
    assert not total["transferred"].shown and not total["started"].shown and not total["referrals"].shown
    assert total["completed"].value == 25 + 6
