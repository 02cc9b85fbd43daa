"""`parcelops import-events FILE [--mapping F]`: carrier events from CSV, XLSX or JSON Lines.

Streams the file in chunks; each chunk is stored in one transaction, so an interrupted
import can simply be run again: stored events are recognised as duplicates.
Exit status: 0 all rows stored or already present, 3 some rows rejected, 1 unusable file.
"""

import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from parcelops.tracking.actions import record_tracking_events
from parcelops.tracking.events import ParsedEvent, PayloadError
from parcelops.tracking.ingest import IngestResult

SOME_ROWS_REJECTED = 3


class Command(BaseCommand):
    help = "Import carrier tracking events from a CSV, XLSX or JSON Lines file."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file")
        parser.add_argument("--mapping", default="", help="a preset name or a JSON mapping file")
        parser.add_argument("--chunk-size", type=int, default=5000)
        parser.add_argument("--report", default="", help="write rejected rows and why to this CSV")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from parcelops.tracking.providers import files

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            mapping = files.load_mapping(options["mapping"]) if options["mapping"] else None
            rows = files.iter_file_events(path, mapping)
            total = files.count_rows(path)
        except PayloadError as error:
            raise CommandError(str(error)) from error
        progress = tqdm(
            total=total, unit="rows", disable=options["quiet"] or not sys.stderr.isatty()
        )
        result = IngestResult()
        rejected: list[tuple[int, str]] = []
        chunk: list[ParsedEvent] = []
        chunks_done = 0
        try:
            for row in rows:
                progress.update(1)
                if row.event is None:
                    rejected.append((row.line_number, "; ".join(row.errors)))
                    continue
                chunk.append(row.event)
                if len(chunk) >= options["chunk_size"]:
                    result.add(record_tracking_events(chunk, chunk_size=options["chunk_size"]))
                    chunk = []
                    chunks_done += 1
                    if options["verbosity"] >= 2:  # each line means: this chunk is committed
                        self.stdout.write(
                            f"chunk {chunks_done} committed: {result.stored} stored so far"
                        )
                        self.stdout.flush()
            if chunk:
                result.add(record_tracking_events(chunk, chunk_size=options["chunk_size"]))
        except PayloadError as error:
            raise CommandError(str(error)) from error
        finally:
            progress.close()
        if options["report"] and rejected:
            with open(options["report"], "w", newline="", encoding="utf-8") as report:
                writer = csv.writer(report)
                writer.writerow(["row", "reason"])
                writer.writerows(rejected)
        for line_number, reason in rejected[:20]:
            self.stderr.write(f"row {line_number}: {reason}")
        self.stdout.write(
            f"{result.stored} events stored, {result.duplicates} already present, "
            f"{result.unmatched} parked for unknown tracking numbers, {len(rejected)} rows rejected "
            f"({result.regressions} regressions, {result.future} in the future, {result.unmapped} unmapped flagged)"
        )
        if rejected:
            sys.exit(SOME_ROWS_REJECTED)
