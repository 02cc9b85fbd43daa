"""The dispute of a freight bill as .xlsx, for the carrier's account manager: every
over-billed line, unknown waybill and line billed twice (with the line it repeats), with
what was billed, what the price rules quote, the difference and the reason. Written in
openpyxl's write-only mode and read from the database in chunks, so a 100,000-line bill
never sits in memory; headers in the language asked for (Chinese or English).
"""

from collections import defaultdict
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from parcelops.carriers.names import carrier_label
from parcelops.core.money import format_cents
from parcelops.core.sqlsets import values_in
from parcelops.orders.spreadsheet_export import SheetCells
from parcelops.warehouse.freight import DISPUTED, disputed_difference
from parcelops.warehouse.models import BillLineVerdict, FreightBill, FreightBillLine

EXPORT_CHUNK = 2000


def dispute_columns() -> list[tuple[str, int]]:
    return [
        (_("Waybill number"), 20),
        (_("Billed"), 11),
        (_("Quoted"), 11),
        (_("Difference"), 11),
        (_("Reason"), 48),
        (_("Row in the bill"), 9),
        (_("Billed weight (kg)"), 11),
        (_("Destination province"), 12),
        (_("Ship date"), 11),
    ]


def _first_billings(bill: FreightBill) -> dict[int, list[int]]:
    """The rows of this bill that a later row billed again -> those later rows."""
    again: dict[int, list[int]] = defaultdict(list)
    repeats = bill.lines.filter(
        verdict=BillLineVerdict.DUPLICATE, duplicate_of__bill=bill
    ).values_list("duplicate_of__row", "row")
    for first, later in repeats.order_by("row"):
        again[first].append(later)
    return dict(again)


def line_reason(line: FreightBillLine, bill: FreightBill, billed_again: list[int]) -> str:
    """Why the line is disputed, as the account manager reads it."""
    if line.verdict == BillLineVerdict.OVER:
        reason = _("Over-billed: %(excess)s yuan above the quote") % {
            "excess": format_cents(line.billed_cents - (line.quoted_cents or 0))
        }
    elif line.verdict == BillLineVerdict.UNKNOWN:
        reason = _("Unknown waybill: not a parcel we sent with this carrier")
    elif line.verdict == BillLineVerdict.DUPLICATE:
        earlier = line.duplicate_of
        if earlier is None:
            reason = _("Billed twice: already billed in an earlier bill")
        elif earlier.bill_id == bill.pk:
            reason = _("Billed twice: also in row %(row)d of this bill") % {"row": earlier.row}
        else:
            reason = _("Billed twice: already in the %(month)s bill, row %(row)d") % {
                "month": f"{earlier.bill.month:%Y-%m}",
                "row": earlier.row,
            }
    else:
        reason = ""
    if billed_again:
        again = _("Billed again in row %(rows)s of this bill") % {
            "rows": ", ".join(str(row) for row in billed_again)
        }
        reason = f"{reason}; {again}" if reason else again
    return reason


def export_disputes_xlsx(bill: FreightBill, output: str | IO[bytes]) -> int:
    """Write the bill's disputed lines to `output`; how many lines were written."""
    workbook = Workbook(write_only=True)
    title = f"{carrier_label(bill.carrier)} {bill.month:%Y-%m}"
    sheet = workbook.create_sheet(title=title.replace("/", "-")[:31])
    columns = dispute_columns()
    for index, (_label, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    cells = SheetCells(sheet)
    sheet.append([cells.header(label) for label, _width in columns])
    firsts = _first_billings(bill)
    disputed = Q(verdict__in=[str(verdict) for verdict in DISPUTED])
    if firsts:
        disputed |= Q(row__in=values_in(list(firsts), "bigint"))
    lines = (
        bill.lines.filter(disputed)
        .select_related("duplicate_of__bill")
        .order_by("row")
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    count = 0
    for line in lines:
        sheet.append(_row(cells, line, bill, firsts.get(line.row, [])))
        count += 1
    workbook.save(output)
    return count


def _row(
    cells: SheetCells, line: FreightBillLine, bill: FreightBill, again: list[int]
) -> list[Any]:
    grams = line.billed_weight_grams
    return [
        cells.text(line.waybill_number),
        cells.money(line.billed_cents),
        None if line.quoted_cents is None else cells.money(line.quoted_cents),
        cells.money(disputed_difference(line.verdict, line.billed_cents, line.quoted_cents)),
        line_reason(line, bill, again),
        line.row,
        None if grams is None else grams / 1000,
        cells.text(line.destination_province),
        cells.day(line.ship_date),
    ]


def dispute_file_name(bill: FreightBill, moment: datetime) -> str:
    """zto-2026-11-disputes-20261207-1030.xlsx, in the local time zone."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return f"{bill.carrier}-{bill.month:%Y-%m}-disputes-{local:%Y%m%d-%H%M}.xlsx"
