"""The one way to write the access log: ``event()`` builds every row, ``record()`` and
``record_all()`` store one or many.

Who acted is worked out here, once, for every kind of actor: a person (their id and a label
that outlives a rename), a registered system client (its id and name, no person), or nobody
logged in. The section must be one some app registered (``audit.sections``).
"""

from contextlib import nullcontext
from types import SimpleNamespace

from django.db import connections, router, transaction
from django.utils import timezone

from samplan.prepared import insert

from . import sections
from .models import AccessEvent


def _is_person(actor):
    return actor is not None and getattr(actor, "is_authenticated", False) and not _is_system(actor)


def _is_system(actor):
    return getattr(actor, "is_system_client", False)


def actor_label(actor):
    """A readable name that stays in the log even if the user is later renamed or removed."""
    if _is_system(actor):
        return f"{actor.name} (system client)"
    if not _is_person(actor):
        return "anonymous"
    full_name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return f"{full_name} ({actor.get_username()})" if full_name else actor.get_username()


def event(*, actor, action, section, ground, citizen_id=None, role="", detail="", request=None):
    """An unsaved access event. Refuses a section no app registered: the log is no free text."""
    if not sections.is_registered(section):
        raise ValueError(f"access event for unregistered section {section!r}")
    return AccessEvent(
        actor_id=actor.pk if _is_person(actor) else None,
        client_id=actor.pk if _is_system(actor) else None,
        actor_label=actor_label(actor),
        citizen_id=citizen_id,
        action=action,
        section=section,
        ground=ground,
        role=role[:40],
        detail=detail[:300],
        path=request.path[:300] if request is not None else "",
    )


def record(**fields):
    """Store one event (an INSERT compiled once, ``samplan.prepared.insert``); see ``event()`` for the fields."""
    return insert(event(**fields))


def record_for_citizens(*, actor, action, section, rows, detail="", request=None):
    """Store one event per ``(citizen id, ground, role)`` of ``rows``, the rest the same for all (a list
    page's reads): who acted, the section and the page are worked out once, not once per citizen."""
    base = event(actor=actor, action=action, section=section, ground="", detail=detail, request=request)
    shared = {field.attname: getattr(base, field.attname) for field in AccessEvent._meta.concrete_fields}
    return record_all(
        SimpleNamespace(**shared | {"citizen_id": citizen_id, "ground": ground, "role": role[:40]})
        for citizen_id, ground, role in rows
    )


def record_all(events):
    """Store events built by ``event()`` in one INSERT: a list page, a PDF with several parts, an export.

    The rows hold plain ids and text already, so they are sent as they are, with one ``at`` for all,
    instead of through ``bulk_create``, whose preparation of every field of every row was a tenth of
    the worklist's Python (docs/benchmarks.md). A value the same in every row (the actor, the
    section, the page…) is sent once, not once per row: ``INSERT … SELECT <those values>, v.column1,
    … FROM (VALUES <what differs, per row>) AS v``, which PostgreSQL and SQLite both read. Only an
    INSERT, as the log allows; more rows than one statement may carry go in several, in one
    transaction. The events get no ids, except one event alone (stored as ``record()`` stores it).
    """
    events = list(events)
    if not events:
        return events
    if len(events) == 1 and isinstance(events[0], AccessEvent):  # one read: the INSERT compiled once
        insert(events[0])
        return events
    connection = connections[router.db_for_write(AccessEvent)]
    fields = [field for field in AccessEvent._meta.concrete_fields if not field.primary_key]
    at = timezone.now()
    stamp = AccessEvent._meta.get_field("at").get_db_prep_value(at, connection)
    rows = []
    for entry in events:
        entry.at = at
        rows.append([stamp if field.attname == "at" else getattr(entry, field.attname) for field in fields])
    by_column = list(zip(*rows, strict=True))
    varying = [n for n, values in enumerate(by_column) if any(value != values[0] for value in values)]
    varying = varying or [len(fields) - 1]  # identical rows: one column still carries them
    quote = connection.ops.quote_name
    selected = ", ".join(f"v.column{varying.index(n) + 1}" if n in varying else "%s" for n in range(len(fields)))
    constants = [values[0] for n, values in enumerate(by_column) if n not in varying]
    # PostgreSQL's protocol carries at most 65,535 parameters per statement; SQLite's limit is Django's.
    per_statement = ((connection.features.max_query_params or 65535) - len(constants)) // len(varying)
    row_placeholders = "(" + ", ".join(["%s"] * len(varying)) + ")"
    # Names from the model, values as parameters.
    statement = (
        f"INSERT INTO {quote(AccessEvent._meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"  # noqa: S608
        f" SELECT {selected} FROM (VALUES {{rows}}) AS v"
    )
    several = len(rows) > per_statement
    in_one_transaction = transaction.atomic(using=connection.alias, savepoint=False) if several else nullcontext()
    with in_one_transaction, connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            cursor.execute(
                statement.format(rows=", ".join([row_placeholders] * len(batch))),
                [*constants, *(row[n] for row in batch for n in varying)],
            )
    return events
