"""Reading .xlsx and .csv files row by row, never whole: a read-only workbook streams its
sheet, and a CSV's encoding is decided by one pass over its bytes."""

import codecs
import csv
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException


class SpreadsheetError(Exception):
    """The file or the mapping cannot be used at all; nothing was imported. Says why."""


# What the pages take from a browser (larger files go through the command line).
UPLOAD_MAX_BYTES = 50 * 1024 * 1024
UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")
MAPPING_MAX_BYTES = 64 * 1024

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_CHUNK = 1 << 20


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GBK (as GB18030, its superset).

    One pass over the bytes in chunks decides, so a bad byte deep in the file fails before
    the first row is imported, and memory stays flat.
    """
    with path.open("rb") as stream:
        head = stream.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        stream.seek(0)
        candidates = {
            "utf-8": codecs.getincrementaldecoder("utf-8")(),
            "gb18030": codecs.getincrementaldecoder("gb18030")(),
        }
        while candidates and (chunk := stream.read(_CHUNK)):
            for name, decoder in list(candidates.items()):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    del candidates[name]
        for name, decoder in list(candidates.items()):
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                del candidates[name]
    if "utf-8" in candidates:
        return "utf-8"
    if "gb18030" in candidates:
        return "gb18030"
    raise SpreadsheetError(
        _("%(name)s is neither UTF-8 nor GBK text; save it as CSV UTF-8 or as .xlsx.")
        % {"name": path.name}
    )


@contextmanager
def open_sheet(path: Path) -> Iterator[tuple[Iterator[list[Any]], int | None]]:
    """The rows of the file's first sheet as lists of cell values, and how many rows (or None)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(4)
    except FileNotFoundError:
        raise SpreadsheetError(_("No such file: %(path)s") % {"path": path}) from None
    except OSError as error:
        raise SpreadsheetError(
            _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": error.strerror}
        ) from None
    if head.startswith(_XLS_MAGIC):
        raise SpreadsheetError(
            _("%(name)s is an old .xls workbook; save it as .xlsx or CSV first.")
            % {"name": path.name}
        )
    if head.startswith(_XLSX_MAGIC):
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
            raise SpreadsheetError(
                _("%(name)s is not a readable .xlsx workbook.") % {"name": path.name}
            ) from None
        try:
            if not workbook.worksheets:
                raise SpreadsheetError(_("%(name)s has no worksheet.") % {"name": path.name})
            sheet = workbook.worksheets[0]  # the first sheet: marketplace exports have one
            # The sheet's declared size (its <dimension>) is only a hint for the progress
            # bar: other tools leave it out of date, and trusting it would drop the rows
            # beyond it. Every row that is there is read.
            total = sheet.max_row if isinstance(sheet.max_row, int) else None
            sheet.reset_dimensions()
            yield (list(row) for row in sheet.iter_rows(values_only=True)), total
        finally:
            workbook.close()
        return
    encoding = _csv_encoding(path)
    with path.open(encoding=encoding, newline="") as text:
        first_line = text.readline()
        text.seek(0)
        delimiter = max((",", "\t", ";"), key=first_line.count)
        yield _csv_rows(csv.reader(text, delimiter=delimiter), path.name), None


def _csv_rows(reader: Any, name: str) -> Iterator[list[Any]]:
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise SpreadsheetError(
                _("%(name)s, row %(row)d: not readable as CSV (%(reason)s).")
                % {"name": name, "row": reader.line_num, "reason": str(error)}
            ) from None
        yield row


def upload_problem(name: str, size: int) -> str | None:
    """Why a spreadsheet uploaded on a page cannot be imported there, or None: every
    upload form of a spreadsheet import asks this."""
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        return _("Upload an .xlsx or .csv file.")
    if size > UPLOAD_MAX_BYTES:
        return _("The file is larger than %(mb)d MB; import it from the command line.") % {
            "mb": UPLOAD_MAX_BYTES // (1024 * 1024)
        }
    return None
