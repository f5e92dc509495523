"""samplan.pg_loaders: PostgreSQL timestamps read by fromisoformat are the ones Django would give."""

import pytest
from django.db import connection
from psycopg.pq import Format

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a loader of PostgreSQL connections")

MOMENTS = [
    "2026-12-06 21:03:33+00",
    "2026-12-06 21:03:33.1+01",  # not the session's UTC: the usual loader reads it
    "2026-12-06 21:03:33.120000+00",
    "2026-03-29 01:59:59.999999+00",
    "0999-01-01 00:00:00+00",
    "9999-12-31 23:59:59.5+00",
]
SQL = "SELECT " + ", ".join(f"'{moment}'::timestamptz" for moment in MOMENTS)


def read():
    with connection.cursor() as cursor:
        cursor.execute(SQL)
        return cursor.fetchone()


@pytest.mark.django_db
def test_every_connection_reads_timestamps_as_djangos_own_loader_does():
    connection.ensure_connection()
    adapters = connection.connection.adapters
    oid = adapters.types["timestamptz"].oid
    fast_loader = adapters.get_loader(oid, Format.TEXT)
    assert fast_loader.__name__ == "FastTimestamptzLoader"
    fast = read()
    usual_loader = type(fast_loader(oid, connection.connection).fallback)
    adapters.register_loader(oid, usual_loader)
    try:
        usual = read()
    finally:
        adapters.register_loader(oid, fast_loader)
    assert fast == usual
    assert [value.isoformat() for value in fast] == [value.isoformat() for value in usual]
    assert all(value.utcoffset().total_seconds() == 0 for value in fast)


@pytest.mark.django_db
def test_what_is_no_iso_text_is_left_to_djangos_loader():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'infinity'::timestamptz")
        with pytest.raises(Exception, match=r"(?i)infinity|too large|year"):
            cursor.fetchone()
