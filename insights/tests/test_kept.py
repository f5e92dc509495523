"""The kept summaries equal a recomputation from the raw rows, whatever order the writes come in."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights import days, kept
from insights.models import DayCount, DayScore, EpisodeGoal, EpisodeScore
from measures import actions as measures_actions
from measures.models import Goal, GoalRating, QuestionnaireResponse, Score
from measures.signals import ratings_written
from pathways import actions as pathway_actions
from pathways.models import Episode, PathwayTemplate, ScheduledQuestionnaire
from people import access
from people.models import Organisation
from tests.concurrency import first_two_at_once

START = datetime.date(2026, 1, 1)


def at(day):
    return timezone.make_aware(datetime.datetime.combine(START + datetime.timedelta(days=day), datetime.time(12)))


def add_score(citizen, questionnaire, day, total, instrument="phq9"):
    response = QuestionnaireResponse.objects.create(
        citizen=citizen, questionnaire=questionnaire, status="completed", authored_at=at(day)
    )
    return Score.objects.create(
        response=response, citizen=citizen, instrument=instrument, total=Decimal(total), result={}, effective_at=at(day)
    )


def add_episode(citizen, template, unit, referral_day, end_day=None):
    return Episode.objects.create(
        citizen=citizen,
        template=template,
        unit=unit,
        referral_received=START + datetime.timedelta(days=referral_day),
        referral_source="self",
        referral_reason="Test",
        status="completed" if end_day is not None else "active",
        ended_on=START + datetime.timedelta(days=end_day) if end_day is not None else None,
        end_reason="Ferdig" if end_day is not None else "",
    )


@pytest.fixture
def world(coordinator, make_citizen, phq9, municipality):
    template = PathwayTemplate.objects.create(key="kept", name="Kept", first_contact_days=7)
    citizens = [make_citizen(coordinator, f"C{i}") for i in range(2)]
    goals = [
        measures_actions.add_goal(access.grant_for(coordinator, c), acting_user=coordinator, text=f"Mål {c.pk}")
        for c in citizens
    ]
    other_unit = Organisation.objects.create(name="Nabo", org_type=Organisation.Type.MUNICIPAL)
    return {
        "template": template,
        "citizens": citizens,
        "goals": goals,
        "phq9": phq9,
        "unit": municipality,
        "other_unit": other_unit,
    }


def test_a_score_lands_in_every_episode_whose_window_holds_it(world, coordinator):
    citizen = world["citizens"][0]
    early = add_episode(citizen, world["template"], world["unit"], 0, end_day=30)
    late = add_episode(citizen, world["template"], world["unit"], 20)
    add_score(citizen, world["phq9"], 10, 20)  # early only
    add_score(citizen, world["phq9"], 25, 8)  # both
    add_score(citizen, world["phq9"], 40, 4)  # late only
    first = EpisodeScore.objects.get(episode=early)
    assert (first.scores, first.first_total, first.last_total) == (2, 20, 8)
    assert (first.direction, first.at_caseness_first, first.recovered) == ("reliable_improvement", True, True)
    second = EpisodeScore.objects.get(episode=late)
    assert (second.scores, second.first_total, second.last_total) == (2, 8, 4)
    assert kept.differences() == []


def test_moving_an_episode_moves_its_scores_and_the_command_checks_and_rebuilds(world, capsys):
    citizen = world["citizens"][0]
    episode = add_episode(citizen, world["template"], world["unit"], 5)
    add_score(citizen, world["phq9"], 2, 15)
    assert not EpisodeScore.objects.filter(episode=episode).exists()
    episode.referral_received = START
    episode.save(update_fields=["referral_received"])
    assert EpisodeScore.objects.get(episode=episode).first_total == 15
    EpisodeScore.objects.all().delete()
    with pytest.raises(SystemExit):
        call_command("rebuild_insights", "--check")
    call_command("rebuild_insights")
    call_command("rebuild_insights", "--check")
    assert "equal a recomputation" in capsys.readouterr().out


operations = st.lists(
    st.one_of(
        st.tuples(st.just("episode"), st.integers(0, 1), st.integers(0, 60), st.none() | st.integers(0, 40)),
        st.tuples(st.just("score"), st.integers(0, 1), st.integers(0, 100), st.integers(0, 27)),
        st.tuples(st.just("rate"), st.integers(0, 1), st.integers(0, 100), st.integers(1, 10)),
        st.tuples(st.just("end"), st.integers(0, 5), st.integers(0, 100), st.none()),
        st.tuples(st.just("ask"), st.integers(0, 5), st.integers(0, 100), st.sampled_from(["much-better", "", None])),
        st.tuples(st.just("move"), st.integers(0, 5), st.integers(0, 60), st.booleans()),
    ),
    max_size=14,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True)
@given(steps=operations)
def test_the_kept_rows_equal_a_recomputation_after_random_writes(world, coordinator, steps):
    episodes = []
    for kind, who, day, value in steps:
        citizen = world["citizens"][who % 2]
        if kind == "episode":
            episodes.append(
                add_episode(citizen, world["template"], world["unit"], day, None if value is None else day + value)
            )
        elif kind == "score":
            add_score(citizen, world["phq9"], day, value)
        elif kind == "rate":
            goal = Goal.objects.get(pk=world["goals"][who].pk)
            measures_actions.rate_goals(
                access.grant_for(coordinator, citizen), {goal.pk: value}, acting_user=coordinator, rated_at=at(day)
            )
        elif not episodes:
            continue
        elif kind == "end":
            episode = episodes[who % len(episodes)]
            episode.ended_on = max(episode.referral_received, START + datetime.timedelta(days=day))
            episode.status, episode.end_reason = "completed", "Ferdig"
            episode.save(update_fields=["status", "ended_on", "end_reason"])
        elif kind == "ask":  # a user evaluation asked for; answered (how) or not (None)
            episode = episodes[who % len(episodes)]
            asked = ScheduledQuestionnaire.objects.create(
                citizen=episode.citizen,
                episode=episode,
                questionnaire_key="user-evaluation",
                reason="evaluation",
                due_on=START + datetime.timedelta(days=day),
            )
            if value is not None:
                response = QuestionnaireResponse.objects.create(
                    citizen=episode.citizen,
                    questionnaire=world["phq9"],
                    status="completed",
                    authored_at=at(day),
                    answers={"change": [value]} if value else {},
                )
                asked.response, asked.answered_at = response, at(day)
                asked.save(update_fields=["response", "answered_at"])
        else:  # moved to another day: another referral date, or (a full save) another unit
            episode = Episode.objects.get(pk=episodes[who % len(episodes)].pk)
            if value:
                episode.unit = world["other_unit"] if episode.unit == world["unit"] else world["unit"]
                episode.save()
            else:
                episode.referral_received = START + datetime.timedelta(days=day)
                if episode.ended_on is not None and episode.ended_on < episode.referral_received:
                    episode.ended_on = episode.referral_received
                episode.save(update_fields=["referral_received", "ended_on"])
    assert kept.differences() == []
    assert EpisodeGoal.objects.filter(ratings__lt=1).count() == 0
    # The days' counts are what a rebuild from scratch writes, too.
    stored = sorted(DayScore.objects.values_list(*days.SCORE_KEY, *days.SCORE_COLUMNS))
    counts = sorted(DayCount.objects.values_list(*days.DAY_KEY, *days.COUNT_COLUMNS))
    kept.rebuild()
    assert _nonzero(stored, 4) == _nonzero(DayScore.objects.values_list(*days.SCORE_KEY, *days.SCORE_COLUMNS), 4)
    assert _nonzero(counts, 3) == _nonzero(DayCount.objects.values_list(*days.DAY_KEY, *days.COUNT_COLUMNS), 3)


def _nonzero(rows, key_length):
    return sorted(row for row in rows if any(row[key_length:]))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks; SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_writers_of_the_same_day_at_the_same_moment_lose_nothing(world, coordinator, make_citizen):
    """Four citizens referred on the same day to the same unit and pathway rate a goal and get a score at
    the same moment: the day's counts (recounted under a lock) and sums (added as deltas) hold all four."""
    citizens = [*world["citizens"], make_citizen(coordinator, "C2"), make_citizen(coordinator, "C3")]
    for citizen in citizens[2:]:
        measures_actions.add_goal(access.grant_for(coordinator, citizen), acting_user=coordinator, text="Mål")
    goals = {citizen.pk: Goal.objects.get(citizen=citizen) for citizen in citizens}
    for citizen in citizens:
        with transaction.atomic():  # as every action writes
            add_episode(citizen, world["template"], world["unit"], 0)
        grant = access.grant_for(coordinator, citizen)
        measures_actions.rate_goals(grant, {goals[citizen.pk].pk: 3}, acting_user=coordinator, rated_at=at(1))
        with transaction.atomic():
            add_score(citizen, world["phq9"], 1, 20)
    start = threading.Barrier(len(citizens))
    failures = []

    def write(citizen):
        try:
            start.wait()
            measures_actions.rate_goals(
                access.grant_for(coordinator, citizen),
                {goals[citizen.pk].pk: 8},
                acting_user=coordinator,
                rated_at=at(5),
            )
            with transaction.atomic():
                add_score(citizen, world["phq9"], 5, 6)
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(citizen,)) for citizen in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert kept.differences() == []
    day = DayCount.objects.get()
    assert (day.goals, day.goal_citizens, day.goal_last_sum) == (len(citizens), len(citizens), 8 * len(citizens))
    assert DayScore.objects.get().with_two_scores == len(citizens)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_two_first_scores_of_an_episode_at_the_same_moment_are_both_kept(world):
    """The first score of an episode makes its kept row: a second written while the first's transaction
    is still open waits for it, then merges into the row it made (no unique-key error, nothing lost)."""
    citizen = world["citizens"][0]
    episode = add_episode(citizen, world["template"], world["unit"], 0)
    failures = first_two_at_once(
        lambda: add_score(citizen, world["phq9"], 3, 20),
        lambda: add_score(citizen, world["phq9"], 9, 6),
    )
    assert failures == []
    row = EpisodeScore.objects.get(episode=episode, instrument="phq9")
    assert (row.scores, row.first_total, row.last_total) == (2, 20, 6)
    assert row.direction == "reliable_improvement"
    assert kept.differences() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_two_first_ratings_of_a_goal_at_the_same_moment_are_both_kept(world, coordinator):
    citizen, goal = world["citizens"][0], world["goals"][0]
    episode = add_episode(citizen, world["template"], world["unit"], 0)

    def rate(day, rating):
        created = [GoalRating.objects.create(goal=goal, rating=rating, rated_at=at(day), rated_by=coordinator)]
        ratings_written.send(sender=GoalRating, ratings=created)

    failures = first_two_at_once(lambda: rate(3, 2), lambda: rate(9, 7))
    assert failures == []
    row = EpisodeGoal.objects.get(episode=episode, goal=goal)
    assert (row.ratings, row.first_rating, row.last_rating) == (2, 2, 7)
    assert kept.differences() == []


def _register(coordinator, citizen, template, unit, day=0):
    return pathway_actions.register_referral(
        access.grant_for(coordinator, citizen),
        acting_user=coordinator,
        template=template,
        received=START + datetime.timedelta(days=day),
        source="self",
        reason="Henvist",
        unit=unit,
    )


def _scored_in_a_transaction(citizen, questionnaire, day, total):
    with transaction.atomic():
        add_score(citizen, questionnaire, day, total)


def _beside_a_registration(world, coordinator, citizen, write, *, first, held_after):
    """``write`` and the registration of an episode for ``citizen`` at the same moment: the registration
    held open after its access event (``first="referral"``), or ``write`` after ``kept.<held_after>``."""
    register = lambda: _register(coordinator, citizen, world["template"], world["unit"])  # noqa: E731
    if first == "referral":
        return first_two_at_once(register, write, hold=(pathway_actions, "_log_write"))
    return first_two_at_once(write, register, hold=(kept, held_after))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["score", "referral"])
def test_a_score_written_as_the_citizens_episode_is_registered_lands_in_it(world, coordinator, first):
    """The episode's first kept row is made from the scores it can see, and the score's writer looks
    for the episodes it can see: neither sees the other's row before it commits, whichever starts
    first, unless the registration waits for the score's transaction (and a score for that citizen
    waits for the registration)."""
    citizen = world["citizens"][0]
    score = lambda: _scored_in_a_transaction(citizen, world["phq9"], 5, 18)  # noqa: E731
    failures = _beside_a_registration(world, coordinator, citizen, score, first=first, held_after="score_written")
    assert failures == []
    row = EpisodeScore.objects.get(episode__citizen=citizen, instrument="phq9")
    assert (row.scores, row.first_total) == (1, 18)
    assert kept.differences() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks; SQLite writes one at a time anyway")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["rating", "referral"])
def test_a_goal_rated_as_the_citizens_episode_is_registered_lands_in_it(world, coordinator, first):
    citizen, goal = world["citizens"][0], world["goals"][0]
    grant = access.grant_for(coordinator, citizen)
    rate = lambda: measures_actions.rate_goals(grant, {goal.pk: 4}, acting_user=coordinator, rated_at=at(5))  # noqa: E731
    failures = _beside_a_registration(world, coordinator, citizen, rate, first=first, held_after="ratings_written")
    assert failures == []
    row = EpisodeGoal.objects.get(episode__citizen=citizen, goal=goal)
    assert (row.ratings, row.first_rating) == (1, 4)
    assert kept.differences() == []
