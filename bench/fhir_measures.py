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

**Side by side with another FHIR server** (issue 15: Medplum, ``../shared/anchors/medplum``):

    uv run python bench/fhir_measures.py --compare ../shared/anchors/fhir_load.sh \
        --medplum /work/anchor-medplum [--other BASE TOKEN PATIENT CANONICAL] [--rounds 2] [--duration 20s]

seeds and starts Samplan as above, then drives each server with the shared harness's Lua script
beside ``fhir_load.sh`` and its wrk settings (``--concurrency`` connections, a 5 s warm-up; the POST
of a completed PHQ-9 and the 52-week Observation search with ``date=ge`` a year ago), each workload
on its own and the search first (see ``fhir_load``), Samplan then the other, ``--rounds`` times.
``--medplum ANCHOR_DIR`` starts Medplum with its ``anchor.sh`` (and stops it after), takes a token
and the patient and questionnaire from ``medplum-ids.json``; ``--other`` names any server instead.
Beside the figures: the machine-speed loop before and after, and the raw PostgreSQL limit for the
same rows (``raw_pg_limit``: a minimal psycopg client, no web stack, ``--concurrency`` connections,
each write transaction three inserts — response, score, access event — and each read 52 rows by
index). It prints each workload's requests/s and p95 for both and the ratio Samplan ÷ other.
"""

import argparse
import datetime
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import harness
from harness import log

LUA = Path(__file__).with_suffix(".lua")
PHQ9_URL = "https://samplan.no/fhir/Questionnaire/phq9"
PHQ9_LOINC = "44261-6"
BENCH_SYSTEM = "https://samplan.no/bench"
CODES = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
WEEKS = 52


# Seeding, run inside Django in a child process ---------------------------------------------------


def seed_citizens():
    """Print the ids of a new citizen with 52 weekly PHQ-9 scores, and of the citizen POSTs go to."""
    harness.setup_django()

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


# HTTP -------------------------------------------------------------------------------------------


def http_get(port, path, token):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # loopback only
        return response.status, json.loads(response.read())


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
    command = harness.wrk_command(concurrency, time_limit, LUA, f"http://127.0.0.1:{port}{path}")
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
    return harness.wrk_result(stdout, "".join(other), hit_time_limit=finished < concurrency)


def in_flight_finish():
    time.sleep(1)  # requests still in flight when wrk stopped finish on the server


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


# Side by side ------------------------------------------------------------------------------------


RAW_TABLES = """
CREATE TABLE IF NOT EXISTS bench_raw_response (id bigserial PRIMARY KEY, citizen int, answers jsonb,
    created timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS bench_raw_score (id bigserial PRIMARY KEY, response bigint, citizen int,
    total numeric, effective timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS bench_raw_event (id bigserial PRIMARY KEY, citizen int, detail text,
    at timestamptz DEFAULT now());
CREATE INDEX IF NOT EXISTS bench_raw_score_citizen ON bench_raw_score (citizen, effective);
"""


def raw_pg_limit(database, concurrency, seconds=10):
    """Write transactions/s and reads/s PostgreSQL itself gives for the hot paths' rows, from a
    minimal client (psycopg, one connection per thread, no web stack)."""
    import threading

    import psycopg

    url = f"{harness.PG_SERVER}/{database}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(RAW_TABLES)
        connection.execute(
            "INSERT INTO bench_raw_score (citizen, total, effective)"
            " SELECT 1, 9, now() - make_interval(weeks => g) FROM generate_series(1, 52) g"
        )
    answers = json.dumps({f"phq9-{i}": ["LA6569-3"] for i in range(1, 10)})

    def write(cursor):
        with cursor.connection.transaction():
            cursor.execute("INSERT INTO bench_raw_response (citizen, answers) VALUES (2, %s) RETURNING id", (answers,))
            response = cursor.fetchone()[0]
            cursor.execute("INSERT INTO bench_raw_score (response, citizen, total) VALUES (%s, 2, 9)", (response,))
            cursor.execute("INSERT INTO bench_raw_event (citizen, detail) VALUES (2, 'completed phq9')")

    def read(cursor):
        cursor.execute("SELECT id, total, effective FROM bench_raw_score WHERE citizen = 1 ORDER BY effective")
        assert len(cursor.fetchall()) == 52

    figures = {}
    for name, work in (("write", write), ("read", read)):
        counts, stop = [0] * concurrency, time.monotonic() + seconds

        def loop(slot, work=work, stop=stop, counts=counts):
            with psycopg.connect(url) as connection, connection.cursor() as cursor:
                connection.autocommit = True
                while time.monotonic() < stop:
                    work(cursor)
                    counts[slot] += 1

        threads = [threading.Thread(target=loop, args=(slot,)) for slot in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        figures[name] = sum(counts) / seconds
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE bench_raw_response, bench_raw_score, bench_raw_event")
    return figures


def fhir_load(harness_script, base, token, patient, canonical, workload, duration, concurrency):
    """One workload of the shared harness, the way ``fhir_load.sh`` runs it (its Lua script, wrk
    with 2 threads, a 5 s warm-up, then ``duration`` measured): {req_s, p50_ms, p95_ms, …}.

    Each workload is run on its own so that the search reads a patient the POSTs do not grow:
    Samplan stores a score Observation per response (Medplum stores none), so a search of the
    POSTs' patient would read more than 52 entries — not equal work."""
    lua = Path(harness_script).with_name("fhir_wrk.lua")
    since = (datetime.date.today() - timedelta(days=365)).isoformat()
    url = f"{base}/QuestionnaireResponse"
    if workload == "obs_search":
        url = f"{base}/Observation?subject=Patient/{patient}&code=http://loinc.org%7C{PHQ9_LOINC}&date=ge{since}&_count=100"
    env = {
        **os.environ,
        "FHIR_TOKEN": token,
        "FHIR_PATIENT_ID": str(patient),
        "FHIR_QUESTIONNAIRE": canonical,
        "PHQ9_LINKIDS": ",".join(f"phq9-{i}" for i in range(1, 10)),
        "FHIR_WORKLOAD": workload,
    }
    wrk = ["wrk", "-t2", f"-c{concurrency}", "--timeout", "10s", "-s", str(lua)]
    subprocess.run([*wrk, "-d5s", url], env=env, capture_output=True, check=True)
    result = subprocess.run([*wrk, f"-d{duration}", "--latency", url], env=env, capture_output=True, text=True)
    line = next((row for row in result.stdout.splitlines() if row.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"no RESULT from wrk on {url}: {result.stdout}{result.stderr}")
    _name, req_s, p50, p95, p99, non2xx, errors = line.split()[1:]
    return {
        "req_s": float(req_s),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
        "non2xx": int(non2xx),
        "errors": int(errors),
    }


MEDPLUM_PORT = 8103  # the anchor's (anchors/medplum)


def _answers(port):
    """Whether something accepts connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _medplum(args, action):
    """``anchor.sh action`` of the Medplum anchor beside the shared harness (``anchors/medplum``)."""
    script = Path(args.compare).resolve().parent / "medplum" / "anchor.sh"
    anchor_dir = args.medplum
    result = subprocess.run(
        [str(script), action],
        env={**os.environ, "ANCHOR_DIR": str(anchor_dir)},
        capture_output=True,
        text=True,
        check=False,
        cwd=script.parent,
    )
    if result.returncode != 0:
        raise SystemExit(f"anchor.sh {action} failed: {result.stdout}{result.stderr}")
    return result.stdout.strip()


def compare(args, port, token, ids):
    """Samplan and the other server, back to back, ``args.rounds`` times; the figures and ratios."""
    samplan = (f"http://127.0.0.1:{port}/fhir", token, ids["post_citizen"], f"{PHQ9_URL}|1.0.0")
    if args.medplum:
        ids_file = Path(args.medplum) / "medplum-ids.json"
        if not ids_file.exists():
            raise SystemExit(f"{ids_file} is missing: run anchor.sh start, client, data and stop once first")
        if _answers(MEDPLUM_PORT):  # its pid would not be the one anchor.sh starts, stops and measures
            raise SystemExit(f"something answers on 127.0.0.1:{MEDPLUM_PORT} already (a Medplum left running?)")
        log("starting Medplum (anchor.sh start)")
        log(_medplum(args, "start"))
        log("letting Medplum settle for 60 s (it keeps a core busy for a while after it starts)")
        time.sleep(60)
        known = json.loads(ids_file.read_text())
        other = (
            f"http://127.0.0.1:{MEDPLUM_PORT}/fhir/R4",
            _medplum(args, "token"),
            known["patient"],
            known["canonical"],
        )
    else:
        other = tuple(args.other)
    figures = {"reference_ms_before": harness.reference_ms(), "rounds": []}
    # Samplan's search reads the seeded citizen's 52 weeks; its POSTs go to another citizen.
    servers = {
        "samplan": {"obs_search": (samplan[0], token, ids["series_citizen"]), "qr_post": samplan[:3]},
        "other": {"obs_search": other[:3], "qr_post": other[:3]},
    }
    canonicals = {"samplan": samplan[3], "other": other[3]}
    try:
        for number in range(args.rounds):
            one = {}
            for name, workloads in servers.items():
                one[name] = {}
                for workload in ("obs_search", "qr_post"):  # the search first: nothing it reads has grown
                    base, server_token, patient = workloads[workload]
                    log(f"round {number + 1}: {name} {workload} ({base})")
                    one[name][workload] = fhir_load(
                        args.compare,
                        base,
                        server_token,
                        patient,
                        canonicals[name],
                        workload,
                        args.duration,
                        args.concurrency,
                    )
                    log(f"  {one[name][workload]}")
            figures["rounds"].append(one)
    finally:
        if args.medplum:  # started above, or this line is not reached
            try:
                _medplum(args, "stop")
            except SystemExit as error:  # the figures are still reported; the operator stops it
                log(f"warning: {error}")
    figures["reference_ms_after"] = harness.reference_ms()
    return figures


def report_compare(figures, raw, args):
    print()
    print(
        f"Side by side, concurrency {args.concurrency}, {args.duration} per run; reference loop "
        f"{figures['reference_ms_before']:.0f} ms before, {figures['reference_ms_after']:.0f} ms after"
    )
    print(
        f"raw PostgreSQL (psycopg, {args.concurrency} connections, no web stack): "
        f"{raw['write']:.0f} write transactions/s, {raw['read']:.0f} reads/s"
    )
    print(f"{'round':<6} {'workload':<11} {'Samplan req/s':>14} {'p95':>7} {'other req/s':>12} {'p95':>7} {'ratio':>6}")
    for number, one in enumerate(figures["rounds"], start=1):
        for workload in ("qr_post", "obs_search"):
            mine, theirs = one["samplan"][workload], one["other"][workload]
            print(
                f"{number:<6} {workload:<11} {mine['req_s']:>14.0f} {mine['p95_ms']:>7.1f}"
                f" {theirs['req_s']:>12.0f} {theirs['p95_ms']:>7.1f} {mine['req_s'] / theirs['req_s']:>6.2f}"
            )


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
    parser.add_argument("--compare", metavar="FHIR_LOAD_SH", help="side by side with the shared harness")
    parser.add_argument("--medplum", metavar="ANCHOR_DIR", help="with --compare: start and measure Medplum")
    parser.add_argument("--other", nargs=4, metavar=("BASE", "TOKEN", "PATIENT", "CANONICAL"))
    parser.add_argument("--rounds", type=int, default=2, help="with --compare: rounds (default 2)")
    parser.add_argument("--duration", default="20s", help="with --compare: wrk duration per run (default 20s)")
    args = parser.parse_args()
    if args.seed_citizens:
        return seed_citizens()
    harness.require_wrk()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (gunicorn, database) when stopped
    started = time.monotonic()
    loop_before = harness.reference_ms()  # the machine's speed, printed beside the figures
    workdir = Path(tempfile.mkdtemp(prefix="samplan-bench-"))
    env = harness.server_env(args.database, workdir, SECURE_SSL_REDIRECT="false")

    log(f"database {args.database}: drop, create, migrate, import questionnaires, demo data")
    harness.create_database(args.database)
    server = None
    try:
        harness.migrate(env)
        harness.manage(env, "import_questionnaire", "--shipped")
        harness.manage(env, "seed_demo")
        ids = harness.run_inside(__file__, env, "--seed-citizens", failed="seeding the PHQ-9 series failed")
        token = harness.manage(env, "create_api_token", "koordinator", "--name", "benchmark").strip().splitlines()[-1]
        get_path = (
            f"/fhir/Observation?subject=Patient/{ids['series_citizen']}&code=http://loinc.org|{PHQ9_LOINC}"
            f"&date=ge{ids['since']}&_count=100"
        )

        log_path = workdir / "gunicorn.log"
        server, port = harness.start_gunicorn(env, log_path, args.workers, args.threads)
        status, bundle = harness.wait_until_up(lambda: http_get(port, get_path, token), server)
        if status != 200 or bundle.get("total") != WEEKS or len(bundle.get("entry", [])) != WEEKS:
            raise SystemExit(f"the year of PHQ-9 Observations is wrong: {status} total={bundle.get('total')}")

        if args.compare:
            figures = compare(args, port, token, ids)
            harness.stop(server)
            server = None
            figures["raw_pg"] = raw_pg_limit(args.database, args.concurrency)
            report_compare(figures, figures["raw_pg"], args)
            if args.json:
                args.json.write_text(json.dumps(figures, indent=2))
            return 0

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

        before = harness.last_event_id(db)
        offset = log_path.stat().st_size
        log(f"(a) POST /fhir/QuestionnaireResponse: {args.requests} requests at concurrency {args.concurrency}")
        run_id = f"run-{secrets.token_hex(4)}"
        results["post"] = harness.measured(
            server.pid, db, lambda: run_wrk(requests=args.requests, run_id=run_id, **post), settle=in_flight_finish
        )
        stored = harness.query_one(
            db,
            "SELECT count(*), count(s.id), count(*) FILTER (WHERE r.status = 'completed')"
            " FROM measures_questionnaireresponse r LEFT JOIN measures_score s ON s.response_id = r.id"
            " WHERE r.idempotency_key LIKE %s",
            (f"%:{BENCH_SYSTEM}|{run_id}-%",),
        )
        events = harness.query_one(
            db,
            "SELECT count(*) FROM audit_accessevent WHERE id > %s AND action = 'write' AND citizen_id = %s"
            " AND section = 'measures' AND detail LIKE 'completed %%'",
            (before, ids["post_citizen"]),
        )[0]
        served = harness.served_count(log_path, offset, '"POST /fhir/QuestionnaireResponse HTTP/1.1" 201 ')
        checks.append(count_check("(a) POST", results["post"], served, [*stored, events]))
        checks[-1][2] = (
            f"responses {stored[0]}, scores {stored[1]}, completed {stored[2]}, write events {events}; " + checks[-1][2]
        )

        before = harness.last_event_id(db)
        offset = log_path.stat().st_size
        log(f"(b) GET /fhir/Observation (52 weeks): {args.requests} requests at concurrency {args.concurrency}")
        results["get"] = harness.measured(
            server.pid, db, lambda: run_wrk(requests=args.requests, **get), settle=in_flight_finish
        )
        reads = harness.query_one(
            db,
            "SELECT count(*) FROM audit_accessevent WHERE id > %s AND action = 'read' AND citizen_id = %s",
            (before, ids["series_citizen"]),
        )[0]
        served = harness.served_count(log_path, offset, '"GET /fhir/Observation?', '" 200 ')
        checks.append(count_check("(b) GET", results["get"], served, [reads]))
        checks[-1][2] = f"read events {reads}; " + checks[-1][2]
    finally:
        harness.stop(server)
        harness.clean_up(args.database, workdir, keep=args.keep)

    report(args, results, checks, time.monotonic() - started, workdir, (loop_before, harness.reference_ms()))
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args) | {"json": str(args.json)}, "results": results}, indent=2))
    return 0 if all(passed for _, passed, _ in checks) else 1


def report(args, results, checks, elapsed, workdir, loops):
    server = f"gunicorn --workers {args.workers}" + (f" --threads {args.threads}" if args.threads > 1 else "")
    print()
    print(f"{server}, concurrency {args.concurrency}, PostgreSQL, DEBUG off")
    print(f"reference loop {loops[0]:.0f} ms before, {loops[1]:.0f} ms after")
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
        per, other = harness.cpu_per_request(results[key], ("app", "db", "wrk"), cores)
        total = sum(per.values())
        print(
            f"{name:<44} {per['app']:>6.2f} {per['db']:>6.2f} {per['wrk']:>6.2f} {total:>6.2f}"
            f" {cores * 1000 / total if total else 0:>6.0f}/s {other:>10.0%}"
        )
    print("app = gunicorn, db = PostgreSQL backends, ceiling = cores / sum; other load = rest of the machine")
    print()
    harness.print_checks(checks)
    print(f"\ntotal time {elapsed:.0f} s; gunicorn log in {workdir}/gunicorn.log")


if __name__ == "__main__":
    sys.exit(main())
