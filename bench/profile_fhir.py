"""Where a hot FHIR request's time goes, in one process: CPU per request, statements, a profile.

    uv run python bench/profile_fhir.py [--requests 300] [--profile post|get|none] [--reuse]
    uv run --with pyinstrument python bench/profile_fhir.py --reuse --profile post-sampled
    uv run python bench/profile_fhir.py --reuse --instructions [--requests 100]

The two hot paths of ``bench/fhir_measures.py`` — (a) ``POST /fhir/QuestionnaireResponse`` of a
completed PHQ-9 without an identifier (as the shared harness ``../shared/anchors/fhir_wrk.lua``
sends it) and (b) the 52-week PHQ-9 ``Observation`` search — sent ``--requests`` times each
straight to Django's WSGI handler (the production middleware, DEBUG off, no HTTP server, no
network), so what is measured is the app's own Python and its round trips to PostgreSQL. Prints
for each: CPU ms per request of this process (``time.process_time``), wall ms per request, the
SQL statements one request runs, and with ``--profile`` the functions that cost most (cProfile,
CPU clock). The machine-speed loop is timed before and after.

``--instructions`` counts instead of timing: each kind of request runs in a process of its own under
valgrind's callgrind, once with 20 requests and once with 20 + ``--requests``, and the difference of
the instructions the process executed, per request, is printed. The count is the same on a fast and
a slow hour and beside other load (these machines drift by a quarter), so code before and after a
change can be compared without alternating runs; it counts this process only (not PostgreSQL, not
the kernel) and instructions are not time (a cache miss costs more than an add).

The database (``samplan_bench_profile``) is seeded as ``bench/fhir_measures.py`` seeds its own and
kept; ``--reuse`` measures it again without seeding (compare code before and after on the same rows).
"""

import argparse
import cProfile
import io
import json
import pstats
import re
import subprocess
import sys
import time
from pathlib import Path

import harness
from harness import log

HERE = Path(__file__).resolve()
FHIR_MEASURES = HERE.with_name("fhir_measures.py")
PHQ9_URL = "https://samplan.no/fhir/Questionnaire/phq9"
CODES = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]


def _environ(method, path, token, body=b""):
    from wsgiref.util import setup_testing_defaults

    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_NAME": "127.0.0.1",
        "CONTENT_TYPE": "application/fhir+json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    return environ


def _post_body(patient, n):
    items = [
        {"linkId": f"phq9-{i}", "answer": [{"valueCoding": {"system": "http://loinc.org", "code": CODES[(n + i) % 4]}}]}
        for i in range(1, 9)
    ]
    items.append({"linkId": "phq9-9", "answer": [{"valueCoding": {"system": "http://loinc.org", "code": CODES[0]}}]})
    return json.dumps(
        {
            "resourceType": "QuestionnaireResponse",
            "questionnaire": PHQ9_URL,
            "status": "completed",
            "subject": {"reference": f"Patient/{patient}"},
            "authored": "2026-12-01T10:00:00+01:00",
            "item": items,
        }
    ).encode()


def inside(ids_json, requests, profile):
    harness.setup_django()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = json.loads(ids_json)
    handler = WSGIHandler()
    token = ids["token"]
    get_path = (
        f"/fhir/Observation?subject=Patient/{ids['series_citizen']}&code=http://loinc.org|44261-6"
        f"&date=ge{ids['since']}&_count=100"
    )

    def call(kind, n):
        if kind == "post":
            environ = _environ("POST", "/fhir/QuestionnaireResponse", token, _post_body(ids["post_citizen"], n))
            expected = "201"
        else:
            environ = _environ("GET", get_path, token)
            expected = "200"
        statuses = []
        body = b"".join(handler(environ, lambda status, headers: statuses.append(status)))
        if not statuses[0].startswith(expected):
            raise SystemExit(f"{kind}: {statuses[0]} {body[:300]!r}")
        return body

    figures = {}
    kinds = [profile.removeprefix("only-")] if profile.startswith("only-") else ["post", "get"]
    for kind in kinds:
        for n in range(30):  # warm: imports, caches, connection
            call(kind, n)
        with CaptureQueriesContext(connection) as queries:
            call(kind, 0)
        statements = [q["sql"] for q in queries.captured_queries]
        profiler = None
        if profile == kind:
            profiler = cProfile.Profile(time.process_time)
        elif profile == f"{kind}-sampled":
            from pyinstrument import Profiler  # uv run --with pyinstrument: samples, so no per-call distortion

            profiler = Profiler(interval=0.0002)
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.start() if hasattr(profiler, "start") else profiler.enable()
        for n in range(requests):
            call(kind, n)
        if profiler:
            profiler.stop() if hasattr(profiler, "start") else profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        figures[kind] = {
            "cpu_ms": round(1000 * cpu / requests, 2),
            "wall_ms": round(1000 * wall / requests, 2),
            "statements": len(statements),
            "sql": statements,
        }
        if profiler and hasattr(profiler, "start"):
            figures[kind]["profile"] = profiler.output_text(unicode=False, color=False, show_all=False)
        elif profiler:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs()
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
            figures[kind]["profile"] = out.getvalue()
    print(json.dumps(figures))


def count_instructions(env, ids, requests, base=20):
    """Instructions per request of each kind: callgrind's total for ``base`` + ``requests`` requests
    less its total for ``base`` (start-up, warming and ``base`` requests), over ``requests``."""
    env = {**env, "PYTHONHASHSEED": "0"}  # the same dict layouts in every run
    for kind in ("post", "get"):
        totals = []
        for n in (base, base + requests):
            command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
            command += [str(HERE), "--inside", json.dumps(ids), str(n), f"only-{kind}"]
            result = subprocess.run(command, cwd=harness.ROOT, env=env, capture_output=True, text=True, check=False)
            collected = re.search(r"Collected : (\d+)", result.stderr)
            if result.returncode != 0 or collected is None:
                sys.stderr.write(result.stdout[-2000:] + result.stderr[-2000:])
                raise SystemExit(f"callgrind run of {kind} failed")
            totals.append(int(collected.group(1)))
        per_request = (totals[1] - totals[0]) / requests
        log(f"({kind}) {per_request / 1e6:.2f} M instructions/request (callgrind, {requests} requests)")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", choices=("post", "get", "post-sampled", "get-sampled", "none"), default="none")
    parser.add_argument("--instructions", action="store_true", help="instructions per request (callgrind)")
    parser.add_argument("--database", default="samplan_bench_profile")
    parser.add_argument("--reuse", action="store_true", help="measure the kept database without seeding")
    parser.add_argument("--show-sql", action="store_true", help="print each statement of one request")
    parser.add_argument("--inside", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        return inside(args.inside[0], int(args.inside[1]), args.inside[2])

    workdir = Path("/tmp") / f"{args.database}"
    workdir.mkdir(exist_ok=True)
    env = harness.server_env(args.database, workdir, SECURE_SSL_REDIRECT="false")  # as fhir_measures.py
    ids_file = workdir / "ids.json"
    if not args.reuse or not ids_file.exists():
        log(f"database {args.database}: drop, create, migrate, questionnaires, demo data, 52 weeks of PHQ-9")
        harness.create_database(args.database)
        harness.migrate(env)
        harness.manage(env, "import_questionnaire", "--shipped")
        harness.manage(env, "seed_demo")
        ids = harness.run_inside(FHIR_MEASURES, env, "--seed-citizens", failed="seeding failed")
        ids["token"] = harness.manage(env, "create_api_token", "koordinator", "--name", "profile").strip().split()[-1]
        ids_file.write_text(json.dumps(ids))
    ids = json.loads(ids_file.read_text())
    if args.instructions:
        return count_instructions(env, ids, args.requests)
    before = harness.reference_ms()
    figures = harness.run_inside(
        HERE, env, "--inside", json.dumps(ids), str(args.requests), args.profile, failed="profiling failed"
    )
    after = harness.reference_ms()
    log(f"reference loop: {before:.0f} ms before, {after:.0f} ms after")
    for kind, figure in figures.items():
        log(
            f"({kind}) CPU {figure['cpu_ms']} ms/request, wall {figure['wall_ms']} ms,"
            f" {figure['statements']} statements"
        )
        if args.show_sql:
            for sql in figure["sql"]:
                print("   ", sql[:300])
        if "profile" in figure:
            print(figure["profile"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
