# Samplan: `make demo` to try it, `make test` to check it. Everything installs itself.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif
RUN := $(UV) run --frozen
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install uv lint format serve messages clean-demo bench system-packages system-packages-demo restore-drill bench-serving bench-insights

# Debian packages beyond Python, installed by bin/system-packages with apt-get when run as root,
# otherwise named with the command to run. make demo needs pango and fonts for the PDFs (WeasyPrint);
# make test also needs chromium (browser tests), poppler's pdftotext (PDF tests) and gettext (the
# catalog check); the restore drill needs PostgreSQL's client programs.
PDF_PACKAGES := fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1
TEST_PACKAGES := $(PDF_PACKAGES) chromium poppler-utils gettext
# With DATABASE_OWNER_URL set, migrations run as the tables' owner (docs/operations.md, "Database roles").
AS_OWNER := $(if $(DATABASE_OWNER_URL),DATABASE_ROLE=owner)

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

install: uv
	@$(UV) sync --frozen --quiet

system-packages:
	@bin/system-packages $(TEST_PACKAGES)

system-packages-demo:
	@bin/system-packages $(PDF_PACKAGES)

demo: install system-packages-demo
	@mkdir -p var
	DEBUG=true $(RUN) python manage.py migrate --no-input -v 0
	DEBUG=true $(RUN) python manage.py import_questionnaire --shipped
	DEBUG=true $(RUN) python manage.py seed_demo --citizens 300
	@echo ""
	@echo "Samplan demo on http://$(HOST):$(PORT)/  (all passwords: samplan-demo)"
	@echo "  koordinator  coordinator of several citizens"
	@echo "  fastlege     GP on some care teams"
	@echo "  nav          NAV on some care teams, limited sections"
	@echo "  leder        service leader, reviews emergency access"
	@echo "  utenfor      staff on no care team"
	@echo "  admin        administrator (organisations and staff)"
	@echo "  innbygger    a citizen; coordinator is koordinator"
	@echo "  likeperson   peer worker on Ingrid's team"
	@echo "  miljo        milieu therapist at a housing unit (incidents)"
	@echo "  nattevakt    night shift at the social emergency unit (anonymous contacts)"
	@echo ""
	DEBUG=true $(RUN) python manage.py runserver $(HOST):$(PORT)

test: install system-packages
	$(RUN) pytest

# Dump a seeded PostgreSQL database, restore it into a new one, start the app on it, compare
# (bin/restore_drill.py). Needs DATABASE_URL (and DATABASE_OWNER_URL) pointing at PostgreSQL.
restore-drill: install
	@bin/system-packages postgresql-client
	$(RUN) python bin/restore_drill.py

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports
	DEBUG=true $(RUN) python manage.py makemigrations --check --dry-run

format: install
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

messages: install
	DEBUG=true $(RUN) python manage.py makemessages -l nb -l nn -l da -l en --no-obsolete --add-location file --ignore=.venv --ignore=static --ignore=staticfiles --ignore=var
	DEBUG=true $(RUN) python manage.py compilemessages --ignore=.venv

# Production-like: gunicorn + whitenoise, DEBUG off. Needs SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS;
# with DATABASE_OWNER_URL, migrate runs as the owner and re-applies the runtime role's grants.
serve: install
	$(RUN) python manage.py collectstatic --no-input -v 0
	$(AS_OWNER) $(RUN) python manage.py migrate --no-input
	$(RUN) python manage.py import_questionnaire --shipped
	$(RUN) gunicorn samplan.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} --access-logfile -

clean-demo:
	rm -f var/samplan.sqlite3

# 50 slow clients beside normal requests, directly and through deploy/nginx, and 50 citizens
# submitting questionnaires for 60 s (loopback only, about 4 minutes; figures in docs/benchmarks.md).
bench-serving: install
	@bin/system-packages nginx openssl
	$(RUN) python bench/serving.py

# The outcome report at 100,000 citizens (about 5 M scores, loaded by COPY; 15-20 minutes and
# 5 GB of PostgreSQL; figures in docs/benchmarks.md). CITIZENS=2000 checks the script quickly.
bench-insights: install
	@bin/system-packages wrk
	$(RUN) python bench/insights.py --citizens $${CITIZENS:-100000}
