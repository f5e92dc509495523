"""Bulk export (issue 15) streamed from a loaded database: resources per second and memory.

    uv run python bench/bulk_export.py [--database samplan_bench_insights] [--types all|Observation,...]
                                       [--levels system,unit] [--processes N] [--repeat 1]

Needs a database loaded by ``bench/insights.py --citizens 100000 --load-only --keep`` (100,000
citizens, about 5 million responses and scores). A system client "Bench register" is registered
for every root unit with every section (``system/*.rs``), then for each ``--levels``:

* ``system``: a system-level export of every citizen;
* ``unit``: a group-level export of one of the ten units (a tenth of the citizens), to compare the
  peak memory with the whole municipality's: flat memory means about the same peak.

Each export runs in this process exactly as the task queue runs it (``fhir_api.export.run_export``:
the access policy per batch of citizens, one access event per citizen, NDJSON to files). On
PostgreSQL it forks ``BULK_EXPORT_PROCESSES`` processes (``--processes`` sets it for the run; by
default the machine's cores, at most four; 1 is the single-process export), each writing a
contiguous part of the citizens to files of its own. Measured: wall time, CPU time of this process
and of the parts it forked, resources written per second (all types, and per type from the files'
counts), the number of processes and, per part, its citizens, resources, bytes, wall and CPU time
and resources per second (from the export's log record per part and the files of that part), the
peak RSS of this process and of the largest part (``ru_maxrss`` of ``RUSAGE_SELF`` and
``RUSAGE_CHILDREN``; each level runs in a child process of its own, so peaks do not carry over),
and the access events written. The machine-speed loop (``harness.reference_ms``) is timed before
and after. The files are deleted afterwards.
"""

import argparse
import json
import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import harness
from harness import log

HERE = Path(__file__).resolve()


class PartRecords(logging.Handler):
    """The export's log record per part (``bulk_export_part``): what each forked part did."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.parts = []

    def emit(self, record):
        if hasattr(record, "bulk_export_part"):
            self.parts.append(record.bulk_export_part)


def inside(database, level, types, export_dir):
    harness.setup_django()
    from django.conf import settings

    from accounts.models import SystemClient
    from audit.models import AccessEvent
    from fhir_api import export
    from fhir_api.models import BulkExport
    from people.access import all_sections
    from people.models import Organisation

    settings.BULK_EXPORT_DIR = Path(export_dir)
    client, _created = SystemClient.objects.get_or_create(
        name="Bench register", defaults={"sections": sorted(all_sections()), "scopes": "system/*.rs"}
    )
    client.units.set(Organisation.objects.filter(parent__isnull=True))
    chosen = list(export.TYPES) if types == "all" else types.split(",")
    group_id = ""
    if level == "unit":
        unit = Organisation.objects.filter(name__endswith="(benchmark)").order_by("name").first()
        group_id = f"unit-{unit.pk}"
        client.units.set([unit])
    job = BulkExport.objects.create(
        client=client,
        level=BulkExport.Level.GROUP if group_id else BulkExport.Level.SYSTEM,
        group_id=group_id,
        types=chosen,
        request_url="bench",
    )
    records = PartRecords()
    export_logger = logging.getLogger(export.__name__)
    export_logger.addHandler(records)
    export_logger.setLevel(logging.INFO)
    events_before = AccessEvent.objects.count()
    forked = os.times()
    cpu, wall = time.process_time(), time.perf_counter()
    export.run_export(job.pk)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    forked = os.times().children_user + os.times().children_system - forked.children_user - forked.children_system
    job.refresh_from_db()
    files = list(job.files.all())
    counts = {}
    for file in files:
        counts[file.resource_type] = counts.get(file.resource_type, 0) + file.count
    parts = []
    for part in sorted(records.parts, key=lambda record: record["part"]):
        mine = [f for f in files if f.part == part["part"] and (f.resource_type, f.part) in part["files"]]
        resources = sum(f.count for f in mine)
        parts.append(
            {
                "part": part["part"],
                "citizens": part["citizens"],
                "taken": part["taken"],
                "resources": resources,
                "bytes": sum(f.size for f in mine),
                "wall_s": round(part["seconds"], 2),
                "cpu_s": round(part["cpu_seconds"], 2),
                "resources_per_s": round(resources / part["seconds"]) if part["seconds"] else 0,
            }
        )
    result = {
        "level": level,
        "status": job.status,
        "error": job.error,
        "processes": len(parts) or 1,
        "processes_setting": export._processes(),
        "citizens": job.citizens,
        "events": AccessEvent.objects.count() - events_before,
        "counts": counts,
        "resources": sum(counts.values()),
        "bytes": sum(f.size for f in files),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu + forked, 2),
        "cpu_parent_s": round(cpu, 2),
        "parts": parts,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_part_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1) if parts else None,
    }
    export.delete_files(job)
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="samplan_bench_insights")
    parser.add_argument("--types", default="all", help="all, or comma-separated resource types")
    parser.add_argument("--levels", default="system,unit")
    parser.add_argument("--processes", type=int, help="BULK_EXPORT_PROCESSES for the run (default: the setting's)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--inside", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        inside(*args.inside)
        return
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench",
        "DATABASE_URL": f"{harness.PG_SERVER}/{args.database}",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if args.processes is not None:
        env["BULK_EXPORT_PROCESSES"] = str(args.processes)
    figures = {"reference_ms_before": harness.reference_ms(), "runs": []}
    log(f"reference loop: {figures['reference_ms_before']:.0f} ms")
    with tempfile.TemporaryDirectory(prefix="bulk-bench-") as workdir:
        for _ in range(args.repeat):
            for level in args.levels.split(","):
                run = harness.run_inside(
                    HERE, env, "--inside", args.database, level, args.types, workdir, failed=f"{level} export failed"
                )
                rate = run["resources"] / run["wall_s"] if run["wall_s"] else 0
                run["resources_per_s"] = round(rate)
                figures["runs"].append(run)
                part_rss = f", largest part {run['peak_rss_part_mb']} MB" if run["parts"] else ""
                log(
                    f"{level}: {run['status']}, {run['processes']} process(es), {run['citizens']} citizens "
                    f"({run['events']} access events), {run['resources']} resources, {run['bytes'] / 1e6:.0f} MB "
                    f"in {run['wall_s']} s (CPU {run['cpu_s']} s, of which this process {run['cpu_parent_s']} s): "
                    f"{rate:,.0f} resources/s; peak RSS {run['peak_rss_mb']} MB{part_rss}"
                )
                for part in run["parts"]:
                    log(
                        f"  part {part['part']}: {part['citizens']} citizens, {part['resources']} resources, "
                        f"{part['bytes'] / 1e6:.0f} MB in {part['wall_s']} s (CPU {part['cpu_s']} s): "
                        f"{part['resources_per_s']:,} resources/s"
                    )
                log(f"  per type: {run['counts']}")
    figures["reference_ms_after"] = harness.reference_ms()
    log(f"reference loop: {figures['reference_ms_after']:.0f} ms")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if any(run["status"] != "done" for run in figures["runs"]):
        sys.exit("an export did not finish")


if __name__ == "__main__":
    main()
