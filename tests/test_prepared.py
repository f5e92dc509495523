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


# Writes compiled once: insert() and update() against what save() does --------------------------


def _stored(model, pk):
    return model.objects.filter(pk=pk).values().get()


@pytest.mark.django_db
def test_insert_stores_the_row_save_stores_and_sends_the_same_signals(make_citizen, coordinator, phq9):
    from django.db.models.signals import post_save, pre_save

    from measures.models import QuestionnaireResponse
    from samplan.prepared import insert

    citizen = make_citizen(coordinator)
    fields = {
        "citizen": citizen,
        "questionnaire": phq9,
        "author": coordinator,
        "status": "completed",
        "answers": {"phq9-1": ["LA6569-3"], "note": "«æøå» \u2028"},
        "authored_at": timezone.now(),
    }
    heard = []

    def listen(signal):
        def receiver(sender, instance, **kwargs):
            heard.append((signal, instance.pk, kwargs.get("created"), kwargs["update_fields"], kwargs["raw"]))

        return receiver

    on_pre, on_post = listen("pre"), listen("post")
    pre_save.connect(on_pre, sender=QuestionnaireResponse)
    post_save.connect(on_post, sender=QuestionnaireResponse)
    try:
        saved = QuestionnaireResponse.objects.create(**fields, idempotency_key="by-save")
        by_save = list(heard)
        heard.clear()
        inserted = insert(QuestionnaireResponse(**fields, idempotency_key="by-insert"))
    finally:
        pre_save.disconnect(on_pre, sender=QuestionnaireResponse)
        post_save.disconnect(on_post, sender=QuestionnaireResponse)

    assert inserted.pk is not None and inserted.pk != saved.pk
    assert heard == [(s, inserted.pk if s == "post" else None, c, u, r) for s, _, c, u, r in by_save]
    assert not inserted._state.adding and inserted._state.db == "default"
    a, b = _stored(QuestionnaireResponse, saved.pk), _stored(QuestionnaireResponse, inserted.pk)
    for row in (a, b):
        del row["id"], row["idempotency_key"], row["created_at"], row["updated_at"]
    assert a == b  # every other column the same, the JSON and the text included
    stamped = _stored(QuestionnaireResponse, inserted.pk)
    assert stamped["created_at"] is not None and stamped["updated_at"] is not None  # auto_now(_add) stamped
    with pytest.raises(ValueError, match="new rows only"):
        insert(inserted)


@pytest.mark.django_db
def test_update_writes_only_the_named_fields_and_refuses_a_row_that_is_gone(make_citizen, coordinator, phq9):
    from django.db import DatabaseError
    from django.db.models.signals import post_save

    from measures.models import QuestionnaireResponse
    from samplan.prepared import update

    citizen = make_citizen(coordinator)
    response = QuestionnaireResponse.objects.create(citizen=citizen, questionnaire=phq9, answers={"a": 1})
    before = _stored(QuestionnaireResponse, response.pk)
    QuestionnaireResponse.objects.filter(pk=response.pk).update(entered_on_behalf=True)  # someone else's write
    response.answers, response.status = {"a": 2}, "completed"
    heard = []

    def receiver(sender, instance, created, update_fields, **kwargs):
        heard.append((instance.pk, created, update_fields))

    post_save.connect(receiver, sender=QuestionnaireResponse)
    try:
        update(response, ["answers"])
    finally:
        post_save.disconnect(receiver, sender=QuestionnaireResponse)
    after = _stored(QuestionnaireResponse, response.pk)
    assert after["answers"] == {"a": 2}
    assert after["status"] == before["status"]  # not named: not written
    assert after["entered_on_behalf"] is True  # the other write is kept
    assert after["updated_at"] == before["updated_at"]  # auto_now only when named, as save(update_fields=)
    assert heard == [(response.pk, False, frozenset({"answers"}))]

    update(response, ["status", "updated_at"])
    after = _stored(QuestionnaireResponse, response.pk)
    assert after["status"] == "completed" and after["updated_at"] > before["updated_at"]

    with pytest.raises(ValueError, match="not all fields"):
        update(response, ["no_such_field"])
    QuestionnaireResponse.objects.filter(pk=response.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        update(response, ["answers"])


@pytest.mark.django_db
def test_a_prepared_querys_sql_is_logged_with_its_values(coordinator):
    """Query logging (DEBUG, the query-count tests) shows a prepared statement as any other."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    users = Prepared(lambda user: get_user_model().objects.filter(pk=user).values_list("username"), user=int)
    with CaptureQueriesContext(connection) as queries:
        users.rows(user=coordinator.pk)
    assert len(queries) == 1
    assert str(coordinator.pk) in queries[0]["sql"] and "SELECT" in queries[0]["sql"]


@pytest.mark.django_db(transaction=True)
def test_a_connection_terminated_by_the_server_is_replaced_and_a_live_one_kept(coordinator):
    """The health check without a round trip (samplan.postgres): a backend the server terminated
    while the connection was idle is noticed and replaced before the next request's first query; a
    live connection is kept as it is."""
    import psycopg
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("persistent connections and their health checks: PostgreSQL")
    users = Prepared(lambda user: get_user_model().objects.filter(pk=user).values_list("username"), user=int)
    health_checks = connection.settings_dict["CONN_HEALTH_CHECKS"]
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    try:
        assert users.rows(user=coordinator.pk) == [("coordinator",)]
        live = connection.connection.info.backend_pid
        connection.health_check_done = False  # a new request
        assert get_user_model().objects.filter(pk=coordinator.pk).exists()
        assert connection.connection.info.backend_pid == live  # kept

        dsn = connection.connection.info.dsn
        with psycopg.connect(dsn, password=connection.settings_dict.get("PASSWORD") or None) as other:
            assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [live]).fetchone()[0]
        connection.health_check_done = False  # the next request
        assert users.rows(user=coordinator.pk) == [("coordinator",)]
        assert connection.connection.info.backend_pid != live  # replaced, and the request went on
        connection.health_check_done = False
        assert get_user_model().objects.filter(pk=coordinator.pk).exists()  # the ORM's queries too
    finally:
        connection.settings_dict["CONN_HEALTH_CHECKS"] = health_checks


@pytest.mark.django_db
def test_insert_ignoring_conflicts_stores_nothing_over_a_stored_row(make_citizen, coordinator, phq9):
    from django.db.models.signals import post_save

    from measures.models import QuestionnaireResponse
    from samplan.prepared import insert

    citizen = make_citizen(coordinator)
    first = insert(
        QuestionnaireResponse(citizen=citizen, questionnaire=phq9, idempotency_key="k"), ignore_conflicts=True
    )
    assert first is not None and first.pk
    heard = []
    post_save.connect(receiver := lambda **kwargs: heard.append(kwargs), sender=QuestionnaireResponse, weak=False)
    try:
        again = QuestionnaireResponse(citizen=citizen, questionnaire=phq9, idempotency_key="k", answers={"x": 1})
        assert insert(again, ignore_conflicts=True) is None
    finally:
        post_save.disconnect(receiver, sender=QuestionnaireResponse)
    assert again.pk is None and not heard  # nothing stored, nothing announced
    assert list(QuestionnaireResponse.objects.values_list("pk", "answers")) == [(first.pk, {})]


@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_twice_at_once_is_stored_once_and_both_get_it(make_citizen, coordinator, phq9):
    """Two requests with one idempotency key at the same moment (a client's retry): the second INSERT
    waits for the first transaction and, once it commits, stores nothing (PostgreSQL)."""
    import threading

    from django.db import connection, connections, transaction

    from measures.models import QuestionnaireResponse
    from samplan.prepared import insert

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions: PostgreSQL")
    citizen = make_citizen(coordinator)
    first_inserted, second_done, results = threading.Event(), threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = insert(
                    QuestionnaireResponse(citizen=citizen, questionnaire=phq9, idempotency_key="retry"),
                    ignore_conflicts=True,
                )
                first_inserted.set()
                results["second waited"] = not second_done.wait(0.5)  # the second is blocked meanwhile
        finally:
            connections.close_all()

    def second():
        try:
            first_inserted.wait(5)
            with transaction.atomic():
                results["second"] = insert(
                    QuestionnaireResponse(citizen=citizen, questionnaire=phq9, idempotency_key="retry"),
                    ignore_conflicts=True,
                )
            second_done.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results["first"] is not None and results["second"] is None
    assert results["second waited"]
    assert QuestionnaireResponse.objects.filter(idempotency_key="retry").count() == 1
