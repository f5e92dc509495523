"""``__among``: a list of ids as one parameter, on SQLite and PostgreSQL alike."""

import pytest

from people.models import CareTeamMember, Citizen


@pytest.mark.django_db
def test_among_finds_exactly_the_listed_ids(citizen, make_citizen, coordinator):
    other = make_citizen(coordinator, "Other")
    third = make_citizen(coordinator, "Third")
    assert set(Citizen.objects.filter(pk__among=[citizen.pk, third.pk])) == {citizen, third}
    assert set(Citizen.objects.filter(pk__among={other.pk: other})) == {other}  # any iterable of ids
    assert not Citizen.objects.filter(pk__among=[]).exists()
    # On a foreign key, by the attribute name or the relation's
    team = CareTeamMember.objects.filter(citizen_id__among=[other.pk])
    assert {member.citizen_id for member in team} == {other.pk}
    assert CareTeamMember.objects.filter(citizen__among=[other.pk]).count() == team.count()


@pytest.mark.django_db
def test_among_takes_ids_only(citizen):
    with pytest.raises((TypeError, ValueError)):
        list(Citizen.objects.filter(pk__among=["1; DROP TABLE people_citizen"]))
