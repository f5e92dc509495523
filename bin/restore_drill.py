"""Restore drill: back up a seeded PostgreSQL database, restore it into a new one, check the restore.

    make restore-drill    # with DATABASE_URL (and DATABASE_OWNER_URL) pointing at PostgreSQL

Makes <name>_drill_source from scratch (migrate as the owner, the shipped questionnaires,
seed_demo as the runtime role), dumps it with ``pg_dump --format=custom`` as in
docs/operations.md, restores the dump with ``pg_restore`` into <name>_drill_restored, and checks
the restored database against the source:

* every table has the same number of rows;
* the access log's last events are the same (id, time, actor, action, citizen, section);
* every sequence stands where it stood, so the next row gets a new id;
* the same triggers are there and enabled (the append-only ones above all);
* every table and sequence has the same owner and the same privileges (the runtime role's);
* no migration is missing (``migrate --check``), the app starts on it (gunicorn answers the login
  page) and a staff member's start page renders as the runtime role.

Exits non-zero on the first step that fails or on any difference. <name> is DATABASE_URL's
database name; the owner (DATABASE_OWNER_URL, else DATABASE_URL's role) needs CREATEDB. Both
drill databases are dropped at the end unless --keep is given.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
LAST_EVENTS = 50
START_PAGE_CHECK = """
from django.contrib.auth import get_user_model
from django.test import Client
client = Client()
client.force_login(get_user_model().objects.get(username="koordinator"), backend="accounts.backends.UserBackend")
reply = client.get("/", follow=True, secure=True)
assert reply.status_code == 200, reply.status_code
print("start page", reply.status_code, reply.redirect_chain)
"""


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def step(text):
    print(f"-- {text}", flush=True)


def run(command, env=None, timeout=300):
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=timeout)  # noqa: S603 (our own commands)
    return time.monotonic() - started


class Drill:
    def __init__(self, runtime_url, owner_url):
        self.runtime_url, self.owner_url = runtime_url, owner_url or runtime_url
        base = urlsplit(runtime_url).path.lstrip("/") or "samplan"
        self.source, self.restored = f"{base}_drill_source", f"{base}_drill_restored"
        self.static_root = None

    # --- databases ---------------------------------------------------------------------------

    def admin(self, sql):
        """Run one statement on the server's maintenance database as the owner."""
        with psycopg.connect(with_database(self.owner_url, "postgres"), autocommit=True) as conn:
            conn.execute(sql)

    def drop(self, name):
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create(self, name):
        self.drop(name)
        self.admin(f'CREATE DATABASE "{name}"')

    def env(self, name, *, as_owner=False):
        env = dict(os.environ)
        env.update(
            DATABASE_URL=with_database(self.runtime_url, name),
            DEBUG="false",
            SECRET_KEY="restore-drill-not-a-secret-" + "x" * 40,
            ALLOWED_HOSTS="127.0.0.1,testserver",
            SECURE_SSL_REDIRECT="false",
            REQUIRE_STAFF_TWO_FACTOR="false",
            CONN_MAX_AGE="0",
            STATIC_ROOT=str(self.static_root),
        )
        env.pop("DATABASE_ROLE", None)
        env.pop("DATABASE_OWNER_URL", None)
        if self.owner_url != self.runtime_url:
            env["DATABASE_OWNER_URL"] = with_database(self.owner_url, name)
            if as_owner:
                env["DATABASE_ROLE"] = "owner"
        return env

    def manage(self, name, *args, as_owner=False, timeout=300):
        return run([sys.executable, "manage.py", *args], env=self.env(name, as_owner=as_owner), timeout=timeout)

    # --- what is compared --------------------------------------------------------------------

    def facts(self, name):
        """Everything a restore must bring back, read as the owner."""
        with psycopg.connect(with_database(self.owner_url, name)) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
                ).fetchall()
            ]
            counts = {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608 (names from the catalogue)
            events = conn.execute(
                "SELECT id, at, actor_id, client_id, actor_label, action, citizen_id, section, ground"
                " FROM audit_accessevent ORDER BY id DESC LIMIT %s",
                [LAST_EVENTS],
            ).fetchall()
            sequences = {
                row[0]: (row[1], row[2])
                for row in conn.execute(
                    "SELECT sequencename, last_value, increment_by FROM pg_sequences WHERE schemaname = 'public'"
                ).fetchall()
            }
            triggers = set(
                conn.execute(
                    "SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal"
                ).fetchall()
            )
            privileges = set(
                conn.execute(
                    "SELECT c.relname, c.relkind, pg_get_userbyid(c.relowner), coalesce(c.relacl::text, '')"
                    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v', 'm')"
                ).fetchall()
            )
        return {
            "row counts": counts,
            "last access events": events,
            "sequences": sequences,
            "triggers": triggers,
            "owners and privileges": privileges,
        }

    # --- the drill ---------------------------------------------------------------------------

    def run(self, *, citizens, keep):
        failures = []
        with tempfile.TemporaryDirectory() as folder:
            dump, self.static_root = Path(folder) / "samplan.dump", Path(folder) / "static"
            try:
                step(f"seed {self.source}")
                self.create(self.source)
                seconds = self.manage(self.source, "migrate", "--no-input", "-v", "0", as_owner=True)
                seconds += self.manage(self.source, "import_questionnaire", "--shipped", "-v", "0")
                seconds += self.manage(self.source, "seed_demo", "--citizens", str(citizens), "-v", "0")
                step(f"seeded in {seconds:.0f} s; back up with pg_dump --format=custom")
                run(["pg_dump", "--format=custom", f"--file={dump}", with_database(self.owner_url, self.source)])
                step(f"dump of {dump.stat().st_size // 1024} KiB; restore into {self.restored} with pg_restore")
                self.create(self.restored)
                run(
                    [
                        "pg_restore",
                        "--exit-on-error",
                        "--single-transaction",
                        f"--dbname={with_database(self.owner_url, self.restored)}",
                        str(dump),
                    ]
                )
                step("compare the restore with the source")
                source, restored = self.facts(self.source), self.facts(self.restored)
                for what in source:
                    if source[what] != restored[what]:
                        failures.append(f"{what} differ: {_difference(source[what], restored[what])}")
                counts = source["row counts"]
                if not counts.get("audit_accessevent") or not counts.get("journal_note"):
                    failures.append("the seeded source has no access events or no journal notes: nothing was tried")
                if ("audit_accessevent", "append_only_truncate", "O") not in restored["triggers"]:
                    failures.append("the restored access log has no enabled TRUNCATE trigger")
                print(f"   {len(counts)} tables, {sum(counts.values())} rows, {len(source['triggers'])} triggers")
                step("no migration missing on the restore; the app starts on it")
                self.manage(self.restored, "migrate", "--check", "-v", "0")
                self.manage(self.restored, "check", "-v", "0")
                self.manage(self.restored, "collectstatic", "--no-input", "-v", "0")
                self.manage(self.restored, "shell", "-c", START_PAGE_CHECK)
                status = self.serve_login_page(self.restored)
                if status != 200:
                    failures.append(f"gunicorn on the restore answered the login page with {status}")
                else:
                    print("   gunicorn on the restore: GET /accounts/login/ 200")
            except subprocess.SubprocessError as error:
                failures.append(f"a step failed: {error}")
            finally:
                if not keep:
                    self.drop(self.source)
                    self.drop(self.restored)
        for failure in failures:
            print(f"RESTORE DRILL FAILED: {failure}", file=sys.stderr)
        if not failures:
            print("Restore drill passed: nothing lost.")
        return 1 if failures else 0

    def serve_login_page(self, name):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(  # noqa: S603 (our own command)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "samplan.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--log-level",
                "warning",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=self.env(name),
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as reply:
                        return reply.status
                except urllib.error.HTTPError as error:
                    return error.code
                except OSError:
                    if server.poll() is not None:
                        return f"no answer: gunicorn exited with {server.returncode}"
                    time.sleep(0.3)
            return "no answer within 60 s"
        finally:
            server.terminate()
            server.wait(timeout=30)


def _difference(source, restored):
    if isinstance(source, dict):
        keys = sorted(set(source) | set(restored))
        return "; ".join(
            f"{key}: {source.get(key)} -> {restored.get(key)}" for key in keys if source.get(key) != restored.get(key)
        )
    if isinstance(source, set):
        return f"only in the source {sorted(source - restored)}; only in the restore {sorted(restored - source)}"
    pairs = [(a, b) for a, b in zip(source, restored, strict=False) if a != b]
    first = f"; first: {pairs[0][0]} -> {pairs[0][1]}" if pairs else ""
    return f"{len(source)} in the source, {len(restored)} in the restore{first}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=30, help="citizens seed_demo makes (default 30)")
    parser.add_argument("--keep", action="store_true", help="keep both drill databases to look at")
    options = parser.parse_args()
    runtime_url = os.environ.get("DATABASE_URL", "")
    if not runtime_url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "The restore drill needs DATABASE_URL pointing at PostgreSQL, e.g. postgres://postgres@127.0.0.1/samplan"
        )
    started = time.monotonic()
    status = Drill(runtime_url, os.environ.get("DATABASE_OWNER_URL", "")).run(
        citizens=options.citizens, keep=options.keep
    )
    print(f"({time.monotonic() - started:.0f} s)")
    sys.exit(status)


if __name__ == "__main__":
    main()
