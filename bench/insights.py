"""The outcome report (issue 14, "Insights") over a municipality's year, served as in production.

    uv run python bench/insights.py [--citizens 100000] [--sequential 100] [--concurrency 1,4,8]
                                    [--duration 20] [--workers 3] [--threads 1] [--keep] [--reuse]

Creates a fresh database (``samplan_bench_insights``, dropped and created again), migrates, runs
``seed_demo --citizens 1`` (the named staff, Ingrid, and ``leder``, who leads "Psykisk helse og rus"
and the units under it), then loads ``--citizens`` more citizens with PostgreSQL ``COPY`` (psycopg's
``cursor.copy``, one stream per table per chunk of ``--chunk`` citizens, one transaction a chunk),
not through the actions and not one statement per row:

* ten municipal units under the leader's unit, with one coordinator (a user with a staff profile)
  per 60 citizens; citizen *i* belongs to unit *i* mod 10 and has its coordinator on the care team;
* a year of history per citizen: a first episode (one of the four shipped pathway templates) referred
  a year ago, first contact 1–12 days later, then completed, dropped out, transferred (with an end
  reason, as the check constraint asks) or still active; about half of those that ended were referred
  again (still waiting when the referral is recent, otherwise active);
* PHQ-9 and GAD-7 every 14 days and WHO-5 every 28 days within each episode (one in ten missed), each
  a completed ``QuestionnaireResponse`` with answers and its ``Score`` (the published scoring rules,
  ``measures.scoring.score``): about 50 scores per citizen, 5 million for 100,000 citizens;
* one to three goals per started episode, rated every 28 days; for each ended episode the user
  evaluation (``ScheduledQuestionnaire``, reason ``evaluation``), answered in three cases of five.

The loader sets ``session_replication_role = replica`` on its own connection (no triggers, so no
foreign-key checks per row; the ids are assigned here and the sequences moved past them), and then
checks every foreign key it wrote with one anti-join each. Then ``manage.py rebuild_insights`` (the
kept summaries ``EpisodeScore``/``EpisodeGoal``; the signals that keep them on normal writes do not
fire for COPY) is timed with its peak memory, then ``VACUUM ANALYZE``. Row counts and the database
size are printed. ``--profile-rebuild`` runs the rebuild in-process under cProfile instead and
prints where the time went.

``leder`` is logged in without the login form (a confirmed TOTP device and database sessions filled
as ``django.contrib.auth.login`` and ``django_otp.login`` fill them) and gets an API token
(``ApiToken.issue``). gunicorn is started as ``make serve`` does (DEBUG off, a random SECRET_KEY,
``--workers 3`` sync) on 127.0.0.1 and a free port; requests carry ``X-Forwarded-Proto: https``.
Four reports are measured, the last twelve months (``from`` = a year ago + 1 day, ``to`` = today):

* ``html all`` / ``json all``: ``GET /insights/`` and ``GET /insights/outcomes.json``, the whole
  municipality (every unit the leader leads);
* ``html unit`` / ``json unit``: the same for one unit (``&unit=<id>``, a tenth of the citizens).

For each, after ``--warmup`` requests: ``--sequential`` requests one after another (urllib, a new
connection each), then wrk (``bench/worklist.lua``, one session per connection) for ``--duration``
seconds at each ``--concurrency``: requests/s, p50/p95/p99, CPU per request in gunicorn, PostgreSQL
and the client (``bench/harness.py``). The RSS of gunicorn's master and workers is read after each
phase. The JSON report is also fetched once with ``Authorization: Bearer`` and no cookie.

Then, with gunicorn stopped, each report is requested ``--explain-runs`` times in one process under
``django.test.utils.CaptureQueriesContext``: the number of SQL statements per request (run at 10,000
and at 100,000 citizens to show that it does not grow), each statement's median time, and the plans
(``EXPLAIN (ANALYZE, BUFFERS)``) of the two slowest SELECTs. The machine-speed loop of
``bench/harness.py`` is timed before the load, before the HTTP phases and after them.

The database is dropped at the end unless ``--keep``; ``--reuse`` measures a kept database again
without loading it (``--rebuild`` rebuilds its kept summaries first; ``--rebuild --days-only`` only
counts the days again from the kept rows, after a migration that adds them). Traffic goes to
127.0.0.1 only.
A small run to check the script: ``--citizens 2000 --sequential 20 --duration 3``.
"""

import argparse
import datetime
import json
import os
import random
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
from pathlib import Path

import harness
from harness import log

LUA = Path(__file__).with_name("worklist.lua")  # BENCH_PATH and BENCH_COOKIES say what to request
HTML, JSON = "/insights/", "/insights/outcomes.json"
UNITS = 10
PER_COORDINATOR = 60
COUNTS = {
    "citizens": "people_citizen",
    "units (municipal)": "people_organisation WHERE org_type = 'municipal'",
    "staff profiles": "people_staffprofile",
    "care-team members": "people_careteammember",
    "episodes": "pathways_episode",
    "episodes waiting": "pathways_episode WHERE status = 'waiting'",
    "episodes active": "pathways_episode WHERE status = 'active'",
    "episodes ended": "pathways_episode WHERE status IN ('completed', 'dropped_out', 'transferred')",
    "questionnaire responses": "measures_questionnaireresponse",
    "scores": "measures_score",
    "goals": "measures_goal",
    "goal ratings": "measures_goalrating",
    "user evaluations scheduled": "pathways_scheduledquestionnaire WHERE reason = 'evaluation'",
    "kept episode scores": "insights_episodescore",
    "kept episode goals": "insights_episodegoal",
}


# Helpers as bench/worklist.py has them (importing that script would hide the app ``worklist`` from
# Django in the child processes, whose sys.path starts with bench/) ------------------------------------


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
    if match and match.group(1).startswith("qualify"):
        match = re.search(r'FROM\s+"([a-z_]+)"', sql)
    return match.group(1) if match else sql.split()[0]


def settle(log_path, quiet=1.0, limit=600.0):
    """Wait until gunicorn's access log has not grown for ``quiet`` seconds (requests in flight done)."""
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


# Inside Django: the loader --------------------------------------------------------------------------


def _copy_text(value):
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


class Table:
    """Rows for one table, as COPY text lines, with ids assigned here (from max(id) + 1)."""

    def __init__(self, cursor, name, columns):
        self.name, self.columns, self.lines, self.written = name, columns, [], 0
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {name}")
        self.next_id = cursor.fetchone()[0] + 1

    def add(self, *values):
        """A row (values after the id, in ``columns`` order); its id."""
        row_id = self.next_id
        self.next_id += 1
        self.lines.append(f"{row_id}\t" + "\t".join(map(_copy_text, values)) + "\n")
        return row_id

    def flush(self, cursor):
        if not self.lines:
            return
        with cursor.copy(f"COPY {self.name} (id, {', '.join(self.columns)}) FROM STDIN") as copy:
            for start in range(0, len(self.lines), 20000):
                copy.write("".join(self.lines[start : start + 20000]))
        self.written += len(self.lines)
        self.lines = []

    def move_sequence(self, cursor):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{self.name}', 'id'),"
            f" greatest((SELECT max(id) FROM {self.name}), 1))"
        )


class Instruments:
    """For each instrument and total: the answers, the scoring result and the band, computed once."""

    def __init__(self, questionnaires):
        from measures import scoring
        from measures.fhir_forms import parse_items, walk

        self.scoring = scoring
        self.questionnaires = questionnaires
        self.codes = {
            key: {
                item.link_id: {int(option.value): option.code for option in item.options}
                for item in walk(parse_items(questionnaires[key].resource))
                if item.options and option_values_are_numbers(item)
            }
            for key in ("phq9", "gad7", "who5")
        }
        self.cache = {}

    def get(self, key, total):
        found = self.cache.get((key, total))
        if found is None:
            instrument = self.scoring.INSTRUMENTS[key]
            per_item = max(value for value in instrument.valid_item_values[0])
            items = instrument.item_count
            quotient, rest = divmod(total, items)
            values = [min(per_item, quotient + (1 if n < rest else 0)) for n in range(items)]
            result = self.scoring.score(key, values)
            answers = {f"{key}-{n + 1}": [self.codes[key][f"{key}-{n + 1}"][value]] for n, value in enumerate(values)}
            text = json.dumps(result, ensure_ascii=False, default=str)
            found = (
                json.dumps(answers, ensure_ascii=False),
                text,
                result.get("band") or "",
                str(result.get("total", result.get("mean"))),
            )
            self.cache[(key, total)] = found
        return found


def option_values_are_numbers(item):
    try:
        return all(int(option.value) == option.value for option in item.options)
    except (TypeError, ValueError):
        return False


def clamp(value, low, high):
    return max(low, min(high, round(value)))


def load(count, seed, chunk):
    """``count`` citizens with a year of history each, by COPY; prints the counts and seconds as JSON."""
    harness.setup_django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from demo.bulk import FAMILY_NAMES, GIVEN_NAMES, synthetic_national_id
    from measures.models import Questionnaire
    from pathways.models import PathwayTemplate
    from people.access import coordinator_sections
    from people.models import Citizen, Organisation, StaffProfile, UnitLeadership

    started = time.monotonic()
    rng = random.Random(seed)
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    leader = get_user_model().objects.get(username="leder")
    parent = UnitLeadership.objects.active().get(user=leader).organisation
    questionnaires = {q.key: q for q in Questionnaire.objects.current()}
    instruments = Instruments(questionnaires)
    evaluation = questionnaires["user-evaluation"]
    templates = list(
        PathwayTemplate.objects.filter(
            key__in=["guided-self-help", "coordinator-follow-up", "critical-time-intervention", "open-dialogue"]
        ).order_by("key")
    )
    template_weights = [{"guided-self-help": 45, "coordinator-follow-up": 30}.get(t.key, 12) for t in templates]

    # Units and coordinators (small: the ORM).
    password = make_password(None)
    units = Organisation.objects.bulk_create(
        Organisation(name=f"Enhet {n + 1:02d} (benchmark)", org_type=Organisation.Type.MUNICIPAL, parent=parent)
        for n in range(UNITS)
    )
    per_unit = -(-count // UNITS)
    coordinators_per_unit = max(1, -(-per_unit // PER_COORDINATOR))
    users = get_user_model().objects.bulk_create(
        get_user_model()(
            username=f"bench-u{u:02d}-k{k:04d}",
            first_name=rng.choice(GIVEN_NAMES),
            last_name=rng.choice(FAMILY_NAMES),
            password=password,
        )
        for u in range(UNITS)
        for k in range(coordinators_per_unit)
    )
    StaffProfile.objects.bulk_create(
        StaffProfile(user=user, organisation=units[n // coordinators_per_unit], profession="Miljøterapeut")
        for n, user in enumerate(users)
    )
    coordinators = [users[u * coordinators_per_unit : (u + 1) * coordinators_per_unit] for u in range(UNITS)]
    sections = json.dumps(coordinator_sections())
    used_ids = set(Citizen.objects.values_list("national_id", flat=True))

    def stamp(day, hour=10, minute=0):
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone).isoformat()

    raw = connection.cursor().cursor  # psycopg's own cursor, for copy()
    tables = {
        "citizen": Table(
            raw,
            "people_citizen",
            [
                "given_name",
                "family_name",
                "date_of_birth",
                "national_id",
                "phone",
                "email",
                "preferred_language",
                "created_at",
                "updated_at",
            ],
        ),
        "member": Table(
            raw,
            "people_careteammember",
            [
                "citizen_id",
                "user_id",
                "person_name",
                "person_contact",
                "role",
                "organisation_id",
                "active_from",
                "sections",
                "added_by_id",
                "added_at",
            ],
        ),
        "episode": Table(
            raw,
            "pathways_episode",
            [
                "citizen_id",
                "template_id",
                "status",
                "referral_received",
                "referral_source",
                "referral_reason",
                "unit_id",
                "responsible_id",
                "first_contact_due",
                "first_contact_on",
                "started_at",
                "ended_on",
                "end_reason",
                "ended_by_id",
                "created_by_id",
                "created_at",
            ],
        ),
        "goal": Table(
            raw,
            "measures_goal",
            [
                "citizen_id",
                "text",
                "life_area",
                "created_by_id",
                "created_at",
                "closed_at",
                "updated_at",
            ],
        ),
        "rating": Table(raw, "measures_goalrating", ["goal_id", "rating", "rated_at", "rated_by_id", "recorded_at"]),
        "response": Table(
            raw,
            "measures_questionnaireresponse",
            [
                "citizen_id",
                "questionnaire_id",
                "status",
                "answers",
                "idempotency_key",
                "author_id",
                "entered_on_behalf",
                "created_at",
                "updated_at",
                "authored_at",
            ],
        ),
        "score": Table(
            raw,
            "measures_score",
            [
                "response_id",
                "citizen_id",
                "instrument",
                "total",
                "band",
                "result",
                "effective_at",
                "created_at",
            ],
        ),
        "scheduled": Table(
            raw,
            "pathways_scheduledquestionnaire",
            [
                "citizen_id",
                "episode_id",
                "questionnaire_key",
                "reason",
                "due_on",
                "response_id",
                "answered_at",
                "cancelled_at",
            ],
        ),
    }
    T = tables
    sources = ["self", "gp", "nav", "specialist", "other"]
    endings = {
        "completed": "Målene er nådd; avsluttet etter avtale.",
        "dropped_out": "Møtte ikke etter flere forsøk på kontakt.",
        "transferred": "Overført til spesialisthelsetjenesten.",
    }
    goal_texts = [
        "Sove bedre",
        "Komme i jobb eller aktivitet",
        "Ha en fast bolig",
        "Mer kontakt med familien",
        "Klare meg selv med økonomien",
        "Gå tur hver dag",
    ]
    life_areas = ["daily_living", "work", "housing", "relationships", "finances", "physical_health"]
    evaluation_changes = ["much-better", "a-little-better", "about-the-same", "a-little-worse", "much-worse"]
    year_ago = today - datetime.timedelta(days=365)

    def add_scores(citizen_id, first_day, last_day, levels, drift, fraction_done):
        """PHQ-9 and GAD-7 every 14 days, WHO-5 every 28, from ``first_day`` to ``last_day``."""
        span = max((last_day - first_day).days, 1)
        for key, every, sign, high in (("phq9", 14, -1, 27), ("gad7", 14, -1, 21), ("who5", 28, 1, 25)):
            day = first_day
            while day <= last_day:
                if rng.random() >= 0.1:
                    progress = fraction_done[0] + (fraction_done[1] - fraction_done[0]) * (day - first_day).days / span
                    total = clamp(levels[key] + sign * drift[key] * progress + rng.randint(-2, 2), 0, high)
                    answers, result, band, total_text = instruments.get(key, total)
                    at = stamp(day, 8 + rng.randint(0, 10), rng.randint(0, 59))
                    response_id = T["response"].add(
                        citizen_id,
                        instruments.questionnaires[key].pk,
                        "completed",
                        answers,
                        f"bench-{T['response'].next_id:012d}",
                        None,
                        False,
                        at,
                        at,
                        at,
                    )
                    T["score"].add(response_id, citizen_id, key, total_text, band, result, at, at)
                day += datetime.timedelta(days=every)

    def add_episode(citizen_id, unit, coordinator, template, referral, fate, end, levels, drift, span):
        due = referral + datetime.timedelta(days=template.first_contact_days) if template.first_contact_days else None
        waiting = fate == "waiting"
        contact = None if waiting else min(referral + datetime.timedelta(days=rng.randint(1, 12)), today)
        ended = fate in endings
        episode_id = T["episode"].add(
            citizen_id,
            template.pk,
            fate,
            referral,
            rng.choice(sources),
            "Ønsker oppfølging",
            unit.pk,
            coordinator.pk,
            due,
            contact,
            None if waiting else stamp(contact),
            end if ended else None,
            endings.get(fate, ""),
            coordinator.pk if ended else None,
            coordinator.pk,
            stamp(referral, 9),
        )
        last_day = end if ended else today
        if waiting:
            add_scores(citizen_id, referral, referral, levels, drift, span)  # a baseline at the referral
            return episode_id
        add_scores(citizen_id, referral, last_day, levels, drift, span)
        for _ in range(rng.randint(1, 3)):
            n = rng.randrange(len(goal_texts))
            goal_id = T["goal"].add(
                citizen_id,
                goal_texts[n],
                life_areas[n],
                coordinator.pk,
                stamp(contact, 11),
                stamp(end, 12) if ended else None,
                stamp(end, 12) if ended else stamp(contact, 11),
            )
            rating, day = rng.randint(1, 5), contact
            while day <= last_day:
                T["rating"].add(goal_id, rating, stamp(day, 11, 30), coordinator.pk, stamp(day, 11, 30))
                rating = clamp(rating + rng.choice((-1, 0, 1, 1)), 1, 10)
                day += datetime.timedelta(days=28)
        if ended:
            answered = rng.random() < 0.6
            response_id, answered_at = None, None
            if answered:
                answered_at = stamp(min(end + datetime.timedelta(days=rng.randint(0, 7)), today), 13)
                answers = json.dumps(
                    {
                        "completed": ["yes" if fate == "completed" else "stopped"],
                        "change": [rng.choice(evaluation_changes)],
                    }
                )
                response_id = T["response"].add(
                    citizen_id,
                    evaluation.pk,
                    "completed",
                    answers,
                    f"bench-{T['response'].next_id:012d}",
                    None,
                    False,
                    answered_at,
                    answered_at,
                    answered_at,
                )
            T["scheduled"].add(
                citizen_id, episode_id, "user-evaluation", "evaluation", end, response_id, answered_at, None
            )
        return episode_id

    done = 0
    while done < count:
        size = min(chunk, count - done)
        with transaction.atomic():
            raw.execute("SET LOCAL session_replication_role = replica")  # no FK triggers per row; checked below
            for index in range(done, done + size):
                unit_number = index % UNITS
                unit = units[unit_number]
                coordinator = coordinators[unit_number][
                    min((index // UNITS) // PER_COORDINATOR, coordinators_per_unit - 1)
                ]
                born = datetime.date(rng.randint(1950, 2006), rng.randint(1, 12), rng.randint(1, 28))
                national_id = synthetic_national_id(rng, born)
                while national_id in used_ids:
                    national_id = synthetic_national_id(rng, born)
                used_ids.add(national_id)
                start = year_ago + datetime.timedelta(days=rng.randint(1, 7))  # inside the last 12 months
                citizen_id = T["citizen"].add(
                    rng.choice(GIVEN_NAMES),
                    rng.choice(FAMILY_NAMES),
                    born,
                    national_id,
                    f"9{rng.randint(0, 9999999):07d}",
                    "",
                    "nb",
                    stamp(start, 8),
                    stamp(start, 8),
                )
                T["member"].add(
                    citizen_id,
                    coordinator.pk,
                    "",
                    "",
                    "coordinator",
                    unit.pk,
                    start,
                    sections,
                    coordinator.pk,
                    stamp(start, 8),
                )
                levels = {
                    "phq9": clamp(rng.gauss(14, 5), 0, 27),
                    "gad7": clamp(rng.gauss(11, 4), 0, 21),
                    "who5": clamp(rng.gauss(9, 4), 0, 25),
                }
                fate = rng.choices(("completed", "dropped_out", "transferred", "active"), (40, 15, 5, 40))[0]
                gain = {"completed": 7, "dropped_out": 2, "transferred": 3, "active": 5}[fate]
                drift = {"phq9": rng.gauss(gain, 4), "gad7": rng.gauss(gain * 0.7, 3), "who5": rng.gauss(gain * 0.8, 4)}
                end = None
                if fate != "active":
                    end = min(start + datetime.timedelta(days=rng.randint(45, 320)), today - datetime.timedelta(days=1))
                template = rng.choices(templates, template_weights)[0]
                add_episode(citizen_id, unit, coordinator, template, start, fate, end, levels, drift, (0.0, 1.0))
                if end is not None and end < today - datetime.timedelta(days=20) and rng.random() < 0.5:
                    referral = min(end + datetime.timedelta(days=rng.randint(7, 40)), today)
                    second = "waiting" if referral > today - datetime.timedelta(days=60) else "active"
                    after = {k: clamp(levels[k] - (drift[k] if k != "who5" else -drift[k]), 0, 27) for k in levels}
                    add_episode(
                        citizen_id,
                        unit,
                        coordinator,
                        rng.choices(templates, template_weights)[0],
                        referral,
                        second,
                        None,
                        after,
                        {k: v / 2 for k, v in drift.items()},
                        (0.0, 0.5),
                    )
            for table in T.values():
                table.flush(raw)
        done += size
        log(f"  loaded {done}/{count} citizens, {T['score'].written} scores ({time.monotonic() - started:.0f} s)")
    with transaction.atomic():
        for table in T.values():
            table.move_sequence(raw)
    loaded = time.monotonic() - started
    checked = time.monotonic()
    orphans = check_foreign_keys(raw)
    print(
        json.dumps(
            {
                "load_s": loaded,
                "fk_check_s": time.monotonic() - checked,
                "orphans": orphans,
                "rows": {name: table.written for name, table in T.items()},
                "units": [unit.pk for unit in units],
            }
        )
    )


FOREIGN_KEYS = [
    ("people_careteammember", "citizen_id", "people_citizen"),
    ("pathways_episode", "citizen_id", "people_citizen"),
    ("pathways_episode", "unit_id", "people_organisation"),
    ("pathways_episode", "template_id", "pathways_pathwaytemplate"),
    ("measures_questionnaireresponse", "citizen_id", "people_citizen"),
    ("measures_score", "response_id", "measures_questionnaireresponse"),
    ("measures_score", "citizen_id", "people_citizen"),
    ("measures_goal", "citizen_id", "people_citizen"),
    ("measures_goalrating", "goal_id", "measures_goal"),
    ("pathways_scheduledquestionnaire", "episode_id", "pathways_episode"),
    ("pathways_scheduledquestionnaire", "response_id", "measures_questionnaireresponse"),
]


def check_foreign_keys(cursor):
    """Rows whose foreign key names no row (the load ran without the triggers that check it): ``{fk: n}``."""
    found = {}
    for table, column, target in FOREIGN_KEYS:
        cursor.execute(
            f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL"
            f" AND NOT EXISTS (SELECT 1 FROM {target} r WHERE r.id = t.{column})"
        )
        found[f"{table}.{column}"] = cursor.fetchone()[0]
    return found


def profile_rebuild():
    """``insights.kept.rebuild()`` under cProfile; the seconds, and the top of the profile on stderr."""
    harness.setup_django()
    import cProfile
    import io
    import pstats

    from insights import kept

    profiler = cProfile.Profile()
    started = time.monotonic()
    profiler.enable()
    scores, goals = kept.rebuild()
    profiler.disable()
    elapsed = time.monotonic() - started
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(15)
    print(json.dumps({"rebuild_s": elapsed, "scores": scores, "goals": goals, "profile": text.getvalue()}))


# Inside Django: sessions and the in-process query count --------------------------------------------


def make_sessions(username, count, unit_ids):
    """A confirmed TOTP device, ``count`` verified sessions and an API token for ``username``."""
    harness.setup_django()
    from django.contrib.auth import get_user_model
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import ApiToken
    from people.access import units_led_by

    user = get_user_model().objects.get(username=username)
    device = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
    keys = [harness.logged_in_session(user, {DEVICE_ID_SESSION_KEY: device.persistent_id}) for _ in range(count)]
    led = units_led_by(user)
    print(
        json.dumps(
            {
                "user_id": user.pk,
                "units_led": len(led),
                "bench_units_led": all(unit in led for unit in unit_ids),
                "sessions": keys,
                "token": ApiToken.issue(user, name="benchmark"),
            }
        )
    )


def explain(session_key, runs, paths):
    """For each path: ``runs`` requests in one process with every statement timed and counted, then
    EXPLAIN ANALYZE of every SELECT of the first run."""
    harness.setup_django()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.cookies["sessionid"] = session_key
    out = {}
    for name, path in paths.items():
        client.get(path)  # templates loaded, connection open, outside the figures
        rounds, walls, counts = [], [], []
        for run in range(runs):
            timings = []

            def timer(execute, sql, params, many, context, timings=timings, first=run == 0):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    elapsed = time.perf_counter() - started
                    text = connection.ops.last_executed_query(context["cursor"].cursor, sql, params) if first else ""
                    timings.append((elapsed, text))

            with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
                started = time.perf_counter()
                response = client.get(path)
                walls.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"GET {path} in process answered {response.status_code}")
            rounds.append(timings)
            counts.append(len(captured.captured_queries))
        queries = []
        for index, (_elapsed, sql) in enumerate(rounds[0]):
            entry = {
                "index": index + 1,
                "table": main_table(sql),
                "kind": sql.split()[0].upper(),
                "median_ms": statistics.median(r[index][0] for r in rounds if index < len(r)) * 1000,
                "sql": sql,
            }
            if entry["kind"] in ("SELECT", "WITH"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    entry["plan"] = [row[0] for row in cursor.fetchall()]
                    transaction.set_rollback(True)
                found = [line for line in entry["plan"] if "Execution Time:" in line]
                entry["execution_ms"] = float(found[0].split(":")[1].split()[0]) if found else None
            queries.append(entry)
        out[name] = {
            "path": path,
            "runs": runs,
            "request_ms": statistics.median(walls) * 1000,
            "captured_queries": sorted(set(counts)),
            "statements": sorted({len(r) for r in rounds}),
            "queries": queries,
        }
    print(json.dumps(out))


def inside(env, *args):
    return harness.run_inside(__file__, env, "--inside", *args, failed=f"--inside {' '.join(args[:2])} failed")


# Parent: database, HTTP, figures ----------------------------------------------------------------------


def row_counts(database):
    counts = {name: harness.query_one(database, f"SELECT count(*) FROM {table}")[0] for name, table in COUNTS.items()}
    size = harness.query_one(database, "SELECT pg_database_size(current_database())")[0]
    counts["database size, MB"] = round(size / 2**20)
    return counts


def timed_child(env, args, title):
    """``python args`` with its output streamed to the log; (seconds, peak RSS in MB, output)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, *args], cwd=harness.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = []
    for line in process.stdout:
        output.append(line)
        if not line.startswith("{"):
            log(f"  {title}: {line.rstrip()}")
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.stderr.write("".join(output))
        raise SystemExit(f"{title} failed")
    return time.monotonic() - started, usage.ru_maxrss / 1024, "".join(output)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(port, path, session_key=None, token=None):
    """Status, content type and body of one GET (no redirects followed)."""
    headers = {"X-Forwarded-Proto": "https", "Accept": "application/json" if path.startswith(JSON) else "text/html"}
    if session_key:
        headers["Cookie"] = f"sessionid={session_key}"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with OPENER.open(request, timeout=120) as response:  # loopback only
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), ""
    except TimeoutError:
        return 0, "", ""  # counted as an error, not a crash


def sequential(port, path, session_key, count):
    latencies, ok = [], 0
    started = time.monotonic()
    for _ in range(count):
        before = time.perf_counter()
        status, _type, _body = get(port, path, session_key)
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
        **{f"p{p}_us": harness.percentile(latencies, p) for p in (50, 90, 95, 99)},
        "max_us": max(latencies),
        "mean_us": statistics.fmean(latencies),
    }


def run_wrk(port, path, concurrency, duration, cookies, output_path):
    env = {**os.environ, "BENCH_PATH": path, "BENCH_COOKIES": ",".join(cookies)}
    command = harness.wrk_command(concurrency, duration, LUA, f"http://127.0.0.1:{port}{path}", "--latency")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    output_path.write_text(result.stdout + result.stderr)
    return harness.wrk_result(result.stdout, result.stderr)


def rss_mb(server_pid):
    """RSS of gunicorn's master and each worker, in MB."""
    found = {}
    for pid in [server_pid, *harness.children(server_pid)]:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    found[pid] = int(line.split()[1]) / 1024
        except OSError:
            continue
    master = found.pop(server_pid, 0.0)
    return {"master": master, "workers": sorted(found.values())}


def ms(result, p):
    return result[f"p{p}_us"] / 1000


def report_paths(units, today):
    start = (
        today.replace(year=today.year - 1)
        if not (today.month == 2 and today.day == 29)
        else today.replace(year=today.year - 1, day=28)
    ) + datetime.timedelta(days=1)
    period = f"from={start.isoformat()}&to={today.isoformat()}"
    unit = f"&unit={units[0]}"
    return {
        "html all": f"{HTML}?{period}",
        "html unit": f"{HTML}?{period}{unit}",
        "json all": f"{JSON}?{period}",
        "json unit": f"{JSON}?{period}{unit}",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=100000, help="citizens loaded (default 100000)")
    parser.add_argument("--chunk", type=int, default=5000, help="citizens per COPY transaction (default 5000)")
    parser.add_argument("--seed", type=int, default=14, help="random seed of the load (default 14)")
    parser.add_argument("--concurrency", default="1,4,8", help="wrk connections, comma-separated (default 1,4,8)")
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per concurrency (default 20)")
    parser.add_argument("--warmup", type=int, default=10, help="requests per report before the figures (default 10)")
    parser.add_argument("--sequential", type=int, default=100, help="sequential requests per report (default 100)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3, as make serve)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1: sync)")
    parser.add_argument("--explain-runs", type=int, default=5, help="in-process requests per report for the queries")
    parser.add_argument("--reports", default="html all,html unit,json all,json unit", help="which reports to time")
    parser.add_argument("--target-all-ms", type=float, default=1000.0, help="p95 target, whole municipality")
    parser.add_argument("--target-unit-ms", type=float, default=300.0, help="p95 target, one unit")
    parser.add_argument("--database", default="samplan_bench_insights")
    parser.add_argument("--pg-option", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--profile-rebuild", action="store_true", help="rebuild in-process under cProfile")
    parser.add_argument("--reuse", action="store_true", help="use the kept, loaded database as it is")
    parser.add_argument("--rebuild", action="store_true", help="with --reuse: rebuild the kept summaries first")
    parser.add_argument(
        "--days-only", action="store_true", help="with --rebuild: only count the days again (rebuild_insights --days)"
    )
    parser.add_argument("--load-only", action="store_true", help="stop after the load, rebuild and counts")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--inside", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        action, *rest = args.inside
        if action == "load":
            return load(int(rest[0]), int(rest[1]), int(rest[2]))
        if action == "profile":
            return profile_rebuild()
        if action == "sessions":
            return make_sessions(rest[0], int(rest[1]), json.loads(rest[2]))
        return explain(rest[0], int(rest[1]), json.loads(rest[2]))
    levels = [int(level) for level in args.concurrency.split(",") if level]
    harness.require_wrk(install=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="samplan-bench-insights-"))
    database_url = f"{harness.PG_SERVER}/{args.database}" + connection_options(args.pg_option)
    env = harness.server_env(args.database, workdir, DATABASE_URL=database_url)
    db, server = args.database, None
    figures = {"args": {k: str(v) for k, v in vars(args).items()}, "reference_ms": {}, "checks": []}
    checks = figures["checks"]
    figures["reference_ms"]["start"] = harness.reference_ms()
    log(f"reference loop: {figures['reference_ms']['start']:.0f} ms")
    if not args.reuse:
        log(f"database {db}: drop, create, migrate")
        harness.create_database(db)
    try:
        harness.migrate(env)
        if not args.reuse:
            log("seed_demo --citizens 1 (staff, leder, Ingrid)")
            figures["seed_s"], _, _ = timed_child(env, ["manage.py", "seed_demo", "--citizens", "1"], "seed_demo")
            log(f"load: {args.citizens} citizens by COPY, {args.chunk} a transaction")
            seconds, rss, output = timed_child(
                env, [__file__, "--inside", "load", str(args.citizens), str(args.seed), str(args.chunk)], "load"
            )
            figures["load"] = json.loads(output.strip().splitlines()[-1])
            figures["load"]["wall_s"], figures["load"]["peak_rss_mb"] = seconds, rss
            orphans = sum(figures["load"]["orphans"].values())
            checks.append(["foreign keys written by COPY name existing rows", orphans == 0, f"{orphans} orphans"])
            log(f"loaded in {figures['load']['load_s']:.0f} s (FK check {figures['load']['fk_check_s']:.0f} s)")
            Path(workdir / "units.json").write_text(json.dumps(figures["load"]["units"]))
        if not args.reuse or args.rebuild:
            rebuild(env, args, figures)
            log("VACUUM ANALYZE")
            analyzed = time.monotonic()
            harness.admin_sql("VACUUM ANALYZE", database=db)
            figures["analyze_s"] = time.monotonic() - analyzed
        units = [
            row[0]
            for row in harness.query(
                db, "SELECT id FROM people_organisation WHERE name LIKE %s ORDER BY name", ("Enhet % (benchmark)",)
            )
        ]
        figures["units"] = units
        figures["counts"] = row_counts(db)
        log("rows: " + ", ".join(f"{name} {count}" for name, count in figures["counts"].items()))
        figures["unit_counts"] = dict(
            harness.query(
                db, "SELECT unit_id, count(*) FROM pathways_episode WHERE unit_id = %s GROUP BY unit_id", (units[0],)
            )
        )
        if args.load_only:
            return finish(args, figures, workdir, started)

        made = inside(env, "sessions", "leder", str(max([*levels, 1]) + 1), json.dumps(units))
        keys, token = made["sessions"], made["token"]
        checks.append(["leder leads every benchmark unit", made["bench_units_led"], f"{made['units_led']} units led"])
        today = datetime.date.fromisoformat(
            harness.query_one(db, "SELECT (now() AT TIME ZONE 'Europe/Oslo')::date::text")[0]
        )
        paths = {name: path for name, path in report_paths(units, today).items() if name in args.reports.split(",")}
        figures["paths"] = paths

        log_path = workdir / "gunicorn.log"
        server, port = harness.start_gunicorn(env, log_path, args.workers, args.threads)
        harness.wait_until_up(lambda: get(port, "/", keys[0]), server)
        available = {}
        for name, path in paths.items():
            status, kind, body = get(port, path, keys[0])
            valid = status == 200 and (not path.startswith(JSON) or _is_json(body))
            available[name] = valid
            log(f"GET {path}: {status}, {kind}, {len(body)} bytes")
            checks.append([f"{name}: 200 for the leader", valid, f"{status} {kind} {len(body)} bytes"])
            figures.setdefault("pages", {})[name] = {"status": status, "bytes": len(body), "type": kind}
        if any(p.startswith(JSON) for p in paths.values()):
            path = next(p for p in paths.values() if p.startswith(JSON))
            status, kind, body = get(port, path, token=token)
            checks.append(
                ["json with Authorization: Bearer (no cookie)", status == 200 and _is_json(body), f"{status}"]
            )
        figures["rss_mb"] = {"after start-up": rss_mb(server.pid)}
        figures["results"] = {}
        timed = [name for name in paths if available[name]]
        if timed:
            figures["reference_ms"]["before"] = harness.reference_ms()
            log(f"reference loop: {figures['reference_ms']['before']:.0f} ms")
        for name in timed:
            path = paths[name]
            log(f"{name}: warm-up, {args.warmup} requests")
            slowest = 0.0
            for _ in range(args.warmup):
                before = time.monotonic()
                get(port, path, keys[0])
                slowest = max(slowest, time.monotonic() - before)
            for level in [None, *levels]:
                # Requests still queued when wrk stops finish one by one: wait for longer than one takes.
                quiet = min(max(1.0, 1.5 * slowest), 120.0)
                phase = f"{name} seq" if level is None else f"{name} c={level}"
                offset = log_path.stat().st_size
                if level is None:
                    log(f"{phase}: {args.sequential} requests one after another")
                    result = harness.measured(
                        server.pid,
                        db,
                        lambda path=path: sequential(port, path, keys[0], args.sequential),
                        settle=lambda quiet=quiet: settle(log_path, quiet),
                        client=resource.RUSAGE_SELF,
                        client_name="client",
                    )
                else:
                    log(f"{phase}: wrk {args.duration} s")
                    output = workdir / f"wrk-{name.replace(' ', '-')}-c{level}.txt"
                    result = harness.measured(
                        server.pid,
                        db,
                        lambda level=level, output=output, path=path: run_wrk(
                            port, path, level, args.duration, keys, output
                        ),
                        settle=lambda quiet=quiet: settle(log_path, quiet),
                        client_name="client",
                    )
                served = harness.served_count(log_path, offset, f'"GET {path} HTTP/1.1" 200 ')
                replies = harness.served_count(log_path, offset, f'"GET {path} HTTP/1.1" ')
                result.update(served=served, replies=replies)
                checks.append(
                    [
                        f"{phase}: every reply a 200",
                        replies == served and result["errors"] == 0,
                        f"{served} of {replies} replies 200, client errors {result['errors']}",
                    ]
                )
                if level is None:
                    slowest = max(slowest, result["max_us"] / 1e6)
                else:
                    checks.append(
                        [
                            f"{phase}: wrk got replies within --duration",
                            result["received"] > 0,
                            f"{result['received']} replies in {args.duration} s",
                        ]
                    )
                figures["results"][phase] = result
                figures["rss_mb"][phase] = rss_mb(server.pid)
                log(
                    f"  {result['received']} requests, {result['requests_per_s']:.2f}/s, p50 {ms(result, 50):.1f} ms,"
                    f" p95 {ms(result, 95):.1f} ms, p99 {ms(result, 99):.1f} ms, errors {result['errors']}"
                )
        harness.stop(server)
        server = None
        if timed:
            figures["reference_ms"]["after"] = harness.reference_ms()
            log(f"queries: {args.explain_runs} requests per report in one process, EXPLAIN ANALYZE of each SELECT")
            figures["explain"] = inside(
                env, "explain", keys[-1], str(args.explain_runs), json.dumps({n: paths[n] for n in timed})
            )
            for name, found in figures["explain"].items():
                counts = found["captured_queries"]
                checks.append(
                    [f"{name}: the same number of statements every request", len(counts) == 1, f"{counts} statements"]
                )
    finally:
        harness.stop(server)
        harness.clean_up(db, workdir, keep=args.keep)
    return finish(args, figures, workdir, started)


def _is_json(body):
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def rebuild(env, args, figures):
    log("rebuild_insights" + (" (in-process, under cProfile)" if args.profile_rebuild else ""))
    if args.profile_rebuild:
        seconds, rss, output = timed_child(env, [__file__, "--inside", "profile"], "rebuild")
        found = json.loads(output.strip().splitlines()[-1])
        figures["rebuild_profile"] = found["profile"]
        figures["rebuild"] = {"s": found["rebuild_s"], "wall_s": seconds, "peak_rss_mb": rss}
    else:
        command = ["manage.py", "rebuild_insights", *(["--days"] if args.days_only else [])]
        seconds, rss, output = timed_child(env, command, "rebuild_insights")
        figures["rebuild"] = {"s": seconds, "wall_s": seconds, "peak_rss_mb": rss, "output": output.strip()}
    log(f"rebuild: {figures['rebuild']['s']:.0f} s, peak RSS {rss:.0f} MB")


def finish(args, figures, workdir, started):
    figures["elapsed_s"] = time.monotonic() - started
    report(args, figures, workdir)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0 if all(passed for _, passed, _ in figures["checks"]) else 1


def report(args, figures, workdir):
    cores = os.cpu_count() or 1
    refs = figures["reference_ms"]
    print()
    print(
        "reference loop (machine speed, ms; lower is faster): "
        + ", ".join(f"{when} {value:.0f}" for when, value in refs.items())
    )
    if "load" in figures:
        load = figures["load"]
        print(
            f"seed_demo --citizens 1: {figures['seed_s']:.0f} s; load of {args.citizens} citizens by COPY:"
            f" {load['load_s']:.0f} s (+ FK check {load['fk_check_s']:.0f} s),"
            f" loader peak RSS {load['peak_rss_mb']:.0f} MB"
        )
    if "rebuild" in figures:
        rebuilt = figures["rebuild"]
        print(
            f"rebuild_insights: {rebuilt['s']:.0f} s, peak RSS {rebuilt['peak_rss_mb']:.0f} MB"
            + (f" ({rebuilt['output']})" if rebuilt.get("output") else "")
        )
        print(f"VACUUM ANALYZE: {figures['analyze_s']:.0f} s")
    print("rows: " + ", ".join(f"{name} {count}" for name, count in figures["counts"].items()))
    if figures.get("unit_counts"):
        print(f"one unit ({figures['units'][0]}): {sum(figures['unit_counts'].values())} episodes")
    if figures.get("rebuild_profile"):
        print("\nrebuild profile:\n" + figures["rebuild_profile"])
    if figures.get("results"):
        server = f"gunicorn --workers {args.workers}" + (f" --threads {args.threads}" if args.threads > 1 else "")
        print(f"\nleder, last 12 months, {server}, PostgreSQL, DEBUG off, {cores} cores")
        head = f"{'phase':<16} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        print(head + f" {'errors':>6} {'app':>7} {'db':>7} {'client':>6} {'other':>6}")
        rows = []
        for name, r in figures["results"].items():
            per, other = harness.cpu_per_request(r, ("app", "db", "client"), cores)
            print(
                f"{name:<16} {r['received']:>8} {r['requests_per_s']:>7.2f} {ms(r, 50):>8.1f} {ms(r, 95):>8.1f}"
                f" {ms(r, 99):>8.1f} {r['max_us'] / 1000:>8.1f} {r['errors']:>6} {per['app']:>7.1f} {per['db']:>7.1f}"
                f" {per['client']:>6.1f} {other:>6.0%}"
            )
            rows.append(
                f"| {name} | {r['received']} | {r['requests_per_s']:.2f} | {ms(r, 50):.1f} | {ms(r, 95):.1f}"
                f" | {ms(r, 99):.1f} | {r['errors']} | {per['app']:.1f} + {per['db']:.1f} + {per['client']:.1f}"
                f" | {other:.0%} |"
            )
        print(
            "CPU ms per request: app = gunicorn, db = PostgreSQL, client = wrk or this process; other = rest of"
            " the machine, share of all cores"
        )
        for name, r in figures["results"].items():
            if name.endswith(" seq") or name.endswith(" c=1"):
                target = args.target_unit_ms if " unit" in name else args.target_all_ms
                verdict = "met" if ms(r, 95) <= target else "NOT met"
                print(f"{name}: p95 {ms(r, 95):.1f} ms, target < {target:.0f} ms: {verdict}")
        print("\ngunicorn RSS, MB (master; workers):")
        for phase, rss in figures["rss_mb"].items():
            print(f"  {phase:<16} {rss['master']:.0f}; " + ", ".join(f"{w:.0f}" for w in rss["workers"]))
        print("\nmarkdown rows (phase | requests | req/s | p50 | p95 | p99 | errors | CPU app + db + client | other):")
        print("\n".join(rows))
    for name, found in (figures.get("explain") or {}).items():
        queries = found["queries"]
        print(
            f"\n{name} ({found['path']}) in one process: {found['request_ms']:.1f} ms per request (median of"
            f" {found['runs']}), {found['captured_queries']} statements (CaptureQueriesContext)"
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
    print(f"\ntotal time {figures['elapsed_s']:.0f} s; gunicorn log and wrk output in {workdir}")


if __name__ == "__main__":
    sys.exit(main())
