"""Orders in spreadsheets (R2.1.1, R8.3): .xlsx and .csv files read through a column mapping
and imported order by order with the same validation and intake action as the API.

The pieces: ``spreadsheet_files`` reads rows, ``spreadsheet_mapping`` says which column is
which field, ``spreadsheet_cells`` converts cell values, ``spreadsheet_export`` writes order
lists; the names other code needs are importable from here.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcelops.accounts.permissions import Actor
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.orders import actions, rules
from parcelops.orders.models import Channel, Order
from parcelops.orders.spreadsheet_cells import CellError, convert_cell, is_blank
from parcelops.orders.spreadsheet_export import export_orders_xlsx
from parcelops.orders.spreadsheet_files import SpreadsheetError, open_sheet
from parcelops.orders.spreadsheet_mapping import (
    CONTACT_FIELDS,
    DEFAULT_PRESET,
    INTAKE_FIELDS,
    LINE_FIELDS,
    ORDER_FIELDS,
    REQUIRED_FIELDS,
    ColumnMapping,
    build_mapping,
    parse_mapping_text,
    preset_label,
    preset_names,
    read_mapping_file,
)

__all__ = [
    "DEFAULT_PRESET",
    "ColumnMapping",
    "ImportStatus",
    "ImportSummary",
    "OrderImport",
    "OrderOutcome",
    "RowError",
    "SpreadsheetError",
    "build_mapping",
    "export_orders_xlsx",
    "parse_mapping_text",
    "preset_label",
    "preset_names",
    "read_mapping_file",
]

FINISH_BATCH = 200  # orders read before they are checked and taken in together

# Where each spreadsheet field goes in the intake document (parcelops.orders.rules).
_TOP_LEVEL = (
    "channel",
    "external_id",
    "placed_at",
    "discount",
    "shipping_fee",
    "total",
    "currency",
    "requested_carrier",
    "promised_delivery_date",
    "is_paid",
)
_CUSTOMER_KEYS = {
    "customer_name": "name",
    "customer_phone": "phone",
    "customer_email": "email",
    "customer_tier": "tier",
}
_ADDRESS_KEYS = ("province", "city", "district", "street", "postal_code", "country")
_LINE_KEYS = {
    "sku": "sku",
    "product_name": "name",
    "quantity": "quantity",
    "unit_price": "unit_price",
}
# And back: an intake error's path -> the spreadsheet field, to name the column.
_PATH_FIELDS: dict[str, str] = {
    **{key: key for key in _TOP_LEVEL},
    **{f"customer.{key}": name for name, key in _CUSTOMER_KEYS.items()},
    **{f"shipping_address.{key}": key for key in _ADDRESS_KEYS},
    "customer": "customer_name",
    "shipping_address": "street",
}
_LINE_PATH = re.compile(r"^lines\[(\d+)\](?:\.(\w+))?$")
_LINE_FIELD_OF_KEY = {key: name for name, key in _LINE_KEYS.items()}


def _header_key(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


# --- importing ---------------------------------------------------------------------------


class ImportStatus(models.TextChoices):
    CREATED = "created", gettext_lazy("created")
    VALID = "valid", gettext_lazy("would be created")  # a dry run's verdict on a good order
    PRESENT = "present", gettext_lazy("already present")
    REJECTED = "rejected", gettext_lazy("rejected")


@dataclass(frozen=True)
class RowError:
    """One problem of an order, where the user will look for it: a row and a column."""

    row: int
    column: str  # the header in the file, or "" when the value came from elsewhere
    field: str  # the intake field, or "" for the order as a whole
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.field:
            return _("row %(row)d, %(field)s: %(message)s") % {
                "row": self.row,
                "field": self.field,
                "message": self.message,
            }
        return _("row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


def rows_label(rows: list[int]) -> str:
    """[4, 5, 6, 9] -> '4-6, 9'."""
    parts: list[str] = []
    start = previous = None
    for row in [*rows, None]:
        if start is not None and previous is not None and row == previous + 1:
            previous = row
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = row
    return ", ".join(parts)


@dataclass
class OrderOutcome:
    status: ImportStatus
    channel: str
    external_id: str
    rows: list[int]
    order_number: str = ""
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows_label(self) -> str:
        return rows_label(self.rows)

    @property
    def status_label(self) -> str:
        return str(self.status.label)


@dataclass
class ImportSummary:
    dry_run: bool
    rows: int = 0  # data rows read (blank rows not counted)
    created: int = 0  # in a dry run: would be created
    present: int = 0
    rejected: int = 0

    def count(self, outcome: OrderOutcome) -> None:
        if outcome.status == ImportStatus.REJECTED:
            self.rejected += 1
        elif outcome.status == ImportStatus.PRESENT:
            self.present += 1
        else:
            self.created += 1

    def line(self) -> str:
        """The four counts: rows read (every one that is there, whatever the sheet declares
        its size to be), and the orders created, already present and rejected."""
        counts = {
            "rows": self.rows,
            "created": self.created,
            "present": self.present,
            "rejected": self.rejected,
        }
        if self.dry_run:
            return (
                _(
                    "Dry run: %(rows)d rows read: %(created)d orders would be created, "
                    "%(present)d already present, %(rejected)d rejected; nothing was written."
                )
                % counts
            )
        line = _(
            "%(rows)d rows read: %(created)d orders created, %(present)d already present, "
            "%(rejected)d rejected"
        )
        return line % counts


@dataclass(frozen=True)
class _Problem:
    row: int
    field: str
    message: str
    is_cell: bool = False  # a cell that could not be converted (the intake saw it blank)


@dataclass
class _PendingOrder:
    """The rows of one order read so far."""

    key: tuple[str, str]
    first_row: int
    values: dict[str, Any] = field(default_factory=dict)  # order-level values
    value_rows: dict[str, int] = field(default_factory=dict)  # where each value was read
    lines: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[_Problem] = field(default_factory=list)
    is_stray: bool = False  # its key already had rows earlier in the file

    def add_row(
        self,
        row: int,
        order_values: dict[str, Any],
        line_values: dict[str, Any],
        problems: list[_Problem],
    ) -> None:
        self.problems.extend(problems)
        for name, value in order_values.items():
            if name not in self.values:
                self.values[name] = value
                self.value_rows[name] = row
            elif self.values[name] != value:
                self.problems.append(
                    _Problem(
                        row,
                        name,
                        _(
                            "Differs from row %(row)d of the same order: an order's columns "
                            "repeat the same value on each of its rows or stay blank."
                        )
                        % {"row": self.value_rows[name]},
                    )
                )
        self.lines.append((row, line_values))

    @property
    def rows(self) -> list[int]:
        return [row for row, _values in self.lines]

    def document(self, defaults: dict[str, Any]) -> dict[str, Any]:
        """The intake document; absent values stay absent so the intake names them."""
        values = {**{k: v for k, v in defaults.items() if k in ORDER_FIELDS}, **self.values}
        line_defaults = {k: v for k, v in defaults.items() if k in LINE_FIELDS}
        document: dict[str, Any] = {key: values[key] for key in _TOP_LEVEL if key in values}
        document["customer"] = {
            key: values[name] for name, key in _CUSTOMER_KEYS.items() if name in values
        }
        document["shipping_address"] = {key: values[key] for key in _ADDRESS_KEYS if key in values}
        document["lines"] = [
            {
                key: merged[name]
                for name, key in _LINE_KEYS.items()
                if name in (merged := {**line_defaults, **line})
            }
            for _row, line in self.lines
        ]
        return document


class OrderImport:
    """One spreadsheet import. Opening it reads the header row and checks the mapping against
    it, so a missing column fails before any row is read; ``outcomes()`` then reads the rows
    and yields one outcome per order, taking orders in as their rows complete (in batches of
    FINISH_BATCH orders).

    The rows of one order must be adjacent (marketplace exports list an order's items
    together). That lets the import finish each order when the next one starts, keeping
    memory flat however large the file is, where buffering by external id would hold the
    whole file. Rows of an order that turn up again later are rejected with both row
    numbers, never silently merged or dropped.
    """

    def __init__(
        self,
        path: str | Path,
        mapping: ColumnMapping,
        *,
        dry_run: bool,
        actor: Actor = None,
    ) -> None:
        self.path = Path(path)
        self.mapping = mapping
        self.dry_run = dry_run
        self.actor = actor
        self.summary = ImportSummary(dry_run=dry_run)
        self._max_age = timedelta(days=settings.PARCELOPS_MAX_ORDER_AGE_DAYS)
        self._active_channels = set(
            Channel.objects.filter(is_active=True).values_list("code", flat=True)
        )
        self._defaults = self._converted_defaults()
        self.columns: dict[str, int] = {}  # intake field -> its cell's index in a row
        self.headers: dict[str, str] = {}  # intake field -> its header as the file writes it
        self._opened = open_sheet(self.path)
        self._rows, total = self._opened.__enter__()
        try:
            self._header_row = self._read_header()
        except BaseException:
            self.close()
            raise
        # Only a hint for the progress bar: read-only workbooks report their sheet's size.
        self.total_rows = max(total - self._header_row, 0) if total else None

    def __enter__(self) -> "OrderImport":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._opened.__exit__(None, None, None)

    def _converted_defaults(self) -> dict[str, Any]:
        defaults: dict[str, Any] = {}
        for name, value in self.mapping.defaults.items():
            if is_blank(value):
                continue
            try:
                defaults[name] = convert_cell(name, value, self.mapping.timezone)
            except CellError as error:
                raise SpreadsheetError(
                    _("Bad default for %(field)s: %(problem)s")
                    % {"field": name, "problem": str(error)}
                ) from None
        channel = defaults.get("channel")
        if channel and channel not in self._active_channels:
            raise SpreadsheetError(
                _("Unknown channel “%(code)s”; the active channels are: %(codes)s.")
                % {"code": channel, "codes": ", ".join(sorted(self._active_channels)) or "-"}
            )
        return defaults

    def _read_header(self) -> int:
        for number, cells in enumerate(self._rows, start=1):
            if all(is_blank(cell) for cell in cells):
                continue
            self._resolve_columns(cells)
            return number
        raise SpreadsheetError(
            _("%(name)s has no header row: it is empty.") % {"name": self.path.name}
        )

    def _resolve_columns(self, header: list[Any]) -> None:
        mapped = {_header_key(h) for h in self.mapping.columns.values()}
        positions: dict[str, int] = {}
        names: list[str] = []
        for index, cell in enumerate(header):
            if is_blank(cell):
                continue
            key = _header_key(cell)
            names.append(str(cell).strip())
            if key in positions and key in mapped:
                raise SpreadsheetError(
                    _("The column “%(header)s” appears twice in the header row; keep one.")
                    % {"header": str(cell).strip()}
                )
            positions.setdefault(key, index)
        missing: list[str] = []
        for name in INTAKE_FIELDS:
            header_name = self.mapping.columns.get(name)
            if header_name is not None and _header_key(header_name) in positions:
                self.columns[name] = positions[_header_key(header_name)]
                self.headers[name] = str(header[self.columns[name]]).strip()
            elif name in self.mapping.explicit_fields or (
                name in REQUIRED_FIELDS and name not in self._defaults
            ):
                missing.append(self._column_label(name))
        if not any(n in self.columns or n in self._defaults for n in CONTACT_FIELDS):
            missing.append(
                _("%(phone)s or %(email)s")
                % {
                    "phone": self._column_label("customer_phone"),
                    "email": self._column_label("customer_email"),
                }
            )
        if missing:
            message = _(
                "The file lacks columns the mapping needs: %(missing)s. Its columns are: %(found)s."
            ) % {"missing": ", ".join(missing), "found": ", ".join(names[:40])}
            if "channel" not in self.columns and "channel" not in self._defaults:
                message += " " + _("Choose the channel of the whole file, or add the column.")
            raise SpreadsheetError(message)

    def _column_label(self, name: str) -> str:
        header = self.mapping.columns.get(name)
        if header is None:
            return _("%(field)s (no column in the mapping)") % {"field": name}
        return f"“{header}”" if header == name else f"“{header}” ({name})"

    def _read_row(
        self, row: int, cells: list[Any]
    ) -> tuple[dict[str, Any], dict[str, Any], list[_Problem]]:
        order_values: dict[str, Any] = {}
        line_values: dict[str, Any] = {}
        problems: list[_Problem] = []
        for name, index in self.columns.items():
            raw = cells[index] if index < len(cells) else None
            if is_blank(raw):
                continue
            try:
                value = convert_cell(name, raw, self.mapping.timezone)
            except CellError as error:
                problems.append(_Problem(row, name, str(error), is_cell=True))
                continue
            (line_values if name in LINE_FIELDS else order_values)[name] = value
        return order_values, line_values, problems

    def outcomes(self, on_row: Callable[[], object] | None = None) -> Iterator[OrderOutcome]:
        first_rows: dict[tuple[str, str], int] = {}  # every order key seen, for stray rows
        pending: _PendingOrder | None = None
        finished: list[_PendingOrder] = []
        for row, cells in enumerate(self._rows, start=self._header_row + 1):
            if on_row is not None:
                on_row()
            if all(is_blank(cell) for cell in cells):
                continue
            self.summary.rows += 1
            order_values, line_values, problems = self._read_row(row, cells)
            external_id = str(order_values.get("external_id", ""))
            channel = str(order_values.get("channel", self._defaults.get("channel", "")))
            # A row without an external id cannot belong to another: it stands alone.
            key = (channel, external_id) if external_id else (channel, f"\0{row}")
            if pending is not None and pending.key == key:
                pending.add_row(row, order_values, line_values, problems)
                continue
            if pending is not None:
                finished.append(pending)
                if len(finished) >= FINISH_BATCH:
                    yield from self._finish_batch(finished)
                    finished = []
            pending = _PendingOrder(key=key, first_row=row)
            if key in first_rows:
                pending.is_stray = True
                pending.problems.append(
                    _Problem(
                        row,
                        "external_id",
                        _(
                            "This order already had rows from row %(row)d on: the rows of one "
                            "order must be adjacent."
                        )
                        % {"row": first_rows[key]},
                    )
                )
            else:
                first_rows[key] = row
            pending.add_row(row, order_values, line_values, problems)
        if pending is not None:
            finished.append(pending)
        yield from self._finish_batch(finished)

    def _finish_batch(self, batch: list[_PendingOrder]) -> Iterator[OrderOutcome]:
        # One query tells which orders of the batch are already present: checked before
        # validation so that re-importing an old file still says "already present" once
        # its orders have aged out of the intake window.
        keys = {p.key for p in batch if not p.is_stray and p.key[0] and p.key[1][:1] != "\0"}
        present: dict[tuple[str, str], str] = {}
        if keys:
            rows = (
                Order.all_objects.filter(
                    channel__code__in={channel for channel, _id in keys},
                    external_id__in={external_id for _channel, external_id in keys},
                )
                .order_by()
                .values_list("channel__code", "external_id", "number")
            )
            present = {(c, e): number for c, e, number in rows if (c, e) in keys}
        for pending in batch:
            yield self._finish(pending, present.get(pending.key))

    def _finish(self, pending: _PendingOrder, existing: str | None) -> OrderOutcome:
        document = pending.document(self._defaults)
        outcome = OrderOutcome(
            status=ImportStatus.REJECTED,
            channel=str(document.get("channel", "")),
            external_id=str(document.get("external_id", "")),
            rows=pending.rows,
        )
        problems = list(pending.problems)
        if existing is not None:
            outcome.status, outcome.order_number = ImportStatus.PRESENT, existing
        elif self.dry_run or problems:
            _intake, errors = rules.validate_order_intake(
                document, now=now(), max_age=self._max_age
            )
            problems += self._locate(pending, errors, problems)
            if outcome.channel and outcome.channel not in self._active_channels:
                row = pending.value_rows.get("channel", pending.first_row)
                # The words intake answers the same row with when it is imported.
                problems.append(
                    _Problem(row, "channel", actions.unknown_channel_message(outcome.channel))
                )
            if not problems:
                outcome.status = ImportStatus.VALID
        else:
            try:
                result = actions.intake_order(document, self.actor)
            except InputError as error:
                problems += self._locate(pending, error.errors, problems)
            except ActionError as error:
                problems.append(_Problem(pending.first_row, "", str(error)))
            else:
                outcome.order_number = result.order.number
                outcome.status = ImportStatus.CREATED if result.created else ImportStatus.PRESENT
        outcome.errors = [
            RowError(p.row, self.headers.get(p.field, ""), p.field, p.message)
            for p in sorted(problems, key=lambda p: p.row)
        ]
        self.summary.count(outcome)
        return outcome

    def _locate(
        self, pending: _PendingOrder, errors: list[FieldError], known: list[_Problem]
    ) -> list[_Problem]:
        """Intake errors moved to the row and field they came from. A cell that could not be
        converted reached the intake as blank and already has its own error: the intake's
        "required" for it is not reported twice."""
        bad_cells = {(p.row, p.field) for p in known if p.is_cell}
        bad_order_fields = {p.field for p in known if p.is_cell and p.field in ORDER_FIELDS}
        located: list[_Problem] = []
        for error in errors:
            match = _LINE_PATH.match(error.field)
            if match:
                index = int(match[1])
                row = pending.lines[index][0] if index < len(pending.lines) else pending.first_row
                name = _LINE_FIELD_OF_KEY.get(match[2] or "", "")
                if (row, name) in bad_cells:
                    continue
            else:
                name = _PATH_FIELDS.get(error.field, "")
                row = pending.value_rows.get(name, pending.first_row)
                if name in bad_order_fields:
                    continue
            located.append(_Problem(row, name, error.message))
        return located
