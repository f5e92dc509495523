"""Slow clients and many citizens: gunicorn alone, and behind the reference nginx of deploy/.

    uv run python bench/serving.py [--slow-clients 50] [--phase-seconds 20] [--rate 5]
                                   [--citizens 50] [--load-seconds 60] [--keep]

Needs nginx and openssl (Debian: ``apt-get install nginx openssl``; the script says so and stops
if they are missing) and PostgreSQL on 127.0.0.1:5432 (trust, user postgres). Traffic goes to
127.0.0.1 only; every loop is bounded in count and time, and the script stops by itself.

Set-up: drops and creates the database ``samplan_bench_serving``, migrates, loads the demo data
with ``seed_demo --citizens N+1`` and gives the N bulk-made citizens a login each, logged in
without the login form (a database session per citizen, as ``django.contrib.auth.login`` fills it).
Starts gunicorn with ``deploy/gunicorn.conf.py`` (sync workers, ``WEB_CONCURRENCY`` 3 as
``make serve``; DEBUG off, a random SECRET_KEY) on a free loopback port, and nginx in front of it
with ``deploy/nginx/samplan.conf`` and ``deploy/nginx/samplan-proxy.conf`` as shipped except for
ports, log paths, the host name (``localhost``) and a self-signed certificate made here with
openssl. Each replacement is checked, so the figures are those of the shipped configuration.

(1) Slow clients. Normal requests (a citizen's home page, ``GET /me/``, a new connection each,
    arriving at ``--rate`` per second for ``--phase-seconds``, whatever the replies do, each
    given 10 s) in four phases, back to back: directly to gunicorn, then through nginx (HTTPS),
    each first alone and then with ``--slow-clients`` clients that open a connection (and the TLS
    handshake) and send a request's headers one byte a second, reconnecting when dropped. Reports
    p50/p95/max and the requests that failed or timed out.
(2) Many citizens. Through nginx, ``--citizens`` citizens at once for ``--load-seconds``: each
    starts a PHQ-9 (POST), opens the form (GET) and submits it (POST), one after another; every
    fifth submit is a double click (the same POST sent twice on two connections before either
    reply is read), every tenth has a risk answer on item 9 (which queues the coordinators'
    e-mail). Afterwards the database is counted against the replies: every submit answered with
    a redirect is one completed response with one score and one "completed" access event, no
    response is left in progress, and each risk answer queued one task.

A fixed pure-Python loop is timed before and after (this machine's speed drifts); each phase also
reports how busy the whole machine was. The database is dropped at the end unless ``--keep``.
"""

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import ssl
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import harness
from harness import log

DEPLOY = harness.ROOT / "deploy"
HOST_NAME = "localhost"  # the server_name nginx is given here; Django's ALLOWED_HOSTS has it
PHQ9_URL = "https://samplan.no/fhir/Questionnaire/phq9"
CODES = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
RISK_TASK = "measures.tasks.notify_coordinators_of_risk"
REQUEST_TIMEOUT = 10.0
LOAD_TIMEOUT = 30.0


# Inside Django (a child process against the bench database) ---------------------------------------


def make_citizen_logins(count):
    """A login and a session for ``count`` bulk-made demo citizens; prints ids and session keys."""
    harness.setup_django()
    from django.contrib.auth import get_user_model

    from measures.models import Questionnaire
    from people.models import Citizen

    citizens = list(Citizen.objects.filter(user__isnull=True).order_by("pk")[:count])
    if len(citizens) < count:
        raise SystemExit(f"only {len(citizens)} citizens without a login; seed more")
    made = []
    for number, citizen in enumerate(citizens, start=1):
        user = get_user_model().objects.create_user(username=f"benk{number:03d}", password=None)
        citizen.user = user
        citizen.save(update_fields=["user"])
        made.append({"citizen": citizen.pk, "session": harness.logged_in_session(user)})
    phq9 = Questionnaire.objects.get(url=PHQ9_URL, is_current=True)
    print(json.dumps({"citizens": made, "phq9": phq9.pk}))


# Servers ------------------------------------------------------------------------------------------


def require_tools():
    missing = [tool for tool in ("nginx", "openssl") if shutil.which(tool) is None]
    if missing:
        packages = " ".join(missing)
        raise SystemExit(f"{packages} not found. Install with:  apt-get install {packages}")


def make_certificate(workdir):
    """A self-signed certificate for ``localhost`` and 127.0.0.1, valid one day (ECDSA P-256)."""
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-days", "1", "-subj", f"/CN={HOST_NAME}", "-keyout", str(key), "-out", str(cert)),
            *("-addext", f"subjectAltName=DNS:{HOST_NAME},IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def replaced(text, old, new, count):
    """``text`` with ``old`` replaced by ``new``; stops if ``old`` is not there ``count`` times."""
    found = text.count(old)
    if found != count:
        raise SystemExit(f"deploy/nginx/samplan.conf changed: expected {old!r} {count} times, found {found}")
    return text.replace(old, new)


def nginx_config(workdir, *, app_port, http_port, https_port, cert, key):
    """The shipped site file with this machine's ports, paths and certificate, and a main config."""
    site = (DEPLOY / "nginx" / "samplan.conf").read_text()
    site = replaced(site, "server 127.0.0.1:8000", f"server 127.0.0.1:{app_port}", 1)
    site = replaced(site, "    listen [::]:80;\n", "", 1)
    site = replaced(site, "    listen [::]:443 ssl http2;\n", "", 1)
    site = replaced(site, "    listen [::]:443 ssl default_server;\n", "", 1)
    site = replaced(site, "listen 80;", f"listen 127.0.0.1:{http_port};", 1)
    site = replaced(site, "listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl", 2)
    site = replaced(site, "server_name samplan.example.no;", f"server_name {HOST_NAME};", 2)
    site = replaced(site, "/etc/letsencrypt/live/samplan.example.no/fullchain.pem", str(cert), 1)
    site = replaced(site, "/etc/letsencrypt/live/samplan.example.no/privkey.pem", str(key), 1)
    site = replaced(site, "/var/log/nginx/", f"{workdir}/nginx-", 2)
    site = replaced(site, "include snippets/samplan-proxy.conf;", f"include {DEPLOY}/nginx/samplan-proxy.conf;", 1)
    (workdir / "samplan-site.conf").write_text(site)
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {workdir}/nginx-temp/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = f"""{user}worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-main-error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
{temp}
    include {workdir}/samplan-site.conf;
}}
"""
    (workdir / "nginx-temp").mkdir()
    path = workdir / "nginx.conf"
    path.write_text(main)
    return path


def start_nginx(workdir, config):
    test = subprocess.run(["nginx", "-t", "-p", str(workdir), "-c", str(config)], capture_output=True, text=True)
    if test.returncode != 0:
        raise SystemExit("nginx refused the configuration:\n" + test.stderr)
    return subprocess.Popen(
        ["nginx", "-p", str(workdir), "-c", str(config), "-g", "daemon off;"],
        stdout=(workdir / "nginx.out").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start_deployed_gunicorn(workdir, env, port):
    """gunicorn with deploy/gunicorn.conf.py, as a deployment starts it, on 127.0.0.1:``port``."""
    command = [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"), "samplan.wsgi"]
    return subprocess.Popen(
        command,
        cwd=harness.ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=(workdir / "gunicorn.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


# HTTP, one request at a time (http.client; a new connection unless one is given) --------------------


class Target:
    """Where requests go: gunicorn directly (HTTP, with the header nginx would add) or nginx (HTTPS)."""

    def __init__(self, name, port, tls_context=None):
        self.name, self.port, self.tls = name, port, tls_context

    def connection(self, timeout):
        if self.tls is None:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        return http.client.HTTPSConnection(HOST_NAME, self.port, timeout=timeout, context=self.tls)

    def headers(self, session, csrf=None):
        headers = {"Host": HOST_NAME, "Cookie": f"sessionid={session}", "Accept": "text/html"}
        if self.tls is None:
            headers["X-Forwarded-Proto"] = "https"  # what nginx sets; the production settings stay on
        if csrf:
            headers["Cookie"] += f"; csrftoken={csrf}"
            headers["X-CSRFToken"] = csrf
            headers["Origin"] = f"https://{HOST_NAME}"
        return headers


def request(target, method, path, session, *, body=None, csrf=None, connection=None, timeout=REQUEST_TIMEOUT):
    """(status, location, body bytes, seconds); status None with the error's name if it failed."""
    own = connection is None
    connection = connection or target.connection(timeout)
    headers = target.headers(session, csrf)
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=headers)
        reply = connection.getresponse()
        data = reply.read()
        return reply.status, reply.getheader("Location", ""), data, time.perf_counter() - started
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        return None, type(error).__name__, b"", time.perf_counter() - started
    finally:
        if own:
            connection.close()


# (1) Slow clients -------------------------------------------------------------------------------


class SlowClients(threading.Thread):
    """``count`` connections that send a request's headers one byte per ``interval`` seconds and never
    finish them; a connection the server drops is opened again at once. Runs until ``stop()``."""

    def __init__(self, target, count, interval=1.0):
        super().__init__(daemon=True)
        self.target, self.count, self.interval = target, count, interval
        self.stats = {"connections": 0, "dropped_by_server": 0, "connect_failed": 0}
        self.started_at = None
        self._stop_at = time.monotonic() + 3600
        self._connected = threading.Event()

    async def one(self, number):
        payload = f"GET /me/ HTTP/1.1\r\nHost: {HOST_NAME}\r\nX-Slow-{number}: ".encode() + b"a" * 4000
        while time.monotonic() < self._stop_at:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(
                        "127.0.0.1",
                        self.target.port,
                        ssl=self.target.tls,
                        server_hostname=HOST_NAME if self.target.tls else None,
                    ),
                    timeout=5,
                )
            except (TimeoutError, OSError, ssl.SSLError):
                self.stats["connect_failed"] += 1
                await asyncio.sleep(self.interval)
                continue
            self.stats["connections"] += 1
            if self.stats["connections"] >= self.count:
                self._connected.set()
            try:
                for byte in payload:
                    if time.monotonic() >= self._stop_at:
                        break
                    writer.write(bytes([byte]))
                    await writer.drain()
                    try:
                        await asyncio.wait_for(reader.read(4096), self.interval)
                    except TimeoutError:
                        continue  # still open: the server is waiting for the rest
                    self.stats["dropped_by_server"] += 1  # an answer (408) or the end of the stream
                    break
            except (OSError, ssl.SSLError):
                self.stats["dropped_by_server"] += 1
            finally:
                writer.close()

    async def all(self):
        await asyncio.gather(*(self.one(number) for number in range(self.count)))

    def run(self):
        self.started_at = time.monotonic()
        asyncio.run(self.all())

    def wait_connected(self, seconds=10):
        return self._connected.wait(seconds)

    def stop(self):
        self._stop_at = 0
        self.join(timeout=15)


def arrivals(target, session, *, rate, seconds):
    """GET /me/ arriving ``rate`` times a second for ``seconds``, each on its own connection,
    whatever the replies do (no waiting for the previous one); each given REQUEST_TIMEOUT."""
    count = max(1, round(rate * seconds))
    results = []
    with ThreadPoolExecutor(max_workers=min(count, 64)) as pool:
        started = time.monotonic()
        futures = []
        for number in range(count):
            delay = started + number / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(request, target, "GET", "/me/", session))
        for future in futures:
            status, error, _body, seconds_taken = future.result()
            results.append((status, error, seconds_taken))
    ok = [seconds_taken for status, _e, seconds_taken in results if status == 200]
    failures = {}
    for status, error, _s in results:
        if status != 200:
            key = f"{status}" if status else error
            failures[key] = failures.get(key, 0) + 1
    # A request that failed counts at its full time in the percentiles: it did not succeed sooner.
    everything = [seconds_taken for _s, _e, seconds_taken in results]
    return {
        "requests": count,
        "ok": len(ok),
        "failed": count - len(ok),
        "failures": failures,
        "p50_ms": harness.percentile(everything, 50) * 1000,
        "p95_ms": harness.percentile(everything, 95) * 1000,
        "max_ms": max(everything) * 1000,
        "ok_p95_ms": (harness.percentile(ok, 95) or 0) * 1000,
    }


def wait_until_answering(target, session, seconds=90):
    """Until GET /me/ answers 200 (gunicorn's workers freed or restarted); the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        status, *_ = request(target, "GET", "/me/", session, timeout=5)
        if status == 200:
            return time.monotonic() - started
        time.sleep(0.5)
    raise SystemExit(f"{target.name} did not answer within {seconds} s")


def slow_client_phase(target, session, args):
    """Normal requests alone, then with the slow clients; figures for both."""
    figures = {}
    busy = harness.machine_busy_seconds()
    wall = time.monotonic()
    figures["alone"] = arrivals(target, session, rate=args.rate, seconds=args.phase_seconds)
    figures["alone"]["machine_busy"] = busy_share(busy, wall)

    slow = SlowClients(target, args.slow_clients)
    slow.start()
    connected = slow.wait_connected()
    time.sleep(2)  # the slow clients are sending their first bytes
    busy, wall = harness.machine_busy_seconds(), time.monotonic()
    figures["slow"] = arrivals(target, session, rate=args.rate, seconds=args.phase_seconds)
    figures["slow"]["machine_busy"] = busy_share(busy, wall)
    slow.stop()
    figures["slow"]["slow_clients"] = dict(slow.stats, all_connected=connected)
    figures["recovered_after_s"] = wait_until_answering(target, session)
    return figures


def busy_share(busy_before, wall_before):
    cores = os.cpu_count() or 1
    return (harness.machine_busy_seconds() - busy_before) / ((time.monotonic() - wall_before) * cores)


# (2) Many citizens ------------------------------------------------------------------------------

RESPONSE_URL = re.compile(r"/citizens/(\d+)/responses/(\d+)/$")


def csrf_secret():
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


class Citizen(threading.Thread):
    """One citizen filling in PHQ-9 after PHQ-9 until the deadline, on one keep-alive connection."""

    def __init__(self, number, target, citizen_id, session, phq9_id, deadline):
        super().__init__(daemon=True)
        self.number, self.target, self.citizen_id, self.session = number, target, citizen_id, session
        self.phq9_id, self.deadline = phq9_id, deadline
        self.csrf = csrf_secret()
        self.rng = random.Random(number)
        self.submitted, self.risk, self.double_clicks, self.started_ids = set(), set(), 0, set()
        self.errors, self.latency = [], {"start": [], "form": [], "submit": []}
        self.requests = 0

    def call(self, connection, method, path, body=None):
        status, location, data, seconds = request(
            self.target,
            method,
            path,
            self.session,
            body=body,
            csrf=self.csrf,
            connection=connection,
            timeout=LOAD_TIMEOUT,
        )
        self.requests += 1
        return status, location, data, seconds

    def run(self):
        connection = self.target.connection(LOAD_TIMEOUT)
        iteration = 0
        try:
            while time.monotonic() < self.deadline:
                iteration += 1
                self.one_questionnaire(connection, iteration)
        finally:
            connection.close()

    def one_questionnaire(self, connection, iteration):
        start_path = f"/citizens/{self.citizen_id}/measures/start/{self.phq9_id}/"
        status, location, _data, seconds = self.call(connection, "POST", start_path, body="")
        found = RESPONSE_URL.search(location or "")
        if status != 302 or not found:
            self.errors.append(f"start: {status} {location}")
            return
        self.latency["start"].append(seconds)
        path, response_id = found.group(0), int(found.group(2))
        self.started_ids.add(response_id)

        status, _location, data, seconds = self.call(connection, "GET", path)
        if status != 200 or b'name="phq9-1"' not in data:
            self.errors.append(f"form: {status}")
            return
        self.latency["form"].append(seconds)

        risky = (self.number + iteration) % 10 == 0
        answers = {f"phq9-{item}": CODES[self.rng.randrange(4)] for item in range(1, 9)}
        answers["phq9-9"] = CODES[1] if risky else CODES[0]
        body = urllib.parse.urlencode(answers)
        if (self.number + iteration) % 5 == 0:
            replies = self.double_click(path, body)
            self.double_clicks += 1
        else:
            replies = [self.call(connection, "POST", path, body=body)]
        for status, location, _data, seconds in replies:
            if status != 302 or not (location or "").endswith(path):
                self.errors.append(f"submit: {status} {location}")
                return
            self.latency["submit"].append(seconds)
        self.submitted.add(response_id)
        if risky:
            self.risk.add(response_id)

    def double_click(self, path, body):
        """The same submit twice, on two connections, both sent before either reply is read."""
        first, second = self.target.connection(LOAD_TIMEOUT), self.target.connection(LOAD_TIMEOUT)
        try:
            sent = time.perf_counter()
            for connection in (first, second):
                headers = self.target.headers(self.session, self.csrf)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                connection.request("POST", path, body=body, headers=headers)
            replies = []
            for connection in (first, second):
                reply = connection.getresponse()
                reply.read()
                replies.append((reply.status, reply.getheader("Location", ""), b"", time.perf_counter() - sent))
            self.requests += 2
            return replies
        except (OSError, http.client.HTTPException) as error:
            return [(None, type(error).__name__, b"", 0.0)]
        finally:
            first.close()
            second.close()


def citizens_phase(target, database, logins, phq9_id, args):
    before = {
        "response": harness.query_one(database, "SELECT coalesce(max(id), 0) FROM measures_questionnaireresponse")[0],
        "event": harness.last_event_id(database),
        "task": harness.query_one(
            database, "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path = %s", (RISK_TASK,)
        )[0],
    }
    deadline = time.monotonic() + args.load_seconds
    citizens = [
        Citizen(number, target, login["citizen"], login["session"], phq9_id, deadline)
        for number, login in enumerate(logins[: args.citizens])
    ]
    busy, wall, cpu = harness.machine_busy_seconds(), time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
    for citizen in citizens:
        citizen.start()
    for citizen in citizens:
        citizen.join(timeout=args.load_seconds + 4 * LOAD_TIMEOUT)
    elapsed = time.monotonic() - wall
    used = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = used.ru_utime - cpu.ru_utime + used.ru_stime - cpu.ru_stime
    machine = busy_share(busy, wall)
    stuck = [citizen.number for citizen in citizens if citizen.is_alive()]

    submitted = set().union(*(c.submitted for c in citizens))
    started = set().union(*(c.started_ids for c in citizens))
    risk = set().union(*(c.risk for c in citizens))
    errors = [error for c in citizens for error in c.errors]
    ids = [c.citizen_id for c in citizens]
    rows = harness.query(
        database,
        "SELECT r.id, r.status, s.id IS NOT NULL FROM measures_questionnaireresponse r"
        " LEFT JOIN measures_score s ON s.response_id = r.id WHERE r.id > %s AND r.citizen_id = ANY(%s)",
        (before["response"], ids),
    )
    completed = {row[0] for row in rows if row[1] == "completed"}
    in_progress = {row[0] for row in rows if row[1] != "completed"}
    scored = {row[0] for row in rows if row[2]}
    details = harness.query(
        database,
        "SELECT detail FROM audit_accessevent WHERE id > %s AND action = 'write' AND citizen_id = ANY(%s)"
        " AND detail LIKE 'completed %%'",
        (before["event"], ids),
    )
    logged = [int(m.group(1)) for (detail,) in details if (m := re.search(r"\(response (\d+)\)", detail))]
    tasks = harness.query_one(
        database, "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path = %s", (RISK_TASK,)
    )[0]
    queued = tasks - before["task"]
    requests = sum(c.requests for c in citizens)
    latency = {step: [s for c in citizens for s in c.latency[step]] for step in ("start", "form", "submit")}
    checks = [
        ("no errors", not errors and not stuck, f"{len(errors)} errors {errors[:5]}, {len(stuck)} citizens still busy"),
        (
            "every submit answered with a redirect is one completed response",
            completed == submitted,
            f"{len(submitted)} submits answered, {len(completed)} completed responses in the database",
        ),
        ("each completed response has one score", scored == completed, f"{len(scored)} scores"),
        (
            "one 'completed' access event per response",
            sorted(logged) == sorted(completed),
            f"{len(logged)} events for {len(set(logged))} responses",
        ),
        ("no response left in progress", not in_progress, f"{len(in_progress)} in progress of {len(started)} started"),
        ("each risk answer queued one e-mail task", queued == len(risk), f"{len(risk)} risk answers, {queued} tasks"),
    ]
    return {
        "citizens": len(citizens),
        "seconds": elapsed,
        "requests": requests,
        "requests_per_s": requests / elapsed,
        "questionnaires": len(submitted),
        "double_clicks": sum(c.double_clicks for c in citizens),
        "risk_answers": len(risk),
        "errors": len(errors) + len(stuck),
        "latency_ms": {
            step: {
                "count": len(values),
                "p50": (harness.percentile(values, 50) or 0) * 1000,
                "p95": (harness.percentile(values, 95) or 0) * 1000,
                "max": max(values, default=0) * 1000,
            }
            for step, values in latency.items()
        },
        "client_cpu_s": client_cpu,
        "machine_busy": machine,
        "checks": checks,
    }


# Main -------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slow-clients", type=int, default=50, help="slow clients in (1) (default 50)")
    parser.add_argument("--phase-seconds", type=int, default=20, help="seconds of normal requests per phase (20)")
    parser.add_argument("--rate", type=float, default=5.0, help="normal requests arriving per second (default 5)")
    parser.add_argument("--citizens", type=int, default=50, help="citizens at once in (2) (default 50)")
    parser.add_argument("--load-seconds", type=int, default=60, help="seconds of (2) (default 60)")
    parser.add_argument("--skip-direct", action="store_true", help="(1) through nginx only")
    parser.add_argument("--skip-load", action="store_true", help="leave out (2)")
    parser.add_argument("--database", default="samplan_bench_serving")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--inside", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        return make_citizen_logins(args.inside)
    for name in ("slow_clients", "phase_seconds", "citizens", "load_seconds"):
        if not 1 <= getattr(args, name) <= 600:
            parser.error(f"--{name.replace('_', '-')} must be between 1 and 600")
    if not 0.1 <= args.rate <= 50:
        parser.error("--rate must be between 0.1 and 50")
    require_tools()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (servers, database) when stopped
    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="samplan-bench-serving-"))
    workdir.chmod(0o755)  # nginx's workers (nobody) create their temporary files below it
    env = harness.server_env(
        args.database,
        workdir,
        unset=("TASKS_BACKEND", "GUNICORN_BIND"),
        ALLOWED_HOSTS=f"{HOST_NAME},127.0.0.1",
        WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "3"),
    )

    figures = {"args": {key: str(value) for key, value in vars(args).items()}, "reference_ms": [harness.reference_ms()]}
    log(f"reference loop: {figures['reference_ms'][0]:.0f} ms (the same pure-Python work in every run)")
    db = args.database
    log(f"database {db}: drop, create, migrate, seed_demo --citizens {args.citizens + 1}, citizen logins")
    harness.create_database(db)
    gunicorn = nginx = None
    try:
        harness.migrate(env)
        harness.manage(env, "seed_demo", "--citizens", str(args.citizens + 1))
        seeded = harness.run_inside(
            __file__, env, "--inside", str(args.citizens), failed="making the citizens' logins failed"
        )
        logins, phq9_id = seeded["citizens"], seeded["phq9"]

        app_port, http_port, https_port = harness.free_port(), harness.free_port(), harness.free_port()
        cert, key = make_certificate(workdir)
        config = nginx_config(
            workdir, app_port=app_port, http_port=http_port, https_port=https_port, cert=cert, key=key
        )
        gunicorn = start_deployed_gunicorn(workdir, env, app_port)
        nginx = start_nginx(workdir, config)
        tls = ssl.create_default_context(cafile=str(cert))
        direct = Target("gunicorn directly", app_port)
        proxied = Target("nginx (HTTPS) in front", https_port, tls)
        probe = logins[0]["session"]
        log(f"gunicorn (deploy/gunicorn.conf.py) on 127.0.0.1:{app_port}, nginx on 127.0.0.1:{https_port} (HTTPS)")
        for target in (direct, proxied):  # every worker has loaded the app and opened its connection
            wait_until_answering(target, probe)
            arrivals(target, probe, rate=10, seconds=3)
        checks = [check_redirect_and_limits(http_port, proxied, probe)]

        figures["slow"] = {}
        for target in ([] if args.skip_direct else [direct]) + [proxied]:
            log(
                f"(1) {target.name}: {args.rate:g}/s for {args.phase_seconds} s alone,"
                f" then with {args.slow_clients} slow clients"
            )
            figures["slow"][target.name] = slow_client_phase(target, probe, args)
            for part in ("alone", "slow"):
                r = figures["slow"][target.name][part]
                log(
                    f"  {part}: {r['ok']}/{r['requests']} ok, p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms,"
                    f" max {r['max_ms']:.0f} ms, failures {r['failures']}"
                )
        checks.extend(slow_client_checks(figures["slow"][proxied.name], args))
        if not args.skip_load:
            log(f"(2) {args.citizens} citizens submitting PHQ-9 through nginx for {args.load_seconds} s")
            figures["load"] = citizens_phase(proxied, db, logins, phq9_id, args)
            checks.extend(figures["load"]["checks"])
    finally:
        harness.stop(nginx)
        harness.stop(gunicorn, seconds=40)
        harness.clean_up(db, workdir, keep=args.keep)
    figures["reference_ms"].append(harness.reference_ms())
    figures["checks"] = checks
    figures["elapsed_s"] = time.monotonic() - began
    report(args, figures, workdir)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if all(passed for _name, passed, _detail in checks) else 1


def slow_client_checks(phase, args):
    """Through nginx every normal request succeeds beside the slow clients, and nginx drops a client
    that has not sent its headers within client_header_timeout (10 s) when the phase lasts longer."""
    slow, stats = phase["slow"], phase["slow"]["slow_clients"]
    checks = [
        (
            f"through nginx, normal requests succeed beside {args.slow_clients} slow clients",
            slow["ok"] == slow["requests"],
            f"{slow['ok']} of {slow['requests']} answered 200, p95 {slow['p95_ms']:.0f} ms",
        )
    ]
    if args.phase_seconds + 2 > 12:
        checks.append(
            (
                "nginx drops a client whose headers take more than 10 s",
                stats["dropped_by_server"] >= args.slow_clients,
                f"{stats['dropped_by_server']} of {stats['connections']} slow connections dropped",
            )
        )
    return checks


def check_redirect_and_limits(http_port, proxied, session):
    """Plain HTTP redirects to HTTPS; an 11 MB body is refused by nginx (FHIR gets an OperationOutcome)."""
    plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    plain.request("GET", "/me/", headers={"Host": HOST_NAME})
    redirect = plain.getresponse()
    redirect.read()
    plain.close()
    connection = proxied.connection(30)
    headers = {"Host": HOST_NAME, "Content-Type": "application/fhir+json", "Content-Length": str(11 * 2**20)}
    connection.putrequest("POST", "/fhir/QuestionnaireResponse", skip_host=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    with contextlib.suppress(OSError):
        connection.send(b"[" * 65536)  # nginx answers from the headers; the rest need not be sent
    reply = connection.getresponse()
    outcome = reply.read()
    connection.close()
    is_outcome = b'"resourceType":"OperationOutcome"' in outcome
    passed = (
        redirect.status == 301 and redirect.getheader("Location", "").startswith("https://") and reply.status == 413
    )
    detail = f"HTTP → {redirect.status} {redirect.getheader('Location')}; 11 MB POST /fhir/ → {reply.status}"
    return (
        "nginx: HTTPS redirect and the 10 MB body limit",
        passed and is_outcome,
        detail + (" OperationOutcome" if is_outcome else ""),
    )


def report(args, figures, workdir):
    cores = os.cpu_count() or 1
    print()
    before, after = figures["reference_ms"]
    print(
        f"reference loop (machine speed; lower is faster): {before:.0f} ms before, {after:.0f} ms after; {cores} cores"
    )
    workers = os.environ.get("WEB_CONCURRENCY", "3")
    print(f"gunicorn -c deploy/gunicorn.conf.py (sync, {workers} workers), PostgreSQL, DEBUG off")
    print(f"\n(1) GET /me/ arriving {args.rate:g}/s for {args.phase_seconds} s, a new connection each, 10 s allowed")
    head = f"{'server':<24} {'slow clients':>12} {'requests':>8} {'ok':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
    print(head + f" {'busy':>5}  failures")
    rows = []
    for name, phase in figures["slow"].items():
        for part, slow in (("alone", 0), ("slow", args.slow_clients)):
            r = phase[part]
            failures = ", ".join(f"{k} ×{v}" for k, v in r["failures"].items()) or "-"
            print(
                f"{name:<24} {slow:>12} {r['requests']:>8} {r['ok']:>5} {r['p50_ms']:>8.0f} {r['p95_ms']:>8.0f}"
                f" {r['max_ms']:>8.0f} {r['machine_busy']:>5.0%}  {failures}"
            )
            rows.append(
                f"| {name} | {slow} | {r['requests']} | {r['ok']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f}"
                f" | {r['max_ms']:.0f} | {failures} | {r['machine_busy']:.0%} |"
            )
        stats = phase["slow"]["slow_clients"]
        print(
            f"{'':<24} slow clients: {stats['connections']} connections opened,"
            f" {stats['dropped_by_server']} dropped by the server, {stats['connect_failed']} refused;"
            f" answering again {phase['recovered_after_s']:.1f} s after they stopped"
        )
    print("p50/p95/max count a failed request at the time it took to fail; busy = the whole machine's CPU")
    if "load" in figures:
        load = figures["load"]
        print(
            f"\n(2) {load['citizens']} citizens through nginx for {load['seconds']:.0f} s:"
            f" {load['questionnaires']} PHQ-9 submitted ({load['double_clicks']} double clicks,"
            f" {load['risk_answers']} risk answers), {load['requests']} requests, {load['requests_per_s']:.1f}/s,"
            f" {load['errors']} errors; machine busy {load['machine_busy']:.0%},"
            f" this client {load['client_cpu_s'] / load['seconds'] / cores:.0%} of it"
        )
        for step, lat in load["latency_ms"].items():
            print(
                f"  {step:<7} {lat['count']:>6} requests  p50 {lat['p50']:>7.0f} ms"
                f"  p95 {lat['p95']:>7.0f} ms  max {lat['max']:>7.0f} ms"
            )
    print()
    harness.print_checks(figures["checks"])
    print("\nmarkdown rows (server | slow clients | requests | ok | p50 | p95 | max | failures | machine busy):")
    print("\n".join(rows))
    print(f"\ntotal time {figures['elapsed_s']:.0f} s; gunicorn and nginx logs in {workdir}")


if __name__ == "__main__":
    sys.exit(main())
