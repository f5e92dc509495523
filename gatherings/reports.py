"""What the evaluations may publish, through ``people.suppression`` only.

**A gathering's evaluation** (seed 001, "Gjennomsnittlig tilfredshet (1-6) Ekskl. ikke relevant/vet
ikke"): per question, the mean of the numeric answers (1–6), leaving out "not relevant" and "don't
know"; the number of numeric answers (n) and, apart, the number of "not relevant / don't know".
Every count from 1 to 4 is "under 5" (``suppression.count``) and a mean from fewer than 5 numeric
answers is not shown (``suppression.mean``). The number of answers in all is published the same way.

**Comments** (the free-text item) are shown only when the gathering has at least ``SMALL`` answers,
sorted alphabetically (the order says nothing about who came first), and never in the comparison
across gatherings. The participant is told on the form that the organisers read them as written.

**Gatherings compared over time**: one row per gathering, oldest first, each mean suppressed on its
own. Questions are matched by their linkId, so gatherings answered on different versions of the
questionnaire line up where they ask the same question.

**Interview rounds** (seed 003, "Hvor nyttig er hjelpen alt i alt 6 / 5,6 / 1-9"): per round and
per 1–9 question, n, the mean, the median and the range (lowest–highest) of completed interviews;
and for each round after the first, the mean change from the round before for the citizens who
answered the question in both. Each figure needs ``SMALL`` answers (the change: ``SMALL`` citizens
with both answers). Free-text answers never appear here.
"""

import statistics
from dataclasses import dataclass
from decimal import Decimal

from measures import fhir_forms
from measures.models import QuestionnaireResponse
from people.suppression import HIDDEN, SMALL, Figure, count, is_small, mean

from .models import CourseAnswer, RoundInterview

PLACES = 2  # the course evaluation's description: 2 decimals, rounded half up


@dataclass(frozen=True)
class QuestionFigures:
    link_id: str
    text: str
    n: Figure  # numeric answers
    excluded: Figure  # "not relevant" / "don't know"
    mean: Decimal | None


@dataclass(frozen=True)
class GatheringReport:
    answers: Figure
    questions: list
    comments: list | None  # None: not shown (fewer than SMALL answers)
    scale_max: int


def scale_questions(items):
    """The questionnaire's choice items with numeric options: the ones a mean is made of."""
    return [
        item
        for item in fhir_forms.walk(items)
        if item.type == "choice" and any(option.value is not None for option in item.options)
    ]


def _numeric(item, answers):
    """(numeric values, number excluded) of ``item`` over ``answers`` (``{linkId: [code]}`` dicts)."""
    values, excluded = [], 0
    for given in answers:
        codes = given.get(item.link_id) or []
        option = item.option(str(codes[0])) if codes else None
        if option is None:
            continue
        if option.value is None:
            excluded += 1
        else:
            values.append(option.value)
    return values, excluded


def _scale_max(items):
    values = [option.value for item in scale_questions(items) for option in item.options if option.value is not None]
    return int(max(values)) if values else 6


def gathering_report(gathering, items):
    """The published evaluation of one gathering; ``items`` its questionnaire's items in the reader's language."""
    answers = list(CourseAnswer.objects.filter(gathering=gathering).values_list("answers", flat=True))
    questions, numeric = [], []
    for item in scale_questions(items):
        values, excluded = _numeric(item, answers)
        numeric.append(len(values))
        questions.append(
            QuestionFigures(
                link_id=item.link_id,
                text=item.text,
                n=count(len(values)),
                excluded=count(excluded),
                mean=mean(values, places=PLACES),
            )
        )
    comments = None
    if len(answers) >= SMALL:
        text_items = [item for item in fhir_forms.walk(items) if item.type in ("text", "string")]
        comments = sorted(
            (value.strip() for given in answers for item in text_items for value in given.get(item.link_id) or [])
            if text_items
            else (),
            key=str.casefold,
        )
        comments = [comment for comment in comments if comment]
    total = _answers_total(len(answers), numeric)
    return GatheringReport(answers=total, questions=questions, comments=comments, scale_max=_scale_max(items))


def _answers_total(answers, numeric):
    """The number of answers to a gathering, as every page may show it.

    A gathering's page shows each question's n (its numeric answers): beside the number of answers,
    their difference (the "not relevant / don't know" and the skipped) would give a small count
    back, and so would a small n with the rest shown. Then the number of answers is hidden — on the
    gathering's page and in the comparison alike, or one page would give back what the other hides.
    """
    total = count(answers)
    gives_back = any(is_small(n) or is_small(answers - n) for n in numeric)
    return Figure(None, HIDDEN) if total.shown and answers and gives_back else total


@dataclass(frozen=True)
class ComparisonRow:
    gathering: object
    answers: Figure
    means: list  # per column: Decimal or None


def comparison(gatherings, items):
    """A unit's gatherings × questions (those of ``items``, the newest questionnaire), oldest first."""
    gatherings = sorted(gatherings, key=lambda g: (g.held_on, g.pk))
    by_gathering = {g.pk: [] for g in gatherings}
    rows = CourseAnswer.objects.filter(gathering__in=[g.pk for g in gatherings]).values_list("gathering_id", "answers")
    for gathering_id, answers in rows:
        by_gathering[gathering_id].append(answers)
    columns = scale_questions(items)
    table = []
    for gathering in gatherings:
        answers = by_gathering[gathering.pk]
        table.append(
            ComparisonRow(
                gathering=gathering,
                answers=_answers_total(len(answers), [len(_numeric(item, answers)[0]) for item in columns]),
                means=[mean(_numeric(item, answers)[0], places=PLACES) for item in columns],
            )
        )
    return columns, table


# Interview rounds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundFigures:
    link_id: str
    text: str
    n: Figure
    mean: Decimal | None
    median: Decimal | None
    low: Decimal | None
    high: Decimal | None


@dataclass(frozen=True)
class ChangeFigures:
    link_id: str
    text: str
    n: Figure  # citizens who answered the question in both rounds
    mean_change: Decimal | None


@dataclass(frozen=True)
class RoundSummary:
    round: object
    interviews: Figure  # completed interviews
    questions: list
    previous: object | None
    both: Figure | None  # citizens with a completed interview in this round and the one before
    changes: list


def _shown(values):
    return len(values) >= SMALL


def _round_figures(item, values):
    if not _shown(values):
        return RoundFigures(item.link_id, item.text, count(len(values)), None, None, None, None)
    median = Decimal(str(statistics.median(values))).quantize(Decimal("0.1"))
    return RoundFigures(
        link_id=item.link_id,
        text=item.text,
        n=count(len(values)),
        mean=mean(values, places=1),
        median=median.normalize() if median == median.to_integral_value() else median,
        low=min(values),
        high=max(values),
    )


def _completed_answers(rounds):
    """``{round_id: {citizen_id: answers}}`` of the completed interviews of ``rounds``."""
    found = {r.pk: {} for r in rounds}
    links = RoundInterview.objects.filter(
        round__in=[r.pk for r in rounds], response__status=QuestionnaireResponse.Status.COMPLETED
    ).values_list("round_id", "citizen_id", "response__answers")
    for round_id, citizen_id, answers in links:
        found[round_id][citizen_id] = answers
    return found


def _value(item, answers):
    codes = (answers or {}).get(item.link_id) or []
    option = item.option(str(codes[0])) if codes else None
    return option.value if option is not None else None


def round_summaries(rounds, items):
    """One summary per round (by number), each round's change measured from the round before it."""
    rounds = sorted(rounds, key=lambda r: r.number)
    answers = _completed_answers(rounds)
    questions = scale_questions(items)
    summaries, previous = [], None
    for interview_round in rounds:
        here = answers[interview_round.pk]
        figures = []
        for item in questions:
            values = [v for v in (_value(item, given) for given in here.values()) if v is not None]
            figures.append(_round_figures(item, values))
        changes, both = [], None
        if previous is not None:
            before = answers[previous.pk]
            citizens = sorted(set(here) & set(before))
            both = count(len(citizens))
            for item in questions:
                pairs = [(_value(item, before[c]), _value(item, here[c])) for c in citizens]
                diffs = [after - first for first, after in pairs if first is not None and after is not None]
                changes.append(ChangeFigures(item.link_id, item.text, count(len(diffs)), mean(diffs, places=1)))
        summaries.append(
            RoundSummary(
                round=interview_round,
                interviews=count(len(here)),
                questions=figures,
                previous=previous,
                both=both,
                changes=changes,
            )
        )
        previous = interview_round
    return summaries
