"""Django's PostgreSQL backend, with a health check of a persistent connection that costs no round trip.

Django checks a persistent connection at the first query of each request (``CONN_HEALTH_CHECKS``)
by sending ``SELECT 1`` and waiting for the answer: one round trip of every request, a fifth of a
FHIR search's (docs/benchmarks.md). A connection that died while idle (the server restarted, the
backend was terminated) tells its client so: the server sends its FATAL error and closes the
socket, so the socket has something to read, which a zero-timeout poll sees. Only then is Django's
query check made; a connection whose socket has nothing to read is in use as it was left. A
connection that vanished without a word (a cable pulled) is not detected by either check before
the query that finds out.

Every connection also writes dates and times in PostgreSQL's ISO style (``DateStyle``), the text
``samplan.pg_loaders`` and ``fhir_api.mapping.instant`` read: the server's default, set only where a
server or role was configured otherwise (known from the connection's start, no round trip else).
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def _configure_connection(self, connection):
        commit = super()._configure_connection(connection)
        if not (connection.info.parameter_status("DateStyle") or "").startswith("ISO"):
            with connection.cursor() as cursor:
                cursor.execute("SET DateStyle = 'ISO'")
            commit = True
        return commit

    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            readable, _writable, _failed = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        return super().is_usable() if readable else True
