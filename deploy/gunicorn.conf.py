"""gunicorn for Samplan behind nginx (deploy/nginx/): ``gunicorn -c deploy/gunicorn.conf.py samplan.wsgi``.

Sync workers, as ``make serve``: nginx buffers whole requests and whole replies, so a worker only
ever meets a client that sends and reads at loopback speed, and a slow or stalled client on the
internet holds a connection in nginx, not a worker. Without such a proxy in front, a sync worker
waits for as long as a client takes to send its headers (bench/serving.py shows it); do not expose
this port. gthread workers measured no better for this app (docs/benchmarks.md): the POST path was a
third slower, and they too give a thread to a connection before its headers have arrived.

Settings come from the environment, like the app's (the same EnvironmentFile in systemd).
"""

import os

# Loopback only; nginx's upstream (deploy/nginx/samplan.conf) names the same address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# CPU-bound requests: about one worker per core, plus one to cover a request waiting on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"

# A request that takes longer than this is stopped (the worker is restarted, nginx answers 502).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (systemctl stop/restart), requests in progress may finish for this long.
graceful_timeout = 30
# Restart each worker after a few thousand requests so a slow leak cannot grow without bound.
max_requests = 5000
max_requests_jitter = 500

# Request line and headers: gunicorn's limits match nginx's (8 kB per header line).
limit_request_line = 8190
limit_request_field_size = 8190
limit_request_fields = 100

# X-Forwarded-Proto is trusted from nginx on this machine only (Django reads it through
# SECURE_PROXY_SSL_HEADER; nginx always sets it).
forwarded_allow_ips = "127.0.0.1,::1"

# Access log on stdout (the journal with systemd), with the client's address as nginx saw it.
# Calendar feed URLs hold a token: keep these logs as protected as the application.
accesslog = "-"
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
