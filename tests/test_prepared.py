"""samplan.prepared: an ORM query compiled once gives what the ORM gives, with any later values."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone

from people.models import CareTeamMember, Citizen
from samplan.prepared import Prepared, columns, instance

MEMBERS = Prepared(
    lambda citizens, today, user: (
        CareTeamMember.objects.active(today)
        .filter(citizen_id__among=citizens, user_id=user)
        .order_by("citizen_id", "pk")
        .values_list("citizen_id", "role", "sections", "active_from", "active_to")
    ),
    citizens=list,
    today=datetime.date,
    user=int,
)


def orm_members(citizens, today, user):
    return [
        list(row)
        for row in CareTeamMember.objects.active(today)
        .filter(citizen_id__in=citizens, user_id=user)
        .order_by("citizen_id", "pk")
        .values_list("citizen_id", "role", "sections", "active_from", "active_to")
    ]


@pytest.mark.django_db
def test_a_prepared_query_returns_what_the_orm_returns_for_every_later_value(make_citizen, coordinator, gp, gp_office):
    today = timezone.localdate()
    first, second, third = (make_citizen(coordinator) for _ in range(3))
    CareTeamMember.objects.create(
        citizen=first, user=gp, organisation=gp_office, role="gp", sections=["measures", "plan"]
    )
    CareTeamMember.objects.create(
        citizen=second,
        user=gp,
        organisation=gp_office,
        role="gp",
        sections=["measures"],
        active_from=today - datetime.timedelta(days=30),
        active_to=today - datetime.timedelta(days=1),  # ended yesterday
    )
    cases = [
        ([first.pk, second.pk, third.pk], today, gp.pk),
        ([first.pk, second.pk], today - datetime.timedelta(days=10), gp.pk),  # second still active then
        ([third.pk], today, coordinator.pk),
        ([first.pk], today + datetime.timedelta(days=1), coordinator.pk),
        ([], today, gp.pk),
    ]
    for citizens, on, user in cases:
        rows = MEMBERS.rows(citizens=citizens, today=on, user=user)
        assert [list(row) for row in rows] == orm_members(citizens, on, user), (citizens, on, user)
    # The columns come back as the ORM gives them: a JSON list, dates.
    gp_row = MEMBERS.rows(citizens=[first.pk], today=today, user=gp.pk)[0]
    assert gp_row[2] == ["measures", "plan"]
    assert isinstance(gp_row[3], datetime.date)
    # An id given as text (a URL's) is an id.
    assert MEMBERS.rows(citizens=[str(first.pk)], today=today, user=str(gp.pk)) == MEMBERS.rows(
        citizens=[first.pk], today=today, user=gp.pk
    )


@pytest.mark.django_db
def test_a_date_fixed_while_the_query_is_built_is_refused():
    frozen = Prepared(
        lambda user: CareTeamMember.objects.active(timezone.localdate()).filter(user_id=user).values_list("pk"),
        user=int,
    )
    with pytest.raises(ImproperlyConfigured, match="no argument's"):
        frozen.rows(user=1)


@pytest.mark.django_db
def test_a_constant_of_the_querys_shape_is_kept(make_citizen, coordinator, gp, gp_office):
    citizen = make_citizen(coordinator)
    CareTeamMember.objects.create(citizen=citizen, user=gp, organisation=gp_office, role="gp", sections=[])
    by_role = Prepared(
        lambda citizen: (
            CareTeamMember.objects.filter(Q(role="gp") | Q(role="relative"), citizen_id=citizen)
            .order_by()
            .values_list("role")
        ),
        citizen=int,
    )
    assert by_role.rows(citizen=citizen.pk) == [("gp",)]


@pytest.mark.django_db
def test_instances_are_made_from_columns_and_an_empty_outer_join_is_none(make_citizen, coordinator):
    with_login, without = make_citizen(coordinator, with_login=True), make_citizen(coordinator)
    query = Prepared(
        lambda pk: Citizen.objects.filter(pk=pk).values_list(*columns(Citizen), *columns(get_user_model(), "user__")),
        pk=int,
    )
    citizen, end = instance(Citizen, query.first(pk=with_login.pk))
    user, _end = instance(get_user_model(), query.first(pk=with_login.pk), end)
    assert (citizen.pk, citizen.national_id, citizen.family_name, citizen.date_of_birth) == (
        with_login.pk,
        with_login.national_id,
        with_login.family_name,
        with_login.date_of_birth,
    )
    assert (user.pk, user.username) == (with_login.user.pk, with_login.user.username)
    assert instance(get_user_model(), query.first(pk=without.pk), end)[0] is None
    assert query.first(pk=10**9) is None


@pytest.mark.django_db
def test_a_users_32_bit_key_is_compared_with_a_marker_it_can_hold(coordinator):
    by_key = Prepared(lambda pk: get_user_model().objects.filter(pk=pk).values_list("username"), pk=int)
    assert by_key.rows(pk=coordinator.pk) == [(coordinator.username,)]


@pytest.mark.django_db(transaction=True)
def test_a_prepared_query_replaces_a_dead_persistent_connection_as_django_does(coordinator, settings):
    """On PostgreSQL a prepared query makes its own cursor; like Django's, it first checks a persistent
    connection (CONN_HEALTH_CHECKS) and opens a new one if the old one died between requests."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("health checks of persistent connections: PostgreSQL")
    users = Prepared(lambda user: get_user_model().objects.filter(pk=user).values_list("username"), user=int)
    assert users.rows(user=coordinator.pk) == [("coordinator",)]
    health_checks = connection.settings_dict["CONN_HEALTH_CHECKS"]
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    try:
        connection.connection.close()  # the server went away while the connection was idle
        connection.health_check_done = False  # a new request (request_started does this)
        assert users.rows(user=coordinator.pk) == [("coordinator",)]
    finally:
        connection.settings_dict["CONN_HEALTH_CHECKS"] = health_checks
