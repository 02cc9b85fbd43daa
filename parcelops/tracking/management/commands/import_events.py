"""`parcelops import-events FILE [--mapping F]`: carrier events from CSV, XLSX or JSON Lines.

Streams the file in chunks; each chunk is stored in one transaction, so an interrupted
import can simply be run again: stored events are recognised as duplicates.
Memory stays flat however long the file is: only the current chunk and the counts are
kept. Rejected rows are reported as they are read, never collected: each goes to the
--report CSV (and the first REJECTS_SHOWN to stderr), or, without --report, to stderr.
The summary line counts the rows read (blank ones aside), and what became of each: stored,
already present, parked for an unknown tracking number, or rejected with its reason.
Exit status: 0 all rows stored or already present, 3 some rows rejected, 1 unusable file.
"""

import csv
import sys
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from parcelops.tracking.actions import record_tracking_events
from parcelops.tracking.events import ParsedEvent, PayloadError

SOME_ROWS_REJECTED = 3
REJECTS_SHOWN = 20  # on stderr when a --report file gets them all


class Command(BaseCommand):
    help = "Import carrier tracking events from a CSV, XLSX or JSON Lines file."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file")
        parser.add_argument("--mapping", default="", help="a preset name or a JSON mapping file")
        parser.add_argument("--chunk-size", type=int, default=5000)
        parser.add_argument(
            "--report",
            default="",
            help="write every rejected row and why to this CSV (else they go to stderr)",
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from parcelops.core.runtime import settle_after_startup
        from parcelops.tracking.providers import files

        settle_after_startup()

        path = Path(options["file"])
        chunk_size = options["chunk_size"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            mapping = files.load_mapping(options["mapping"]) if options["mapping"] else None
            rows = files.iter_file_events(path, mapping)
            total = files.count_rows(path)
        except PayloadError as error:
            raise CommandError(str(error)) from error
        with ExitStack() as stack:
            report_writer = None
            if options["report"]:
                # Opened before anything is stored: an unwritable path fails the import
                # up front, not after the file's events went in.
                try:
                    report = stack.enter_context(
                        open(options["report"], "w", newline="", encoding="utf-8")
                    )
                except OSError as error:
                    raise CommandError(str(error)) from error
                report_writer = csv.writer(report)
                report_writer.writerow(["row", "reason"])
            progress = stack.enter_context(
                tqdm(total=total, unit="rows", disable=options["quiet"] or not sys.stderr.isatty())
            )
            counts: Counter[str] = Counter()  # the engine's counters, summed over chunks
            rejected = 0

            def reject(line_number: int, reason: str) -> None:
                nonlocal rejected
                rejected += 1
                if report_writer is not None:
                    report_writer.writerow([line_number, reason])
                    if rejected > REJECTS_SHOWN:
                        return
                if progress.disable:
                    self.stderr.write(f"row {line_number}: {reason}")
                else:
                    with tqdm.external_write_mode(file=sys.stderr):
                        self.stderr.write(f"row {line_number}: {reason}")

            def store(chunk: list[ParsedEvent]) -> None:
                # One chunk, one transaction; its per-event outcomes and changed shipments
                # are dropped here, so nothing grows with the file.
                counts.update(record_tracking_events(chunk, chunk_size=chunk_size).as_dict())

            chunk: list[ParsedEvent] = []
            chunks_done = read = 0
            try:
                for row in rows:
                    read += 1
                    progress.update(1)
                    if row.event is None:
                        reject(row.line_number, "; ".join(row.errors))
                        continue
                    chunk.append(row.event)
                    if len(chunk) >= chunk_size:
                        store(chunk)
                        chunk = []
                        chunks_done += 1
                        if options["verbosity"] >= 2:  # each line means: this chunk is committed
                            self.stdout.write(
                                f"chunk {chunks_done} committed: {counts['stored']} stored so far"
                            )
                            self.stdout.flush()
                if chunk:
                    store(chunk)
            except PayloadError as error:
                raise CommandError(str(error)) from error
        # Every row is counted once: read = stored + already present + parked + rejected.
        self.stdout.write(
            f"{read} rows read: {counts['stored']} events stored, {counts['duplicates']} already present, "
            f"{counts['unmatched']} parked for unknown tracking numbers, {rejected} rows rejected "
            f"({counts['regressions']} regressions, {counts['future']} in the future, "
            f"{counts['unmapped']} unmapped flagged)"
        )
        if rejected:
            sys.exit(SOME_ROWS_REJECTED)
