"""`parcelops bench ingest|push|track|memory|sweep`: the tracking benchmarks
(bench/ingest.py, bench/http_tracking.py) and the exception desk's sweep (bench/sweep.py),
printed as JSON.

- ingest --events N: the batch ingestion path, in --workers processes (one per CPU)
  at once, each taking whole request bodies as a web worker would. Run it on an empty
  database (a fresh PARCELOPS_DATA_DIR or DATABASE_URL): it creates its own orders and
  shipments.
- push: single-event pushes against `parcelops serve` on 127.0.0.1 (pushes/s, p50/p99,
  nothing lost). track: GET /api/v1/track/{number} at a constant rate (p50/p99/max).
  memory --events N: peak resident memory of `parcelops import-events` on an N-event file.
  These three start their own server or importer on their own temporary data directory
  (always SQLite), so they leave this one alone.
- freight --lines N (100,000): importing an N-line carrier bill (bench/freight.py).
- sweep --shipments N (1,000,000): one run of the desk's clock over N parcels of which 1 %
  are due. Like ingest, on an empty migrated database (SQLite, or DATABASE_URL).
- picklist --orders N (1,000): one wave's pick list over N allocated orders of two lines
  (bench/picklist.py). Like ingest, on an empty migrated database.
- carrier-options --shipments N (1,000,000): a year of N parcels' history, the carriers'
  scores refreshed from it once, then 1,000 carrier-option requests in process and through
  the API (bench/carrier_options.py). On an empty migrated database too.
"""

import json
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from parcelops.tracking.models import Shipment


def unapplied_migrations() -> int:
    """How many migrations this database still lacks (all of them when it is new)."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class Command(BaseCommand):
    help = (
        "Benchmarks: 'ingest' pushes generated tracking events through the batch path; "
        "'push' and 'track' load a real server over HTTP; 'memory' imports a large file; "
        "'sweep' times the exception desk's clock over many parcels."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "benchmark",
            choices=[
                "ingest",
                "push",
                "track",
                "memory",
                "sweep",
                "labels",
                "freight",
                "picklist",
                "carrier-options",
            ],
        )
        parser.add_argument(
            "--orders", type=int, default=None, help="labels, picklist: the wave's orders (1,000)"
        )
        parser.add_argument(
            "--events", type=int, default=None, help="ingest: 1,000,000; memory: 10,000,000"
        )
        parser.add_argument(
            "--chunk-size", type=int, default=None, help="ingest: 10,000; memory: 5,000"
        )
        parser.add_argument(
            "--seconds", type=float, default=None, help="push, track: BENCH_SECONDS or 20"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="ingest: ingesting processes (one per CPU); push, track: gunicorn workers",
        )
        parser.add_argument(
            "--clients", type=int, default=None, help="push: concurrent clients (8)"
        )
        parser.add_argument("--rate", type=float, default=None, help="track: requests/s (500)")
        parser.add_argument(
            "--shipments",
            type=int,
            default=None,
            help="push, track: parcels; sweep, carrier-options: 1,000,000",
        )
        parser.add_argument("--lines", type=int, default=None, help="freight: 100,000")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        benchmark = options["benchmark"]
        defaults = {"ingest": (1_000_000, 10_000), "memory": (10_000_000, 5000)}
        events, chunk_size = defaults.get(benchmark, (0, 1))
        events = options["events"] if options["events"] is not None else events
        chunk_size = options["chunk_size"] if options["chunk_size"] is not None else chunk_size
        if benchmark in defaults and (events < 10 or chunk_size < 1):
            raise CommandError("--events must be at least 10 and --chunk-size at least 1")
        for name in ("seconds", "workers", "clients", "rate", "shipments", "orders", "lines"):
            if options[name] is not None and options[name] <= 0:
                raise CommandError(f"--{name} must be positive")
        sys.path.insert(0, str(settings.BASE_DIR))  # bench/ lives beside the package
        report: dict[str, Any]
        if benchmark in ("ingest", "sweep", "freight", "picklist", "carrier-options"):
            # A new data directory has no tables yet: say what to do, not a traceback.
            if unapplied_migrations():
                raise CommandError(
                    "the database is not migrated: run `parcelops migrate` first, then the benchmark"
                )
            if Shipment.objects.exists():
                raise CommandError(
                    "run the benchmark on an empty database (set PARCELOPS_DATA_DIR or DATABASE_URL)"
                )
        if benchmark == "labels":
            if unapplied_migrations():
                raise CommandError(
                    "the database is not migrated: run `parcelops migrate` first, then the benchmark"
                )
            from bench import labels

            report = labels.main(orders=options["orders"] or 1000)
        elif benchmark == "freight":
            from bench import freight

            report = freight.main(lines=options["lines"] or 100_000)
        elif benchmark == "picklist":
            from bench import picklist

            report = picklist.main(orders=options["orders"] or 1000)
        elif benchmark == "carrier-options":
            from bench import carrier_options

            report = carrier_options.main(shipments=options["shipments"] or 1_000_000)
        elif benchmark == "sweep":
            from bench import sweep

            report = sweep.main(shipments=options["shipments"] or 1_000_000)
        elif benchmark == "ingest":
            from bench import ingest

            report = ingest.main(
                events=events, chunk_size=chunk_size, workers=options["workers"] or 0
            )
        else:
            from bench import http_tracking

            if benchmark == "push":
                report = http_tracking.bench_push(
                    options["seconds"], options["clients"], options["workers"], options["shipments"]
                )
            elif benchmark == "track":
                report = http_tracking.bench_track(
                    options["seconds"], options["rate"], options["workers"], options["shipments"]
                )
            else:
                report = http_tracking.bench_memory(events, chunk_size)
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
