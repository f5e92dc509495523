"""Django's ``flush``, which the test suite runs after every transactional test, for a database
with append-only tables.

The append-only tables (``audit.append_only``) refuse TRUNCATE, and the runtime role may not
TRUNCATE anything. So on PostgreSQL this flush refuses outright, unless the test suite allowed it
(``conftest.py`` sets ``TESTS_MAY_FLUSH_APPEND_ONLY_TABLES``; nothing reads it from the
environment). Then it empties the tables as their owner (``DATABASE_OWNER_URL``, else the role
connected, e.g. a local superuser), with the TRUNCATE triggers disabled only inside the one
transaction that empties them: no other connection ever sees them off.
"""

import psycopg
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.core.management.commands import flush
from django.core.management.sql import emit_post_migrate_signal, sql_flush
from django.db import connections, transaction

from audit.append_only import TRUNCATE_TRIGGER, protected_tables


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        connection = connections[database]
        if connection.vendor != "postgresql":
            return super().handle(**options)
        with connection.cursor() as cursor:
            present = [table for table in protected_tables() if _has_truncate_trigger(cursor, table)]
        if not present:
            return super().handle(**options)
        if not getattr(settings, "TESTS_MAY_FLUSH_APPEND_ONLY_TABLES", False):
            raise CommandError(
                f"Refusing to flush: {', '.join(present)} are append-only and are never emptied "
                "(only the test suite may, on its own test database)."
            )
        sql_list = sql_flush(
            no_style(),
            connection,
            reset_sequences=options.get("reset_sequences", True),
            allow_cascade=options.get("allow_cascade", False),
        )
        statements = (
            [f'ALTER TABLE "{table}" DISABLE TRIGGER {TRUNCATE_TRIGGER}' for table in present]
            + sql_list
            + [f'ALTER TABLE "{table}" ENABLE TRIGGER {TRUNCATE_TRIGGER}' for table in present]
        )
        owner = settings.DATABASE_OWNER
        if owner and owner["USER"] != connection.settings_dict["USER"]:
            _run_as(owner, connection.settings_dict, statements)
        else:
            with transaction.atomic(using=database), connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        if sql_list and not options.get("inhibit_post_migrate", False):
            emit_post_migrate_signal(options["verbosity"], options["interactive"], database)


def _has_truncate_trigger(cursor, table):
    cursor.execute(
        "SELECT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname = %s)",
        [f'"{table}"', TRUNCATE_TRIGGER],
    )
    return cursor.fetchone()[0]


def _run_as(owner, settings_dict, statements):
    """Run ``statements`` in one transaction on a connection of their own, as ``owner``, on the same database."""
    with (
        psycopg.connect(
            dbname=settings_dict["NAME"],
            host=settings_dict["HOST"] or None,
            port=settings_dict["PORT"] or None,
            user=owner["USER"],
            password=owner["PASSWORD"] or None,
            options="-c lock_timeout=30s",
            autocommit=True,
        ) as owner_connection,
        owner_connection.transaction(),
    ):
        for statement in statements:
            owner_connection.execute(statement)
