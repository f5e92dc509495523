"""A year of finished courses of care for the outcome report (``insights``): endings, scores, evaluations.

``demo.bulk`` gives every bulk citizen the episode they are in now (what the worklist benchmark
measures against); this adds, for most of them, an earlier episode referred in the last year and
ended since — completed, dropped out (with a reason) or transferred — with PHQ-9 (and for some
GAD-7) at the start and the end, goal ratings, and a user evaluation asked for at the end and
mostly answered. The two units the leader leads get different sizes, so the report shows
published figures beside suppressed ones; first contact within the deadline improves over the
year, so the run chart has a signal. Bulk inserts only; the kept summaries are rebuilt after.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from demo.bulk import _option_codes
from measures import scoring
from measures.models import Goal, GoalRating, Questionnaire, QuestionnaireResponse, Score
from pathways.models import Episode, ScheduledQuestionnaire

DROP_OUT_REASONS = [
    "Møtte ikke til avtalene og svarte ikke på telefon.",
    "Ønsket ikke å fortsette.",
    "Flyttet fra kommunen.",
]
CHANGE = ["much-better", "a-little-better", "about-the-same", "a-little-worse", "much-worse"]


def _response(rng, citizen, questionnaire, key, total, when, codes):
    """A completed response of ``key`` whose items add up to about ``total``, and its score."""
    instrument = scoring.INSTRUMENTS[key]
    items = instrument.item_count
    values = [0] * items
    top = max(max(allowed) for allowed in instrument.valid_item_values)
    for _ in range(int(total)):
        spare = [i for i in range(items) if values[i] < top and not (key == "phq9" and i == items - 1)]
        if not spare:
            break
        values[rng.choice(spare)] += 1
    answers = {f"{key}-{n}": [codes[f"{key}-{n}"][v]] for n, v in enumerate(values, start=1)}
    response = QuestionnaireResponse(
        citizen=citizen, questionnaire=questionnaire, status="completed", answers=answers, authored_at=when
    )
    return response, scoring.score(key, values)


def add_outcome_history(rng, citizens, units, templates, coordinators, *, share=0.7):
    today = timezone.localdate()
    questionnaires = {q.key: q for q in Questionnaire.objects.current()}
    codes = {key: _option_codes(questionnaires[key]) for key in ("phq9", "gad7") if key in questionnaires}
    evaluation = questionnaires.get("user-evaluation")
    episodes, responses, ratings_for, evaluations = [], [], [], []
    for index, citizen in enumerate(citizens):
        if rng.random() > share:
            continue
        unit = units[0] if rng.random() < 0.8 else units[1]
        referred = today - datetime.timedelta(days=rng.randint(45, 360))
        age = (today - referred).days
        # The service got quicker over the year: older referrals waited longer for the first contact.
        late = rng.random() < (0.55 if age > 180 else 0.15)
        first_contact = referred + datetime.timedelta(days=rng.randint(8, 16) if late else rng.randint(1, 7))
        status = rng.choices(
            ["completed", "dropped_out", "transferred", "active"],
            weights=[60, 20, 6, 14] if age > 90 else [25, 10, 2, 63],
        )[0]
        ended = None
        if status != "active":
            ended = min(
                first_contact + datetime.timedelta(days=rng.randint(21, 150)), today - datetime.timedelta(days=1)
            )
        coordinator = coordinators[index % len(coordinators)]
        episode = Episode(
            citizen=citizen,
            template=rng.choice(templates),
            status=status,
            referral_received=referred,
            referral_source=rng.choice(Episode.Source.values),
            referral_reason="Ønsker oppfølging",
            unit=unit,
            responsible=coordinator,
            first_contact_due=referred + datetime.timedelta(days=7),
            first_contact_on=first_contact,
            started_at=timezone.make_aware(datetime.datetime.combine(first_contact, datetime.time(10))),
            ended_on=ended,
            end_reason=(rng.choice(DROP_OUT_REASONS) if status == "dropped_out" else "Avsluttet etter plan")
            if ended
            else "",
            created_by=coordinator,
        )
        episodes.append(episode)
        start = timezone.make_aware(datetime.datetime.combine(first_contact, datetime.time(10)))
        end = timezone.make_aware(datetime.datetime.combine(ended or today, datetime.time(9)))
        for key, chance in (("phq9", 1.0), ("gad7", 0.5)):
            if key not in codes or rng.random() > chance:
                continue
            high = 27 if key == "phq9" else 21
            first = rng.randint(6, high - 3)
            responses.append(_response(rng, citizen, questionnaires[key], key, first, start, codes[key]))
            if rng.random() < 0.85 and end > start:
                change = rng.gauss(-6 if status == "completed" else -2, 5)
                last = max(0, min(high, round(first + change)))
                responses.append(_response(rng, citizen, questionnaires[key], key, last, end, codes[key]))
        ratings_for.append((citizen, coordinator, start, end, status))
        if ended and evaluation is not None:
            evaluations.append((episode, rng.random() < 0.65, ended))
    Episode.objects.bulk_create(episodes, batch_size=5000)
    created = QuestionnaireResponse.objects.bulk_create([r for r, _ in responses], batch_size=5000)
    Score.objects.bulk_create(
        (
            Score(
                response=response,
                citizen_id=response.citizen_id,
                instrument=response.questionnaire.scoring_key,
                total=Decimal(str(result["total"])),
                band=result.get("band") or "",
                result=result,
                effective_at=response.authored_at,
            )
            for response, (_r, result) in zip(created, responses, strict=True)
        ),
        batch_size=5000,
    )
    goals = Goal.objects.bulk_create(
        Goal(citizen=citizen, text="Komme meg ut hver dag", created_by=coordinator, created_at=start)
        for citizen, coordinator, start, _end, _status in ratings_for
    )
    ratings = []
    for goal, (_citizen, coordinator, start, end, status) in zip(goals, ratings_for, strict=True):
        first = rng.randint(2, 5)
        later = max(1, min(10, first + rng.randint(0, 4 if status == "completed" else 2)))
        ratings.append(GoalRating(goal=goal, rating=first, rated_at=start, rated_by=coordinator))
        ratings.append(GoalRating(goal=goal, rating=later, rated_at=end, rated_by=coordinator))
    GoalRating.objects.bulk_create(ratings, batch_size=5000)
    scheduled, answers = [], []
    for episode, answered, ended in evaluations:
        response = None
        if answered:
            response = QuestionnaireResponse(
                citizen_id=episode.citizen_id,
                questionnaire=evaluation,
                status="completed",
                answers={
                    "completed": ["yes" if episode.status == "completed" else "stopped"],
                    "change": [rng.choices(CHANGE, weights=[30, 35, 25, 7, 3])[0]],
                },
                authored_at=timezone.make_aware(datetime.datetime.combine(ended, datetime.time(18))),
            )
            answers.append(response)
        scheduled.append((episode, response, ended))
    QuestionnaireResponse.objects.bulk_create(answers, batch_size=5000)
    ScheduledQuestionnaire.objects.bulk_create(
        (
            ScheduledQuestionnaire(
                citizen_id=episode.citizen_id,
                episode=episode,
                questionnaire_key="user-evaluation",
                reason=ScheduledQuestionnaire.Reason.EVALUATION,
                due_on=ended,
                response=response,
                answered_at=response.authored_at if response else None,
            )
            for episode, response, ended in scheduled
        ),
        batch_size=5000,
    )
    return len(episodes)
