"""Goals in the citizen's own words, rated 1–10, and the perceived benefit of seed 001."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from measures import actions
from measures.models import Goal, GoalRating, perceived_benefit
from measures.progress import goals_with_ratings
from people.access import grant_for


def test_the_seeds_example_gives_a_benefit_of_1_8(citizen, coordinator):
    """Seed 001: five goals, first mean 2.4, later mean 4.2, perceived benefit 1.8."""
    grant = grant_for(coordinator, citizen)
    goals = [actions.add_goal(grant, acting_user=coordinator, text=f"Mål {n}") for n in range(5)]
    first, later = [1, 3, 3, 3, 2], [2, 4, 6, 4, 5]
    start = timezone.now() - datetime.timedelta(days=14)
    actions.rate_goals(
        grant, {g.pk: r for g, r in zip(goals, first, strict=True)}, acting_user=coordinator, rated_at=start
    )
    actions.rate_goals(grant, {g.pk: r for g, r in zip(goals, later, strict=True)}, acting_user=coordinator)
    benefit = perceived_benefit(goals_with_ratings(citizen))
    assert benefit == {
        "first_mean": Decimal("2.40"),
        "latest_mean": Decimal("4.20"),
        "benefit": Decimal("1.80"),
        "goals": 5,
    }


def test_no_benefit_until_a_goal_is_rated_twice(citizen, coordinator):
    grant = grant_for(coordinator, citizen)
    goal = actions.add_goal(grant, acting_user=coordinator, text="Sove bedre")
    actions.rate_goals(grant, {goal.pk: 3}, acting_user=coordinator)
    assert perceived_benefit(goals_with_ratings(citizen)) is None


def test_citizen_adds_a_goal_in_own_words_and_it_is_logged(login, citizen):
    response = login(citizen.user).post(
        reverse("measures:goals", args=[citizen.pk]),
        {"add_goal": "1", "text": "Komme meg ut av huset hver dag", "life_area": "daily_living"},
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert (goal.text, goal.life_area, goal.created_by) == (
        "Komme meg ut av huset hver dag",
        "daily_living",
        citizen.user,
    )
    assert AccessEvent.objects.filter(citizen_id=citizen.pk, section="measures", action="write").exists()


@pytest.mark.parametrize("value", ["0", "11", "ti", "-3"])
def test_a_rating_outside_1_to_10_is_refused_and_nothing_is_saved(login, citizen, coordinator, value):
    grant = grant_for(coordinator, citizen)
    first = actions.add_goal(grant, acting_user=coordinator, text="A")
    second = actions.add_goal(grant, acting_user=coordinator, text="B")
    response = login(citizen.user).post(
        reverse("measures:goals", args=[citizen.pk]), {"rate": "1", f"goal_{first.pk}": "5", f"goal_{second.pk}": value}
    )
    assert response.status_code == 400
    assert "Choose a number from 1 to 10." in response.text
    assert 'value="5" checked' in response.text  # the valid choice is kept on the page
    assert not GoalRating.objects.exists()


def test_rating_with_nothing_chosen_says_so(login, citizen, coordinator):
    actions.add_goal(grant_for(coordinator, citizen), acting_user=coordinator, text="A")
    response = login(citizen.user).post(reverse("measures:goals", args=[citizen.pk]), {"rate": "1"})
    assert response.status_code == 400
    assert "Choose a number for at least one goal." in response.text


def test_an_empty_goal_is_refused_with_a_message(login, citizen):
    response = login(citizen.user).post(reverse("measures:goals", args=[citizen.pk]), {"add_goal": "1", "text": " "})
    assert response.status_code == 400
    assert not Goal.objects.exists()


def test_a_closed_goal_cannot_be_rated(citizen, coordinator):
    from django.core.exceptions import ValidationError

    grant = grant_for(coordinator, citizen)
    goal = actions.add_goal(grant, acting_user=coordinator, text="A")
    actions.close_goal(grant, goal, acting_user=coordinator)
    with pytest.raises(ValidationError):
        actions.rate_goals(grant, {goal.pk: 5}, acting_user=coordinator)


def test_another_citizens_goal_cannot_be_closed(login, citizen, coordinator, make_citizen):
    other = make_citizen(coordinator, "Other")
    goal = actions.add_goal(grant_for(coordinator, other), acting_user=coordinator, text="Theirs")
    response = login(citizen.user).post(reverse("measures:goal_close", args=[citizen.pk, goal.pk]))
    assert response.status_code == 404
    goal.refresh_from_db()
    assert goal.is_open


@pytest.mark.parametrize("goals", [1, 10])
def test_goals_page_query_count_does_not_grow(login, citizen, coordinator, goals, django_assert_max_num_queries):
    grant = grant_for(coordinator, citizen)
    for n in range(goals):
        goal = actions.add_goal(grant, acting_user=coordinator, text=f"G{n}")
        actions.rate_goals(grant, {goal.pk: 4}, acting_user=coordinator)
    client = login(citizen.user)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("measures:goals", args=[citizen.pk])).status_code == 200
