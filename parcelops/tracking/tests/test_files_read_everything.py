"""The event file reader reads every row that is there and refuses a bad line alone: a
workbook whose declared size is out of date, and a JSON Lines line nested too deeply."""

import json
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from parcelops.orders.tests.workbooks import declare_stale_size
from parcelops.tracking.models import UnmatchedEvent
from parcelops.tracking.providers.files import FileRow, iter_file_events

HEADER = ["carrier", "tracking_number", "occurred_at", "text"]
NUMBERS = [f"7500000000000{i}" for i in range(1, 6)]


def import_events(path: Path) -> tuple[int, str, str]:
    """Run the command: its exit status, stdout and stderr."""
    out, err = StringIO(), StringIO()
    status = 0
    try:
        call_command("import_events", str(path), "--quiet", stdout=out, stderr=err)
    except SystemExit as leaving:
        status = int(leaving.code or 0)
    return status, out.getvalue(), err.getvalue()


def summary(read: int, parked: int, rejected: int) -> str:
    return (
        f"{read} rows read: 0 events stored, 0 already present, {parked} parked for unknown "
        f"tracking numbers, {rejected} rows rejected (0 regressions, 0 in the future, "
        "0 unmapped flagged)\n"
    )


def workbook(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("ref", ["A1:D2", "A1:D4", "A1:B2", "A1"])
def test_a_workbook_with_a_stale_declared_size_is_read_to_its_last_row(
    db, frozen_now, english, tmp_path, ref
):
    rows = [HEADER] + [["zto", n, "2026-11-24 08:00:00", "已揽收"] for n in NUMBERS]
    path = declare_stale_size(workbook(tmp_path / "events.xlsx", rows), ref)

    read = list(iter_file_events(path))
    assert [row.line_number for row in read] == [2, 3, 4, 5, 6]
    assert [row.event.tracking_number for row in read if row.event] == NUMBERS

    assert import_events(path) == (0, summary(5, 5, 0), "")
    assert sorted(UnmatchedEvent.objects.values_list("tracking_number", flat=True)) == NUMBERS


def test_a_workbook_with_a_stale_size_reports_its_rejected_rows_beyond_the_size(
    db, frozen_now, english, tmp_path
):
    rows = [HEADER] + [["zto", n, "2026-11-24 08:00:00", "已揽收"] for n in NUMBERS]
    rows[5][2] = "0001-01-01 00:00:00"  # row 6, beyond the declared A1:D2
    path = declare_stale_size(workbook(tmp_path / "events.xlsx", rows), "A1:D2")

    status, out, err = import_events(path)

    assert (status, out) == (3, summary(5, 4, 1))
    assert err == (
        "row 6: occurred_at: Lies before 2000-01-01, so it is a placeholder rather than a "
        "real time: '0001-01-01 00:00:00'.\n"
    )


def jsonl_line(number: str) -> str:
    return json.dumps(
        {"carrier": "zto", "tracking_number": number, "occurred_at": "2026-11-24 08:00:00"}
    )


NESTED_TOO_DEEPLY = "Nested too deeply: at most 1024 levels of brackets."


@pytest.mark.parametrize(
    "deep",
    [
        "[" * 100_000,  # unclosed: json recursed until RecursionError
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        "[" * 1025 + "]" * 1025,  # one level past the limit
    ],
)
def test_a_json_line_nested_too_deeply_is_refused_alone(db, frozen_now, english, tmp_path, deep):
    path = tmp_path / "events.jsonl"
    lines = [jsonl_line(NUMBERS[0]), jsonl_line(NUMBERS[1]), deep, "", jsonl_line(NUMBERS[2])]
    path.write_text("\n".join(lines) + "\n")

    read = list(iter_file_events(path))
    assert [(row.line_number, row.errors) for row in read] == [
        (1, []),
        (2, []),
        (3, [NESTED_TOO_DEEPLY]),
        (5, []),
    ]
    assert read[2] == FileRow(3, None, [NESTED_TOO_DEEPLY])

    assert import_events(path) == (3, summary(4, 3, 1), f"row 3: {NESTED_TOO_DEEPLY}\n")
    assert sorted(UnmatchedEvent.objects.values_list("tracking_number", flat=True)) == NUMBERS[:3]


def test_a_json_line_nested_within_the_limit_is_read_as_a_value(db, english, tmp_path):
    path = tmp_path / "events.jsonl"
    event = jsonl_line(NUMBERS[0])[:-1]  # the object left open for one more key
    path.write_text(event + ', "extra": ' + "[" * 1000 + "]" * 1000 + "}\n")
    (row,) = iter_file_events(path)
    assert row.errors == []
