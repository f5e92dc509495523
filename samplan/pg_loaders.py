"""Timestamps read from PostgreSQL by ``datetime.fromisoformat`` instead of psycopg's Python loader.

Django reads every ``timestamptz`` through a loader of its own (``psycopg_any.BaseTzLoader``), a
subclass of psycopg's pure-Python one, so the C loader of ``psycopg[binary]`` never runs for them:
parsing a row's timestamps was a fifth of a bulk export's time and a tenth of a year of
Observations (docs/benchmarks.md). Django's sessions run in UTC, where PostgreSQL writes
``2026-12-07 03:03:26.526917+00``; ``fromisoformat`` gives the same aware UTC datetime. Anything
else (another session time zone, infinity) goes to the loader Django registered.
"""

from datetime import datetime


def _fast_loader(usual):
    from psycopg.adapt import Loader

    class FastTimestamptzLoader(Loader):
        timezone = getattr(usual, "timezone", None)  # Django's backend reads it off the loader

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self.fallback = usual(oid, context)

        def load(self, data):
            text = bytes(data).decode()
            if text.endswith("+00") and text[4] == "-":
                return datetime.fromisoformat(text)
            return self.fallback.load(data)

    return FastTimestamptzLoader


def register(connection):
    """Put the fast loader in front of the one Django registered on ``connection`` (PostgreSQL)."""
    from psycopg.pq import Format

    adapters = connection.connection.adapters
    oid = adapters.types["timestamptz"].oid
    usual = adapters.get_loader(oid, Format.TEXT)
    if usual is not None and usual.__name__ != "FastTimestamptzLoader":
        adapters.register_loader(oid, _fast_loader(usual))


def on_connection_created(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        register(connection)
