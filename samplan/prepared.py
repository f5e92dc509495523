"""ORM queries compiled once per process, then run again with other values.

Django builds and compiles the SQL of a queryset on every call: on the FHIR API's hot paths that was
most of a request's Python (about 0.7 ms per query before PostgreSQL saw it, and as much again to
turn rows into model instances; docs/benchmarks.md). A ``Prepared`` query is still written with the
ORM, in one place, as before; what is kept is the SQL it compiles to and the converters of its
columns. The arguments are named and typed::

    blocks = Prepared(
        lambda user, citizens: Block.objects.filter(blocked_user_id=user, citizen_id__among=citizens, ...)
        .values_list("citizen_id"),
        user=int,
        citizens=list,
    )
    blocks.rows(user=7, citizens=[1, 2])

At the first call on a database the query is built with a marker value for each argument and
compiled; each SQL parameter must then be an argument's marker (adapted as the backend adapts it:
unchanged, as text, or as the JSON that ``__among`` sends on SQLite) or a constant string, number
or boolean of the query's shape. A date or time in the parameters that is no argument's is refused:
it would be today's forever. Queries must return columns (``values_list``); model instances can
be made from them with ``instance``.

Writes on the hot paths are compiled once too: ``insert(obj)`` and ``update(obj, fields)`` do what
``obj.save()`` and ``obj.save(update_fields=fields)`` do for a plain model (one table, an automatic
id), with the same values, the same ``pre_save``/``post_save`` signals and the same errors, but the
INSERT or UPDATE statement is made once per model and database, not compiled again per row.
"""

import datetime
import json
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction
from django.db.backends.utils import CursorDebugWrapper
from django.db.models.constants import OnConflict
from django.db.models.signals import post_save, pre_save

# Far from any id, amount or count the queries see, yet inside a 32-bit integer: Django compiles a
# lookup on an integer column with a value outside the column's range to "no rows" (EmptyResultSet).
_MARKER_BASE = -2_100_000_000


def _marker(kind, number):
    if kind is int:
        return _MARKER_BASE - number
    if kind is list:
        return [_MARKER_BASE - number]
    if kind is str:
        return f"\u2063marker-{number}\u2063"
    if kind is datetime.date:
        return datetime.date(1001 + number, 1, 1)
    if kind is datetime.datetime:
        return datetime.datetime(1001 + number, 1, 1, tzinfo=datetime.UTC)
    raise ImproperlyConfigured(f"Prepared queries take int, list, str, date or datetime arguments, not {kind}.")


@dataclass(frozen=True)
class _Plan:
    sql: str
    slots: tuple  # per SQL parameter: (name, how) for an argument, or (None, constant)
    converters: tuple  # (position, converter functions, expression)


def _same(param, marker):
    return type(param) is type(marker) and param == marker


def _slot(param, markers, connection):
    for name, marker in markers.items():
        if _same(param, marker):
            return (name, "int" if isinstance(marker, int) else "as is")
        if isinstance(param, str) and not isinstance(marker, str):
            if isinstance(marker, list) and param == json.dumps(marker):
                return (name, "json")
            if param == str(marker):
                return (name, "text")
            if isinstance(marker, datetime.datetime) and param == connection.ops.adapt_datetimefield_value(marker):
                return (name, "datetime")
    leaked = isinstance(param, str) and "\u2063marker-" in param  # an argument changed on its way in
    if isinstance(param, (bool, int, float, str)) and not leaked and not _looks_like_a_date(param):
        return (None, param)
    raise ImproperlyConfigured(
        f"A prepared query holds a value that is no argument's ({param!r}): a date or time computed while "
        "the query is built would stay the same on every later call. Pass it as an argument."
    )


def _looks_like_a_date(param):
    """A date or time as SQLite's adapters send it (text)."""
    if not isinstance(param, str) or len(param) < 10:
        return False
    try:
        datetime.datetime.fromisoformat(param)
    except ValueError:
        return False
    return True


def _value(how, value, connection):
    if how == "int":
        return int(value)
    if how == "as is":
        if not isinstance(value, (list, tuple, set, frozenset)):
            return value
        if connection.vendor == "postgresql":
            # An array literal, typed by the column it is compared with (``= ANY(%s)``): psycopg's
            # dumping of a list looks at every element's type, a cost that grows with a caseload.
            return "{" + ",".join(str(int(v)) for v in value) + "}"
        return [int(v) for v in value]
    if how == "json":
        return json.dumps([int(v) for v in value])
    if how == "datetime":
        return connection.ops.adapt_datetimefield_value(value)
    return str(value)


def _cursor(connection):
    """A cursor for a prepared query. On PostgreSQL a server-binding one: the SQL text is the same on
    every call, so psycopg prepares it on the connection after ``prepare_threshold`` runs (5 by
    default; ``POSTGRES_PREPARED_STATEMENTS=false`` turns it off) and PostgreSQL then neither parses
    nor plans it again. Django's wrapper is kept, so query logging and counting see it as any other,
    and so is its start: a persistent connection that fails its health check is replaced first."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    return _LoggedCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)


class _LoggedCursor(CursorDebugWrapper):
    """Django's debug wrapper logs the SQL a client-binding cursor sent, values in place; a
    server-binding cursor sent ``$1`` placeholders (or gives nothing), so the statement is logged
    composed with its values here, as any other."""

    def execute(self, sql, params=None):
        try:
            return super().execute(sql, params)
        finally:
            if self.db.queries_log:
                self.db.queries_log[-1]["sql"] = self.db.ops.compose_sql(sql, params)


class Prepared:
    def __init__(self, build, **kinds):
        self.build = build
        self.kinds = kinds
        self._plans = {}

    def _plan(self, connection):
        key = (connection.alias, connection.vendor)
        plan = self._plans.get(key)
        if plan is None:
            markers = {name: _marker(kind, number) for number, (name, kind) in enumerate(self.kinds.items())}
            queryset = self.build(**markers)
            compiler = queryset.query.get_compiler(connection=connection)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                raise ImproperlyConfigured(
                    "A prepared query compiled to no rows with its markers (an argument compared with a column "
                    "too small for them?): write it with __among, or without this argument."
                ) from None
            fields = [column[0] for column in compiler.select[: compiler.col_count]]
            converters = tuple(
                (position, functions, expression)
                for position, (functions, expression) in compiler.get_converters(fields).items()
            )
            slots = tuple(_slot(param, markers, connection) for param in params)
            plan = self._plans[key] = _Plan(sql=sql, slots=slots, converters=converters)
        return plan

    def rows(self, using=DEFAULT_DB_ALIAS, **values):
        """The query's rows for ``values`` (every argument, by name), as tuples of column values."""
        connection = connections[using]
        plan = self._plan(connection)
        params = [
            constant if name is None else _value(constant, values[name], connection) for name, constant in plan.slots
        ]
        with _cursor(connection) as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        if not plan.converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, functions, expression in plan.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted

    def first(self, using=DEFAULT_DB_ALIAS, **values):
        rows = self.rows(using, **values)
        return rows[0] if rows else None


def columns(model, prefix=""):
    """The ``values_list`` names of ``model``'s concrete fields (after ``prefix``, e.g. "user__")."""
    return [f"{prefix}{field.attname}" for field in model._meta.concrete_fields]


def instance(model, row, start=0, using=DEFAULT_DB_ALIAS):
    """A ``model`` instance from ``row[start:]`` as ``columns(model)`` ordered them (None if its pk is
    None: an outer join that found nothing); the position after its columns."""
    fields = model._meta.concrete_fields
    end = start + len(fields)
    values = row[start:end]
    pk_index = fields.index(model._meta.pk)
    if values[pk_index] is None:
        return None, end
    return model.from_db(using, [field.attname for field in fields], list(values)), end


@dataclass(frozen=True)
class _Write:
    sql: str
    fields: tuple  # the fields whose values the statement takes, in order
    returns_id: bool  # INSERT … RETURNING the id (else the cursor's lastrowid)


_writes = {}


def _plain(model):
    """Only what ``insert`` and ``update`` know how to write: one table and an automatic id."""
    meta = model._meta
    if meta.parents or meta.proxy or meta.auto_field is None or list(meta.db_returning_fields) != [meta.auto_field]:
        raise ImproperlyConfigured(f"{meta.label} is not a plain model with an automatic id; save it with save().")
    return meta


def _insert_plan(model, connection, ignore_conflicts=False):
    key = ("insert", model, ignore_conflicts, connection.alias, connection.vendor)
    plan = _writes.get(key)
    if plan is None:
        meta = _plain(model)
        fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated)
        quote = connection.ops.quote_name
        returns_id = connection.features.can_return_columns_from_insert
        returning = connection.ops.return_insert_columns([meta.auto_field])[0] if returns_id else ""
        if ignore_conflicts and not returns_id:
            raise ImproperlyConfigured("insert(ignore_conflicts=True) needs INSERT … RETURNING.")
        on_conflict = OnConflict.IGNORE if ignore_conflicts else None
        conflict = connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None) if on_conflict else ""
        sql = " ".join(
            part
            for part in (
                # SQLite says INSERT OR IGNORE, PostgreSQL ON CONFLICT DO NOTHING: Django's words for each.
                f"{connection.ops.insert_statement(on_conflict=on_conflict)}"
                f" {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})",
                f"VALUES ({', '.join(['%s'] * len(fields))})",
                conflict,
                returning,
            )
            if part
        )
        plan = _writes[key] = _Write(sql=sql, fields=fields, returns_id=returns_id)
    return plan


def _update_plan(model, names, connection):
    key = ("update", model, names, connection.alias, connection.vendor)
    plan = _writes.get(key)
    if plan is None:
        meta = _plain(model)
        fields = tuple(
            f
            for f in meta.local_concrete_fields
            if f is not meta.auto_field and not f.generated and (f.name in names or f.attname in names)
        )
        if len(fields) != len(names):
            raise ValueError(f"{sorted(names)} are not all fields of {meta.label} that an update can set.")
        quote = connection.ops.quote_name
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)}"  # noqa: S608
            f" WHERE {quote(meta.auto_field.column)} = %s"
        )
        plan = _writes[key] = _Write(sql=sql, fields=fields, returns_id=False)
    return plan


def _prepared_value(field, obj, add, connection):
    value = field.pre_save(obj, add)  # e.g. auto_now stamps the field
    if hasattr(value, "resolve_expression"):
        raise ImproperlyConfigured(f"{field} holds an expression; save it with save().")
    return field.get_db_prep_save(value, connection=connection)


def insert(obj, using=None, *, ignore_conflicts=False):
    """Store the new ``obj`` as ``obj.save()`` would (its id set, then post_save with created=True).

    ``ignore_conflicts``: if a row with one of ``obj``'s unique values is there already (or being
    stored by another transaction that then commits), store nothing and return None — ``INSERT … ON
    CONFLICT DO NOTHING``, one statement where a savepoint around ``save()`` took three."""
    model = type(obj)
    using = using or router.db_for_write(model, instance=obj)
    connection = connections[using]
    plan = _insert_plan(model, connection, ignore_conflicts)
    if getattr(obj, model._meta.auto_field.attname) is not None:
        raise ValueError(f"{obj!r} has an id already: insert() stores new rows only.")
    obj._prepare_related_fields_for_save(operation_name="save")
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    with transaction.mark_for_rollback_on_error(using):
        params = [_prepared_value(field, obj, True, connection) for field in plan.fields]
        with _cursor(connection) as cursor:
            cursor.execute(plan.sql, params)
            if plan.returns_id:
                row = cursor.fetchone()
                if row is None:  # ignore_conflicts: the row was there
                    return None
                pk = row[0]
            else:
                pk = connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.auto_field.column)
    setattr(obj, model._meta.auto_field.attname, pk)
    obj._state.db, obj._state.adding = using, False
    post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using)
    return obj


def update(obj, fields, using=None):
    """Write ``fields`` of the stored ``obj`` as ``obj.save(update_fields=fields)`` would (signals
    included); DatabaseError if its row is gone, as Django's."""
    model = type(obj)
    using = using or obj._state.db or router.db_for_write(model, instance=obj)
    connection = connections[using]
    names = frozenset(fields)
    plan = _update_plan(model, names, connection)
    pk = getattr(obj, model._meta.auto_field.attname)
    if pk is None:
        raise ValueError("Cannot update an object that was never stored.")
    obj._prepare_related_fields_for_save(operation_name="save")
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=names)
    with transaction.mark_for_rollback_on_error(using):
        params = [_prepared_value(field, obj, False, connection) for field in plan.fields]
        with _cursor(connection) as cursor:
            cursor.execute(plan.sql, [*params, model._meta.auto_field.get_db_prep_value(pk, connection)])
            if cursor.rowcount < 1:
                raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db, obj._state.adding = using, False
    post_save.send(sender=model, instance=obj, created=False, update_fields=names, raw=False, using=using)
    return obj
