"""Bulk export: the NDJSON files of one ``BulkExport``, written on the task queue (``fhir_api.tasks``).

What goes in is decided when the export runs, not when it was asked for: the requester's citizens
(``people.access``, the one policy: a coordinator's active roles minus their blocks, a system
client's units) and each citizen's grant, section by section, exactly as a read of the same
resource would. A blocked member or an ended role is honoured even if it changed after kick-off.

Citizens are taken in batches of ``BATCH`` ids. Per batch: their grants (a fixed number of
queries), one access-log event per citizen naming the resource types taken (written before any of
their data reaches a file, so nothing leaves unlogged), then each type's rows for the citizens
whose grant allows it, streamed to that type's file. Memory holds one batch, whatever the size.

On PostgreSQL an export of more than one batch uses the machine's cores: the ordered citizen ids
are cut into up to ``BULK_EXPORT_PROCESSES`` contiguous parts of whole batches, each written by a
forked process of its own (its own database connection, its own files ``<Type>-<part>.ndjson``,
which the Bulk Data IG allows), batch by batch exactly as above. The parent waits, writes the
parts' shared tally to the export's progress, and records the files; one part that fails or is
killed fails the whole export. SQLite (one writer at a time), an export inside an open
transaction (tests) and one batch stay in one process.

``since`` keeps a resource only if its ``meta.lastUpdated`` is later. What is written during the
export may be in it or not (its lastUpdated is then after ``transactionTime``, so a later export
``_since`` that time takes it again: a duplicate, never a loss).
"""

import logging
import multiprocessing
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from multiprocessing.connection import wait
from types import SimpleNamespace

import orjson
from django.conf import settings
from django.db import connection, connections
from django.db.models import Q, TextField, prefetch_related_objects
from django.db.models.functions import Cast
from django.utils import timezone

from audit import sections as section_registry
from audit.log import event, record_all
from audit.models import AccessEvent
from groups.models import GroupTask
from groups.sections import GROUP
from groups.shielding import Shielding
from measures import fhir_forms
from measures.models import Questionnaire, QuestionnaireResponse, Score
from people import access
from people.models import Section
from relatives.models import Relative
from relatives.sections import RELATIVES

from . import cohorts, mapping
from .groups import TaskMapper, VisibleMinutes, meetings_with_participants, signed_minutes
from .measures import SCORE_FIELDS, total_code
from .models import BulkExport, BulkFile
from .plans import (
    CARE_PLAN_SCOPES,
    CARE_TEAM_SCOPES,
    GOAL_SCOPES,
    care_team,
    goals_with_ratings,
    visible_plans,
    with_team_members,
)
from .relatives import consents
from .responses import versioned

logger = logging.getLogger(__name__)

# Citizens per batch: each type's rows for a batch are read in one query (about 50 scores and 50
# responses a citizen a year: some 12,000 rows), which is faster than a server-side cursor's many
# round trips and keeps memory to one batch.
BATCH = 250
EXPORT_SECTION = "bulk_export"
# While the parts run, the parent writes their tally to the export's progress this often (seconds).
PROGRESS_SECONDS = 1.0

# Every type the export writes, in the order it writes them, with the sections that let a reader
# see it (any of them); Questionnaire is no citizen's data (the forms the responses answer).
TYPES = {
    "Patient": (Section.OVERVIEW,),
    "CareTeam": CARE_TEAM_SCOPES,
    "Goal": GOAL_SCOPES,
    "CarePlan": CARE_PLAN_SCOPES,
    "QuestionnaireResponse": (Section.MEASURES,),
    "Observation": (Section.MEASURES,),
    "Appointment": (GROUP,),
    "Composition": (GROUP,),
    "Task": (GROUP,),
    "RelatedPerson": (RELATIVES,),
    "Consent": (RELATIVES,),
    "Questionnaire": (),
}


class Cancelled(Exception):
    pass


def export_dir(export_id):
    return settings.BULK_EXPORT_DIR / str(export_id)


def delete_files(export):
    shutil.rmtree(export_dir(export.pk), ignore_errors=True)
    BulkFile.objects.filter(export=export).delete()


@dataclass
class _Out:
    """One type's NDJSON file, opened at its first line (owner-only permissions)."""

    path: object
    handle: object = None
    count: int = 0
    size: int = 0

    def write(self, resource):
        versioned(resource)
        line = orjson.dumps(resource) + b"\n"
        if self.handle is None:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            self.handle = os.fdopen(fd, "wb", buffering=1 << 20)
        self.handle.write(line)
        self.count += 1
        self.size += len(line)


@dataclass
class _Run:
    """One process's share of an export: its part number names its files. ``parent`` is the id of
    the process that forked it (None when nothing was forked)."""

    export: BulkExport
    requester: object
    part: int = 1
    parent: int | None = None
    outs: dict = field(default_factory=dict)
    questionnaires: dict = field(default_factory=dict)

    def out(self, resource_type):
        if resource_type not in self.outs:
            self.outs[resource_type] = _Out(export_dir(self.export.pk) / f"{resource_type}-{self.part}.ndjson")
        return self.outs[resource_type]

    def check(self):
        """Before each batch: stop if the export was cancelled, or if a forked part's parent is gone
        (nobody would record or delete what it writes)."""
        if self.parent is not None and os.getppid() != self.parent:
            raise RuntimeError("The process that started this part of the export has gone.")
        _check_not_cancelled(self.export)

    def files(self):
        """{(type, part): (count, size)} of the files written."""
        return {(kind, self.part): (out.count, out.size) for kind, out in self.outs.items() if out.count}

    def write_all(self, resource_type, resources):
        out = self.out(resource_type)
        for resource in resources:
            out.write(resource)

    def close(self):
        for out in self.outs.values():
            if out.handle is not None:
                out.handle.close()


def _citizens(export, requester):
    """The ids of the citizens the export is about, as the policy says now."""
    if export.level == BulkExport.Level.GROUP:
        cohort = next((c for c in cohorts.cohorts(requester) if c.id == export.group_id), None)
        if cohort is None:
            raise PermissionError("The group is no longer one the requester may read.")
        citizens = cohorts.members(requester, cohort)
    else:
        citizens = access.visible_to(requester)
    return list(citizens.order_by("pk").values_list("pk", flat=True))


def _exportable(grants):
    """An emergency access is for reading a record in an emergency, not for taking it out in bulk:
    citizens the requester reaches only that way are left out."""
    return {pk: grant for pk, grant in grants.items() if grant.ground != access.Ground.EMERGENCY}


def _since(export, field_name):
    return Q(**{f"{field_name}__gt": export.since}) if export.since else Q()


def _newer(resources, since):
    """The resources whose ``meta.lastUpdated`` is after ``since`` (all without it); one that has
    none (an Appointment) is always taken."""
    for resource in resources:
        updated = (resource.get("meta") or {}).get("lastUpdated")
        if since is None or updated is None or datetime.fromisoformat(updated) > since:
            yield resource


def _citizens_of(grants):
    return [grants[pk].citizen for pk in sorted(grants)]


def _patients(run, grants):
    return _newer(map(mapping.patient, _citizens_of(grants)), run.export.since)


def _care_teams(run, grants):
    citizens = _citizens_of(grants)
    prefetch_related_objects(citizens, with_team_members())
    return _newer(map(care_team, citizens), run.export.since)


def _goal_rows(run, grants):
    since = run.export.since
    goals = goals_with_ratings().filter(citizen_id__in=list(grants)).order_by("citizen_id", "created_at", "pk")
    if since:
        goals = goals.filter(Q(updated_at__gt=since) | Q(last_recorded_at__gt=since))
    return (mapping.goal(goal) for goal in goals)


def _care_plans(run, grants):
    """Citizens whose grants show the same sections share one set of queries."""
    by_sections = {}
    for pk, grant in grants.items():
        by_sections.setdefault(grant.sections, []).append(pk)
    for sections, ids in by_sections.items():
        versions, plans = visible_plans(sections.__contains__, ids)
        yield from _newer(map(plans.care_plan, versions), run.export.since)


# The responses' and scores' rows are read as named tuples (``values_list(named=True)``) with the
# very fields the mapping reads: a model instance per row cost more than the mapping itself.
RESPONSE_FIELDS = (
    "pk",
    "idempotency_key",
    "questionnaire_id",
    "status",
    "citizen_id",
    "answers_json",
    "authored_at",
    "entered_on_behalf",
    "author_id",
    "updated_at",
)


def _responses(run, grants):
    """The questionnaires (a few, with their large JSON) are read and parsed once per export, not per
    row, and each answer set made into FHIR items once (``fhir_forms.ItemWriter``)."""
    rows = (
        QuestionnaireResponse.objects.filter(citizen_id__in=list(grants))
        .filter(_since(run.export, "updated_at"))
        .order_by("citizen_id", "pk")
        .annotate(answers_json=Cast("answers", TextField()))  # decoded by orjson, a few times faster
        .values_list(*RESPONSE_FIELDS, named=True)
    )
    for row in rows:
        known = run.questionnaires.get(row.questionnaire_id)
        if known is None:
            questionnaire = Questionnaire.objects.get(pk=row.questionnaire_id)
            known = (questionnaire, fhir_forms.questionnaire_items(questionnaire), fhir_forms.ItemWriter())
            run.questionnaires[row.questionnaire_id] = known
        questionnaire, items, writer = known
        # The answers stay text: the writer knows most answer sets already, by their text.
        response = SimpleNamespace(**row._asdict(), answers=row.answers_json, questionnaire=questionnaire)
        yield mapping.questionnaire_response(response, items, writer.from_json)


def _observations(run, grants):
    """A score's ``result`` (the scoring's working) is only read for the few without a total."""
    scores = (
        Score.objects.filter(citizen_id__in=list(grants))
        .filter(_since(run.export, "created_at"))
        .order_by("citizen_id", "effective_at", "pk")
    )
    scored = scores.filter(total__isnull=False).values_list(*SCORE_FIELDS, named=True)
    unscored = scores.filter(total__isnull=True).values_list(*SCORE_FIELDS, "result", named=True)
    for score in (*scored, *unscored):
        yield mapping.observation(score, total_code(score))


# Responsibility groups: the same querysets and mappers as the searches (``fhir_api.groups``), over a
# batch; minutes and actions cut to what the agreement's shielding lets the requester see.


def _appointments(run, grants):
    meetings = (
        meetings_with_participants().filter(citizen_id__in=list(grants)).order_by("citizen_id", "-starts_at", "-pk")
    )
    return _newer(map(mapping.appointment, meetings), run.export.since)


def _compositions(run, grants):
    shielding = Shielding(run.requester, grants)
    minutes = signed_minutes().filter(citizen_id__in=list(grants)).filter(_since(run.export, "signed_at"))
    by_citizen = {}
    for one in minutes.order_by("citizen_id", "-signed_at", "-pk"):
        by_citizen.setdefault(one.citizen_id, []).append(one)
    for citizen_id, page in by_citizen.items():
        visible = VisibleMinutes(grants[citizen_id], shielding)
        visible.load(page)
        yield from (visible.composition(one) for one in page)


def _tasks(run, grants):
    tasks = list(
        GroupTask.objects.filter(Shielding(run.requester, grants).visible_tasks())
        .filter(_since(run.export, "updated_at"))
        .select_related("responsible__care_team_member__user")
        .order_by("citizen_id", "due_on", "pk")
    )
    mapper = TaskMapper()
    mapper.load(tasks)
    return (mapper.task(task) for task in tasks)


def _related_persons(run, grants):
    relatives = Relative.objects.filter(citizen_id__in=list(grants)).filter(_since(run.export, "updated_at"))
    return map(mapping.related_person, relatives.order_by("citizen_id", "pk"))


def _consents(run, grants):
    """Each consent, a revoked one too (inactive): the citizen's history of who was allowed what."""
    since = run.export.since
    rows = consents().filter(citizen_id__in=list(grants)).order_by("citizen_id", "-given_at", "-pk")
    if since is not None:
        rows = rows.filter(Q(given_at__gt=since) | Q(revoked_at__gt=since))
    return (mapping.consent(row, section_registry.label) for row in rows)


PER_CITIZEN = {
    "Patient": _patients,
    "CareTeam": _care_teams,
    "Goal": _goal_rows,
    "CarePlan": _care_plans,
    "QuestionnaireResponse": _responses,
    "Observation": _observations,
    "Appointment": _appointments,
    "Composition": _compositions,
    "Task": _tasks,
    "RelatedPerson": _related_persons,
    "Consent": _consents,
}


def _shows(grant, resource_type):
    """Whether ``grant`` shows any of the sections a ``resource_type`` is read under."""
    return any(grant.may_see(section) for section in TYPES[resource_type])


def _types_seen(grant, types):
    return [t for t in types if t in PER_CITIZEN and _shows(grant, t)]


def _log(run, grants, types):
    """One read per exported citizen, naming what was taken: what the citizen sees in their log."""
    detail_for = {}
    events = []
    for pk, grant in grants.items():
        seen = tuple(_types_seen(grant, types))
        if not seen:
            continue
        detail = detail_for.setdefault(seen, f"FHIR bulk export {run.export.pk}: {', '.join(seen)}")
        events.append(
            event(
                actor=run.requester,
                citizen_id=pk,
                action=AccessEvent.Action.READ,
                section=EXPORT_SECTION,
                ground=grant.ground,
                role=grant.role_label,
                detail=detail,
            )
        )
    record_all(events)
    return len(events)


def _check_not_cancelled(export):
    status = BulkExport.objects.filter(pk=export.pk).values_list("status", flat=True).first()
    if status != BulkExport.Status.RUNNING:
        raise Cancelled


def _save_progress(export, done, total, taken):
    BulkExport.objects.filter(pk=export.pk).update(progress=f"{done} of {total} citizens", citizens=taken)


class _Progress:
    """One process's tally, written to the export after each batch."""

    def __init__(self, export, total):
        self.export, self.total, self.done, self.taken = export, total, 0, 0

    def add(self, citizens, taken):
        self.done += citizens
        self.taken += taken
        _save_progress(self.export, self.done, self.total, self.taken)


class _SharedProgress:
    """The parts' tally in shared memory: each part adds each batch to it, the parent writes it."""

    def __init__(self, context):
        self.counts = context.Array("q", 2)  # citizens done, citizens taken

    def add(self, citizens, taken):
        with self.counts.get_lock():
            self.counts[0] += citizens
            self.counts[1] += taken

    def read(self):
        """(done, taken); None if a part holds the lock past a tick (or was killed holding it)."""
        lock = self.counts.get_lock()
        if not lock.acquire(timeout=PROGRESS_SECONDS):
            return None
        try:
            return tuple(self.counts.get_obj())
        finally:
            lock.release()


def _write_citizens(run, ids, progress):
    """The citizens ``ids``, batch by batch: the policy, the access log, then each type's rows."""
    types = run.export.types
    taken = 0
    for start in range(0, len(ids), BATCH):
        run.check()
        batch = ids[start : start + BATCH]
        grants = _exportable(access.grants_for(run.requester, batch))
        logged = _log(run, grants, types)
        for resource_type in types:
            if resource_type not in PER_CITIZEN:
                continue
            allowed = {pk: grant for pk, grant in grants.items() if _shows(grant, resource_type)}
            if allowed:
                run.write_all(resource_type, PER_CITIZEN[resource_type](run, allowed))
        taken += logged
        progress.add(len(batch), logged)
    return taken


def _processes():
    """``BULK_EXPORT_PROCESSES``; 0 (the default) is the machine's cores, at most four."""
    return settings.BULK_EXPORT_PROCESSES or min(os.cpu_count() or 1, 4)


def _parts(ids):
    """``ids`` cut into contiguous parts of whole batches, one per process; a single part on
    SQLite, inside an open transaction (a fork could not see it), for one batch or one process, and
    off the main thread (a process with other threads — a web server running the task at once
    instead of the task worker — is not forked)."""
    batches = -(-len(ids) // BATCH)
    count = min(_processes(), batches)
    forkable = threading.current_thread() is threading.main_thread()
    if count < 2 or connection.vendor != "postgresql" or connection.in_atomic_block or not forkable:
        return [ids]
    bounds = [BATCH * (batches * n // count) for n in range(count + 1)]
    return [ids[start:end] for start, end in pairwise(bounds)]


def _write_part(run, ids, progress, results):
    """One part, in its forked process; what it wrote (or that it saw a cancel) goes back through
    ``results``. An error is logged and ends the process with exit code 1."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's: it ends the parts
    for number in (signal.SIGTERM, signal.SIGQUIT):  # not the task worker's graceful shutdown
        signal.signal(number, signal.SIG_DFL)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        try:
            taken = _write_citizens(run, ids, progress)
        finally:
            run.close()
        results.send(
            {
                "part": run.part,
                "citizens": len(ids),
                "taken": taken,
                "files": run.files(),
                "seconds": time.perf_counter() - wall,
                "cpu_seconds": time.process_time() - cpu,
            }
        )
    except Cancelled:
        results.send("cancelled")
    except Exception:
        logger.exception("Bulk export %s: part %s failed", run.export.pk, run.part)
        raise SystemExit(1) from None
    finally:
        connections.close_all()


def _received(receiver):
    try:
        return receiver.recv() if receiver.poll() else None
    except EOFError:  # the part ended without a word (killed)
        return None


def _wait(export, total, progress, children):
    """Until every part has ended, their tally written to the export's progress each tick; the
    first part that fails (an error, a kill, no result) or saw the export cancelled ends it."""
    pending = {process.sentinel: (process, receiver) for process, receiver in children}
    results, written = [], None
    while pending:
        for sentinel in wait(list(pending), timeout=PROGRESS_SECONDS):
            process, receiver = pending.pop(sentinel)
            process.join()
            result = _received(receiver)
            if result == "cancelled":
                raise Cancelled
            if process.exitcode != 0 or not isinstance(result, dict):
                raise RuntimeError(f"{process.name} ended with exit code {process.exitcode}.")
            results.append(result)
        counts = progress.read()
        if counts is not None and counts != written:
            _save_progress(export, counts[0], total, counts[1])
            written = counts
    return sorted(results, key=lambda result: result["part"])


def _write_in_parts(run, parts, total):
    """Each part in a process forked for it, each with a database connection of its own; the
    results of all, or an exception (and every part ended) if one did not finish."""
    context = multiprocessing.get_context("fork")
    progress = _SharedProgress(context)
    connections.close_all()  # before any fork, so that no part shares the parent's connection
    children = []
    try:
        for number, ids in enumerate(parts, start=1):
            part = _Run(run.export, run.requester, part=number, parent=os.getpid())
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_write_part,
                args=(part, ids, progress, sender),
                name=f"Bulk export {run.export.pk} part {number}",
                daemon=True,
            )
            process.start()
            sender.close()
            children.append((process, receiver))
        return _wait(run.export, total, progress, children)
    finally:
        for process, receiver in children:
            if process.is_alive():
                process.kill()
            process.join()
            receiver.close()


def _write(run):
    """Every file of the export, {(type, part): (count, size)}, and the citizens taken."""
    export = run.export
    ids = _citizens(export, run.requester)
    parts = _parts(ids)
    files = {}
    try:
        if len(parts) > 1:
            results = _write_in_parts(run, parts, len(ids))
            for result in results:
                logger.info(
                    "Bulk export %s part %s: %s citizens in %.1f s (CPU %.1f s)",
                    export.pk,
                    result["part"],
                    result["citizens"],
                    result["seconds"],
                    result["cpu_seconds"],
                    extra={"bulk_export_part": result},
                )
                files.update(result["files"])
            taken = sum(result["taken"] for result in results)
        else:
            taken = _write_citizens(run, ids, _Progress(export, len(ids)))
        if "Questionnaire" in export.types:  # the forms, once, whatever the parts
            questionnaires = Questionnaire.objects.filter(_since(export, "imported_at")).order_by("pk")
            run.write_all("Questionnaire", (mapping.questionnaire(q) for q in questionnaires))
    finally:
        run.close()  # however the writing ends
    files.update(run.files())
    return files, taken


def _expiry(now):
    return now + timedelta(hours=settings.BULK_EXPORT_EXPIRES_HOURS)


def run_export(export_id):
    """Write the export's files; it ends done, failed or (if cancelled meanwhile) with no files."""
    started = BulkExport.objects.filter(pk=export_id, status=BulkExport.Status.QUEUED).update(
        status=BulkExport.Status.RUNNING, transaction_time=timezone.now(), progress="started"
    )
    if not started:
        return
    export = BulkExport.objects.select_related("user", "client").get(pk=export_id)
    requester = export.requester
    run = _Run(export, requester)
    try:
        if not requester.is_active:
            raise PermissionError("The requester's access has ended.")
        export_dir(export.pk).mkdir(mode=0o700, parents=True, exist_ok=True)
        files, taken = _write(run)
        _check_not_cancelled(export)
    except Cancelled:
        delete_files(export)
        return
    except Exception as error:
        logger.exception("Bulk export %s failed", export.pk)
        delete_files(export)
        reason = str(error) if isinstance(error, PermissionError) else "The export failed on the server."
        now = timezone.now()
        BulkExport.objects.filter(pk=export.pk).update(
            status=BulkExport.Status.FAILED, error=reason, finished_at=now, expires_at=_expiry(now)
        )
        return
    BulkFile.objects.bulk_create(
        BulkFile(export=export, resource_type=kind, part=part, count=count, size=size)
        for (kind, part), (count, size) in sorted(files.items())
    )
    now = timezone.now()
    finished = BulkExport.objects.filter(pk=export.pk, status=BulkExport.Status.RUNNING).update(
        status=BulkExport.Status.DONE,
        progress="done",
        citizens=taken,
        finished_at=now,
        expires_at=_expiry(now),
    )
    if not finished:  # cancelled between the last check and now
        delete_files(export)


def stale_before(now):
    """An export queued or running since before this has been lost (a worker that died): it fails."""
    return now - timedelta(hours=settings.BULK_EXPORT_EXPIRES_HOURS)


def expire(now=None, among=None):
    """Delete the files of every export past its time (of ``among``, by default all), and fail the
    ones lost on the way; how many exports expired."""
    now = now or timezone.now()
    among = BulkExport.objects.all() if among is None else among
    lost = among.unfinished().filter(created_at__lt=stale_before(now))
    for export in lost.only("pk"):
        delete_files(export)
    lost.update(status=BulkExport.Status.FAILED, error="The export was lost on the server.", expires_at=_expiry(now))
    due = list(
        among.filter(status__in=[BulkExport.Status.DONE, BulkExport.Status.FAILED], expires_at__lte=now).only("pk")
    )
    for export in due:
        delete_files(export)
    BulkExport.objects.filter(pk__in=[e.pk for e in due]).update(status=BulkExport.Status.EXPIRED)
    return len(due)
