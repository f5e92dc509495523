"""The benchmark harness: what bench/fhir_measures.py, bench/worklist.py and bench/serving.py share.

Each script imports it as ``harness`` (Python puts a script's own directory first on ``sys.path``);
no script imports another, and nothing here is imported by the app. Each helper is here once:
output, PostgreSQL, Django in a child process, gunicorn, wrk, CPU accounting and the machine-speed
loop. What a benchmark measures and checks stays in its own script.
"""

import json
import math
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# PostgreSQL ---------------------------------------------------------------------------------------


def admin_sql(statement, database="postgres"):
    """One statement outside a transaction: CREATE/DROP DATABASE on the server's ``postgres``
    database, or VACUUM on a benchmark's own."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{database}", autocommit=True) as connection:
        connection.execute(statement)


def query(database, sql, params=()):
    """All rows of one query."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{database}") as connection:
        return connection.execute(sql, params).fetchall()


def query_one(database, sql, params=()):
    """The first row of one query (a count, a maximum)."""
    return query(database, sql, params)[0]


def create_database(name):
    """A fresh, empty database ``name`` (dropped first if it is there)."""
    drop_database(name)
    admin_sql(f'CREATE DATABASE "{name}"')


def drop_database(name):
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def clean_up(database, workdir, keep=False):
    """After a run: the database dropped unless ``keep``, the collected static files removed (the
    logs in ``workdir`` stay)."""
    if not keep:
        drop_database(database)
    shutil.rmtree(workdir / "static", ignore_errors=True)


def last_event_id(database):
    """The newest access event's id (0 for none): the events a run writes are those above it."""
    return query_one(database, "SELECT coalesce(max(id), 0) FROM audit_accessevent")[0]


# The app, in child processes ----------------------------------------------------------------------


def server_env(database, workdir, *, unset=(), **settings):
    """The environment of the app as deployed (DEBUG off, a random SECRET_KEY, 127.0.0.1) on
    ``database``, with ``settings`` added or replaced and the test-run variables and ``unset`` removed."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{PG_SERVER}/{database}",
        "STATIC_ROOT": str(workdir / "static"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **settings,
    }
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", *unset):
        env.pop(name, None)
    return env


def run_python(env, args, failed):
    """``python *args`` in ``ROOT`` with ``env``; its output, or exit with ``failed`` (and its output)."""
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(failed)
    return result.stdout


def manage(env, *args):
    """``manage.py`` in a child process with ``env``; its output, or exit with it on failure."""
    return run_python(env, ["manage.py", *args], f"manage.py {' '.join(args)} failed")


def migrate(env):
    """The schema and the static files (gunicorn serves them through whitenoise)."""
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")


def run_inside(script, env, *args, failed):
    """``script`` again in a child process with ``args`` (its part that runs inside Django);
    the JSON it printed on its last line."""
    return json.loads(run_python(env, [str(script), *args], failed).strip().splitlines()[-1])


def setup_django():
    """Django, in the child process ``run_inside`` started, against the benchmark's database."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samplan.settings")
    django.setup()


def logged_in_session(user, extra=None):
    """A database session for ``user`` filled as ``django.contrib.auth.login`` fills it (and with
    ``extra`` keys, such as django_otp's device id); its key, for the ``sessionid`` cookie."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "accounts.backends.UserBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    for key, value in (extra or {}).items():
        session[key] = value
    session.create()
    return session.session_key


# Servers ----------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env, log_path, workers, threads):
    """gunicorn with the Makefile's ``serve`` command line, on 127.0.0.1 and a free port, its output
    (the access log) in ``log_path``; the process and the port."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "samplan.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers)]
    if threads > 1:
        command += ["--threads", str(threads)]
    command += ["--access-logfile", "-"]
    log(f"gunicorn on 127.0.0.1:{port}: {' '.join(command[2:])}")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    return process, port


def wait_until_up(probe, process, seconds=60):
    """``probe()``'s answer once it gets one (it raises OSError until gunicorn listens)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up; see its log")
        try:
            return probe()
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in time")


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


def served_count(log_path, offset, *needles):
    """Requests gunicorn's access log shows since ``offset`` whose line holds every needle."""
    with log_path.open() as log_file:
        log_file.seek(offset)
        return sum(1 for line in log_file if all(needle in line for needle in needles))


# wrk --------------------------------------------------------------------------------------------


def require_wrk(install=False):
    """Stop unless wrk is there; with ``install``, first apt-get it when missing and run as root."""
    if shutil.which("wrk"):
        return
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: apt-get install -y wrk")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")


def wrk_command(concurrency, seconds, script, url, *options):
    """wrk with one connection per thread, a 10 s timeout and the Lua ``script`` that reports."""
    command = ["wrk", "-t", str(concurrency), "-c", str(concurrency), "-d", f"{seconds}s", "--timeout", "10s"]
    return [*command, *options, "-s", str(script), url]


def wrk_result(stdout, diagnostics, **facts):
    """The figures the Lua script printed (its ``BENCH_JSON`` line), then ``facts``, requests/s
    and errors (bad statuses and socket errors); exit with wrk's output if there is no such line."""
    result = next((json.loads(line[11:]) for line in stdout.splitlines() if line.startswith("BENCH_JSON ")), None)
    if result is None:
        raise SystemExit("wrk gave no result:\n" + stdout + diagnostics)
    result.update(facts)
    result["requests_per_s"] = result["received"] / result["span_s"] if result["span_s"] else 0.0
    result["errors"] = result["bad_status"] + result["socket_errors"]
    return result


# CPU accounting ---------------------------------------------------------------------------------


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


def machine_busy_seconds():
    """Busy CPU seconds of the whole machine (all processes, all cores) from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICKS


def measured(server_pid, database, run, *, settle, client=resource.RUSAGE_CHILDREN, client_name="wrk"):
    """``run()`` with the CPU that gunicorn (app), PostgreSQL (db), the load client and the rest of
    the machine (other) used meanwhile, in ``result["cpu_s"]``; ``settle()`` waits, before the
    count ends, for the requests still in flight when the client stopped. ``client`` is whose
    rusage is the client: this process's children (wrk) or this process itself."""
    with CpuSampler(server_pid, database) as sampler:
        machine, used, wall = machine_busy_seconds(), resource.getrusage(client), time.monotonic()
        result = run()
        settle()
        machine, wall = machine_busy_seconds() - machine, time.monotonic() - wall
    used = sum(getattr(resource.getrusage(client), f) - getattr(used, f) for f in ("ru_utime", "ru_stime"))
    app, db = sampler.used("app"), sampler.used("db")
    other = max(machine - app - db - used, 0.0)
    result["cpu_s"] = {"app": app, "db": db, client_name: used, "other": other, "wall": wall}
    return result


def cpu_per_request(result, parts, cores):
    """A measured run's CPU ms per received request for each of ``parts``, and the rest of the
    machine's load as a share of all its cores."""
    cpu = result["cpu_s"]
    per = {part: cpu[part] / max(result["received"], 1) * 1000 for part in parts}
    return per, cpu["other"] / (cpu["wall"] * cores)


# Figures ----------------------------------------------------------------------------------------


def percentile(values, p):
    """The nearest-rank percentile (as bench/worklist.py has always computed it); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def print_checks(checks):
    """One line per check (name, passed, detail): ``ok`` or ``FAIL``, its name and what was counted."""
    for name, passed, detail in checks:
        print(f"{'ok  ' if passed else 'FAIL'} {name}: {detail}")


def reference_ms(rounds=5):
    """Median ms of a fixed pure-Python loop, on one core: the machine's speed.

    Shared virtual machines run faster or slower from hour to hour; this figure, taken before and
    after the measured phases, tells whether two runs' machines were alike before their figures
    are compared. The loop must stay exactly as it is, or old and new figures stop being comparable.
    """
    times = []
    for _ in range(rounds):
        started = time.process_time()
        total = 0
        for i in range(2_000_000):
            total += i * i % 7
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)
