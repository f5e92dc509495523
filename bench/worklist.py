"""Latency of the coordinator's worklist on PostgreSQL with a full caseload, served as in production.

    uv run python bench/worklist.py [--citizens 20000] [--concurrency 1,4,8] [--duration 30]
                                    [--sequential 300] [--workers 3] [--threads 1] [--keep]

Creates a fresh database (``samplan_bench_worklist``, dropped and created again), migrates and runs
``seed_demo --citizens N``: staff, Ingrid and N-1 more citizens, 60 per coordinator, each with up to
a year of pathway history (episodes, weekly appointments, check-ins, 4-weekly PHQ-9 scores, an
active plan with a revision date, some unsigned notes). Then ``VACUUM ANALYZE``, as autovacuum
would soon do after such a bulk load. Prints how long seeding took and the row counts.

The coordinator ``koordinator`` (Ingrid and the first 60 citizens) is logged in without the login
form: a TOTP device and database sessions are made for the user the way ``django.contrib.auth.login``
and ``django_otp.login`` fill them (user id, backend, session hash, ``otp_device_id``), so the
production two-factor middleware lets the requests through. One session per load connection.

gunicorn is started the way ``make serve`` does (DEBUG off, a random SECRET_KEY, whitenoise, the
access log on, ``--workers 3`` sync) on 127.0.0.1 and a free port. Requests carry
``X-Forwarded-Proto: https`` as behind the TLS proxy of a deployment, so the HTTPS redirect and the
other production settings stay on. One request checks that ``GET /worklist/`` answers 200 with
worklist items (counted per ``data-kind``); then, after a warm-up:

* ``--sequential`` requests one after another from this process (urllib, a new connection each,
  as gunicorn's sync workers close it): one coordinator clicking, the latency the target is about;
* ``wrk`` (Debian: ``apt-get install wrk``; installed by this script if missing and run as root)
  with ``bench/worklist.lua`` for ``--duration`` seconds at each ``--concurrency`` (one connection
  per wrk thread), reporting requests/s and p50/p95/p99 latency.

A fixed pure-Python loop is timed before and after the phases (this machine's speed drifts; the
figure says whether two runs are comparable). Each phase reports the CPU each request cost in
gunicorn, in PostgreSQL and in the client, and how busy the rest of the machine was (as
``bench/fhir_measures.py`` does; the loop and the accounting are in ``bench/harness.py``). After
each phase the access log is checked: the page logs one read per citizen shown, so the new
``worklist`` access events must equal the 200 replies in gunicorn's access log × the citizens on
the page, and every reply must be a 200 (a redirect to the login or TOTP page would be a failure).

Finally, with gunicorn stopped, the page is requested ``--explain-runs`` times in one process with
every SQL statement timed (a Django execute wrapper); the request's median wall and CPU time (of that
process: the app's Python, without PostgreSQL) and each statement's median time are reported, and
every SELECT is run again under ``EXPLAIN (ANALYZE, BUFFERS)``; the plans of the two slowest are
printed. The database is dropped at the end unless ``--keep``; ``--reuse`` measures a kept database
again without seeding it, and ``--pg-option jit=off`` (repeatable) sets PostgreSQL settings for the
app's connections. Traffic goes to 127.0.0.1 only.
"""

import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import harness
from harness import log

LUA = Path(__file__).with_suffix(".lua")
PAGE = "/worklist/"
DETAIL = "worklist"  # the access events' detail for this page (worklist.views)
HEADERS = {"X-Forwarded-Proto": "https", "Accept": "text/html"}
ITEM = re.compile(r'<li class="worklist-item[^"]*" data-kind="([a-z_]+)">.*?href="/citizens/(\d+)/', re.S)
COUNTS = {
    "citizens": "people_citizen",
    "coordinators and other staff": "people_staffprofile",
    "care-team members": "people_careteammember",
    "episodes": "pathways_episode",
    "appointments": "pathways_appointment",
    "questionnaire responses": "measures_questionnaireresponse",
    "scores": "measures_score",
    "plan versions": "plans_planversion",
    "journal notes": "journal_note",
}


# Inside Django (child processes, against the bench database) --------------------------------------


def make_sessions(username, count):
    """A confirmed TOTP device and ``count`` verified sessions for ``username``, as JSON."""
    harness.setup_django()
    from django.contrib.auth import get_user_model
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from worklist.items import coordinated

    user = get_user_model().objects.get(username=username)
    device = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
    keys = [harness.logged_in_session(user, {DEVICE_ID_SESSION_KEY: device.persistent_id}) for _ in range(count)]
    print(json.dumps({"user_id": user.pk, "coordinated": coordinated(user).count(), "sessions": keys}))


def explain(session_key, runs):
    """Time the page's statements over ``runs`` requests, then EXPLAIN ANALYZE every SELECT.

    Statements are timed with an execute wrapper (perf_counter, round trip and fetch included);
    BEGIN and COMMIT do not pass through it and are taken from Django's query log (1 ms steps).
    """
    harness.setup_django()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.cookies["sessionid"] = session_key
    client.get(PAGE)  # load templates and open the connection outside the figures
    rounds, walls, cpus, control = [], [], [], []
    for run in range(runs):
        timings = []

        def timer(execute, sql, params, many, context, timings=timings, first=run == 0):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                elapsed = time.perf_counter() - started
                # The statement with its values, whichever cursor ran it (the compiled-once queries
                # bind on the server: their executed text holds $1, $2, ...).
                text = connection.ops.compose_sql(sql, params) if first else ""
                timings.append((elapsed, text))

        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(PAGE)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu_started)
        if response.status_code != 200:
            raise SystemExit(f"GET {PAGE} in process answered {response.status_code}")
        rounds.append(timings)
        transactions = [q for q in captured.captured_queries if q["sql"] in ("BEGIN", "COMMIT")]
        control.append((len(transactions), sum(float(q["time"]) for q in transactions)))
    if len({len(r) for r in rounds}) != 1:
        raise SystemExit(f"the number of statements changed between requests: {sorted({len(r) for r in rounds})}")
    queries = []
    for index, (_elapsed, sql) in enumerate(rounds[0]):
        entry = {
            "index": index + 1,
            "table": main_table(sql),
            "kind": sql.split()[0].upper(),
            "median_ms": statistics.median(r[index][0] for r in rounds) * 1000,
            "sql": sql,
        }
        if entry["kind"] == "SELECT":
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                entry["plan"] = [row[0] for row in cursor.fetchall()]
            found = re.search(r"Execution Time: ([\d.]+) ms", "\n".join(entry["plan"]))
            entry["execution_ms"] = float(found.group(1)) if found else None
        queries.append(entry)
    result = {
        "runs": runs,
        "request_ms": statistics.median(walls) * 1000,
        "request_cpu_ms": statistics.median(cpus) * 1000,
        "queries": queries,
        "transaction_statements": control[0][0],
        "transaction_ms": statistics.fmean(ms for _n, ms in control) * 1000,
    }
    print(json.dumps(result))


def main_table(sql):
    """The table a statement reads or writes: the first one named outside parentheses."""
    depth, outer = 0, []
    for part in re.split(r"([()])", sql):
        if part == "(":
            depth += 1
        elif part == ")":
            depth -= 1
        elif depth == 0:
            outer.append(part)
    match = re.search(r'(?:FROM|INTO|UPDATE)\s+"([a-z_]+)"', " ".join(outer))
    if match and match.group(1).startswith("qualify"):  # Django's wrapper around a filtered window query
        match = re.search(r'FROM\s+"([a-z_]+)"', sql)
    return match.group(1) if match else sql.split()[0]


def inside(env, *args):
    """``make_sessions`` or ``explain`` in a child process; what it printed, as JSON."""
    return harness.run_inside(__file__, env, "--inside", *args, failed=f"--inside {' '.join(args)} failed")


# Database ---------------------------------------------------------------------------------------


def row_counts(database):
    counts = {name: harness.query_one(database, f"SELECT count(*) FROM {table}")[0] for name, table in COUNTS.items()}
    size = harness.query_one(database, "SELECT pg_database_size(current_database())")[0]
    counts["database size, MB"] = round(size / 2**20)
    return counts


def seed(env, citizens):
    """``seed_demo --citizens N``, with its progress lines; returns the seconds it took."""
    started = time.monotonic()
    command = [sys.executable, "manage.py", "seed_demo", "--citizens", str(citizens)]
    process = subprocess.Popen(
        command, cwd=harness.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = []
    for line in process.stdout:
        output.append(line)
        log(f"  seed_demo: {line.rstrip()} ({time.monotonic() - started:.0f} s)")
    if process.wait() != 0:
        sys.stderr.write("".join(output))
        raise SystemExit("seed_demo failed")
    return time.monotonic() - started


def worklist_events(database, after_id, user_id):
    return harness.query_one(
        database,
        "SELECT count(*) FROM audit_accessevent WHERE id > %s AND actor_id = %s AND detail = %s AND action = 'read'",
        (after_id, user_id, DETAIL),
    )[0]


# HTTP -------------------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (to the login or TOTP page) is an HTTPError here, not a 200 from elsewhere


OPENER = urllib.request.build_opener(NoRedirect)


def get_page(port, session_key, path=PAGE, timeout=10):
    """Status and body of one GET of the page with the session cookie (no redirects followed)."""
    headers = {**HEADERS, "Cookie": f"sessionid={session_key}"} if session_key else HEADERS
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with OPENER.open(request, timeout=timeout) as response:  # loopback only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def items_on(html):
    """The worklist items on a page: their kinds and the citizens they name."""
    found = ITEM.findall(html)
    return Counter(kind for kind, _ in found), {int(citizen) for _, citizen in found}, len(found)


def ms(result, p):
    """A latency percentile of a run, in milliseconds."""
    return result[f"p{p}_us"] / 1000


def sequential(port, session_key, count):
    """``count`` requests one after another; latencies in microseconds as wrk reports them."""
    latencies, ok = [], 0
    started = time.monotonic()
    for _ in range(count):
        before = time.perf_counter()
        status, _body = get_page(port, session_key)
        latencies.append((time.perf_counter() - before) * 1e6)
        ok += status == 200
    span = time.monotonic() - started
    return {
        "sent": count,
        "received": count,
        "ok": ok,
        "bad_status": count - ok,
        "socket_errors": 0,
        "errors": count - ok,
        "span_s": span,
        "requests_per_s": count / span,
        "p50_us": harness.percentile(latencies, 50),
        "p90_us": harness.percentile(latencies, 90),
        "p95_us": harness.percentile(latencies, 95),
        "p99_us": harness.percentile(latencies, 99),
        "max_us": max(latencies),
        "mean_us": statistics.fmean(latencies),
    }


def run_wrk(port, concurrency, duration, cookies, output_path):
    """One wrk run of ``duration`` seconds, one connection per thread; the Lua script's figures."""
    env = {**os.environ, "BENCH_PATH": PAGE, "BENCH_COOKIES": ",".join(cookies)}
    command = harness.wrk_command(concurrency, duration, LUA, f"http://127.0.0.1:{port}{PAGE}", "--latency")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    output_path.write_text(result.stdout + result.stderr)
    return harness.wrk_result(result.stdout, result.stderr)


def settle(log_path, quiet=1.0, limit=30.0):
    """Wait until gunicorn's access log has not grown for ``quiet`` seconds: requests still in flight
    when wrk stopped have finished on the server (and written their access events)."""
    deadline, size, since = time.monotonic() + limit, -1, time.monotonic()
    while time.monotonic() < deadline:
        current = log_path.stat().st_size
        if current != size:
            size, since = current, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.1)


def connection_options(settings):
    """``?options=-c name=value ...`` for DATABASE_URL (django-environ passes it on to libpq)."""
    if not settings:
        return ""
    return "?options=" + urllib.parse.quote(" ".join(f"-c {setting}" for setting in settings), safe="")


# Main -------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=20000, help="seed_demo --citizens (default 20000)")
    parser.add_argument("--concurrency", default="1,4,8", help="wrk connections, comma-separated (default 1,4,8)")
    parser.add_argument("--duration", type=int, default=30, help="seconds of wrk per concurrency (default 30)")
    parser.add_argument("--sequential", type=int, default=300, help="sequential requests from here (default 300)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3, as make serve)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1: sync)")
    parser.add_argument("--explain-runs", type=int, default=30, help="in-process requests for query timing")
    parser.add_argument("--user", default="koordinator", help="the coordinator (default koordinator)")
    parser.add_argument("--target-ms", type=float, default=50.0, help="p95 target (default 50 ms)")
    parser.add_argument("--database", default="samplan_bench_worklist")
    parser.add_argument(
        "--pg-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the app's connections, e.g. jit=off (repeatable)",
    )
    parser.add_argument("--reuse", action="store_true", help="use the kept, seeded database as it is (no seeding)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--inside", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        action, *rest = args.inside
        return make_sessions(rest[0], int(rest[1])) if action == "sessions" else explain(rest[0], int(rest[1]))
    levels = [int(level) for level in args.concurrency.split(",")]
    harness.require_wrk(install=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (gunicorn, database) when stopped
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="samplan-bench-worklist-"))
    database_url = f"{harness.PG_SERVER}/{args.database}" + connection_options(args.pg_option)
    env = harness.server_env(args.database, workdir, DATABASE_URL=database_url)

    db, server, figures = args.database, None, {"args": {k: str(v) for k, v in vars(args).items()}}
    if not args.reuse:
        log(f"database {db}: drop, create, migrate")
        harness.create_database(db)
    try:
        harness.migrate(env)
        if not args.reuse:
            log(f"seed_demo --citizens {args.citizens}")
            figures["seed_s"] = seed(env, args.citizens)
            log(f"seeded in {figures['seed_s']:.0f} s; VACUUM ANALYZE")
            analyzed = time.monotonic()
            harness.admin_sql("VACUUM ANALYZE", database=db)
            figures["analyze_s"] = time.monotonic() - analyzed
        figures["counts"] = row_counts(db)
        log("rows: " + ", ".join(f"{name} {count}" for name, count in figures["counts"].items()))

        made = inside(env, "sessions", args.user, str(max(levels) + 1))
        user_id, keys = made["user_id"], made["sessions"]
        figures["coordinated"] = made["coordinated"]
        log(f"{args.user}: coordinator of {made['coordinated']} citizens; {len(keys)} verified sessions")

        log_path = workdir / "gunicorn.log"
        server, port = harness.start_gunicorn(env, log_path, args.workers, args.threads)
        # Up first with a page that logs nothing: a first worklist that took longer than the client's
        # timeout (a cold worker on a busy machine) was asked again, and its events counted twice.
        harness.wait_until_up(lambda: get_page(port, None, "/accounts/login/"), server)
        before = harness.last_event_id(db)
        status, html = get_page(port, keys[0], timeout=120)
        kinds, shown, count = items_on(html)
        events = worklist_events(db, before, user_id)
        if status != 200 or 'data-testid="worklist"' not in html or not count:
            raise SystemExit(f"GET {PAGE} is not a worklist with items: status {status}, {count} items")
        figures["page"] = {
            "items": count,
            "kinds": dict(kinds.most_common()),
            "citizens": len(shown),
            "bytes": len(html),
        }
        log(
            f"GET {PAGE}: {status}, {len(html)} bytes, {count} items for {len(shown)} citizens: "
            + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common())
            + f"; {events} access events"
        )
        checks = [["first request: one access event per citizen shown", events == len(shown), f"{events} events"]]

        log(f"warm-up: wrk for 5 s at concurrency {2 * args.workers}")
        run_wrk(port, 2 * args.workers, 5, keys, workdir / "wrk-warmup.txt")
        settle(log_path)

        figures["reference_ms"] = [harness.reference_ms()]
        log(f"reference loop: {figures['reference_ms'][0]:.0f} ms (the same pure-Python work in every run)")
        phases = [("sequential", None)] + [(f"wrk c={level}", level) for level in levels]
        figures["results"] = {}
        for name, level in phases:
            before, offset = harness.last_event_id(db), log_path.stat().st_size
            if level is None:
                log(f"{name}: {args.sequential} requests one after another (urllib)")
                result = harness.measured(
                    server.pid,
                    db,
                    lambda: sequential(port, keys[0], args.sequential),
                    settle=lambda: settle(log_path),
                    client=resource.RUSAGE_SELF,
                    client_name="client",
                )
            else:
                log(f"{name}: {args.duration} s at concurrency {level}")
                output = workdir / f"wrk-c{level}.txt"
                result = harness.measured(
                    server.pid,
                    db,
                    lambda level=level, output=output: run_wrk(port, level, args.duration, keys, output),
                    settle=lambda: settle(log_path),
                    client_name="client",
                )
            served = harness.served_count(log_path, offset, f'"GET {PAGE} HTTP/1.1" 200 ')
            replies = harness.served_count(log_path, offset, f'"GET {PAGE} HTTP/1.1" ')
            events = worklist_events(db, before, user_id)
            result.update(served=served, replies=replies, events=events)
            passed = (
                events == served * len(shown)
                and replies == served
                and result["errors"] == 0
                and result["ok"] <= served <= result["sent"] - result["bad_status"]
            )
            in_flight = served - result["ok"]
            detail = (
                f"{events} events = {served} replies × {len(shown)} citizens"
                if events == served * len(shown)
                else f"{events} events ≠ {served} replies × {len(shown)} citizens"
            ) + f"; {replies - served} non-200 replies; client got {result['ok']} ({in_flight} in flight at the end)"
            checks.append([f"{name}: access events = successful replies × citizens shown", passed, detail])
            figures["results"][name] = result
            log(
                f"  {result['received']} requests, {result['requests_per_s']:.1f}/s, p50 {ms(result, 50):.1f} ms,"
                f" p95 {ms(result, 95):.1f} ms, p99 {ms(result, 99):.1f} ms, errors {result['errors']}"
            )
        harness.stop(server)
        server = None
        figures["reference_ms"].append(harness.reference_ms())

        log(f"queries: {args.explain_runs} requests in one process, then EXPLAIN ANALYZE of each SELECT")
        figures["explain"] = inside(env, "explain", keys[-1], str(args.explain_runs))
    finally:
        harness.stop(server)
        harness.clean_up(db, workdir, keep=args.keep)

    figures["checks"] = checks
    figures["elapsed_s"] = time.monotonic() - started
    report(args, figures, workdir)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if all(passed for _, passed, _ in checks) else 1


def report(args, figures, workdir):
    cores = os.cpu_count() or 1
    server = f"gunicorn --workers {args.workers}" + (f" --threads {args.threads}" if args.threads > 1 else "")
    database = "PostgreSQL" + (f" ({', '.join(args.pg_option)})" if args.pg_option else "")
    print()
    if "seed_s" in figures:
        seeded, analyzed = figures["seed_s"], figures["analyze_s"]
        print(f"seed_demo --citizens {args.citizens}: {seeded:.0f} s, VACUUM ANALYZE {analyzed:.0f} s")
    print("rows: " + ", ".join(f"{name} {count}" for name, count in figures["counts"].items()))
    page = figures["page"]
    kinds = ", ".join(f"{kind} {n}" for kind, n in page["kinds"].items())
    print(
        f"{args.user}: coordinator of {figures['coordinated']} citizens; the page shows {page['items']} items for"
        f" {page['citizens']} citizens ({kinds}), {page['bytes']} bytes"
    )
    print(f"\nGET {PAGE}, {server}, {database}, DEBUG off, {cores} cores")
    before, after = figures["reference_ms"]
    print(f"reference loop (machine speed; lower is faster): {before:.0f} ms before, {after:.0f} ms after")
    head = f"{'phase':<12} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}"
    print(head + f" {'errors':>6} {'app':>6} {'db':>5} {'client':>6} {'other load':>10}")
    rows = []
    for name, r in figures["results"].items():
        per, other = harness.cpu_per_request(r, ("app", "db", "client"), cores)
        print(
            f"{name:<12} {r['received']:>8} {r['requests_per_s']:>7.1f} {ms(r, 50):>7.1f} {ms(r, 95):>7.1f}"
            f" {ms(r, 99):>7.1f} {r['max_us'] / 1000:>7.1f} {r['errors']:>6}"
            f" {per['app']:>6.1f} {per['db']:>5.1f} {per['client']:>6.1f} {other:>10.0%}"
        )
        rows.append(
            f"| {name} | {r['received']} | {r['requests_per_s']:.1f} | {ms(r, 50):.1f} | {ms(r, 95):.1f}"
            f" | {ms(r, 99):.1f} | {r['errors']} | {per['app']:.1f} + {per['db']:.1f} + {per['client']:.1f}"
            f" | {other:.0%} |"
        )
    print("CPU ms per request: app = gunicorn, db = PostgreSQL backends, client = wrk or this process;")
    print("other load = the rest of the machine, as a share of all cores")
    print()
    # One coordinator clicking: timed by this script (urllib, which shares its process with the CPU
    # sampler) and by wrk with one connection (a C client); both are reported, neither is preferred.
    for name in ("sequential", "wrk c=1"):
        if name in figures["results"]:
            p95 = figures["results"][name]["p95_us"] / 1000
            verdict = "met" if p95 <= args.target_ms else "NOT met"
            print(f"one coordinator, {name}: p95 {p95:.1f} ms, target ≤ {args.target_ms:.0f} ms: {verdict}")

    explained = figures["explain"]
    queries = explained["queries"]
    total = sum(q["median_ms"] for q in queries)
    print(
        f"\nin one process: {explained['request_ms']:.1f} ms per request, {explained['request_cpu_ms']:.1f} ms of it"
        f" CPU in this process (medians of {explained['runs']}),"
        f" {len(queries)} statements taking {total:.1f} ms (round trip included), and"
        f" {explained['transaction_statements']} BEGIN/COMMIT taking {explained['transaction_ms']:.1f} ms"
    )
    print(f"{'#':>3} {'statement':<8} {'table':<34} {'median ms':>9} {'EXPLAIN ANALYZE ms':>18}")
    for q in queries:
        executed = f"{q['execution_ms']:.2f}" if q.get("execution_ms") is not None else ""
        print(f"{q['index']:>3} {q['kind']:<8} {q['table']:<34} {q['median_ms']:>9.2f} {executed:>18}")
    for q in sorted((q for q in queries if "plan" in q), key=lambda q: q["median_ms"], reverse=True)[:2]:
        print(f"\nquery {q['index']} ({q['table']}, {q['median_ms']:.2f} ms):\n{q['sql']}\n")
        print("\n".join(q["plan"]))
    print()
    harness.print_checks(figures["checks"])
    print("\nmarkdown rows (phase | requests | req/s | p50 | p95 | p99 | errors | CPU app + db + client | other load):")
    print("\n".join(rows))
    print(f"\ntotal time {figures['elapsed_s']:.0f} s; gunicorn log and wrk output in {workdir}")


if __name__ == "__main__":
    sys.exit(main())
