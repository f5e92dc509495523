"""Append-only tables on PostgreSQL: triggers that refuse change, with no switch to turn them off.

A migration protects a table with the operation ``AppendOnly``. It creates three triggers:

* ``append_only_update`` and ``append_only_delete``, ``BEFORE … FOR EACH ROW``: refuse every
  row, or only the rows a condition on ``OLD`` picks (journal notes: only signed ones may not
  change; every note is kept);
* ``append_only_truncate``, ``BEFORE TRUNCATE FOR EACH STATEMENT``: a table is never emptied,
  also not by ``TRUNCATE other_table CASCADE``.

Why not ``pgtrigger.Protect``: the functions django-pgtrigger generates start by asking
``_pgtrigger_should_ignore(TG_NAME)``, which reads the session setting ``pgtrigger.ignore``. Any
role may set that for its own session, so any connection could switch the protection off. These
functions have no such question, and only the table's owner can disable them
(``ALTER TABLE … DISABLE TRIGGER``); the app connects as a role that owns nothing
(``samplan.db_roles``, docs/operations.md).

The protected tables are read back from the migrations (``protected_tables()``): the grants and
the test suite's flush know every one of them without a second list to keep in step. On other
databases (SQLite) the operation does nothing. This module imports nothing but Django.
"""

import functools

from django.db.migrations.operations.base import Operation

UPDATE_TRIGGER, DELETE_TRIGGER, TRUNCATE_TRIGGER = "append_only_update", "append_only_delete", "append_only_truncate"
TRIGGERS = (UPDATE_TRIGGER, DELETE_TRIGGER, TRUNCATE_TRIGGER)


class AppendOnly(Operation):
    """Refuse UPDATE, DELETE and TRUNCATE on ``table`` with plain PostgreSQL triggers.

    ``refuse_update_when`` and ``refuse_delete_when`` are SQL conditions on ``OLD`` naming the rows
    that are locked; left out, every row is. TRUNCATE is always refused.
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, table, *, refuse_update_when=None, refuse_delete_when=None):
        if len(f"append_only_{table}") > 63:
            raise ValueError(f"table name {table!r} too long for its trigger function's name")
        self.table = table
        self.refuse_update_when = refuse_update_when
        self.refuse_delete_when = refuse_delete_when

    def deconstruct(self):
        kwargs = {}
        if self.refuse_update_when is not None:
            kwargs["refuse_update_when"] = self.refuse_update_when
        if self.refuse_delete_when is not None:
            kwargs["refuse_delete_when"] = self.refuse_delete_when
        return (f"{__name__}.{self.__class__.__name__}", [self.table], kwargs)

    @property
    def function(self):
        return f'"append_only_{self.table}"'

    @property
    def runtime_privileges(self):
        """What the role the app connects with may do on the table: never TRUNCATE, and UPDATE or
        DELETE only where some rows may still change (a draft note may be edited)."""
        privileges = ["SELECT", "INSERT"]
        if self.refuse_update_when is not None:
            privileges.append("UPDATE")
        if self.refuse_delete_when is not None:
            privileges.append("DELETE")
        return privileges

    def forwards_sql(self):
        table = f'"{self.table}"'
        when = {
            UPDATE_TRIGGER: f" WHEN ({self.refuse_update_when})" if self.refuse_update_when else "",
            DELETE_TRIGGER: f" WHEN ({self.refuse_delete_when})" if self.refuse_delete_when else "",
        }
        return [
            f"""CREATE FUNCTION {self.function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Cannot % %: the table is append-only', lower(TG_OP), TG_TABLE_NAME
        USING HINT = 'See docs/operations.md, "Database roles and append-only tables".';
END
$$""",
            f"CREATE TRIGGER {UPDATE_TRIGGER} BEFORE UPDATE ON {table} FOR EACH ROW{when[UPDATE_TRIGGER]}"
            f" EXECUTE FUNCTION {self.function}()",
            f"CREATE TRIGGER {DELETE_TRIGGER} BEFORE DELETE ON {table} FOR EACH ROW{when[DELETE_TRIGGER]}"
            f" EXECUTE FUNCTION {self.function}()",
            f"CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION {self.function}()",
        ]

    def backwards_sql(self):
        table = f'"{self.table}"'
        return [f"DROP TRIGGER {name} ON {table}" for name in TRIGGERS] + [f"DROP FUNCTION {self.function}()"]

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            for sql in self.forwards_sql():
                schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            for sql in self.backwards_sql():
                schema_editor.execute(sql, params=None)

    def describe(self):
        return f"Make {self.table} append-only (PostgreSQL triggers)"

    @property
    def migration_name_fragment(self):
        return f"append_only_{self.table}"


@functools.cache
def protected_tables():
    """``{table: AppendOnly}`` for every table the migrations on disk make append-only, in migration order."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    seen, found = set(), {}
    for leaf in sorted(loader.graph.leaf_nodes()):
        for key in loader.graph.forwards_plan(leaf):
            if key in seen:
                continue
            seen.add(key)
            for operation in loader.graph.nodes[key].operations:
                if isinstance(operation, AppendOnly):
                    found[operation.table] = operation
    return found
