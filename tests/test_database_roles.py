"""The access log and signed journal notes cannot be emptied or changed on PostgreSQL.

Not by TRUNCATE, not by a session setting that switches a trigger off, not even by the tables'
owner; and the role the app connects with has no privilege that could change them or their
triggers. PostgreSQL only: SQLite has no roles and no TRUNCATE.

The owner's tests open a connection of their own as the owner (DATABASE_OWNER_URL, or the suite's
own role when there is none). The runtime role's tests need the suite to run as that role, with
migrations done by the owner, as CI does (docs/operations.md, "Database roles").
"""

import os

import environ
import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from audit.append_only import TRIGGERS, protected_tables
from audit.models import AccessEvent
from journal.models import Note
from samplan import db_roles

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="roles and TRUNCATE triggers exist on PostgreSQL only"
)
OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")
as_runtime_role = pytest.mark.skipif(
    not OWNER_URL,
    reason="the suite connects as the tables' owner; with DATABASE_OWNER_URL set (as in CI), as the runtime role",
)
ACCESS_LOG, NOTES = "audit_accessevent", "journal_note"


@pytest.fixture
def owner(django_db_setup):
    """A connection of its own to the test database as the tables' owner, outside the test's transaction."""
    params = connection.settings_dict
    user, password = params["USER"], params["PASSWORD"]
    if OWNER_URL:
        owner_config = environ.Env.db_url_config(OWNER_URL)
        user, password = owner_config["USER"], owner_config["PASSWORD"]
    with psycopg.connect(
        dbname=params["NAME"], user=user, password=password or None, host=params["HOST"], port=params["PORT"] or None
    ) as owner_connection:
        owner_connection.execute("SET lock_timeout = '10s'")
        owner_connection.commit()
        yield owner_connection


def refused(conn, sql, *params):
    """Run one statement in a transaction of its own; return PostgreSQL's error message, or None if it ran."""
    try:
        conn.execute(sql, params or None)
    except psycopg.Error as error:
        conn.rollback()
        return str(error)
    conn.rollback()
    return None


def an_event():
    return AccessEvent.objects.create(
        actor_label="Test", citizen_id=1, action="read", section="overview", ground="care_team", detail="x"
    )


def a_note(citizen, author, *, signed):
    note = Note.objects.create(citizen=citizen, author=author, assessment="Stabil")
    if signed:
        Note.objects.filter(pk=note.pk).update(status="signed", signed_at=timezone.now(), signed_by=author)
    return note


def test_not_even_the_owner_can_empty_the_access_log_or_the_notes(owner):
    for table in (ACCESS_LOG, NOTES):
        assert "Cannot truncate" in (refused(owner, f"TRUNCATE {table}") or "it was emptied")
        assert "Cannot truncate" in (refused(owner, f"TRUNCATE {table} CASCADE") or "it was emptied")
    # A table that refers to the notes cannot take them with it.
    assert "Cannot truncate" in (refused(owner, "TRUNCATE people_citizen CASCADE") or "notes emptied by cascade")


@pytest.mark.django_db(transaction=True)
def test_no_session_setting_switches_the_triggers_off(owner, citizen, coordinator):
    """django-pgtrigger's triggers obey `pgtrigger.ignore`, which any role may set: ours obey nothing."""
    event, signed = an_event(), a_note(citizen, coordinator, signed=True)
    for table, pk in ((ACCESS_LOG, event.pk), (NOTES, signed.pk)):
        every_trigger = "SELECT coalesce(string_agg(tgname, ','), '') FROM pg_trigger WHERE tgrelid = %s::regclass"
        names = owner.execute(every_trigger, [table]).fetchone()[0]
        owner.rollback()
        for statement in (f"UPDATE {table} SET id = id WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
            owner.execute("SELECT set_config('pgtrigger.ignore', %s, false)", ["{" + names + "}"])
            assert "Cannot" in (refused(owner, statement, pk) or f"{statement} ran for {table}")
            assert refused(owner, f"TRUNCATE {table}") is not None
    assert AccessEvent.objects.filter(pk=event.pk, detail="x").exists()
    assert Note.objects.filter(pk=signed.pk, status="signed").exists()


@as_runtime_role
def test_the_suite_connects_as_the_runtime_role_not_the_owner(db):
    runtime_user = environ.Env.db_url_config(os.environ["DATABASE_URL"])["USER"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolcreaterole, rolcreatedb, pg_get_userbyid(relowner)"
            " FROM pg_roles, pg_class WHERE rolname = current_user AND relname = %s",
            [ACCESS_LOG],
        )
        user, superuser, createrole, createdb, table_owner = cursor.fetchone()
    assert user == runtime_user
    assert not (superuser or createrole or createdb)
    assert table_owner != user


@as_runtime_role
def test_the_runtime_role_can_add_to_the_access_log_and_read_it_but_nothing_else(db):
    event = an_event()
    assert AccessEvent.objects.get(pk=event.pk).detail == "x"
    for statement in (
        f"UPDATE {ACCESS_LOG} SET detail = 'rewritten'",
        f"DELETE FROM {ACCESS_LOG}",
        f"TRUNCATE {ACCESS_LOG}",
        f"ALTER TABLE {ACCESS_LOG} DISABLE TRIGGER USER",
        f"ALTER TABLE {ACCESS_LOG} DISABLE TRIGGER ALL",
        f"ALTER TABLE {ACCESS_LOG} OWNER TO current_user",
        f"DROP TRIGGER IF EXISTS append_only_truncate ON {ACCESS_LOG}",
        "SET session_replication_role = replica",
        "CREATE TABLE runtime_may_not_create (id int)",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AccessEvent.objects.get(pk=event.pk).detail == "x"


@as_runtime_role
def test_the_runtime_role_edits_a_draft_note_but_cannot_touch_a_signed_one(db, citizen, coordinator):
    draft, signed = a_note(citizen, coordinator, signed=False), a_note(citizen, coordinator, signed=True)
    Note.objects.filter(pk=draft.pk).update(assessment="Utkast endret")
    for statement in (
        f"UPDATE {NOTES} SET assessment = 'Skrevet om' WHERE id = %s",
        f"UPDATE {NOTES} SET status = 'draft', signed_at = NULL, signed_by_id = NULL WHERE id = %s",
        f"DELETE FROM {NOTES} WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [signed.pk])
    for statement in (f"TRUNCATE {NOTES}", f"ALTER TABLE {NOTES} DISABLE TRIGGER USER"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert Note.objects.get(pk=draft.pk).assessment == "Utkast endret"
    assert Note.objects.get(pk=signed.pk).assessment == "Stabil"


def test_every_append_only_table_the_migrations_name_has_its_three_triggers(db):
    assert {ACCESS_LOG, NOTES} <= set(protected_tables())
    with connection.cursor() as cursor:
        for table in protected_tables():
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled = 'O'"
                " ORDER BY tgname",
                [table],
            )
            assert sorted(TRIGGERS) == [row[0] for row in cursor.fetchall()], table


@as_runtime_role
def test_the_runtime_role_has_on_each_append_only_table_only_what_its_triggers_allow(db):
    with connection.cursor() as cursor:
        for table, protection in protected_tables().items():
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES"):
                cursor.execute("SELECT has_table_privilege(current_user, %s, %s)", [table, privilege])
                assert cursor.fetchone()[0] == (privilege in protection.runtime_privileges), (table, privilege)


def test_flush_refuses_to_empty_append_only_tables_outside_the_test_suite(db, settings):
    settings.TESTS_MAY_FLUSH_APPEND_ONLY_TABLES = False
    with pytest.raises(CommandError, match="append-only"):
        call_command("flush", interactive=False, verbosity=0)


def test_role_names_are_plain_names_and_two_roles_are_two():
    with pytest.raises(db_roles.RoleError):
        db_roles.quote('samplan"; DROP TABLE audit_accessevent; --')
    with pytest.raises(db_roles.RoleError):
        db_roles.grant_sql(owner="samplan", runtime="samplan", database="samplan")
