"""Two PostgreSQL roles: the owner runs migrations, the app runs as a role that owns nothing.

* **owner** (``DATABASE_OWNER_URL``): owns the database and every table; runs ``migrate``.
* **runtime** (``DATABASE_URL``): what gunicorn, the worker and cron connect as. SELECT, INSERT,
  UPDATE, DELETE on ordinary tables, the sequences, and on append-only tables
  (``audit.append_only``) only what their triggers allow anyway: the access log SELECT and
  INSERT, journal notes also UPDATE (drafts are edited). No TRUNCATE, no ownership, so no
  ``ALTER TABLE … DISABLE TRIGGER``; no CREATE in the schema.

``create_roles()`` is run once by a superuser; ``grant()`` after every migration, as the owner
(``migrate`` does it when ``DATABASE_ROLE=owner``; ``manage.py db_roles`` by hand). Both return
the statements and run them only on a cursor given, so ``manage.py db_roles --sql`` can print them.
"""

import re

from django.db import transaction

from audit.append_only import protected_tables

ORDINARY = "SELECT, INSERT, UPDATE, DELETE"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class RoleError(Exception):
    pass


def quote(name):
    """A role or database name, quoted; only plain names are accepted, so quoting cannot be escaped."""
    if not _NAME.match(name or ""):
        raise RoleError(f"not a plain PostgreSQL name: {name!r}")
    return f'"{name}"'


def literal(name):
    quote(name)
    return f"'{name}'"


def create_roles_sql(*, owner, runtime, createdb=False):
    """Create both roles if missing and give each exactly its attributes (run as a superuser).

    An existing superuser is never named here: ALTER ROLE below would take its powers away.
    """
    if owner == runtime:
        raise RoleError("the owner and the runtime role must be two different roles")
    statements = []
    for role in (owner, runtime):
        statements.append(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal(role)}) "
            f"THEN CREATE ROLE {quote(role)} LOGIN; END IF; END $$"
        )
        superuser = f"(SELECT rolsuper FROM pg_roles WHERE rolname = {literal(role)})"  # noqa: S608 (a plain name)
        statements.append(
            f"DO $$ BEGIN IF {superuser} THEN RAISE EXCEPTION 'role % is a superuser: choose another role', "
            f"{literal(role)}; END IF; END $$"
        )
    createdb = "CREATEDB" if createdb else "NOCREATEDB"
    statements.append(f"ALTER ROLE {quote(owner)} LOGIN NOSUPERUSER NOCREATEROLE NOBYPASSRLS {createdb}")
    statements.append(f"ALTER ROLE {quote(runtime)} LOGIN NOSUPERUSER NOCREATEROLE NOBYPASSRLS NOCREATEDB NOINHERIT")
    return statements


def grant_sql(*, owner, runtime, database, schema="public", tables=None, migrations_table=True):
    """The runtime role's privileges, all of them, from scratch; safe to run any number of times.

    ``tables``: the append-only tables present (default: every one the migrations protect);
    ``migrations_table``: whether Django's ``django_migrations`` exists yet.
    """
    if owner == runtime:
        raise RoleError("the owner and the runtime role must be two different roles")
    owner, runtime, schema = quote(owner), quote(runtime), quote(schema)
    protected = protected_tables()
    statements = [
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {quote(database)} TO {runtime}",
        f"GRANT USAGE ON SCHEMA {schema} TO {runtime}",
        f"GRANT {ORDINARY} ON ALL TABLES IN SCHEMA {schema} TO {runtime}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {runtime}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT {ORDINARY} ON TABLES TO {runtime}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {runtime}",
    ]
    if migrations_table:  # which migrations ran is the owner's business; the app only reads it
        statements.append(f"REVOKE ALL ON TABLE django_migrations FROM {runtime}")
        statements.append(f"GRANT SELECT ON TABLE django_migrations TO {runtime}")
    for table in protected if tables is None else tables:
        statements.append(f"REVOKE ALL ON TABLE {quote(table)} FROM {runtime}")
        statements.append(
            f"GRANT {', '.join(protected[table].runtime_privileges)} ON TABLE {quote(table)} TO {runtime}"
        )
    return statements


def grant(cursor, *, runtime, owner=None):
    """Apply ``grant_sql`` in one transaction on ``cursor``'s database, as its owner (or a superuser).

    Refuses when the runtime role is the connected role, a superuser, or owns a table: any of
    these could switch the append-only triggers off.
    """
    cursor.execute("SELECT current_user, current_database(), current_schema()")
    current, database, schema = cursor.fetchone()
    owner = owner or current
    if runtime == current:
        raise RoleError(f"connected as {runtime}: grants are applied by the owner, not by the runtime role")
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [runtime])
    found = cursor.fetchone()
    if found is None:
        raise RoleError(f"role {runtime} does not exist: create it first (manage.py db_roles --create)")
    if found[0]:
        raise RoleError(f"role {runtime} is a superuser: the app must connect as a role that owns nothing")
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND pg_get_userbyid(c.relowner) = %s ORDER BY 1",
        [schema, runtime],
    )
    owned = [row[0] for row in cursor.fetchall()]
    if owned:
        raise RoleError(f"role {runtime} owns {', '.join(owned)}: REASSIGN OWNED BY {runtime} TO {owner}")
    present = [table for table in protected_tables() if _exists(cursor, table)]
    statements = grant_sql(
        owner=owner,
        runtime=runtime,
        database=database,
        schema=schema,
        tables=present,
        migrations_table=_exists(cursor, "django_migrations"),
    )
    with transaction.atomic(using=cursor.db.alias):
        for statement in statements:
            cursor.execute(statement)
    return statements


def _exists(cursor, table):
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [quote(table)])
    return cursor.fetchone()[0]
