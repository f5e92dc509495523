"""Requests/s and latency of the FHIR measures API on PostgreSQL, served as in production.

    uv run python bench/fhir_measures.py [--requests N] [--concurrency 8] [--workers W] [--threads T]

Creates a fresh database (``samplan_bench``, dropped and created again), migrates, imports the
shipped questionnaires, loads the demo data and gives one new citizen 52 weekly PHQ-9 responses
through ``measures.actions``. Then starts gunicorn the way ``make serve`` does (DEBUG off, bound to
127.0.0.1 on a free port), warms it up, and drives it from a separate process with ``wrk``
(Debian: ``apt-get install wrk``) at the given concurrency:

(a) ``POST /fhir/QuestionnaireResponse``: a completed PHQ-9 with a fresh identifier each time,
    which stores the response, its score Observation and the access event in one transaction;
(b) ``GET /fhir/Observation?subject=...&code=...&date=ge...&_count=100``: the citizen's year of
    PHQ-9 totals (52 Observations in one Bundle), which writes one read access event.

Each run is bounded by ``--requests`` (a few more while the last connections finish their share)
and by ``--time-limit`` seconds. After each run the database is checked against gunicorn's access
log and wrk's counts: as many responses, scores and write events (a), or read events (b), as
successful replies. Finally gunicorn is stopped and the database dropped. Traffic goes to
127.0.0.1 only.

Besides requests/s and latency it reports the CPU each request cost in gunicorn, in PostgreSQL and
in wrk (all on the same machine), the ceiling that gives on this machine's cores, and how busy the
rest of the machine was: figures taken while other work ran are not comparable.
"""

import argparse
import datetime
import json
import math
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_suffix(".lua")
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PHQ9_URL = "https://samplan.no/fhir/Questionnaire/phq9"
PHQ9_LOINC = "44261-6"
BENCH_SYSTEM = "https://samplan.no/bench"
CODES = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
WEEKS = 52
CHILDREN = resource.RUSAGE_CHILDREN


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# Database ---------------------------------------------------------------------------------------


def admin_sql(statement):
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def query_one(database, sql, params=()):
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{database}") as connection:
        return connection.execute(sql, params).fetchone()


def manage(env, *args, quiet=True):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    if not quiet:
        sys.stdout.write(result.stdout)
    return result.stdout


# Seeding, run inside Django in a child process ---------------------------------------------------


def seed_citizens():
    """Print the ids of a new citizen with 52 weekly PHQ-9 scores, and of the citizen POSTs go to."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samplan.settings")
    django.setup()

    import time_machine
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from measures import actions
    from measures.models import Questionnaire
    from people import access
    from people import actions as people_actions
    from people.models import Citizen
    from people.national_id import with_check_digits

    coordinator = get_user_model().objects.get(username="koordinator")
    born = datetime.date(1985, 6, 12)
    national_id = None
    for individual in range(300, 500):  # synthetic: month + 80, as the demo data
        candidate = with_check_digits(f"{born.day:02d}{born.month + 80:02d}{born.year % 100:02d}{individual:03d}")
        if candidate and not Citizen.objects.filter(national_id=candidate).exists():
            national_id = candidate
            break
    citizen = people_actions.register_citizen(
        acting_user=coordinator,
        coordinator_organisation=coordinator.staff_profile.organisation,
        given_name="Benk",
        family_name="Ukentlig",
        date_of_birth=born,
        national_id=national_id,
    )
    grant = access.grant_for(coordinator, citizen)
    phq9 = Questionnaire.objects.get(url=PHQ9_URL, is_current=True)
    start = timezone.now() - timedelta(weeks=WEEKS)
    for week in range(WEEKS):
        answers = {f"phq9-{i}": [CODES[(week + i) % 4 if week < 26 else (i % 2)]] for i in range(1, 9)}
        answers["phq9-9"] = [CODES[0]]  # no risk answer: that path also sends e-mail
        with time_machine.travel(start + timedelta(weeks=week, hours=1), tick=False):
            actions.record_response(
                grant, phq9, answers, acting_user=coordinator, idempotency_key=f"bench-seed-{week}", status="completed"
            )
    other = Citizen.objects.get(user__username="innbygger")
    print(json.dumps({"series_citizen": citizen.pk, "post_citizen": other.pk, "since": start.date().isoformat()}))


# gunicorn --------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(port, workers, threads):
    """The Makefile's ``serve`` command line, on 127.0.0.1 and a free port."""
    command = [sys.executable, "-m", "gunicorn", "samplan.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers)]
    if threads > 1:
        command += ["--threads", str(threads)]
    return [*command, "--access-logfile", "-"]


def http_get(port, path, token):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # loopback only
        return response.status, json.loads(response.read())


def wait_until_up(port, path, token, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up; see its log above")
        try:
            return http_get(port, path, token)
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in time")


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# CPU accounting ---------------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid):
    """User + system CPU of one process from /proc, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                found.append(int(stat.parent.name))
        except (OSError, IndexError):
            continue
    return found


class CpuSampler(threading.Thread):
    """CPU of gunicorn (master and workers) and of PostgreSQL (the backends on ``database`` and the
    background writers), sampled twice a second: a process that ends during a run (a connection past
    CONN_MAX_AGE, a restarted worker) still counts up to its last sample."""

    def __init__(self, server_pid, database):
        super().__init__(daemon=True)
        self.server_pid, self.database = server_pid, database
        self.first, self.last = {}, {}
        self.done = threading.Event()

    def sample(self, connection):
        backends = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE (datname = %s OR datname IS NULL) AND pid <> pg_backend_pid()",
            (self.database,),
        ).fetchall()
        pids = [("app", pid) for pid in [self.server_pid, *children(self.server_pid)]]
        pids += [("db", pid) for (pid,) in backends]
        for key in pids:
            cpu = process_cpu_seconds(key[1])
            if cpu:
                self.last[key] = cpu

    def run(self):
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/{self.database}", autocommit=True) as connection:
            self.sample(connection)
            self.first = dict(self.last)
            self.ready.set()
            while not self.done.wait(0.5):
                self.sample(connection)
            self.sample(connection)

    def __enter__(self):
        self.ready = threading.Event()
        self.start()
        self.ready.wait()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.join()

    def used(self, part):
        """CPU seconds of ``part`` (app or db) between the first and the last sample."""
        return sum(cpu - self.first.get(key, 0.0) for key, cpu in self.last.items() if key[0] == part)


def machine_cpu_seconds():
    """Busy CPU seconds of the whole machine (all processes, all cores) from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICKS


# wrk --------------------------------------------------------------------------------------------


def run_wrk(*, port, mode, path, token, requests, concurrency, time_limit, patient="0", run_id="run"):
    """One bounded load run; returns the figures measured by the Lua script."""
    per_connection = max(1, math.ceil(requests / concurrency))
    env = {
        **os.environ,
        "BENCH_MODE": mode,
        "BENCH_TOKEN": token,
        "BENCH_PATH": path,
        "BENCH_QUOTA": str(per_connection),
        "BENCH_PATIENT": str(patient),
        "BENCH_RUN": run_id,
    }
    # One connection per wrk thread, each with its own share of the requests.
    command = ["wrk", "-t", str(concurrency), "-c", str(concurrency), "-d", f"{time_limit}s", "--timeout", "10s"]
    command += ["-s", str(LUA), f"http://127.0.0.1:{port}{path}"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finished, other = 0, []
    for line in process.stderr:
        if line.strip() == "BENCH_THREAD_DONE":
            finished += 1
            if finished == concurrency:
                process.send_signal(signal.SIGINT)  # wrk stops and reports; replies still in flight are lost
        else:
            other.append(line)
    stdout = process.stdout.read()
    process.wait()
    result = next((json.loads(line[11:]) for line in stdout.splitlines() if line.startswith("BENCH_JSON ")), None)
    if result is None:
        raise SystemExit("wrk gave no result:\n" + stdout + "".join(other))
    result["hit_time_limit"] = finished < concurrency
    result["requests_per_s"] = result["received"] / result["span_s"] if result["span_s"] else 0.0
    result["errors"] = result["bad_status"] + result["socket_errors"]
    return result


def measured(server_pid, database, run):
    """Run one load run and add the CPU that the app, PostgreSQL, wrk and everything else used meanwhile."""
    with CpuSampler(server_pid, database) as sampler:
        machine, client, wall = machine_cpu_seconds(), resource.getrusage(CHILDREN), time.monotonic()
        result = run()
        time.sleep(1)  # requests still in flight when wrk stopped finish on the server
        machine, wall = machine_cpu_seconds() - machine, time.monotonic() - wall
    client = sum(getattr(resource.getrusage(CHILDREN), f) - getattr(client, f) for f in ("ru_utime", "ru_stime"))
    app, db = sampler.used("app"), sampler.used("db")
    other = max(machine - app - db - client, 0.0)
    result["cpu_s"] = {"app": app, "db": db, "wrk": client, "other": other, "wall": wall}
    return result


def served_count(log_path, offset, *needles):
    """Requests gunicorn's access log shows since ``offset`` whose line holds every needle."""
    with log_path.open() as log_file:
        log_file.seek(offset)
        return sum(1 for line in log_file if all(needle in line for needle in needles))


def count_check(name, result, served, stored_counts):
    """Every stored count equals the server's successful replies; the client got all but those in flight."""
    passed = (
        len(set(stored_counts)) == 1
        and stored_counts[0] == served
        and result["ok"] <= served <= result["sent"] - result["bad_status"]
        and result["errors"] == 0
    )
    in_flight = result["sent"] - result["received"]
    detail = f"server sent {served} successes, wrk received {result['ok']} ({in_flight} in flight when wrk stopped)"
    return [f"{name}: stored rows = successful replies, no errors", passed, detail]


# Main -------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=6000, help="requests per scenario (default 6000)")
    parser.add_argument("--concurrency", type=int, default=8, help="open connections (default 8)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3, as make serve)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1: sync)")
    parser.add_argument("--time-limit", type=int, default=45, help="seconds per scenario at most (default 45)")
    parser.add_argument("--database", default="samplan_bench")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seed-citizens", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_citizens:
        return seed_citizens()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (gunicorn, database) when stopped
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="samplan-bench-"))
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{PG_SERVER}/{args.database}",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(workdir / "static"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)

    log(f"database {args.database}: drop, create, migrate, import questionnaires, demo data")
    admin_sql(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{args.database}"')
    server = None
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        manage(env, "import_questionnaire", "--shipped")
        manage(env, "seed_demo")
        seeded = subprocess.run(
            [sys.executable, __file__, "--seed-citizens"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if seeded.returncode != 0:
            sys.stderr.write(seeded.stdout + seeded.stderr)
            raise SystemExit("seeding the PHQ-9 series failed")
        ids = json.loads(seeded.stdout.strip().splitlines()[-1])
        token = manage(env, "create_api_token", "koordinator", "--name", "benchmark").strip().splitlines()[-1]
        get_path = (
            f"/fhir/Observation?subject=Patient/{ids['series_citizen']}&code=http://loinc.org|{PHQ9_LOINC}"
            f"&date=ge{ids['since']}&_count=100"
        )

        port = free_port()
        command = gunicorn_command(port, args.workers, args.threads)
        log(f"gunicorn on 127.0.0.1:{port}: {' '.join(command[2:])}")
        server_log = (workdir / "gunicorn.log").open("w")
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True
        )
        status, bundle = wait_until_up(port, get_path, token, server)
        if status != 200 or bundle.get("total") != WEEKS or len(bundle.get("entry", [])) != WEEKS:
            raise SystemExit(f"the year of PHQ-9 Observations is wrong: {status} total={bundle.get('total')}")

        common = {"port": port, "token": token, "concurrency": args.concurrency, "time_limit": args.time_limit}
        post = {"mode": "post", "path": "/fhir/QuestionnaireResponse", "patient": ids["post_citizen"], **common}
        get = {"mode": "get", "path": get_path, **common}
        warm = max(200, 50 * args.workers * max(args.threads, 1))
        log(f"warm-up: {warm} requests of each kind")
        for scenario in (post, get):
            warmed = run_wrk(requests=warm, run_id="warmup", **scenario)
            if warmed["errors"]:
                raise SystemExit(f"errors during warm-up of {scenario['mode']}: {warmed}; see {workdir}/gunicorn.log")

        results, checks, db = {}, [], args.database
        log_path = workdir / "gunicorn.log"

        before = query_one(db, "SELECT coalesce(max(id), 0) FROM audit_accessevent")[0]
        offset = log_path.stat().st_size
        log(f"(a) POST /fhir/QuestionnaireResponse: {args.requests} requests at concurrency {args.concurrency}")
        run_id = f"run-{secrets.token_hex(4)}"
        results["post"] = measured(server.pid, db, lambda: run_wrk(requests=args.requests, run_id=run_id, **post))
        stored = query_one(
            db,
            "SELECT count(*), count(s.id), count(*) FILTER (WHERE r.status = 'completed')"
            " FROM measures_questionnaireresponse r LEFT JOIN measures_score s ON s.response_id = r.id"
            " WHERE r.idempotency_key LIKE %s",
            (f"%:{BENCH_SYSTEM}|{run_id}-%",),
        )
        events = query_one(
            db,
            "SELECT count(*) FROM audit_accessevent WHERE id > %s AND action = 'write' AND citizen_id = %s"
            " AND section = 'measures' AND detail LIKE 'completed %%'",
            (before, ids["post_citizen"]),
        )[0]
        served = served_count(log_path, offset, '"POST /fhir/QuestionnaireResponse HTTP/1.1" 201 ')
        checks.append(count_check("(a) POST", results["post"], served, [*stored, events]))
        checks[-1][2] = (
            f"responses {stored[0]}, scores {stored[1]}, completed {stored[2]}, write events {events}; " + checks[-1][2]
        )

        before = query_one(db, "SELECT coalesce(max(id), 0) FROM audit_accessevent")[0]
        offset = log_path.stat().st_size
        log(f"(b) GET /fhir/Observation (52 weeks): {args.requests} requests at concurrency {args.concurrency}")
        results["get"] = measured(server.pid, db, lambda: run_wrk(requests=args.requests, **get))
        reads = query_one(
            db,
            "SELECT count(*) FROM audit_accessevent WHERE id > %s AND action = 'read' AND citizen_id = %s",
            (before, ids["series_citizen"]),
        )[0]
        served = served_count(log_path, offset, '"GET /fhir/Observation?', '" 200 ')
        checks.append(count_check("(b) GET", results["get"], served, [reads]))
        checks[-1][2] = f"read events {reads}; " + checks[-1][2]
    finally:
        if server is not None:
            stop(server)
        if not args.keep:
            admin_sql(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        shutil.rmtree(workdir / "static", ignore_errors=True)

    report(args, results, checks, time.monotonic() - started, workdir)
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args) | {"json": str(args.json)}, "results": results}, indent=2))
    return 0 if all(passed for _, passed, _ in checks) else 1


def report(args, results, checks, elapsed, workdir):
    server = f"gunicorn --workers {args.workers}" + (f" --threads {args.threads}" if args.threads > 1 else "")
    print()
    print(f"{server}, concurrency {args.concurrency}, PostgreSQL, DEBUG off")
    print(f"{'scenario':<44} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}")
    names = {"post": "(a) POST QuestionnaireResponse (PHQ-9)", "get": "(b) GET Observation, 52 weeks of PHQ-9"}
    for key, name in names.items():
        r = results[key]
        note = "  (time limit reached)" if r["hit_time_limit"] else ""
        print(
            f"{name:<44} {r['received']:>8} {r['requests_per_s']:>8.0f} {r['p50_us'] / 1000:>7.1f}"
            f" {r['p95_us'] / 1000:>7.1f} {r['p99_us'] / 1000:>7.1f} {r['errors']:>6}{note}"
        )
    cores = os.cpu_count() or 1
    print(f"\nCPU per request, ms (this machine: {cores} cores)")
    print(f"{'scenario':<44} {'app':>6} {'db':>6} {'wrk':>6} {'sum':>6} {'ceiling':>8} {'other load':>11}")
    for key, name in names.items():
        r, cpu = results[key], results[key]["cpu_s"]
        per = {part: cpu[part] / max(r["received"], 1) * 1000 for part in ("app", "db", "wrk")}
        total = sum(per.values())
        other = cpu["other"] / (cpu["wall"] * cores)
        print(
            f"{name:<44} {per['app']:>6.2f} {per['db']:>6.2f} {per['wrk']:>6.2f} {total:>6.2f}"
            f" {cores * 1000 / total if total else 0:>6.0f}/s {other:>10.0%}"
        )
    print("app = gunicorn, db = PostgreSQL backends, ceiling = cores / sum; other load = rest of the machine")
    print()
    for name, passed, detail in checks:
        print(f"{'ok  ' if passed else 'FAIL'} {name}: {detail}")
    print(f"\ntotal time {elapsed:.0f} s; gunicorn log in {workdir}/gunicorn.log")


if __name__ == "__main__":
    sys.exit(main())
