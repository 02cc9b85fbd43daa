"""`parcelops import-orders FILE`: take in the orders of an .xlsx or .csv file (R2.1.1).

Exit status: 0 when every order was created or already present (or, in a dry run, would
be); 3 when the file was read to the end but some orders were rejected; 1 when the file or
the mapping could not be used at all (one line on stderr, nothing imported).
"""

import csv
import sys
from argparse import RawDescriptionHelpFormatter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from parcelops.orders.spreadsheets import (
    OrderImport,
    OrderOutcome,
    SpreadsheetError,
    build_mapping,
    read_mapping_file,
)

EXIT_SOME_REJECTED = 3
REPORT_HEADER = ["status", "channel", "external_id", "rows", "order_number", "errors"]


def _spreadsheet_safe(value: str) -> str:
    # A report cell starting with = + - @ would run as a formula when opened in Excel.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class Command(BaseCommand):
    help = (
        "Import orders from an .xlsx or .csv file: one row per order line, the rows of one "
        "order adjacent. Exit status 0: all orders fine; 3: some orders rejected; "
        "1: the file or mapping could not be used."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        parser.epilog = __doc__
        return parser

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", help="the .xlsx or .csv file (UTF-8, UTF-8 with BOM or GBK)")
        parser.add_argument(
            "--preset",
            default="",
            help="built-in column mapping: parcelops (the default) or taobao",
        )
        parser.add_argument("--mapping", default="", help="a JSON mapping file of your own")
        parser.add_argument(
            "--channel",
            default="",
            help="the channel code of orders whose row names none (a file without a channel column)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and write nothing"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument("--report", default="", help="write one CSV line per order here")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            user_mapping = read_mapping_file(options["mapping"]) if options["mapping"] else None
            mapping = build_mapping(
                preset=options["preset"], mapping=user_mapping, channel=options["channel"]
            )
            job = OrderImport(path, mapping, dry_run=options["dry_run"])
        except SpreadsheetError as error:
            raise CommandError(str(error)) from None
        with ExitStack() as cleanup:
            cleanup.callback(job.close)
            report_file = None
            if options["report"]:
                try:
                    report_file = cleanup.enter_context(
                        Path(options["report"]).open("w", encoding="utf-8-sig", newline="")
                    )
                except OSError as error:
                    raise CommandError(
                        _("Cannot write the report %(path)s: %(reason)s")
                        % {"path": options["report"], "reason": error.strerror}
                    ) from None
            self._run(job, report_file, quiet=options["quiet"])
        self.stdout.write(job.summary.line())
        if job.summary.rejected:
            sys.exit(EXIT_SOME_REJECTED)

    def _run(self, job: OrderImport, report_file: Any, *, quiet: bool) -> None:
        report = csv.writer(report_file) if report_file is not None else None
        if report is not None:
            report.writerow(REPORT_HEADER)
        progress = tqdm(
            total=job.total_rows,
            unit="rows",
            file=sys.stderr,
            disable=quiet or not sys.stderr.isatty(),
        )
        try:
            for outcome in job.outcomes(on_row=progress.update):
                if report is not None:
                    report.writerow(self._report_row(outcome))
                if outcome.errors:
                    with tqdm.external_write_mode(file=sys.stdout):
                        self._print_rejection(outcome)
        except SpreadsheetError as error:
            raise CommandError(str(error)) from None
        finally:
            progress.close()

    def _print_rejection(self, outcome: OrderOutcome) -> None:
        self.stdout.write(
            _("%(status)s: %(channel)s %(external_id)s (rows %(rows)s)")
            % {
                "status": outcome.status_label,
                "channel": outcome.channel,
                "external_id": outcome.external_id,
                "rows": outcome.rows_label,
            }
        )
        for error in outcome.errors:
            self.stdout.write(f"  {error}")

    def _report_row(self, outcome: OrderOutcome) -> list[str]:
        values = [
            outcome.status.value,
            outcome.channel,
            outcome.external_id,
            outcome.rows_label,
            outcome.order_number,
            "\n".join(str(error) for error in outcome.errors),
        ]
        return [_spreadsheet_safe(value) for value in values]
