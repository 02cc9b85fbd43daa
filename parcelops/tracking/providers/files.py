"""Carrier events from files: CSV and XLSX portal exports, and JSON Lines (FORMATS.md).

Rows stream one at a time (csv module, openpyxl's read-only mode, one JSON line at a
time), so a file of millions of rows never sits in memory. A column mapping says which
column holds which field; the built-in presets live in mappings/*.json.
"""

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import orjson
from django.utils.translation import gettext as _

from parcelops.carriers import registry
from parcelops.core.zones import zone_named
from parcelops.tracking.events import ParsedEvent, PayloadError
from parcelops.tracking.providers.batch import FIELDS, build_event

PROVIDER = "file"
MAPPINGS_DIR = Path(__file__).parent / "mappings"
PRESETS = ("parcelops", "cn-portal")  # tried in this order when no mapping is given

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")

_READ_SIZE = 1 << 20

# orjson's fixed depth limit for JSON Lines, and how its error for a deeper line begins.
MAX_JSON_DEPTH = 1024
_ORJSON_TOO_DEEP = "depth limit exceeded"

# How Chinese portals and Excel write times: 2026/11/25 9:00, 2026.11.25 09:00:00.
_PORTAL_TIME = re.compile(
    r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)


@dataclass(frozen=True)
class ColumnMapping:
    name: str  # the preset's name or the mapping file's path
    columns: dict[str, tuple[str, ...]]  # our field -> the headers it may have, first match wins
    defaults: dict[str, str]  # our field -> the value when the row has none
    time_zone: ZoneInfo | None  # naive times are read here instead of the carrier's zone


@dataclass(frozen=True)
class FileRow:
    line_number: int  # the line (CSV, JSON Lines) or row (XLSX) in the file, from 1
    event: ParsedEvent | None  # None when the row has errors
    errors: list[str]


def _header_key(header: str) -> str:
    return header.strip().lstrip("\ufeff").strip().casefold()


def parse_columns(
    raw_columns: Any, fields: Sequence[str], bad: Callable[[str], Exception]
) -> dict[str, tuple[str, ...]]:
    """A mapping file's "columns": each of our fields -> the headers its column may have
    (one header or a list, the first the file has wins). `bad` makes the error to raise.
    Shared by every file import that reads a mapping (tracking events, freight bills)."""
    if not isinstance(raw_columns, dict) or not raw_columns:
        raise bad(_("columns must be an object of field: column header."))
    known = ", ".join(fields)
    columns: dict[str, tuple[str, ...]] = {}
    for field_name, headers in raw_columns.items():
        if field_name not in fields:
            raise bad(
                _("unknown field %(field)s in columns; the fields are %(known)s.")
                % {"field": repr(field_name), "known": known}
            )
        options = [headers] if isinstance(headers, str) else headers
        if (
            not isinstance(options, list)
            or not options
            or not all(isinstance(h, str) and h.strip() for h in options)
        ):
            raise bad(
                _("columns.%(field)s must be a column header or a list of them.")
                % {"field": field_name}
            )
        columns[field_name] = tuple(h.strip() for h in options)
    return columns


def find_columns(headers: list[str], columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """The position of each mapped field's column in a header row (its first header the
    row has; headers compared without case and surrounding spaces). Fields without one
    are left out: the caller says which it needs."""
    index: dict[str, int] = {}
    for position, header in enumerate(headers):
        index.setdefault(_header_key(header), position)
    found: dict[str, int] = {}
    for field_name, options in columns.items():
        for option in options:
            if _header_key(option) in index:
                found[field_name] = index[_header_key(option)]
                break
    return found


def _mapping_from_json(data: Any, name: str) -> ColumnMapping:
    def bad(message: str) -> PayloadError:
        return PayloadError(_("Mapping %(name)s: %(message)s") % {"name": name, "message": message})

    if not isinstance(data, dict):
        raise bad(_("must be a JSON object with columns, defaults and time_zone."))
    unknown_keys = sorted(set(data) - {"description", "columns", "defaults", "time_zone"})
    if unknown_keys:
        raise bad(_("unknown key %(key)s.") % {"key": ", ".join(unknown_keys)})
    known = ", ".join(FIELDS)

    columns = parse_columns(data.get("columns"), FIELDS, bad)

    raw_defaults = data.get("defaults", {})
    if not isinstance(raw_defaults, dict):
        raise bad(_("defaults must be an object of field: value."))
    defaults: dict[str, str] = {}
    for field_name, value in raw_defaults.items():
        if field_name not in FIELDS:
            raise bad(
                _("unknown field %(field)s in defaults; the fields are %(known)s.")
                % {"field": repr(field_name), "known": known}
            )
        if not isinstance(value, str) or not value.strip():
            raise bad(_("defaults.%(field)s must be text.") % {"field": field_name})
        defaults[field_name] = value.strip()
    if "carrier" in defaults:
        try:
            registry.resolve_carrier(defaults["carrier"])
        except registry.UnknownCarrierError as unknown:
            raise bad(f"defaults.carrier: {unknown.message}") from unknown

    for required in ("tracking_number", "occurred_at"):
        if required not in columns:
            raise bad(_("columns must name the column of %(field)s.") % {"field": required})
    if "carrier" not in columns and "carrier" not in defaults:
        raise bad(_("give the carrier's column in columns or its code in defaults."))

    zone_name = data.get("time_zone")
    zone = None
    if zone_name is not None:
        zone = zone_named(zone_name)
        if zone is None:
            raise bad(
                _("unknown time zone %(zone)s (use a name such as Asia/Shanghai).")
                % {"zone": repr(zone_name)}
            )
    return ColumnMapping(name=name, columns=columns, defaults=defaults, time_zone=zone)


def read_mapping_json(
    name: str, presets: Sequence[str], directory: Path, bad: Callable[[str], Exception]
) -> Any:
    """The JSON of a built-in preset (`directory`/NAME.json) or of a mapping file the user
    wrote; `bad` makes the error when there is neither or it is not JSON. Shared by
    every file import that reads a mapping (tracking events, freight bills)."""
    if name in presets:
        path = directory / f"{name}.json"
    else:
        path = Path(name)
        if not path.is_file():
            raise bad(
                _("No mapping preset or file named %(name)s; the presets are %(presets)s.")
                % {"name": repr(name), "presets": ", ".join(presets)}
            )
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise bad(
            _("Mapping %(name)s is not valid JSON: %(reason)s") % {"name": name, "reason": error}
        ) from None


def load_mapping(path_or_preset: str | Path) -> ColumnMapping:
    """A built-in preset by name, or a mapping file the user wrote."""
    name = str(path_or_preset)
    return _mapping_from_json(read_mapping_json(name, PRESETS, MAPPINGS_DIR, PayloadError), name)


def _file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix == ".xls":
        raise PayloadError(
            _("Old Excel files (.xls) cannot be read; save the sheet as XLSX or CSV.")
        )
    raise PayloadError(
        _("Unsupported file type %(suffix)s; use CSV, XLSX or JSON Lines (.jsonl).")
        % {"suffix": repr(suffix or path.name)}
    )


def _detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when every byte decodes as such, else GBK.

    The whole file is checked, in chunks, because Chinese text may first appear far down.
    GB 18030 is read for GBK: it is a superset, so GBK files read the same.
    """
    with path.open("rb") as stream:
        if stream.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        stream.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := stream.read(_READ_SIZE):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def _resolve_columns(headers: list[str], mapping: ColumnMapping) -> dict[str, int]:
    """The column index of each mapped field; PayloadError when a required one is missing."""
    found = find_columns(headers, mapping.columns)
    required = ["tracking_number", "occurred_at"]
    if "carrier" not in mapping.defaults:
        required.insert(0, "carrier")
    missing = [name for name in required if name not in found]
    if missing:
        wanted = "; ".join(
            f"{name}: {' / '.join(mapping.columns.get(name, ()))}" for name in missing
        )
        raise PayloadError(
            _(
                "The file has no column for %(wanted)s (mapping %(mapping)s). "
                "Its columns are: %(headers)s."
            )
            % {
                "wanted": wanted,
                "mapping": mapping.name,
                "headers": ", ".join(h.strip() for h in headers),
            }
        )
    return found


def _choose_mapping(headers: list[str]) -> tuple[ColumnMapping, dict[str, int]]:
    """The first preset whose required columns the file has."""
    for preset in PRESETS:
        mapping = load_mapping(preset)
        try:
            return mapping, _resolve_columns(headers, mapping)
        except PayloadError:
            continue
    raise PayloadError(
        _(
            "No built-in mapping fits the columns %(headers)s; pass --mapping with a preset "
            "(%(presets)s) or a mapping file."
        )
        % {"headers": ", ".join(h.strip() for h in headers), "presets": ", ".join(PRESETS)}
    )


def _cell_text(value: Any) -> str:
    """An XLSX cell as the text the batch checks expect (dates as naive local times)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        # Long tracking numbers typed into Excel come back as floats.
        return str(int(value))
    return str(value).strip()


def _portal_time(value: str) -> str:
    """A portal's date-with-slashes time in ISO form; anything else unchanged."""
    match = _PORTAL_TIME.fullmatch(value)
    if not match:
        return value
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"


class _RowReader:
    """A file's header resolved against its mapping once, then applied to each row."""

    def __init__(self, headers: list[str], columns: dict[str, int], mapping: ColumnMapping):
        self.names = [header.strip() for header in headers]
        self.columns = list(columns.items())
        self.labels = {name: self.names[position] or name for name, position in columns.items()}
        self.defaults = mapping.defaults
        self.time_zone = mapping.time_zone

    @classmethod
    def of(
        cls, headers: list[str] | None, mapping: ColumnMapping | None, empty: str
    ) -> "_RowReader":
        """The reader of a file with these headers: by the mapping given, or by the first
        preset that fits them. `empty` is the error when the file names no columns."""
        if headers is None or _is_blank(headers):
            raise PayloadError(empty)
        if mapping is None:
            mapping, columns = _choose_mapping(headers)
        else:
            columns = _resolve_columns(headers, mapping)
        return cls(headers, columns, mapping)

    def event(self, cells: list[str]) -> tuple[ParsedEvent | None, list[str]]:
        values: dict[str, Any] = dict(self.defaults)
        width = len(cells)
        for field_name, position in self.columns:
            if position < width and (cell := cells[position].strip()):
                values[field_name] = cell
        if "occurred_at" in values:
            values["occurred_at"] = _portal_time(values["occurred_at"])
        raw = {name: cell for name, cell in zip(self.names, cells, strict=False) if name}
        event, problems = build_event(values, provider=PROVIDER, raw=raw, time_zone=self.time_zone)
        return event, [f"{self.labels.get(name, name)}: {message}" for name, message in problems]


def _is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _csv_rows(stream: TextIO, mapping: ColumnMapping | None) -> Iterator[FileRow]:
    try:
        try:
            first_line = stream.readline()
            # Portals export with commas, tabs or (European locales) semicolons.
            delimiter = max(("\t", ";", ","), key=first_line.count)
            stream.seek(0)
            reader = csv.reader(stream, delimiter=delimiter)
            headers = next(reader, None)
        except UnicodeDecodeError:
            raise PayloadError(_("The file is neither UTF-8 nor GBK text.")) from None
        reader_of_rows = _RowReader.of(
            headers, mapping, _("The file is empty: the first line must name the columns.")
        )
    except BaseException:
        stream.close()
        raise

    def rows() -> Iterator[FileRow]:
        with stream:
            line_number = reader.line_num + 1
            try:
                for cells in reader:
                    if not _is_blank(cells):
                        event, errors = reader_of_rows.event(cells)
                        yield FileRow(line_number, event, errors)
                    line_number = reader.line_num + 1
            except UnicodeDecodeError:
                raise PayloadError(
                    _("Line %(line)d: the file is neither UTF-8 nor GBK text.")
                    % {"line": line_number}
                ) from None
            except csv.Error as error:
                raise PayloadError(
                    _("Line %(line)d: %(reason)s") % {"line": line_number, "reason": error}
                ) from None

    return rows()


def _xlsx_rows(path: Path, mapping: ColumnMapping | None) -> Iterator[FileRow]:
    import openpyxl  # loaded only for spreadsheets: it is slow to import

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError, lxml and its own errors
        raise PayloadError(
            _("Not a readable XLSX file: %(reason)s") % {"reason": error or type(error).__name__}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        # Every row that is there: the sheet's declared size (its <dimension>) is often
        # out of date in files other tools wrote, and would cut rows and columns off.
        sheet.reset_dimensions()
        values = sheet.iter_rows(values_only=True)
        first = next(values, None)
        headers = [_cell_text(cell) for cell in first] if first else []
        reader_of_rows = _RowReader.of(
            headers, mapping, _("The sheet is empty: the first row must name the columns.")
        )
    except BaseException:
        workbook.close()
        raise

    def rows() -> Iterator[FileRow]:
        try:
            for row_number, row in enumerate(values, start=2):
                cells = [_cell_text(cell) for cell in row]
                if not _is_blank(cells):
                    event, errors = reader_of_rows.event(cells)
                    yield FileRow(row_number, event, errors)
        finally:
            workbook.close()

    return rows()


def _jsonl_rows(stream: TextIO, mapping: ColumnMapping) -> Iterator[FileRow]:
    """Each line one object; a mapping names the keys (our field names by default)."""
    with stream:
        for line_number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                # orjson, not json: it refuses what the database could not keep (lone
                # surrogates) and stops at a depth limit, where json recursed until
                # RecursionError ended the whole import.
                item = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                if str(error).startswith(_ORJSON_TOO_DEEP):
                    reason = _("Nested too deeply: at most %(levels)d levels of brackets.") % {
                        "levels": MAX_JSON_DEPTH
                    }
                else:
                    reason = _("Not valid JSON: %(reason)s") % {"reason": error}
                yield FileRow(line_number, None, [reason])
                continue
            if not isinstance(item, dict):
                yield FileRow(line_number, None, [_("Must be a JSON object.")])
                continue
            values: dict[str, Any] = dict(mapping.defaults)
            for field_name, keys in mapping.columns.items():
                for key in keys:
                    if item.get(key) not in (None, ""):
                        values[field_name] = item[key]
                        break
            event, problems = build_event(
                values, provider=PROVIDER, raw=item, time_zone=mapping.time_zone
            )
            yield FileRow(line_number, event, [f"{name}: {message}" for name, message in problems])


def iter_file_events(path: Path | str, mapping: ColumnMapping | None = None) -> Iterator[FileRow]:
    """The file's rows as events, one at a time, each with its errors.

    Checks the header first: a file without the columns the mapping needs raises
    PayloadError here, before any row is read. Without a mapping the first fitting preset
    is used (JSON Lines: our own field names).
    """
    path = Path(path)
    kind = _file_kind(path)
    if not path.is_file():
        raise PayloadError(_("No such file: %(path)s") % {"path": path})
    if kind == "xlsx":
        return _xlsx_rows(path, mapping)
    encoding = _detect_encoding(path)
    stream = path.open(encoding=encoding, newline="" if kind == "csv" else None)
    if kind == "csv":
        return _csv_rows(stream, mapping)
    return _jsonl_rows(stream, mapping or load_mapping("parcelops"))


def _count_lines(path: Path) -> int:
    lines, last = 0, b"\n"
    with path.open("rb") as stream:
        while chunk := stream.read(_READ_SIZE):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def count_rows(path: Path | str) -> int | None:
    """About how many rows the file has, for a progress bar (None when unknown).

    Counts lines, so a CSV cell with line breaks makes it a little high.
    """
    path = Path(path)
    kind = _file_kind(path)
    if kind == "xlsx":
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(path, read_only=True)
        except Exception:  # the reader reports what is wrong with the file
            return None
        try:
            # Read from the sheet's <dimension> record (absent or out of date in some
            # writers' files): a hint for the progress bar only, the reader reads every row.
            max_row = workbook.worksheets[0].max_row
        finally:
            workbook.close()
        return max(max_row - 1, 0) if max_row else None
    lines = _count_lines(path)
    return max(lines - 1, 0) if kind == "csv" else lines
