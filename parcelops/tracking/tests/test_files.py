"""The file reader of `parcelops import-events`: CSV, XLSX and JSON Lines, with mappings."""

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from parcelops.tracking.events import PayloadError
from parcelops.tracking.providers.batch import parse_batch
from parcelops.tracking.providers.files import (
    FileRow,
    count_rows,
    iter_file_events,
    load_mapping,
)

UNKNOWN_NOBODY = (
    "Unknown carrier “nobody”. The closest known carriers: "
    "STO Express (sto), ZTO Express (zto), China Post (china-post)."
)
PAYLOADS = Path(__file__).parent / "payloads"

pytestmark = pytest.mark.usefixtures("english")  # messages are asserted word for word
STATUS_CHOICES = (
    "Must be one of: pending, info_received, in_transit, out_for_delivery, "
    "available_for_pickup, attempt_failed, exception, returning, delivered, "
    "returned, lost, disposed, cancelled, expired."
)
TIME_FORMAT = (
    "Must be an ISO 8601 time such as 2026-11-25T10:00:00+08:00 "
    "(without an offset it is read in the carrier's time zone)."
)
CN_PORTAL_CSV = (PAYLOADS / "events_cn_portal.csv").read_bytes().removeprefix(b"\xef\xbb\xbf")


def rows_of(path: Path, mapping=None) -> list[FileRow]:
    return list(iter_file_events(path, mapping))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def write_mapping(tmp_path: Path, data: object) -> Path:
    return write(tmp_path, "mapping.json", json.dumps(data, ensure_ascii=False))


# --- CSV ---------------------------------------------------------------------------------


def test_it_reads_our_own_columns_row_by_row_with_their_line_numbers():
    rows = rows_of(PAYLOADS / "events_parcelops.csv")

    # Line 3's text spans two lines; line 5 is blank and skipped.
    assert [(row.line_number, row.event is not None) for row in rows] == [
        (2, True),
        (3, True),
        (6, True),
        (7, False),
    ]
    first = rows[0].event
    assert first is not None
    assert first.provider == "file"
    assert (first.carrier, first.tracking_number) == ("zto", "78912345678901")
    assert (first.occurred_at, first.offset_source) == (
        datetime(2026, 11, 24, 1, 30, tzinfo=UTC),
        "payload",
    )
    assert (first.status, first.substatus, first.raw_code) == (
        "in_transit",
        "picked_up",
        "in_transit",
    )
    assert (first.raw_text, first.location, first.event_id) == ("快递员已揽件", "杭州市", "")
    assert first.raw == {
        "carrier": "zto",
        "tracking_number": "78912345678901",
        "occurred_at": "2026-11-24T09:30:00+08:00",
        "status": "in_transit",
        "substatus": "picked_up",
        "raw_code": "",
        "text": "快递员已揽件",
        "location": "杭州市",
        "event_id": "",
    }


def test_a_naive_time_in_a_file_is_read_in_the_carriers_zone():
    second = rows_of(PAYLOADS / "events_parcelops.csv")[1].event

    assert second is not None
    assert (second.occurred_at, second.local_time, second.offset_source) == (
        datetime(2026, 11, 24, 14, 30, tzinfo=UTC),
        "2026-11-24 22:30:00",
        "carrier_zone",
    )
    assert second.raw_text == "快件离开【杭州转运中心】\n已发往【上海转运中心】"


def test_a_quoted_cell_with_a_comma_and_the_event_id_are_kept():
    ups = rows_of(PAYLOADS / "events_parcelops.csv")[2].event

    assert ups is not None
    assert (ups.carrier, ups.location, ups.event_id) == ("ups", "Louisville, KY", "ups-77")
    assert ups.occurred_at == datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def test_a_bad_row_lists_every_bad_column_and_the_others_still_come_through():
    bad = rows_of(PAYLOADS / "events_parcelops.csv")[3]

    assert bad == FileRow(
        7,
        None,
        [
            f"carrier: {UNKNOWN_NOBODY}",
            "tracking_number: A tracking number has 6 to 40 letters and digits.",
            f"occurred_at: {TIME_FORMAT}",
            f"status: {STATUS_CHOICES}",
        ],
    )


def test_the_chinese_portal_preset_is_chosen_for_its_headers_in_utf8_with_bom():
    rows = rows_of(PAYLOADS / "events_cn_portal.csv")

    assert [row.errors for row in rows] == [[], []]
    signed, out = (row.event for row in rows)
    assert signed is not None
    assert out is not None
    assert (signed.carrier, signed.tracking_number) == ("zto", "78912345678901")
    assert (signed.occurred_at, signed.offset_source) == (
        datetime(2026, 11, 25, 6, 5, tzinfo=UTC),
        "carrier_zone",
    )
    assert (signed.status, signed.raw_code, signed.location) == ("delivered", "已签收", "上海市")
    assert (out.carrier, out.tracking_number) == ("yto", "YT7788990011223")
    assert out.occurred_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert signed.raw == {
        "快递公司": "中通快递",
        "运单号": "78912345678901",
        "时间": "2026-11-25 14:05:00",
        "状态": "已签收",
        "描述": "您的快件已签收，签收人：本人",
        "地点": "上海市",
    }


def test_a_gbk_file_reads_the_same_as_its_utf8_twin(tmp_path):
    gbk = write(tmp_path, "gbk.csv", CN_PORTAL_CSV.decode("utf-8").encode("gbk"))

    assert rows_of(gbk) == rows_of(PAYLOADS / "events_cn_portal.csv")
    assert rows_of(gbk)[0].event.raw_text == "您的快件已签收，签收人：本人"  # type: ignore[union-attr]


def test_a_file_with_chinese_only_far_down_is_still_recognised_as_gbk(tmp_path):
    filler = "".join(f"zto,7891234567{n:04d},2026-11-24 10:00:00,,,,scan,,\n" for n in range(40000))
    content = (
        "carrier,tracking_number,occurred_at,status,substatus,raw_code,text,location,event_id\n"
        + filler
        + "zto,78912345678901,2026-11-24 11:00:00,,,,已签收,上海,\n"
    )
    path = write(tmp_path, "big.csv", content.encode("gbk"))

    rows = iter_file_events(path)
    *_, last = rows

    assert last.line_number == 40002
    assert last.event is not None
    assert last.event.raw_text == "已签收"


def test_a_semicolon_separated_file_is_read(tmp_path):
    path = write(
        tmp_path,
        "semi.csv",
        "carrier;tracking_number;occurred_at;text\nzto;78912345678901;2026-11-24T10:00:00Z;Scan, sorted\n",
    )

    (row,) = rows_of(path)

    assert row.event is not None
    assert (row.event.raw_text, row.event.occurred_at) == (
        "Scan, sorted",
        datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
    )


def test_a_mapping_file_names_the_columns_and_fills_in_the_carrier_and_zone(tmp_path):
    mapping = load_mapping(
        write_mapping(
            tmp_path,
            {
                "columns": {
                    "tracking_number": "Waybill",
                    "occurred_at": ["Scan time", "Time"],
                    "text": "Event",
                },
                "defaults": {"carrier": "zto"},
                "time_zone": "Europe/Berlin",
            },
        )
    )
    path = write(
        tmp_path,
        "portal.csv",
        "Waybill,Time,Event,Operator\n"
        "78912345678901,2026-11-24 10:00:00,Parcel scanned,Li\n"
        "78912345678901,2026-11-24T10:00:00+08:00,Parcel scanned again,Li\n",
    )

    naive, aware = (row.event for row in rows_of(path, mapping))

    assert naive is not None
    assert aware is not None
    assert naive.carrier == "zto"
    # Berlin is UTC+1 in November: the mapping's zone, not ZTO's.
    assert (naive.occurred_at, naive.offset_source) == (
        datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        "carrier_zone",
    )
    assert (aware.occurred_at, aware.offset_source) == (
        datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        "payload",
    )
    assert naive.raw == {
        "Waybill": "78912345678901",
        "Time": "2026-11-24 10:00:00",
        "Event": "Parcel scanned",
        "Operator": "Li",
    }


def test_a_rows_own_carrier_wins_over_the_mappings_default(tmp_path):
    mapping = load_mapping(
        write_mapping(
            tmp_path,
            {
                "columns": {"carrier": "Courier", "tracking_number": "No", "occurred_at": "At"},
                "defaults": {"carrier": "zto"},
            },
        )
    )
    path = write(
        tmp_path,
        "c.csv",
        "Courier,No,At\nyto,YT7788990011223,2026-11-24T10:00:00Z\n,78912345678901,2026-11-24T10:00:00Z\n",
    )

    assert [row.event.carrier for row in rows_of(path, mapping)] == ["yto", "zto"]  # type: ignore[union-attr]


def test_missing_columns_are_refused_before_any_row_is_read(tmp_path):
    path = write(tmp_path, "short.csv", "carrier,tracking_number,text\nzto,78912345678901,x\n")

    with pytest.raises(PayloadError) as error:
        iter_file_events(path, load_mapping("parcelops"))

    assert str(error.value) == (
        "The file has no column for occurred_at: occurred_at (mapping parcelops). "
        "Its columns are: carrier, tracking_number, text."
    )


def test_a_file_no_preset_fits_is_refused_with_the_way_out(tmp_path):
    path = write(tmp_path, "odd.csv", "Waybill,When\n78912345678901,2026-11-24\n")

    with pytest.raises(PayloadError) as error:
        iter_file_events(path)

    assert str(error.value) == (
        "No built-in mapping fits the columns Waybill, When; pass --mapping with a preset "
        "(parcelops, cn-portal) or a mapping file."
    )


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(
        PayloadError, match=r"^The file is empty: the first line must name the columns\.$"
    ):
        iter_file_events(write(tmp_path, "empty.csv", ""))


def test_a_binary_file_named_csv_is_refused(tmp_path):
    path = write(tmp_path, "noise.csv", b"\x80\xff\xfe\x81" * 10)

    with pytest.raises(PayloadError, match=r"^The file is neither UTF-8 nor GBK text\.$"):
        iter_file_events(path)


def test_importing_the_same_file_again_gives_the_same_dedupe_keys():
    first = [
        row.event.dedupe_key for row in rows_of(PAYLOADS / "events_parcelops.csv") if row.event
    ]
    again = [
        row.event.dedupe_key for row in rows_of(PAYLOADS / "events_parcelops.csv") if row.event
    ]

    assert first == again
    assert len(set(first)) == 3


def test_a_file_row_and_the_same_event_over_the_api_share_a_dedupe_key():
    from_file = rows_of(PAYLOADS / "events_parcelops.csv")[0].event
    events, _ = parse_batch(
        [
            {
                "carrier": "zto",
                "tracking_number": "78912345678901",
                "occurred_at": "2026-11-24T01:30:00Z",
                "status": "in_transit",
                "substatus": "picked_up",
                "text": "快递员已揽件",
            }
        ]
    )

    assert from_file is not None
    assert from_file.dedupe_key == events[0].dedupe_key


# --- XLSX --------------------------------------------------------------------------------


def make_xlsx(tmp_path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    return path


def test_it_reads_a_spreadsheet_with_date_cells_and_numeric_tracking_numbers(tmp_path):
    path = make_xlsx(
        tmp_path,
        [
            ["快递公司", "运单号", "时间", "状态", "描述", "地点"],
            [
                "中通快递",
                78912345678901,
                datetime(2026, 11, 25, 14, 5),
                "已签收",
                "已签收",
                "上海市",
            ],
            ["中通", 78912345678902.0, "2026-11-25 09:00:00", "派件中", "派件中", None],
            [None, None, None, None, None, None],
            ["中通", 78912345678903, 12.5, "派件中", "派件中", "上海市"],
        ],
    )

    rows = rows_of(path)

    assert [(row.line_number, row.errors) for row in rows] == [
        (2, []),
        (3, []),
        (5, [f"时间: {TIME_FORMAT}"]),
    ]
    first, second = rows[0].event, rows[1].event
    assert first is not None
    assert second is not None
    assert (first.tracking_number, first.occurred_at, first.local_time, first.offset_source) == (
        "78912345678901",
        datetime(2026, 11, 25, 6, 5, tzinfo=UTC),
        "2026-11-25 14:05:00",
        "carrier_zone",
    )
    assert first.raw["时间"] == "2026-11-25 14:05:00"
    assert (second.tracking_number, second.location) == ("78912345678902", "")
    assert count_rows(path) == 4


def test_a_spreadsheet_without_the_needed_columns_is_refused(tmp_path):
    path = make_xlsx(tmp_path, [["运单号", "描述"], ["78912345678901", "x"]])

    with pytest.raises(PayloadError) as error:
        iter_file_events(path, load_mapping("cn-portal"))

    assert str(error.value) == (
        "The file has no column for carrier: 快递公司 / 物流公司 / 承运商; "
        "occurred_at: 时间 / 操作时间 / 扫描时间 / 物流时间 (mapping cn-portal). "
        "Its columns are: 运单号, 描述."
    )


def test_a_file_named_xlsx_that_is_not_one_is_refused(tmp_path):
    path = write(tmp_path, "fake.xlsx", "carrier,tracking_number\n")

    with pytest.raises(PayloadError, match=r"^Not a readable XLSX file: "):
        iter_file_events(path)
    assert count_rows(path) is None


# --- JSON Lines --------------------------------------------------------------------------


def test_it_reads_json_lines_and_reports_each_bad_line():
    rows = rows_of(PAYLOADS / "events_parcelops.jsonl")

    assert [row.line_number for row in rows] == [1, 3, 4, 5, 6]
    first, second = rows[0].event, rows[1].event
    assert first is not None
    assert second is not None
    assert (first.event_id, first.status, first.substatus) == ("wms-1", "in_transit", "picked_up")
    assert first.raw["event_id"] == "wms-1"
    assert (second.tracking_number, second.occurred_at, second.offset_source) == (
        "78912345678902",
        datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        "carrier_zone",
    )
    assert rows[2].event is None
    assert len(rows[2].errors) == 1
    assert rows[2].errors[0].startswith("Not valid JSON: ")
    assert rows[3] == FileRow(5, None, ["Must be a JSON object."])
    assert rows[4] == FileRow(6, None, [f"status: {STATUS_CHOICES}"])


def test_json_lines_keys_follow_a_mapping(tmp_path):
    path = write(
        tmp_path,
        "portal.jsonl",
        json.dumps(
            {"运单号": "78912345678901", "时间": "2026-11-25 14:05:00", "快递公司": "中通"},
            ensure_ascii=False,
        )
        + "\n",
    )

    (row,) = rows_of(path, load_mapping("cn-portal"))

    assert row.event is not None
    assert (row.event.carrier, row.event.occurred_at) == (
        "zto",
        datetime(2026, 11, 25, 6, 5, tzinfo=UTC),
    )


# --- row counts and file types ------------------------------------------------------------


def test_it_counts_rows_cheaply_for_the_progress_bar(tmp_path):
    # Physical lines: the multi-line cell and the blank line make the count a little high.
    assert count_rows(PAYLOADS / "events_parcelops.csv") == 6
    assert count_rows(PAYLOADS / "events_parcelops.jsonl") == 6
    assert count_rows(write(tmp_path, "no-newline.csv", "a,b\n1,2\n3,4")) == 2


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("events.xls", "Old Excel files (.xls) cannot be read; save the sheet as XLSX or CSV."),
        ("events.pdf", "Unsupported file type '.pdf'; use CSV, XLSX or JSON Lines (.jsonl)."),
        ("events", "Unsupported file type 'events'; use CSV, XLSX or JSON Lines (.jsonl)."),
    ],
)
def test_an_unsupported_file_type_is_refused(tmp_path, name, message):
    path = write(tmp_path, name, "x")

    for read in (iter_file_events, count_rows):
        with pytest.raises(PayloadError) as error:
            read(path)
        assert str(error.value) == message


# --- mappings ----------------------------------------------------------------------------


def test_the_presets_load_by_name():
    ours = load_mapping("parcelops")
    portal = load_mapping("cn-portal")

    assert ours.columns["occurred_at"] == ("occurred_at",)
    assert ours.time_zone is None
    assert portal.columns["tracking_number"] == ("运单号", "快递单号", "物流单号", "单号")
    assert str(portal.time_zone) == "Asia/Shanghai"


def test_an_unknown_preset_or_missing_file_is_refused():
    with pytest.raises(PayloadError) as error:
        load_mapping("kuaidi-portal")

    assert str(error.value) == (
        "No mapping preset or file named 'kuaidi-portal'; the presets are parcelops, cn-portal."
    )


def test_a_mapping_file_that_is_not_json_is_refused(tmp_path):
    path = write(tmp_path, "mapping.json", "{columns: }")

    with pytest.raises(PayloadError) as error:
        load_mapping(path)

    assert str(error.value).startswith(f"Mapping {path} is not valid JSON: Expecting")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a JSON object with columns, defaults and time_zone."),
        ({"columns": {}}, "columns must be an object of field: column header."),
        (
            {"columns": {"waybill": "运单号"}},
            "unknown field 'waybill' in columns; the fields are carrier, tracking_number, "
            "occurred_at, status, substatus, raw_code, text, location, event_id.",
        ),
        (
            {"columns": {"tracking_number": ["运单号", 7]}},
            "columns.tracking_number must be a column header or a list of them.",
        ),
        (
            {"columns": {"tracking_number": "运单号", "occurred_at": "时间"}, "defaults": []},
            "defaults must be an object of field: value.",
        ),
        (
            {
                "columns": {"tracking_number": "运单号", "occurred_at": "时间"},
                "defaults": {"courier": "zto"},
            },
            "unknown field 'courier' in defaults; the fields are carrier, tracking_number, "
            "occurred_at, status, substatus, raw_code, text, location, event_id.",
        ),
        (
            {
                "columns": {"tracking_number": "运单号", "occurred_at": "时间"},
                "defaults": {"carrier": 7},
            },
            "defaults.carrier must be text.",
        ),
        (
            {
                "columns": {"tracking_number": "运单号", "occurred_at": "时间"},
                "defaults": {"carrier": "pigeon"},
            },
            "defaults.carrier: Unknown carrier “pigeon”. The closest known carriers: "
            "Deppon (deppon), STO Express (sto), China Post (china-post).",
        ),
        (
            {"columns": {"carrier": "快递公司", "tracking_number": "运单号"}},
            "columns must name the column of occurred_at.",
        ),
        (
            {"columns": {"tracking_number": "运单号", "occurred_at": "时间"}},
            "give the carrier's column in columns or its code in defaults.",
        ),
        (
            {
                "columns": {
                    "carrier": "快递公司",
                    "tracking_number": "运单号",
                    "occurred_at": "时间",
                },
                "time_zone": "China/Beijing",
            },
            "unknown time zone 'China/Beijing' (use a name such as Asia/Shanghai).",
        ),
        (
            {
                "columns": {
                    "carrier": "快递公司",
                    "tracking_number": "运单号",
                    "occurred_at": "时间",
                },
                "timezone": "Asia/Shanghai",
            },
            "unknown key timezone.",
        ),
    ],
)
def test_a_mapping_file_with_a_mistake_is_refused_with_what_to_fix(tmp_path, data, message):
    path = write_mapping(tmp_path, data)

    with pytest.raises(PayloadError) as error:
        load_mapping(path)

    assert str(error.value) == f"Mapping {path}: {message}"


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2026/11/25 9:00", datetime(2026, 11, 25, 1, 0, tzinfo=UTC)),
        ("2026/1/5 09:07:30", datetime(2026, 1, 5, 1, 7, 30, tzinfo=UTC)),
        ("2026.11.25 23:59:59", datetime(2026, 11, 25, 15, 59, 59, tzinfo=UTC)),
        ("2026/11/25", datetime(2026, 11, 24, 16, 0, tzinfo=UTC)),
    ],
)
def test_portal_style_times_with_slashes_are_read(tmp_path, written, utc):
    path = write(tmp_path, "t.csv", f"快递公司,运单号,时间\n中通,78912345678901,{written}\n")

    (row,) = rows_of(path)

    assert row.event is not None
    assert (row.event.occurred_at, row.event.offset_source) == (utc, "carrier_zone")


# --- the import-events command ------------------------------------------------------------

HEADER = "carrier,tracking_number,occurred_at,status,substatus,raw_code,text,location,event_id\n"
PICKED_UP = "zto,75123456789012,2026-11-24T09:30:00+08:00,in_transit,picked_up,,揽收,杭州市,\n"
UNKNOWN_CARRIER_REASON = (
    f"carrier: {UNKNOWN_NOBODY}; "
    "tracking_number: A tracking number has 6 to 40 letters and digits.; "
    f"occurred_at: {TIME_FORMAT}; status: {STATUS_CHOICES}"
)


def import_events(path: Path, *args: str) -> tuple[int, str, list[str]]:
    """Run the command: its exit status, its summary line and its stderr lines."""
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    status = 0
    try:
        call_command("import_events", str(path), "--quiet", *args, stdout=out, stderr=err)
    except SystemExit as leaving:
        status = int(leaving.code or 0)
    return status, out.getvalue().strip(), err.getvalue().splitlines()


def summary(stored: int, present: int, parked: int, rejected: int) -> str:
    return (
        f"{stored + present + parked + rejected} rows read: "
        f"{stored} events stored, {present} already present, "
        f"{parked} parked for unknown tracking numbers, {rejected} rows rejected "
        "(0 regressions, 0 in the future, 0 unmapped flagged)"
    )


def test_the_import_counts_every_kind_of_row_exactly_across_chunks(packed, staff, tmp_path):
    from parcelops.tracking.actions import create_shipment
    from parcelops.tracking.models import TrackingEvent, UnmatchedEvent

    create_shipment(packed, "zto", "75123456789012", staff["warehouse"])
    path = write(
        tmp_path,
        "events.csv",
        HEADER
        + PICKED_UP  # line 2: stored
        + "nobody,ABC,not a time,flying,,,,,\n"  # line 3: rejected
        + PICKED_UP  # line 4: a duplicate in the same chunk
        + "zto,75000000000000,2026-11-24T10:00:00+08:00,in_transit,,,到达,上海市,\n"  # parked
        + "zto,75123456789012,2026-11-24T20:00:00+08:00,out_for_delivery,,,派送中,上海市,\n"
        + PICKED_UP  # line 7: a duplicate in a later chunk
        + "zto,75123456789012,yesterday,in_transit,,,,,\n",  # line 8: rejected
    )

    status, output, errors = import_events(path, "--chunk-size", "2")

    assert status == 3
    assert output == summary(stored=2, present=2, parked=1, rejected=2)
    assert errors == [f"row 3: {UNKNOWN_CARRIER_REASON}", f"row 8: occurred_at: {TIME_FORMAT}"]
    assert TrackingEvent.objects.count() == 2
    assert UnmatchedEvent.objects.count() == 1

    status, output, errors = import_events(path, "--chunk-size", "2")

    assert status == 3
    assert output == summary(stored=0, present=4, parked=1, rejected=2)
    assert len(errors) == 2
    assert (TrackingEvent.objects.count(), UnmatchedEvent.objects.count()) == (2, 1)


def test_every_rejected_row_is_reported_on_stderr_or_in_the_report(packed, tmp_path):
    bad_rows = "".join(f"zto,75123456789012,day {n},in_transit,,,,,\n" for n in range(25))
    path = write(tmp_path, "events.csv", HEADER + PICKED_UP + bad_rows)
    every_reason = [(str(line), f"occurred_at: {TIME_FORMAT}") for line in range(3, 28)]

    status, output, errors = import_events(path, "--chunk-size", "10")

    assert status == 3
    assert output == summary(stored=0, present=0, parked=1, rejected=25)
    assert errors == [f"row {line}: {reason}" for line, reason in every_reason]

    report = tmp_path / "rejected.csv"
    status, output, errors = import_events(path, "--report", str(report))

    assert status == 3
    assert output == summary(stored=0, present=0, parked=1, rejected=25)
    assert errors == [f"row {line}: {reason}" for line, reason in every_reason[:20]]
    with report.open(encoding="utf-8", newline="") as written:
        assert list(csv.reader(written)) == [["row", "reason"], *map(list, every_reason)]


def test_a_clean_import_exits_0_and_its_report_has_only_the_header(packed, staff, tmp_path):
    from parcelops.tracking.actions import create_shipment

    create_shipment(packed, "zto", "75123456789012", staff["warehouse"])
    path = write(tmp_path, "events.csv", HEADER + PICKED_UP)
    report = tmp_path / "rejected.csv"

    assert import_events(path, "--report", str(report)) == (0, summary(1, 0, 0, 0), [])
    assert report.read_text(encoding="utf-8").splitlines() == ["row,reason"]


def test_an_unwritable_report_stops_the_import_before_anything_is_stored(packed, tmp_path):
    from django.core.management.base import CommandError

    from parcelops.tracking.models import UnmatchedEvent

    path = write(tmp_path, "events.csv", HEADER + PICKED_UP)

    with pytest.raises(CommandError):
        import_events(path, "--report", str(tmp_path / "missing" / "rejected.csv"))
    assert UnmatchedEvent.objects.count() == 0
