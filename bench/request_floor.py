"""What a request costs this stack before it does any work of its own: requests/s and gunicorn's CPU
per request for the cheapest FHIR requests, served as ``bench/fhir_measures.py`` serves them.

    uv run python bench/request_floor.py [--duration 15] [--rounds 2]

(a) ``GET /fhir/metadata``: no token, the CapabilityStatement built once per process — Django,
    the middleware and gunicorn with nothing else;
(b) ``GET /fhir/Patient/<id>``: the token, the access policy's grant and one access event (three
    statements), and one small resource mapped.

gunicorn runs with three workers on the database ``bench/profile_fhir.py`` seeds and keeps
(``samplan_bench_profile``; it is seeded first if it is not there); ``wrk -t2 -c8`` drives each
request for ``--duration`` seconds after a 5 s warm-up. The CPU is gunicorn's and its workers', read
from ``/proc`` before and after. The machine-speed loop is printed before and after each round.
Traffic goes to 127.0.0.1 only. Compare with the POST's app CPU per request in
``bench/fhir_measures.py`` (docs/benchmarks.md).
"""

import argparse
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import harness
from harness import log

HERE = Path(__file__).resolve()
DATABASE = "samplan_bench_profile"
WORKDIR = Path("/tmp") / DATABASE


def _cpu_seconds(pid):
    """User + system CPU of ``pid`` and its children (gunicorn's workers)."""
    listing = subprocess.run(["ps", "-o", "pid=,ppid=", "-e"], capture_output=True, text=True, check=True).stdout
    pairs = [tuple(map(int, line.split())) for line in listing.splitlines() if line.strip()]
    total = 0
    for child in [pid, *(p for p, parent in pairs if parent == pid)]:
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _wrk(url, token, seconds):
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"{url}: replies other than 2xx\n{output}")
    return int(next(line for line in output.splitlines() if "requests in" in line).split()[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per request kind (default 15)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    ids_file = WORKDIR / "ids.json"
    if not ids_file.exists():
        log("seeding with bench/profile_fhir.py")
        subprocess.run([sys.executable, str(HERE.with_name("profile_fhir.py")), "--requests", "5"], check=True)
    ids = json.loads(ids_file.read_text())
    env = harness.server_env(DATABASE, WORKDIR, SECURE_SSL_REDIRECT="false")
    process, port = harness.start_gunicorn(env, WORKDIR / "floor-gunicorn.log", 3, 1)
    base = f"http://127.0.0.1:{port}"
    kinds = {
        "(a) GET /fhir/metadata, no token": ("/fhir/metadata", None),
        "(b) GET /fhir/Patient/<id>: token, grant, access event": (
            f"/fhir/Patient/{ids['post_citizen']}",
            ids["token"],
        ),
    }
    try:
        harness.wait_until_up(lambda: urllib.request.urlopen(base + "/fhir/metadata", timeout=5).read(), process)
        for round_ in range(1, args.rounds + 1):
            before = harness.reference_ms()
            figures = []
            for label, (path, token) in kinds.items():
                _wrk(base + path, token, 5)
                cpu = _cpu_seconds(process.pid)
                requests = _wrk(base + path, token, args.duration)
                cpu = _cpu_seconds(process.pid) - cpu
                figures.append((label, requests / args.duration, 1000 * cpu / requests))
            after = harness.reference_ms()
            log(f"round {round_}: reference loop {before:.0f} ms before, {after:.0f} ms after")
            for label, rate, cpu_ms in figures:
                print(f"  {label:<58} {rate:7.0f} req/s   app CPU {cpu_ms:.2f} ms/request")
    finally:
        harness.stop(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
