"""The report's rows and total row, published together, give no small count back (hypothesis).

``people/tests/test_suppression.py`` proves it for one table; here the report's own composition
is tried: the course table (waiting and the four ways out, with ``started`` derived), and an
instrument's three tables (directions, recovery, only one score, with ``recovered`` derived), over
several rows and their total row. For a generated report, every count published as "under 5" is
changed to each other value from 1 to 4 (the rest of the data kept), and nothing published may
change but the means, which rest on sums no reader sees (a mean on its own gives no count back).
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from insights import course, outcomes

small_or_not = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 40))
MEANS = {"mean_first", "mean_last", "mean_change", "effect_size"}


def _course_tally(waiting, statuses):
    return course.Tally(
        referrals=waiting + sum(statuses.values()),
        waiting=waiting,
        by_status=statuses,
        days_to_first_contact=(3,) * 6,
        deadline_known=10,
        within_deadline=5,
    )


@st.composite
def course_reports(draw):
    rows = draw(st.integers(1, 4))
    return {
        f"row{i}": (draw(small_or_not), {status: draw(small_or_not) for status in course.OUTCOMES}) for i in range(rows)
    }


def _published_course(report):
    rows, total = course.publish_rows({key: _course_tally(w, s) for key, (w, s) in report.items()})
    return rows, total


@settings(max_examples=150, deadline=None, derandomize=True)
@given(course_reports(), st.data())
def test_a_small_course_count_cannot_be_worked_out_from_its_rows_and_the_total(report, data):
    published = _published_course(report)
    rows, _total = published
    small = [
        (key, column)
        for key, figures in rows.items()
        for column in ("waiting", *course.OUTCOMES)
        if figures[{"active": "ongoing"}.get(column, column)].withheld == "small"
    ]
    for key, column in small:
        other = data.draw(st.integers(1, 4), label=f"{key}/{column}")
        waiting, statuses = report[key]
        changed = dict(report)
        if column == "waiting":
            changed[key] = (other, statuses)
        else:
            changed[key] = (waiting, {**statuses, column: other})
        assert _published_course(changed) == published, (key, column, other)


def _instrument_tally(directions, at_caseness, recovered, reliably, only_one):
    two = sum(directions.values())
    return outcomes.Tally(
        "phq9",
        with_two_scores=two,
        only_one_score=only_one,
        directions=directions,
        at_caseness_first=at_caseness,
        recovered=recovered,
        reliably_recovered=reliably,
    )


@st.composite
def instrument_reports(draw):
    report = {}
    for i in range(draw(st.integers(1, 3))):
        directions = {key: draw(small_or_not) for key in outcomes.DIRECTIONS}
        reliably, recovered_only, not_recovered = (draw(small_or_not) for _ in range(3))
        report[f"row{i}"] = {
            "directions": directions,
            "parts": (reliably, recovered_only, not_recovered),
            "only_one": draw(small_or_not),
        }
    return report


def _published_instrument(report):
    tallies = {}
    for key, row in report.items():
        reliably, recovered_only, not_recovered = row["parts"]
        tallies[key] = _instrument_tally(
            row["directions"],
            reliably + recovered_only + not_recovered,
            reliably + recovered_only,
            reliably,
            row["only_one"],
        )
    rows, total = outcomes.publish_rows(tallies)

    def counts(figures):
        return {k: v for k, v in figures.items() if k not in MEANS}

    return {key: counts(figures) for key, figures in rows.items()}, counts(total)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(instrument_reports(), st.data())
def test_a_small_outcome_count_cannot_be_worked_out_from_its_rows_and_the_total(report, data):
    published = _published_instrument(report)
    for key, row in report.items():
        places = [("directions", d) for d, n in row["directions"].items() if 1 <= n <= 4]
        places += [("parts", i) for i, n in enumerate(row["parts"]) if 1 <= n <= 4]
        places += [("only_one", None)] if 1 <= row["only_one"] <= 4 else []
        for part, which in places:
            other = data.draw(st.integers(1, 4), label=f"{key}/{part}/{which}")
            changed = {k: {**v, "directions": dict(v["directions"])} for k, v in report.items()}
            if part == "directions":
                changed[key]["directions"][which] = other
            elif part == "parts":
                parts = list(changed[key]["parts"])
                parts[which] = other
                changed[key]["parts"] = tuple(parts)
            else:
                changed[key]["only_one"] = other
            assert _published_instrument(changed) == published, (key, part, which, other)
