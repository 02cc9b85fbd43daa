"""Importing a carrier's monthly bill (R4.3): every line matched to its shipment by waybill
number, priced by the carrier's rules and judged (parcelops.warehouse.freight), the bill
stored with its totals. All or nothing: a file with one bad row stores nothing and says
which rows; a carrier's month is imported once unless the import says it replaces it.

Set-based, for 100,000-line bills: the file is read streaming into small line tuples,
shipments and parcels are looked up 1,000 numbers a query, the price rules read once,
and the lines inserted in bulk. Reads and pricing happen before the write transaction,
which then only checks for earlier billings and inserts (a short hold on SQLite's lock).
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.carriers import registry
from parcelops.carriers.models import Carrier, PriceRule
from parcelops.carriers.pricing import Rule
from parcelops.core.clock import now
from parcelops.core.errors import FieldError, InputError
from parcelops.core.sqlsets import insert_objects, values_in
from parcelops.orders.spreadsheet_files import SpreadsheetError
from parcelops.orders.spreadsheets import rows_label
from parcelops.tracking.models import Shipment
from parcelops.warehouse.freight import (
    BillTotals,
    CarrierPrices,
    Measured,
    parse_month,
    price_verdict,
)
from parcelops.warehouse.freight_files import BillFile, BillMapping, BillRow, read_bill
from parcelops.warehouse.models import (
    BillLineVerdict,
    FreightBill,
    FreightBillLine,
    Parcel,
    WarehouseSettings,
)

LOOKUP_CHUNK = 1000  # waybill numbers a query
INSERT_CHUNK = 10_000  # lines a bulk insert


@dataclass(frozen=True)
class BillImport:
    bill: FreightBill
    replaced: bool  # an earlier import of this carrier's month was replaced
    total_rows: list[int]  # rows passed over as the file's own totals ("合计")


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bill_carrier_and_month(carrier: str, month: str | date) -> tuple[str, date]:
    """The carrier's code (from any of its names) and the billed month's first day, or
    InputError naming the field."""
    errors: list[FieldError] = []
    code = ""
    try:
        code = registry.resolve_carrier(carrier) if carrier.strip() else ""
        if not code:
            errors.append(FieldError("carrier", _("Choose the carrier of the bill.")))
    except registry.UnknownCarrierError as unknown:
        errors.append(FieldError("carrier", unknown.message))
    first_day = month.replace(day=1) if isinstance(month, date) else parse_month(month)
    if first_day is None:
        errors.append(FieldError("month", _("Enter the billed month as 2026-11.")))
    if errors or first_day is None:
        raise InputError(errors)
    return code, first_day


def _already_imported(carrier: str, month: date) -> FieldError:
    return FieldError(
        "month",
        _(
            "The %(month)s bill of %(carrier)s is imported already; to import it again, "
            "replace it explicitly."
        )
        % {"month": f"{month:%Y-%m}", "carrier": carrier},
    )


def _file_errors(read: BillFile) -> list[FieldError]:
    errors = [FieldError("file", str(error)) for error in read.errors]
    errors.append(
        FieldError(
            "file",
            ngettext(
                "%(count)d row cannot be read (%(rows)s); nothing was imported.",
                "%(count)d rows cannot be read (%(rows)s); nothing was imported.",
                len(read.bad_rows),
            )
            % {"count": len(read.bad_rows), "rows": rows_label(read.bad_rows)},
        )
    )
    return errors


def carrier_prices(carrier: str) -> CarrierPrices:
    """The carrier's price rules, read once for the whole bill."""
    divisor = (
        Carrier.objects.filter(code=carrier).values_list("volumetric_divisor", flat=True).first()
    )
    rules = [
        (
            rule.service,
            Rule(
                rule.origin_province,
                rule.destination_province,
                rule.first_weight_grams,
                rule.first_cents,
                rule.additional_weight_grams,
                rule.additional_cents,
                rule.currency,
            ),
        )
        for rule in PriceRule.objects.filter(carrier__code=carrier)
    ]
    return CarrierPrices(rules, divisor or 6000)


@dataclass(slots=True)
class _Priced:
    """A line with what matching found, before the earlier billings are checked."""

    line: BillRow
    shipment_id: int | None
    quoted_cents: int | None
    verdict: str
    duplicate_of_id: int | None = None
    duplicate_of_row: int | None = None  # a line of this same bill


def _price_lines(
    carrier: str, lines: list[BillRow], settings_row: WarehouseSettings
) -> list[_Priced]:
    """Each line matched to its shipment and judged against the quote (no duplicates yet)."""
    prices = carrier_prices(carrier)
    numbers = list({line.waybill_number for line in lines})
    shipments: dict[str, tuple[int, int, str, str, str]] = {}
    parcels: dict[int, Measured] = {}
    for chunk in _chunks(numbers, LOOKUP_CHUNK):
        found = Shipment.objects.filter(
            carrier=carrier, tracking_number__in=values_in(chunk, "text")
        ).values_list(
            "tracking_number",
            "id",
            "order_id",
            "service",
            "origin_province",
            "destination_province",
        )
        order_ids = []
        for number, shipment_id, order_id, service, origin, destination in found:
            shipments[number] = (shipment_id, order_id, service, origin, destination)
            order_ids.append(order_id)
        packed = Parcel.objects.filter(
            order_id__in=values_in(order_ids, "bigint"), weight_grams__isnull=False
        ).values_list("order_id", "weight_grams", "length_mm", "width_mm", "height_mm")
        for order_id, grams, length, width, height in packed:
            parcels[order_id] = Measured(grams or 0, length, width, height)
    priced: list[_Priced] = []
    for line in lines:
        matched = shipments.get(line.waybill_number)
        if matched is None:
            priced.append(_Priced(line, None, None, BillLineVerdict.UNKNOWN))
            continue
        shipment_id, order_id, service, origin, destination = matched
        parcel = parcels.get(order_id) or Measured(line.billed_weight_grams)
        quote = prices.quote(service, origin, destination or line.destination_province, parcel)
        if quote is None:
            priced.append(_Priced(line, shipment_id, None, BillLineVerdict.NO_QUOTE))
            continue
        verdict = price_verdict(
            line.billed_cents,
            quote.cents,
            settings_row.bill_tolerance_cents,
            settings_row.bill_tolerance_percent,
        )
        priced.append(_Priced(line, shipment_id, quote.cents, verdict))
    return priced


def _mark_duplicates(carrier: str, priced: list[_Priced], replacing: int | None) -> None:
    """A waybill billed again: in this bill (the second line and after), or already in an
    earlier bill of the same carrier. The duplicate owes nothing, so it has no quote."""
    first_row: dict[str, int] = {}
    for item in priced:
        number = item.line.waybill_number
        if number in first_row:
            item.verdict, item.quoted_cents = BillLineVerdict.DUPLICATE, None
            item.duplicate_of_row = first_row[number]
        else:
            first_row[number] = item.line.row
    earlier: dict[str, int] = {}
    for chunk in _chunks(list(first_row), LOOKUP_CHUNK):
        billed = (
            FreightBillLine.objects.filter(
                bill__carrier=carrier, waybill_number__in=values_in(chunk, "text")
            )
            .exclude(bill_id=replacing)
            .order_by("-id")
            .values_list("waybill_number", "id")
        )
        earlier.update(billed)  # the lowest id of each number wins: the first billing
    for item in priced:
        line_id = earlier.get(item.line.waybill_number)
        if line_id is not None and item.duplicate_of_row is None:
            item.verdict, item.quoted_cents = BillLineVerdict.DUPLICATE, None
            item.duplicate_of_id = line_id


def _line(bill_id: int, item: _Priced, duplicate_of_id: int | None) -> FreightBillLine:
    line = item.line
    return FreightBillLine(
        bill_id=bill_id,
        row=line.row,
        waybill_number=line.waybill_number,
        billed_cents=line.billed_cents,
        billed_weight_grams=line.billed_weight_grams,
        destination_province=line.destination_province,
        ship_date=line.ship_date,
        shipment_id=item.shipment_id,
        quoted_cents=item.quoted_cents,
        verdict=item.verdict,
        duplicate_of_id=duplicate_of_id,
    )


def _insert_lines(bill_id: int, priced: list[_Priced]) -> None:
    """Bulk inserts; a line billed twice in this bill goes in after the first billing so
    that it can point at that line's id."""
    firsts = [item for item in priced if item.duplicate_of_row is None]
    for chunk in _chunks(firsts, INSERT_CHUNK):
        insert_objects([_line(bill_id, item, item.duplicate_of_id) for item in chunk])
    seconds = [item for item in priced if item.duplicate_of_row is not None]
    if not seconds:
        return
    wanted = list({item.duplicate_of_row for item in seconds})
    ids: dict[int, int] = {}
    for rows in _chunks(wanted, LOOKUP_CHUNK):
        ids.update(
            FreightBillLine.objects.filter(bill_id=bill_id, row__in=values_in(rows, "bigint"))
            .values_list("row", "id")
            .order_by()
        )
    for chunk in _chunks(seconds, INSERT_CHUNK):
        insert_objects(
            [_line(bill_id, item, ids.get(item.duplicate_of_row or 0)) for item in chunk]
        )


def _remove_bill(bill: FreightBill) -> None:
    """An earlier import of the month, replaced: its lines and the pointers at them."""
    FreightBillLine.objects.filter(duplicate_of__bill=bill).exclude(bill=bill).update(
        duplicate_of=None
    )
    # One statement, not the ORM's delete: that loads every line of the bill (100,000) to
    # clear the self-references Python-side, which the statement above already did.
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {FreightBillLine._meta.db_table} WHERE bill_id = %s",  # noqa: S608 (a table name from code)
            [bill.pk],
        )
    bill.delete()


def import_freight_bill(
    actor: Actor,
    *,
    path: str | Path,
    file_name: str,
    carrier: str,
    month: str | date,
    mapping: BillMapping,
    replace: bool = False,
) -> BillImport:
    """Import one carrier's bill of one month from a .xlsx or .csv file; InputError (and
    nothing stored) for a bad carrier, month, mapping or file, a file with bad rows, or
    a month already imported without `replace`."""
    require_permission(actor, roles.MANAGE_WAREHOUSE)
    code, first_day = bill_carrier_and_month(carrier, month)
    if not replace and FreightBill.objects.filter(carrier=code, month=first_day).exists():
        raise InputError([_already_imported(code, first_day)])
    try:
        read = read_bill(path, mapping)
    except SpreadsheetError as error:
        raise InputError([FieldError("file", str(error))]) from None
    if read.bad_rows:
        raise InputError(_file_errors(read))
    if not read.lines:
        raise InputError([FieldError("file", _("The file has no bill lines under its header."))])
    settings_row = WarehouseSettings.current()
    priced = _price_lines(code, read.lines, settings_row)
    try:
        with transaction.atomic():
            old = (
                FreightBill.objects.select_for_update()
                .filter(carrier=code, month=first_day)
                .first()
            )
            if old is not None and not replace:
                raise InputError([_already_imported(code, first_day)])
            _mark_duplicates(code, priced, old.pk if old is not None else None)
            totals = BillTotals()
            for item in priced:
                totals.add(item.verdict, item.line.billed_cents, item.quoted_cents)
            if old is not None:
                replaced = {"bill": old.pk, "lines": old.line_count, "file": old.file_name}
                _remove_bill(old)
            bill = FreightBill.objects.create(
                carrier=code,
                month=first_day,
                file_name=file_name[:200],
                imported_by=actor if actor is not None and actor.is_authenticated else None,
                imported_at=now(),
                line_count=totals.lines,
                billed_cents=totals.billed_cents,
                quoted_cents=totals.quoted_cents,
                tolerance_cents=settings_row.bill_tolerance_cents,
                tolerance_percent=settings_row.bill_tolerance_percent,
                over_billed_cents=totals.over_billed_cents,
                disputed_cents=totals.disputed_cents,
                verdict_counts=totals.verdict_counts(),
            )
            _insert_lines(bill.pk, priced)
            record_audit(
                actor,
                "freight_bill.imported",
                bill,
                after=bill_summary(bill),
                detail={"replaced": replaced} if old is not None else None,
            )
    except IntegrityError as error:  # another import of the same month won the race
        raise InputError([_already_imported(code, first_day)]) from error
    return BillImport(bill, old is not None, read.total_rows)


def bill_summary(bill: FreightBill) -> dict[str, Any]:
    return {
        "carrier": bill.carrier,
        "month": f"{bill.month:%Y-%m}",
        "file": bill.file_name,
        "lines": bill.line_count,
        "billed_cents": bill.billed_cents,
        "quoted_cents": bill.quoted_cents,
        "over_billed_cents": bill.over_billed_cents,
        "disputed_cents": bill.disputed_cents,
        "verdicts": bill.verdict_counts,
    }
