"""A carrier's bill file read through a column mapping: the same machinery as the other
imports (rows streamed by parcelops.orders.spreadsheet_files, cells converted by
spreadsheet_cells, columns found as the tracking-event import finds them), with the
mapping's own fields and units. Presets are JSON files in freight_mappings/.

A mapping file: {"description": ..., "columns": {field: header or [headers]},
"amount_unit": "yuan" | "cents", "weight_unit": "kg" | "g"}.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcelops.carriers.detection import normalise_tracking_number, tracking_number_error
from parcelops.orders.spreadsheet_cells import CellError, date_cell, is_blank, text_cell
from parcelops.orders.spreadsheet_files import SpreadsheetError, open_sheet
from parcelops.orders.spreadsheets import RowError
from parcelops.tracking.providers.files import find_columns, parse_columns, read_mapping_json
from parcelops.warehouse.freight import AMOUNT_UNITS, WEIGHT_UNITS, amount_cents, weight_grams

FIELDS = ("waybill_number", "billed_amount", "billed_weight", "destination_province", "ship_date")
REQUIRED = ("waybill_number", "billed_amount", "billed_weight")
MAPPINGS_DIR = Path(__file__).resolve().parent / "freight_mappings"
DEFAULT_PRESET = "generic"
PRESET_LABELS = {
    "generic": gettext_lazy("Chinese carrier bill: yuan and kg (运单号, 运费/金额, 计费重量)"),
    "generic-cents": gettext_lazy("Chinese carrier bill: cents and grams"),
}
_KEYS = {"description", "columns", "amount_unit", "weight_unit"}
# A bill's last row often adds it up ("合计 | | 12,345.00"): such a row is not a line.
TOTAL_WORDS = frozenset({"合计", "总计", "小计", "共计", "total", "totals", "subtotal", "sum"})
PROVINCE_MAX = 40


@dataclass(frozen=True)
class BillMapping:
    name: str  # the preset's name or the mapping file's name
    columns: dict[str, tuple[str, ...]]
    amount_unit: str = "yuan"
    weight_unit: str = "kg"


@dataclass(frozen=True, slots=True)
class BillRow:
    row: int  # in the file, from 1 (the header's row counts)
    waybill_number: str  # normalised
    billed_cents: int
    billed_weight_grams: int
    destination_province: str
    ship_date: date | None


@dataclass
class BillFile:
    """Every line of the file, or why some rows cannot be lines (then nothing is imported)."""

    lines: list[BillRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)  # the first ERRORS_KEPT
    bad_rows: list[int] = field(default_factory=list)  # every row with an error
    total_rows: list[int] = field(default_factory=list)  # "合计" rows passed over


ERRORS_KEPT = 50


def preset_names() -> list[str]:
    return sorted(path.stem for path in MAPPINGS_DIR.glob("*.json"))


def preset_label(name: str) -> str:
    return str(PRESET_LABELS.get(name, name))


def parse_bill_mapping(data: Any, name: str) -> BillMapping:
    def bad(message: str) -> SpreadsheetError:
        return SpreadsheetError(
            _("Mapping %(name)s: %(message)s") % {"name": name, "message": message}
        )

    if not isinstance(data, dict):
        raise bad(_("must be a JSON object with columns, amount_unit and weight_unit."))
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise bad(_("unknown key %(key)s.") % {"key": ", ".join(unknown)})
    columns = parse_columns(data.get("columns"), FIELDS, bad)
    for required in REQUIRED:
        if required not in columns:
            raise bad(_("columns must name the column of %(field)s.") % {"field": required})
    units = {}
    for key, allowed, default in (
        ("amount_unit", AMOUNT_UNITS, "yuan"),
        ("weight_unit", WEIGHT_UNITS, "kg"),
    ):
        units[key] = data.get(key, default)
        if units[key] not in allowed:
            raise bad(
                _("%(key)s must be one of %(allowed)s.")
                % {"key": key, "allowed": ", ".join(allowed)}
            )
    return BillMapping(name, columns, units["amount_unit"], units["weight_unit"])


def parse_bill_mapping_text(text: str, name: str) -> BillMapping:
    """An uploaded mapping file's text."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise SpreadsheetError(
            _("Mapping %(name)s is not valid JSON: %(reason)s") % {"name": name, "reason": error}
        ) from None
    return parse_bill_mapping(data, name)


def load_bill_mapping(preset_or_path: str) -> BillMapping:
    """A built-in preset by name, or a mapping file the user wrote; the default preset
    when empty."""
    name = preset_or_path or DEFAULT_PRESET
    data = read_mapping_json(name, preset_names(), MAPPINGS_DIR, SpreadsheetError)
    return parse_bill_mapping(data, name)


def _header(cells: list[Any]) -> list[str]:
    return ["" if is_blank(cell) else text_cell(cell) for cell in cells]


def _is_total_row(cells: list[Any]) -> bool:
    return any(isinstance(cell, str) and cell.strip().casefold() in TOTAL_WORDS for cell in cells)


class _LineReader:
    """The header resolved once, then each row read into a line or its errors."""

    def __init__(self, header: list[str], mapping: BillMapping) -> None:
        positions = find_columns(header, mapping.columns)
        missing = [name for name in REQUIRED if name not in positions]
        if missing:
            wanted = "; ".join(f"{name}: {' / '.join(mapping.columns[name])}" for name in missing)
            raise SpreadsheetError(
                _(
                    "The file has no column for %(wanted)s (mapping %(mapping)s). "
                    "Its columns are: %(headers)s."
                )
                % {
                    "wanted": wanted,
                    "mapping": mapping.name,
                    "headers": ", ".join(h for h in header if h)[:500],
                }
            )
        self.positions = positions
        self.labels = {name: header[index] for name, index in positions.items()}
        self.mapping = mapping

    def cell(self, cells: list[Any], name: str) -> Any:
        index = self.positions.get(name)
        if index is None or index >= len(cells) or is_blank(cells[index]):
            return None
        return cells[index]

    def line(self, row: int, cells: list[Any]) -> tuple[BillRow | None, list[RowError]]:
        errors: list[RowError] = []

        def fail(name: str, message: str) -> None:
            errors.append(RowError(row, self.labels.get(name, ""), name, message))

        values: dict[str, Any] = {}
        for name in FIELDS:
            raw = self.cell(cells, name)
            if raw is None:
                if name in REQUIRED:
                    fail(name, _("Required."))
                continue
            try:
                values[name] = self._convert(name, raw)
            except CellError as error:
                fail(name, str(error))
        if errors:
            return None, errors
        return (
            BillRow(
                row=row,
                waybill_number=values["waybill_number"],
                billed_cents=values["billed_amount"],
                billed_weight_grams=values["billed_weight"],
                destination_province=values.get("destination_province", ""),
                ship_date=values.get("ship_date"),
            ),
            [],
        )

    def _convert(self, name: str, raw: Any) -> Any:
        if name == "waybill_number":
            number = normalise_tracking_number(text_cell(raw))
            problem = tracking_number_error(number)
            if problem is not None:
                raise CellError(problem)
            return number
        if name == "billed_amount":
            return amount_cents(raw, self.mapping.amount_unit)
        if name == "billed_weight":
            return weight_grams(raw, self.mapping.weight_unit)
        if name == "ship_date":
            return parse_date(date_cell(raw))
        province = text_cell(raw)
        if len(province) > PROVINCE_MAX:
            raise CellError(_("At most %(count)d characters.") % {"count": PROVINCE_MAX})
        return province


def read_bill(path: str | Path, mapping: BillMapping) -> BillFile:
    """Read every row of the bill (streamed: only the lines are kept, small and flat).
    SpreadsheetError when the file or its header cannot be used at all."""
    result = BillFile()
    with open_sheet(Path(path)) as (rows, _total):
        numbered: Iterator[tuple[int, list[Any]]] = enumerate(rows, start=1)
        reader: _LineReader | None = None
        for number, cells in numbered:
            if all(is_blank(cell) for cell in cells):
                continue
            if reader is None:
                reader = _LineReader(_header(cells), mapping)
                continue
            line, errors = reader.line(number, cells)
            if line is not None:
                result.lines.append(line)
            elif _is_total_row(cells):
                result.total_rows.append(number)
            else:
                result.bad_rows.append(number)
                room = ERRORS_KEPT - len(result.errors)
                result.errors.extend(errors[: max(room, 0)])
        if reader is None:
            raise SpreadsheetError(
                _("%(name)s has no header row: it is empty.") % {"name": Path(path).name}
            )
    return result
