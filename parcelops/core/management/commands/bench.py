"""`parcelops bench ingest --events N`: the tracking ingestion benchmark (bench/ingest.py).

Run it on an empty database (a fresh PARCELOPS_DATA_DIR or DATABASE_URL): it creates its
own orders and shipments.
"""

import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Benchmarks: 'ingest' pushes generated tracking events through the batch path."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("benchmark", choices=["ingest"])
        parser.add_argument("--events", type=int, default=1_000_000)
        parser.add_argument("--chunk-size", type=int, default=10_000)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["events"] < 10 or options["chunk_size"] < 1:
            raise CommandError("--events must be at least 10 and --chunk-size at least 1")
        from parcelops.tracking.models import Shipment

        if Shipment.objects.exists():
            raise CommandError(
                "run the benchmark on an empty database (set PARCELOPS_DATA_DIR or DATABASE_URL)"
            )
        sys.path.insert(0, str(settings.BASE_DIR))  # bench/ lives beside the package
        from bench import ingest

        report = ingest.main(events=options["events"], chunk_size=options["chunk_size"])
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
