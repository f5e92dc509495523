"""Access and course of care for a set of episodes: the first two parts of the outcome report.

Works on plain rows (``Row``: what each episode's columns say), so that a query, a kept summary
or a test can feed it alike. ``tally`` counts (nothing suppressed); ``publish`` gives what a
reader may see (``people.suppression``). Definitions, written on the report page too:

* **referrals**: episodes whose referral was received in the period;
* **days to first contact**: from the referral to the first contact, for episodes that had one
  (median); **within the deadline**: the first contact on or before the template's deadline (7
  days for guided self-help), out of the episodes whose deadline is known and has either been met
  or passed (one still waiting after its deadline counts as not within it);
* **waiting**: episodes still waiting for their start;
* **started** = **completed** + **dropped out** + **transferred** + **ongoing** (everything that
  left the waiting list; a drop-out before the first session counts as dropped out).
"""

import datetime
import statistics
from dataclasses import dataclass
from decimal import Decimal

from people.suppression import HIDDEN, Figure, count, share, suppress_table

WAITING, ACTIVE, COMPLETED, DROPPED_OUT, TRANSFERRED = "waiting", "active", "completed", "dropped_out", "transferred"
OUTCOMES = (COMPLETED, DROPPED_OUT, TRANSFERRED, ACTIVE)
SMALL = 5


@dataclass(frozen=True)
class Row:
    status: str
    referral_received: datetime.date
    first_contact_due: datetime.date | None = None
    first_contact_on: datetime.date | None = None


@dataclass(frozen=True)
class Tally:
    referrals: int
    waiting: int
    by_status: dict
    days_to_first_contact: tuple
    deadline_known: int
    within_deadline: int

    @property
    def started(self):
        return sum(self.by_status.values())


def tally(rows, *, today):
    rows = list(rows)
    by_status = dict.fromkeys(OUTCOMES, 0)
    days, known, within = [], 0, 0
    for row in rows:
        if row.status in by_status:
            by_status[row.status] += 1
        elif row.status != WAITING:
            raise ValueError(f"unknown episode status {row.status!r}")
        if row.first_contact_on is not None:
            days.append((row.first_contact_on - row.referral_received).days)
        if row.first_contact_due is not None:
            if row.first_contact_on is not None:
                known += 1
                within += row.first_contact_on <= row.first_contact_due
            elif row.first_contact_due < today:
                known += 1  # still waiting after the deadline: not within it
    return Tally(
        referrals=len(rows),
        waiting=sum(row.status == WAITING for row in rows),
        by_status=by_status,
        days_to_first_contact=tuple(days),
        deadline_known=known,
        within_deadline=within,
    )


def median_days(values):
    """The median of ``values`` (half days allowed), or None from fewer than five."""
    if len(values) < SMALL:
        return None
    return Decimal(str(statistics.median(values)))


COLUMNS = (WAITING, *OUTCOMES)


def add(first, second):
    """Two tallies together: the total row's true figures."""
    return Tally(
        referrals=first.referrals + second.referrals,
        waiting=first.waiting + second.waiting,
        by_status={key: first.by_status.get(key, 0) + second.by_status.get(key, 0) for key in OUTCOMES},
        days_to_first_contact=first.days_to_first_contact + second.days_to_first_contact,
        deadline_known=first.deadline_known + second.deadline_known,
        within_deadline=first.within_deadline + second.within_deadline,
    )


EMPTY = Tally(0, 0, dict.fromkeys(OUTCOMES, 0), (), 0, 0)


def publish_rows(tallies):
    """``{row: Tally}`` → ``({row: published}, published total)``.

    Waiting and the four ways out of it are one table across the rows: its row totals are the
    referrals, its column totals the total row. ``started`` (the four together) is shown only when
    all four are: with the referrals and the number started both shown, a small waiting list
    would be their difference, so a small waiting list hides the referrals (its row total).
    """
    rows = list(tallies)
    table = suppress_table(
        {
            (row, column): (t.waiting if column == WAITING else t.by_status[column])
            for row, t in tallies.items()
            for column in COLUMNS
        },
        rows,
        COLUMNS,
    )
    total = EMPTY
    for tally_ in tallies.values():
        total = add(total, tally_)

    def figures(cell, referrals, tally_):
        outs = [cell(status) for status in OUTCOMES]
        started = count(sum(f.value for f in outs)) if all(f.shown for f in outs) else Figure(None, HIDDEN)
        return {
            "referrals": referrals,
            "waiting": cell(WAITING),
            "first_contact_median_days": median_days(tally_.days_to_first_contact),
            "first_contact_within_deadline": share(tally_.within_deadline, tally_.deadline_known),
            "started": started,
            "completed": cell(COMPLETED),
            "dropped_out": cell(DROPPED_OUT),
            "transferred": cell(TRANSFERRED),
            "ongoing": cell(ACTIVE),
        }

    published = {
        row: figures(lambda column, row=row: table.cells[row, column], table.row_totals[row], tallies[row])
        for row in rows
    }
    return published, figures(lambda column: table.column_totals[column], table.total, total)


def publish(tally_):
    """What a reader may see of one tally on its own (a report of one row)."""
    rows, _total = publish_rows({"row": tally_})
    return rows["row"]
