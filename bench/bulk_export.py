"""Bulk export (issue 15) streamed from a loaded database: resources per second and memory.

    uv run python bench/bulk_export.py [--database samplan_bench_insights] [--types all|Observation,...]
                                       [--levels system,unit] [--repeat 1]

Needs a database loaded by ``bench/insights.py --citizens 100000 --load-only --keep`` (100,000
citizens, about 5 million responses and scores). A system client "Bench register" is registered
for every root unit with every section (``system/*.rs``), then for each ``--levels``:

* ``system``: a system-level export of every citizen;
* ``unit``: a group-level export of one of the ten units (a tenth of the citizens), to compare the
  peak memory with the whole municipality's: flat memory means about the same peak.

Each export runs in this process exactly as the task queue runs it (``fhir_api.export.run_export``:
the access policy per batch of citizens, one access event per citizen, NDJSON to files). Measured:
wall time, CPU time of this process, resources written per second (all types, and per type from
the files' counts), the peak RSS (``ru_maxrss`` is the peak of the whole process, so each level
runs in its own child process), and the access events written. The machine-speed loop
(``harness.reference_ms``) is timed before and after. The files are deleted afterwards.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import harness
from harness import log

HERE = Path(__file__).resolve()


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
    events_before = AccessEvent.objects.count()
    cpu, wall = time.process_time(), time.perf_counter()
    export.run_export(job.pk)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    job.refresh_from_db()
    counts = {f.resource_type: f.count for f in job.files.all()}
    sizes = sum(f.size for f in job.files.all())
    result = {
        "level": level,
        "status": job.status,
        "error": job.error,
        "citizens": job.citizens,
        "events": AccessEvent.objects.count() - events_before,
        "counts": counts,
        "resources": sum(counts.values()),
        "bytes": sizes,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    export.delete_files(job)
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="samplan_bench_insights")
    parser.add_argument("--types", default="all", help="all, or comma-separated resource types")
    parser.add_argument("--levels", default="system,unit")
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
                log(
                    f"{level}: {run['status']}, {run['citizens']} citizens ({run['events']} access events), "
                    f"{run['resources']} resources, {run['bytes'] / 1e6:.0f} MB in {run['wall_s']} s "
                    f"(CPU {run['cpu_s']} s): {rate:,.0f} resources/s; peak RSS {run['peak_rss_mb']} MB"
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
