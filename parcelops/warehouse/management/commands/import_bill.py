"""`parcelops import-bill FILE --carrier C --month 2026-11 [--mapping M] [--replace]`: a
carrier's monthly bill, matched line by line to our shipments and their quotes (R4.3).

All or nothing: a file with a row that cannot be read imports nothing and names the rows.
Exit status: 0 imported; 1 refused (a bad file, mapping, carrier or month, bad rows, or
the month imported already without --replace), with the reasons on stderr.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from parcelops.core.errors import InputError
from parcelops.orders.spreadsheet_files import SpreadsheetError
from parcelops.warehouse.actions.freight import import_freight_bill
from parcelops.warehouse.freight_files import load_bill_mapping, preset_names


class Command(BaseCommand):
    help = "Import a carrier's monthly bill (.xlsx or .csv) and compare it with the quotes."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file")
        parser.add_argument("--carrier", required=True, help="the carrier's code or any name")
        parser.add_argument("--month", required=True, help="the billed month, such as 2026-11")
        parser.add_argument(
            "--mapping",
            default="",
            help=f"a preset ({', '.join(preset_names())}) or a JSON mapping file",
        )
        parser.add_argument(
            "--replace", action="store_true", help="replace the month's earlier import"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        started = time.perf_counter()
        try:
            mapping = load_bill_mapping(options["mapping"])
            result = import_freight_bill(
                None,
                path=path,
                file_name=path.name,
                carrier=options["carrier"],
                month=options["month"],
                mapping=mapping,
                replace=options["replace"],
            )
        except SpreadsheetError as error:
            raise CommandError(str(error)) from None
        except InputError as error:
            for problem in error.errors[:-1]:
                self.stderr.write(f"{problem.field}: {problem.message}")
            last = error.errors[-1]
            raise CommandError(f"{last.field}: {last.message}") from None
        bill = result.bill
        counts = ", ".join(f"{count} {verdict}" for verdict, count in bill.verdict_counts.items())
        self.stdout.write(
            f"{bill.carrier} {bill.month:%Y-%m}: {bill.line_count} lines imported in "
            f"{time.perf_counter() - started:.1f} s ({counts}); billed {bill.billed_cents / 100:.2f}, "
            f"quoted {bill.quoted_cents / 100:.2f}, over-billed {bill.over_billed_cents / 100:.2f}, "
            f"disputed {bill.disputed_cents / 100:.2f}"
            + (" (replaced the earlier import)" if result.replaced else "")
        )
