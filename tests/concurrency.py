"""Two writers at the same moment, on PostgreSQL: the first is held inside its transaction until the
second has either finished or is waiting on a lock the first holds; then the first commits.

This is the interleaving that check-then-act code gets wrong (both read "nothing there yet", both
write), made certain instead of left to chance. Use in a ``django_db(transaction=True)`` test on
PostgreSQL (SQLite writes one at a time anyway)::

    failures = first_two_at_once(lambda: action(...), lambda: action(...))
    assert failures == []

``hold``: how the first writer is held open.

* ``None``: ``first`` runs inside ``transaction.atomic()`` and is held when it returns, and
  ``second`` runs inside one too — for code that is not a durable action of its own.
* ``(owner, "name")``: ``owner.name`` (a function the first writer calls late in its transaction,
  e.g. the access log's ``record``) is wrapped so that it runs as it is and then holds — for durable
  actions, which open and commit their own transaction. Nothing is faked: the wrapped function does
  its own work, it only waits after it. Only the first writer's thread is held.
* ``(owner, "name", "before")``: the same, but held before ``owner.name`` runs — e.g. before the
  write that follows a check, so the first has checked and not yet written.
"""

import threading
import time
from unittest import mock

from django.db import connection, transaction

WAIT = 10  # seconds: a bound for every wait, never reached when the code is right


def _someone_waits_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def first_two_at_once(first, second, *, hold=None):
    """Run ``first`` and, while it is held inside its transaction, ``second``; the errors either raised."""
    failures = []
    written = threading.Event()
    release = threading.Event()
    first_thread = []

    def held():
        written.set()
        release.wait(WAIT)

    def run_first():
        try:
            if hold is None:
                with transaction.atomic():
                    first()
                    held()
            else:
                first()
        except Exception as error:
            failures.append(error)
        finally:
            written.set()
            connection.close()

    def run_second():
        try:
            written.wait(WAIT)
            if hold is None:
                with transaction.atomic():
                    second()
            else:
                second()
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    patch = None
    if hold is not None:
        owner, name, *when = hold
        real = getattr(owner, name)

        def hold_first():
            if threading.current_thread() is first_thread[0] and not written.is_set():
                held()

        def wrapper(*args, **kwargs):
            if when == ["before"]:
                hold_first()
                return real(*args, **kwargs)
            result = real(*args, **kwargs)
            hold_first()
            return result

        patch = mock.patch.object(owner, name, wrapper)
        patch.start()
    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    first_thread.append(threads[0])
    try:
        for thread in threads:
            thread.start()
        written.wait(WAIT)
        deadline = time.monotonic() + WAIT
        while threads[1].is_alive() and not _someone_waits_on_a_lock():
            if time.monotonic() > deadline:
                raise AssertionError(f"the second writer neither finished nor waited within {WAIT} s")
            time.sleep(0.02)
    finally:
        release.set()
        for thread in threads:
            thread.join()
        if patch is not None:
            patch.stop()
    return failures


def page_client(user=None):
    """A test client for one of the two writers, logged in as ``user`` if given. It returns the page the
    user gets, a 500 included: a client that raises would raise in both threads (Django's test client
    hears every request's exception through one global signal)."""
    from django.test import Client

    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user, backend="accounts.backends.UserBackend")
    return client


def replies_at_once(first, second, *, hold=None):
    """``first_two_at_once`` of two requests: ``({"first": reply, "second": reply}, errors raised)``."""
    replies = {}
    failures = first_two_at_once(
        lambda: replies.__setitem__("first", first()),
        lambda: replies.__setitem__("second", second()),
        hold=hold,
    )
    return replies, failures
