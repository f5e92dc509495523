"""Helpers the newer benchmarks share (imported as ``_common`` from the script's own directory).

The older scripts (fhir_measures.py, worklist.py) keep their own copies; nothing here is imported
by the app.
"""

import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def admin_sql(statement):
    """One statement on the server's ``postgres`` database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def query(database, sql, params=()):
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{database}") as connection:
        return connection.execute(sql, params).fetchall()


def manage(env, *args):
    """``manage.py`` in a child process with ``env``; its output, or exit with it on failure."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return result.stdout


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process, seconds=20):
    """SIGTERM, then SIGKILL to the whole process group if it does not stop in time."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def percentile(values, p):
    """The nearest-rank percentile (as wrk and worklist.py report them); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def reference_ms(rounds=5):
    """Median ms of a fixed pure-Python loop on one core (the same loop as bench/worklist.py).

    Shared virtual machines run faster or slower from hour to hour; this figure, taken before and
    after the measured phases, tells whether two runs' machines were alike before their figures
    are compared.
    """
    times = []
    for _ in range(rounds):
        started = time.process_time()
        total = 0
        for i in range(2_000_000):
            total += i * i % 7
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def machine_busy_seconds():
    """Busy CPU seconds of the whole machine (all processes, all cores) from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICKS
