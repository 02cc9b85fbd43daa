"""Order lists to .xlsx (R8.3): streamed row by row, so a list of 100,000 orders never sits
in memory, with customer data masked for viewers whose role may not see it."""

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from parcelops.audit.actions import record_audit
from parcelops.orders.models import Order, OrderLine
from parcelops.orders.presentation import can_see_customer_data, customer_view
from parcelops.orders.queries import OrderFilters
from parcelops.orders.states import OrderState, OrderType, ReviewState

EXPORT_CHUNK = 1000  # orders per database round trip (and per prefetch of their lines)
MONEY_FORMAT = "#,##0.00"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_columns() -> list[tuple[str, int]]:
    """The header of each column and its width in characters."""
    return [
        (_("Order number"), 18),
        (_("Channel"), 10),
        (_("External ID"), 20),
        (_("State"), 20),
        (_("Order type"), 12),
        (_("Review state"), 22),
        (_("Assignee"), 14),
        (_("Customer name"), 14),
        (_("Customer phone"), 15),
        (_("Province"), 10),
        (_("City"), 10),
        (_("Lines"), 40),
        (_("Items"), 7),
        (_("Subtotal"), 12),
        (_("Discount"), 11),
        (_("Shipping fee"), 11),
        (_("Total"), 12),
        (_("Currency"), 9),
        (_("Placed at"), 17),
        (_("Received at"), 17),
        (_("Promised delivery date"), 13),
    ]


class SheetCells:
    """Makes the cells of one sheet: styled where Excel needs a format, safe where text
    from customers could pass for a formula."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.bold = Font(bold=True)

    def header(self, label: str) -> Cell:
        cell = WriteOnlyCell(self.sheet, value=label)
        cell.font = self.bold
        return cell

    def text(self, value: str) -> Any:
        text = ILLEGAL_CHARACTERS_RE.sub("", value or "")
        if text.startswith("="):
            # openpyxl would store "=..." as a formula: a customer's name must stay a name.
            cell = WriteOnlyCell(self.sheet, value=text)
            cell.data_type = "s"
            return cell
        return text

    def money(self, cents: int) -> Cell:
        cell = WriteOnlyCell(self.sheet, value=Decimal(cents).scaleb(-2))
        cell.number_format = MONEY_FORMAT
        return cell

    def moment(self, value: datetime | None) -> Cell | None:
        if value is None:
            return None
        # Excel has no time zones: write the local wall-clock time the staff work in.
        cell = WriteOnlyCell(self.sheet, value=value.astimezone(self.zone).replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
        return cell

    def day(self, value: date | None) -> Cell | None:
        if value is None:
            return None
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell


_STATE_LABELS = dict(OrderState.choices)
_TYPE_LABELS = dict(OrderType.choices)
_REVIEW_LABELS = dict(ReviewState.choices)


def _order_row(cells: SheetCells, order: Order, *, full: bool) -> list[Any]:
    customer = customer_view(order, full=full)
    address = customer["shipping_address"]
    lines: list[OrderLine] = list(order.lines.all())
    return [
        order.number,
        order.channel.code,
        cells.text(order.external_id),
        str(_STATE_LABELS.get(order.state, order.state)),
        str(_TYPE_LABELS.get(order.order_type, order.order_type)),
        str(_REVIEW_LABELS.get(order.review_state, order.review_state)),
        order.assignee.get_username() if order.assignee else "",
        cells.text(customer["name"]),
        cells.text(customer["phone"]),
        cells.text(address.get("province", "")),
        cells.text(address.get("city", "")),
        cells.text("; ".join(f"{line.sku} x {line.quantity}" for line in lines)),
        sum(line.quantity for line in lines),
        cells.money(order.subtotal_cents),
        cells.money(order.discount_cents),
        cells.money(order.shipping_fee_cents),
        cells.money(order.total_cents),
        order.currency,
        cells.moment(order.placed_at),
        cells.moment(order.received_at),
        cells.day(order.promised_delivery_date),
    ]


def export_orders_xlsx(
    orders: QuerySet[Order],
    viewer: Any,
    output: str | Path | IO[bytes],
    *,
    on_row: Callable[[], object] | None = None,
) -> int:
    """Write the orders to ``output`` as an .xlsx workbook; returns how many were written."""
    full = can_see_customer_data(viewer)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Orders")[:31])
    columns = export_columns()
    # A write-only sheet takes its column widths and frozen pane before the first row.
    for index, (_label, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    cells = SheetCells(sheet)
    sheet.append([cells.header(label) for label, _width in columns])
    rows = orders.select_related("channel", "assignee", "recipient").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
    )
    count = 0
    for order in rows.iterator(chunk_size=EXPORT_CHUNK):
        sheet.append(_order_row(cells, order, full=full))
        count += 1
        if on_row is not None:
            on_row()
    workbook.save(output)
    return count


def export_file_name(moment: datetime) -> str:
    """orders-20261125-1030.xlsx, in the local time zone."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return f"orders-{local:%Y%m%d-%H%M}.xlsx"


_PERSONAL_FILTERS = frozenset({"phone", "email", "name"})


def record_export(actor: Any, filters: OrderFilters, count: int) -> None:
    """An export carries customer data out of the system: the audit trail keeps who took
    which list (a search by phone, email or name is noted without its value)."""
    # With customer search the search box may hold a phone, email or name: noted as "*" too.
    personal = {*_PERSONAL_FILTERS, "q"} if filters.customer_search else _PERSONAL_FILTERS
    used = {
        key: "*" if key in personal else str(value)
        for key, value in asdict(filters).items()
        if value not in ("", None) and key != "customer_search"
    }
    record_audit(
        actor,
        "orders.exported",
        ("orders.order", "export"),
        detail={"orders": count, "filters": used, "customer_data": can_see_customer_data(actor)},
    )
