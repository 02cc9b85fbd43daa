"""Spreadsheet import and export of orders (R2.1.1, R8.3)."""

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from parcelops.audit.models import AuditRecord
from parcelops.orders import actions
from parcelops.orders.models import Channel, Customer, Order, OrderEvent, OrderLine, Product
from parcelops.orders.queries import OrderFilters, filter_orders
from parcelops.orders.spreadsheet_cells import (
    CellError,
    date_cell,
    datetime_cell,
    money_cell,
    quantity_cell,
    text_cell,
)
from parcelops.orders.spreadsheets import (
    OrderImport,
    SpreadsheetError,
    build_mapping,
    export_orders_xlsx,
    rows_label,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

PARCELOPS_HEADER = [
    "channel",
    "external_id",
    "placed_at",
    "customer_name",
    "customer_phone",
    "customer_email",
    "province",
    "city",
    "district",
    "street",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
    "discount",
    "shipping_fee",
    "total",
    "currency",
]
BASE_ROW = {
    "channel": "web",
    "external_id": "W-1001",
    "placed_at": "2026-11-25 09:30:00",
    "customer_name": "王小明",
    "customer_phone": "13812345678",
    "customer_email": "xm.wang@example.com",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "street": "文三路 100 号 5 幢 301",
    "sku": "TEA-001",
    "product_name": "西湖龙井 250g",
    "quantity": "2",
    "unit_price": "168.00",
    "discount": "20.00",
    "shipping_fee": "10.00",
    "total": "365.90",
    "currency": "CNY",
}
TAOBAO_HEADER = [
    "订单编号",
    "下单时间",
    "收货人",
    "联系手机",
    "省",
    "市",
    "区",
    "详细地址",
    "商家编码",
    "宝贝标题",
    "购买数量",
    "单价",
    "优惠金额",
    "运费",
    "实付金额",
]


def parcelops_rows(*overrides: dict[str, Any]) -> list[list[Any]]:
    return [PARCELOPS_HEADER] + [
        [{**BASE_ROW, **override}.get(name, "") for name in PARCELOPS_HEADER]
        for override in overrides
    ]


# Two orders: W-1001 with two lines (rows 2-3), W-1002 with one (row 4).
GOOD_ORDERS: tuple[dict[str, str], ...] = (
    {},
    {"sku": "CUP-002", "product_name": "玻璃茶杯", "quantity": "1", "unit_price": "39.90"},
    {
        "external_id": "W-1002",
        "customer_name": "李雷",
        "customer_phone": "13900001111",
        "customer_email": "",
        "sku": "CUP-002",
        "product_name": "玻璃茶杯",
        "quantity": "3",
        "unit_price": "39.90",
        "discount": "",
        "shipping_fee": "",
        "total": "119.70",
    },
)


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def taobao_rows() -> list[list[Any]]:
    """Cells as Excel stores them: floats, ints and datetimes without a time zone."""
    placed = datetime(2026, 11, 25, 9, 30)
    address = ["广东省", "深圳市", "南山区", "科技园 1 号"]
    return [
        TAOBAO_HEADER,
        [
            "TB-9001",
            placed,
            "韩梅梅",
            13900001111,
            *address,
            "SKU-A",
            "保温杯",
            2.0,
            19.9,
            0,
            0,
            39.8,
        ],
        # A total computed by Excel as 0.1 * 3 + 0.2 + 0.2 is 0.7000000000000001: still 0.70.
        [
            "TB-9002",
            placed,
            "韩梅梅",
            13900001111,
            *address,
            "SKU-B",
            "贴纸",
            3,
            0.1,
            0,
            0.2,
            0.1 * 3 + 0.2 + 0.2,
        ],
        [
            "TB-9002",
            placed,
            "韩梅梅",
            13900001111,
            *address,
            "SKU-C",
            "书签",
            1,
            0.2,
            0,
            0.2,
            0.1 * 3 + 0.2 + 0.2,
        ],
    ]


def run_import(*args: str) -> tuple[str, int]:
    """Run the command; returns its standard output and exit status."""
    out = io.StringIO()
    try:
        call_command("import_orders", *args, stdout=out)
    except SystemExit as exit_:
        return out.getvalue(), int(exit_.code or 0)
    return out.getvalue(), 0


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def tmall(db):
    return Channel.objects.create(code="tmall", name="Tmall store", kind="marketplace")


# --- cells --------------------------------------------------------------------------------


def test_money_cells_become_decimal_strings_without_float_error():
    assert money_cell(19.9) == "19.90"
    assert money_cell(0.1 * 3 + 0.2) == "0.50"
    assert money_cell(365.90000000000003) == "365.90"
    assert money_cell(0) == "0.00"
    assert money_cell("¥1,299.5") == "1299.50"
    assert money_cell(" 12 ") == "12.00"
    # More than two decimals, or no number at all, is left for the intake to reject.
    assert money_cell(19.999) == "19.999"
    assert money_cell("12,5") == "12,5"


def test_quantity_cells_become_whole_numbers():
    assert quantity_cell(2) == 2
    assert quantity_cell(2.0) == 2
    assert quantity_cell("2") == 2
    assert quantity_cell("2.0") == 2
    assert quantity_cell(2.5) == 2.5
    assert quantity_cell("two") == "two"


def test_time_cells_carry_the_mappings_time_zone():
    assert datetime_cell(datetime(2026, 11, 25, 9, 30), SHANGHAI) == "2026-11-25T09:30:00+08:00"
    assert datetime_cell("2026/11/25 9:30", SHANGHAI) == "2026-11-25T09:30:00+08:00"
    assert datetime_cell("2026-11-25T09:30:00+00:00", SHANGHAI) == "2026-11-25T09:30:00+00:00"
    assert datetime_cell(date(2026, 11, 25), SHANGHAI) == "2026-11-25T00:00:00+08:00"
    assert datetime_cell(46351.5, SHANGHAI) == "2026-11-25T12:00:00+08:00"  # Excel's day count
    with pytest.raises(CellError, match=r"^Not a date and time, such as 2026-11-25 09:30\.$"):
        datetime_cell("yesterday", SHANGHAI)
    assert date_cell("2026/12/01") == "2026-12-01"
    assert date_cell(datetime(2026, 12, 1, 0, 0)) == "2026-12-01"


def test_numbers_in_text_columns_lose_the_excel_decimal_point():
    assert text_cell(13812345678.0) == "13812345678"
    assert text_cell(310012) == "310012"
    assert text_cell(" A-1 ") == "A-1"


def test_row_lists_are_shown_as_ranges():
    assert rows_label([4, 5, 6, 9]) == "4-6, 9"
    assert rows_label([2]) == "2"


# --- import -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_csv_with_the_parcelops_preset_groups_the_lines_of_each_order(
    tmp_path, channel, frozen_now
):
    path = write_csv(tmp_path / "orders.csv", parcelops_rows(*GOOD_ORDERS))

    output, status = run_import(str(path), "--quiet")

    assert (output, status) == ("3 rows read: 2 orders created, 0 already present, 0 rejected\n", 0)
    first = Order.objects.get(external_id="W-1001")
    assert [(ln.sku, ln.name, ln.quantity, ln.unit_price_cents) for ln in first.lines.all()] == [
        ("TEA-001", "西湖龙井 250g", 2, 16800),
        ("CUP-002", "玻璃茶杯", 1, 3990),
    ]
    assert (first.subtotal_cents, first.discount_cents, first.shipping_fee_cents) == (
        37590,
        2000,
        1000,
    )
    assert first.total_cents == 36590
    assert first.placed_at == datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
    assert first.channel.code == "web"
    assert first.customer.name == "王小明"
    address: dict[str, str] = first.shipping_address  # type: ignore[assignment]
    assert address["street"] == "文三路 100 号 5 幢 301"
    second = Order.objects.get(external_id="W-1002")
    assert [(ln.sku, ln.quantity) for ln in second.lines.all()] == [("CUP-002", 3)]
    assert (second.total_cents, second.discount_cents, second.shipping_fee_cents) == (11970, 0, 0)
    # The command acts as the system: no person is recorded as having placed them.
    assert OrderEvent.objects.filter(type="placed", actor__isnull=True).count() == 2


@pytest.mark.django_db
def test_an_xlsx_with_the_taobao_preset_converts_excel_numbers_and_times(
    tmp_path, tmall, frozen_now
):
    path = write_xlsx(tmp_path / "taobao.xlsx", taobao_rows())

    output, status = run_import(str(path), "--preset", "taobao", "--channel", "tmall", "--quiet")

    assert (output, status) == ("3 rows read: 2 orders created, 0 already present, 0 rejected\n", 0)
    single = Order.objects.get(external_id="TB-9001")
    assert [(ln.sku, ln.quantity, ln.unit_price_cents) for ln in single.lines.all()] == [
        ("SKU-A", 2, 1990)
    ]
    assert single.total_cents == 3980
    assert single.currency == "CNY"
    assert single.placed_at == datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
    assert single.customer.phone == "13900001111"
    assert single.shipping_address == {
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "street": "科技园 1 号",
        "postal_code": "",
        "country": "CN",
    }
    double = Order.objects.get(external_id="TB-9002")
    assert [(ln.sku, ln.quantity, ln.unit_price_cents) for ln in double.lines.all()] == [
        ("SKU-B", 3, 10),
        ("SKU-C", 1, 20),
    ]
    assert (double.shipping_fee_cents, double.total_cents) == (20, 70)


@pytest.mark.django_db
def test_a_mapping_file_names_the_columns_and_gives_defaults_and_time_zone(
    tmp_path, tmall, frozen_now
):
    mapping = {
        "columns": {
            "external_id": "Order",
            "placed_at": "Time",
            "customer_name": "Buyer",
            "customer_phone": "Mobile",
            "province": "Region",
            "city": "Town",
            "street": "Address",
            "sku": "Item",
            "product_name": "Title",
            "quantity": "Qty",
            "unit_price": "Price",
            "total": "Paid",
        },
        "defaults": {"channel": "tmall", "currency": "USD"},
        "placed_at_timezone": "Asia/Tokyo",
    }
    mapping_path = tmp_path / "shop.json"
    mapping_path.write_text(json.dumps(mapping))
    rows = [
        [
            "Order",
            "Time",
            "Buyer",
            "Mobile",
            "Region",
            "Town",
            "Address",
            "Item",
            "Title",
            "Qty",
            "Price",
            "Paid",
        ],
        [
            "S-1",
            "2026-11-25 10:30",
            "Ann",
            "13700000000",
            "上海市",
            "上海市",
            "长乐路 1 号",
            "P-1",
            "Pen",
            "2",
            "1.5",
            "3",
        ],
    ]
    path = write_csv(tmp_path / "shop.csv", rows)

    output, status = run_import(str(path), "--mapping", str(mapping_path), "--quiet")

    assert (output, status) == ("1 rows read: 1 orders created, 0 already present, 0 rejected\n", 0)
    order = Order.objects.get(external_id="S-1")
    assert (order.channel.code, order.currency, order.total_cents) == ("tmall", "USD", 300)
    assert order.placed_at == datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 10:30 in Tokyo


@pytest.mark.django_db
def test_a_dry_run_lists_each_bad_row_with_its_column_and_writes_nothing(
    tmp_path, tmall, frozen_now
):
    placed = datetime(2026, 11, 25, 9, 30)
    address = ["广东省", "深圳市", "南山区", "科技园 1 号"]
    buyer = ["韩梅梅", 13900001111]
    rows: list[list[Any]] = [
        TAOBAO_HEADER,
        ["TB-1", placed, *buyer, *address, "SKU-A", "保温杯", 1, 19.9, 0, 0, 39.8],
        ["TB-1", placed, *buyer, *address, "SKU-B", "杯盖", 1, 19.9, 0, 0, 39.8],
        ["TB-2", placed, *buyer, *address, "SKU-A", None, 1, 19.9, 0, 0, 19.9],
        ["TB-3", placed, *buyer, *address, "SKU-A", "保温杯", 0, 19.9, 0, 0, 19.9],
        ["TB-4", placed, *buyer, *address, "SKU-A", "保温杯", 2, 19.9, 0, 0, 40],
        [
            "TB-5",
            datetime(2026, 11, 25, 11, 0),
            *buyer,
            *address,
            "SKU-A",
            "保温杯",
            1,
            19.9,
            0,
            0,
            19.9,
        ],
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    audit_before = AuditRecord.objects.count()

    output, status = run_import(
        str(path), "--preset", "taobao", "--channel", "tmall", "--dry-run", "--quiet"
    )

    assert output.splitlines() == [
        "rejected: tmall TB-2 (rows 4)",
        "  row 4, column 宝贝标题: This field is required.",
        "rejected: tmall TB-3 (rows 5)",
        "  row 5, column 购买数量: Must be at least 1.",
        "rejected: tmall TB-4 (rows 6)",
        "  row 6, column 实付金额: The total does not add up: lines - discount + shipping = 39.80, not 40.00.",
        "rejected: tmall TB-5 (rows 7)",
        "  row 7, column 下单时间: Lies in the future.",
        "Dry run: 6 rows read: 1 orders would be created, 0 already present, 4 rejected; nothing was written.",
    ]
    assert status == 3
    assert Order.all_objects.count() == 0
    assert OrderLine.objects.count() == 0
    assert Customer.objects.count() == 0
    assert Product.objects.count() == 0
    assert AuditRecord.objects.count() == audit_before


@pytest.mark.django_db
def test_a_real_import_takes_the_good_orders_and_reports_the_rejected_ones(
    tmp_path, channel, frozen_now
):
    rows = parcelops_rows(
        *GOOD_ORDERS,
        {
            "external_id": "W-1003",
            "quantity": "0",
            "total": "0.00",
            "discount": "",
            "shipping_fee": "",
        },
    )
    path = write_csv(tmp_path / "orders.csv", rows)
    report = tmp_path / "report.csv"

    output, status = run_import(str(path), "--quiet", "--report", str(report))

    assert output.splitlines() == [
        "rejected: web W-1003 (rows 5)",
        "  row 5, column quantity: Must be at least 1.",
        "4 rows read: 2 orders created, 0 already present, 1 rejected",
    ]
    assert status == 3
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["W-1001", "W-1002"]
    with report.open(encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.reader(stream))
    numbers = dict(Order.objects.values_list("external_id", "number"))
    assert lines == [
        ["status", "channel", "external_id", "rows", "order_number", "errors"],
        ["created", "web", "W-1001", "2-3", numbers["W-1001"], ""],
        ["created", "web", "W-1002", "4", numbers["W-1002"], ""],
        ["rejected", "web", "W-1003", "5", "", "row 5, column quantity: Must be at least 1."],
    ]


@pytest.mark.django_db
def test_importing_the_same_file_again_creates_nothing_new(tmp_path, channel, frozen_now):
    path = write_csv(tmp_path / "orders.csv", parcelops_rows(*GOOD_ORDERS))
    run_import(str(path), "--quiet")
    lines_before = OrderLine.objects.count()

    output, status = run_import(str(path), "--quiet")

    assert (output, status) == ("3 rows read: 0 orders created, 2 already present, 0 rejected\n", 0)
    assert Order.objects.count() == 2
    assert OrderLine.objects.count() == lines_before == 3


@pytest.mark.django_db
def test_a_dry_run_of_an_imported_file_reports_its_orders_as_already_present(
    tmp_path, channel, frozen_now
):
    path = write_csv(tmp_path / "orders.csv", parcelops_rows(*GOOD_ORDERS))
    run_import(str(path), "--quiet")

    output, status = run_import(str(path), "--quiet", "--dry-run")

    assert output == (
        "Dry run: 3 rows read: 0 orders would be created, 2 already present, 0 rejected; nothing was written.\n"
    )
    assert status == 0


@pytest.mark.django_db
def test_rows_of_one_order_that_are_not_adjacent_are_rejected(tmp_path, channel, frozen_now):
    rows = parcelops_rows(
        GOOD_ORDERS[0] | {"total": "326.00"},
        GOOD_ORDERS[2],
        GOOD_ORDERS[1] | {"total": "29.90"},
    )
    path = write_csv(tmp_path / "orders.csv", rows)

    output, status = run_import(str(path), "--quiet")

    assert output.splitlines() == [
        "rejected: web W-1001 (rows 4)",
        "  row 4, column external_id: This order already had rows from row 2 on: the rows of "
        "one order must be adjacent.",
        "3 rows read: 2 orders created, 0 already present, 1 rejected",
    ]
    assert status == 3
    assert Order.objects.get(external_id="W-1001").lines.count() == 1


@pytest.mark.django_db
def test_order_columns_that_differ_between_the_rows_of_one_order_are_rejected(
    tmp_path, channel, frozen_now
):
    rows = parcelops_rows(GOOD_ORDERS[0], GOOD_ORDERS[1] | {"total": "999.00"})
    path = write_csv(tmp_path / "orders.csv", rows)

    output, status = run_import(str(path), "--quiet")

    assert output.splitlines() == [
        "rejected: web W-1001 (rows 2-3)",
        "  row 3, column total: Differs from row 2 of the same order: an order's columns repeat "
        "the same value on each of its rows or stay blank.",
        "2 rows read: 0 orders created, 0 already present, 1 rejected",
    ]
    assert status == 3
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_a_cell_that_is_not_a_time_is_named_once(tmp_path, channel, frozen_now):
    path = write_csv(
        tmp_path / "orders.csv", parcelops_rows(GOOD_ORDERS[2] | {"placed_at": "soon"})
    )

    output, status = run_import(str(path), "--quiet", "--dry-run")

    assert output.splitlines()[:2] == [
        "rejected: web W-1002 (rows 2)",
        "  row 2, column placed_at: Not a date and time, such as 2026-11-25 09:30.",
    ]
    assert status == 3


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [["--dry-run"], []])
def test_an_unknown_channel_in_a_row_rejects_its_order(tmp_path, channel, frozen_now, dry_run):
    path = write_csv(tmp_path / "orders.csv", parcelops_rows(GOOD_ORDERS[2] | {"channel": "ebay"}))

    output, status = run_import(str(path), "--quiet", *dry_run)

    assert output.splitlines()[:2] == [
        "rejected: ebay W-1002 (rows 2)",
        "  row 2, column channel: Unknown or inactive channel “ebay”: an administrator adds it"
        " on the admin page (/admin/orders/channel/) or with `parcelops channels add ebay NAME`.",
    ]
    assert status == 3
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_a_gbk_encoded_csv_is_read(tmp_path, tmall, frozen_now):
    rows = [
        TAOBAO_HEADER,
        [
            "TB-7",
            "2026/11/25 09:30",
            "韩梅梅",
            "13900001111",
            "广东省",
            "深圳市",
            "南山区",
            "科技园 1 号",
            "SKU-A",
            "保温杯",
            "2",
            "19.9",
            "",
            "",
            "39.8",
        ],
    ]
    path = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    assert "保温杯".encode("gbk") in path.read_bytes()

    output, status = run_import(str(path), "--preset", "taobao", "--channel", "tmall", "--quiet")

    assert (output, status) == ("1 rows read: 1 orders created, 0 already present, 0 rejected\n", 0)
    order = Order.objects.get(external_id="TB-7")
    assert order.customer.name == "韩梅梅"
    assert [(ln.name, ln.unit_price_cents) for ln in order.lines.all()] == [("保温杯", 1990)]


@pytest.mark.django_db
def test_a_utf8_csv_with_a_byte_order_mark_is_read(tmp_path, channel, frozen_now):
    path = write_csv(tmp_path / "bom.csv", parcelops_rows(*GOOD_ORDERS), encoding="utf-8-sig")

    output, status = run_import(str(path), "--quiet")

    assert (output, status) == ("3 rows read: 2 orders created, 0 already present, 0 rejected\n", 0)


@pytest.mark.django_db
def test_missing_columns_fail_before_any_row_is_read(tmp_path, channel, frozen_now):
    header = [h for h in PARCELOPS_HEADER if h not in ("quantity", "unit_price")]
    path = write_csv(tmp_path / "short.csv", [header, ["web", "W-1"]])

    with pytest.raises(CommandError) as raised:
        run_import(str(path))

    assert str(raised.value) == (
        "The file lacks columns the mapping needs: “quantity”, “unit_price”. Its columns are: "
        + ", ".join(header)
        + "."
    )
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_a_taobao_file_without_a_channel_asks_for_one(tmp_path, tmall, frozen_now):
    path = write_xlsx(tmp_path / "taobao.xlsx", taobao_rows())

    with pytest.raises(CommandError) as raised:
        run_import(str(path), "--preset", "taobao")

    assert str(raised.value) == (
        "The file lacks columns the mapping needs: channel (no column in the mapping). "
        "Its columns are: " + ", ".join(TAOBAO_HEADER) + ". "
        "Choose the channel of the whole file, or add the column."
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.csv"], "No such file: missing.csv"),
        (
            ["orders.csv", "--preset", "amazon"],
            "Unknown preset “amazon”; the presets are: parcelops, taobao.",
        ),
        (
            ["orders.csv", "--mapping", "broken.json"],
            "Bad mapping broken.json: not valid JSON (Expecting value: line 1 column 1 (char 0)).",
        ),
        (
            ["orders.csv", "--mapping", "unknown.json"],
            "Bad mapping unknown.json: “buyer” is not an intake field; the fields are: channel, "
            "external_id, placed_at, customer_name, customer_phone, customer_email, customer_tier, "
            "province, city, district, street, postal_code, country, discount, shipping_fee, total, "
            "currency, requested_carrier, promised_delivery_date, is_paid, sku, product_name, "
            "quantity, unit_price.",
        ),
        (
            ["orders.csv", "--mapping", "zone.json"],
            "Bad mapping zone.json: unknown time zone “Mars/Olympus”; use a name such as Asia/Shanghai.",
        ),
        (["orders.csv", "--mapping", "absent.json"], "No such mapping file: absent.json"),
        (
            ["orders.csv", "--channel", "ebay"],
            "Unknown channel “ebay”; the active channels are: web.",
        ),
        (["empty.csv"], "empty.csv has no header row: it is empty."),
        (["old.xls"], "old.xls is an old .xls workbook; save it as .xlsx or CSV first."),
        (["fake.xlsx"], "fake.xlsx is not a readable .xlsx workbook."),
    ],
)
def test_a_file_or_mapping_that_cannot_be_used_is_one_clear_error(
    tmp_path, monkeypatch, channel, frozen_now, arguments, message
):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "orders.csv", parcelops_rows(*GOOD_ORDERS))
    (tmp_path / "broken.json").write_text("")
    (tmp_path / "unknown.json").write_text(json.dumps({"columns": {"buyer": "Buyer"}}))
    (tmp_path / "zone.json").write_text(json.dumps({"placed_at_timezone": "Mars/Olympus"}))
    (tmp_path / "empty.csv").write_text("\n\n")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 60)
    (tmp_path / "fake.xlsx").write_bytes(b"PK\x03\x04 not really a zip")

    with pytest.raises(CommandError) as raised:
        run_import(*arguments)

    assert str(raised.value) == message
    assert Order.objects.count() == 0


def test_the_command_line_prints_one_line_and_no_traceback_for_a_missing_file(tmp_path):
    environment = {
        **os.environ,
        "PARCELOPS_DATA_DIR": str(tmp_path / "data"),
        "LANGUAGE_CODE": "en",
    }
    environment.pop("DATABASE_URL", None)  # a new data directory: the embedded default
    result = subprocess.run(
        [sys.executable, "manage.py", "import_orders", str(tmp_path / "none.csv")],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr == f"CommandError: No such file: {tmp_path / 'none.csv'}\n"


@pytest.mark.django_db
def test_an_order_import_reads_the_header_when_opened(tmp_path, channel, frozen_now):
    path = write_csv(tmp_path / "orders.csv", [[""], *parcelops_rows(*GOOD_ORDERS)])
    mapping = build_mapping(preset="parcelops")

    with OrderImport(path, mapping, dry_run=True) as job:
        outcomes = list(job.outcomes())

    assert [(o.external_id, o.status.value, o.rows) for o in outcomes] == [
        ("W-1001", "valid", [3, 4]),
        ("W-1002", "valid", [5]),
    ]
    assert (job.summary.rows, job.summary.created) == (3, 2)


@pytest.mark.django_db
def test_a_mapping_that_names_an_absent_column_is_refused(tmp_path, channel):
    path = write_csv(tmp_path / "orders.csv", parcelops_rows(*GOOD_ORDERS))
    mapping = build_mapping(
        preset="parcelops",
        mapping={"columns": {"customer_tier": "Level"}, "defaults": {}, "placed_at_timezone": ""},
    )

    with pytest.raises(SpreadsheetError, match=r"needs: “Level” \(customer_tier\)\."):
        OrderImport(path, mapping, dry_run=True)


# --- export -------------------------------------------------------------------------------

EXPORT_HEADER = [
    "Order number",
    "Channel",
    "External ID",
    "State",
    "Order type",
    "Review state",
    "Assignee",
    "Customer name",
    "Customer phone",
    "Province",
    "City",
    "Lines",
    "Items",
    "Subtotal",
    "Discount",
    "Shipping fee",
    "Total",
    "Currency",
    "Placed at",
    "Received at",
    "Promised delivery date",
]


@pytest.fixture
def two_orders(staff, channel, order_payload, frozen_now) -> dict[str, Order]:
    Channel.objects.create(code="app", name="Mobile app", kind="app")
    order_payload["promised_delivery_date"] = "2026-11-28"
    web = actions.intake_order(order_payload).order
    app_payload = order_payload | {
        "channel": "app",
        "external_id": "=1+1",
        "lines": [{"sku": "CUP-002", "name": "玻璃茶杯", "quantity": 1, "unit_price": "39.90"}],
        "discount": "0.00",
        "shipping_fee": "0.00",
        "total": "39.90",
        "promised_delivery_date": None,
    }
    frozen_now.shift(60)
    app = actions.intake_order(app_payload).order
    return {"web": web, "app": app}


def read_sheet(source: Any) -> Any:
    return openpyxl.load_workbook(source).worksheets[0]


def row_values(sheet: Any, number: int) -> list[Any]:
    return [cell.value for cell in sheet[number]]


@pytest.mark.django_db
def test_the_export_writes_one_row_per_order_with_numbers_and_local_times(
    tmp_path, staff, two_orders
):
    path = tmp_path / "orders.xlsx"

    count = export_orders_xlsx(filter_orders(OrderFilters()), staff["order_processor"], path)

    assert count == 2
    sheet = read_sheet(path)
    assert row_values(sheet, 1) == EXPORT_HEADER
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["L"].width == 40
    web = two_orders["web"]
    assert row_values(sheet, 3) == [
        web.number,
        "web",
        "W-1001",
        "Paid, being processed",
        "Normal",
        "Not required",
        "order_processor",
        "王小明",
        "13812345678",
        "浙江省",
        "杭州市",
        "TEA-001 x 2; CUP-002 x 1",
        3,
        375.9,
        20,
        10,
        365.9,
        "CNY",
        datetime(2026, 11, 25, 9, 30),
        datetime(2026, 11, 25, 10, 0),
        datetime(2026, 11, 28, 0, 0),
    ]
    assert sheet["Q3"].number_format == "#,##0.00"
    assert sheet["S3"].number_format == "yyyy-mm-dd hh:mm"
    # Newest first, as on the list page; a customer's "=..." stays text, never a formula.
    assert sheet["C2"].value == "=1+1"
    assert sheet["C2"].data_type == "s"
    assert sheet["U2"].value is None
    assert sheet.max_row == 3


@pytest.mark.django_db
def test_the_export_masks_customer_data_for_a_role_that_may_not_see_it(tmp_path, staff, two_orders):
    path = tmp_path / "orders.xlsx"

    export_orders_xlsx(filter_orders(OrderFilters(channel="web")), staff["analyst"], path)

    sheet = read_sheet(path)
    assert sheet.max_row == 2
    assert [sheet["H2"].value, sheet["I2"].value, sheet["J2"].value, sheet["K2"].value] == [
        "王**",
        "138****5678",
        "浙江省",
        "杭州市",
    ]


@pytest.mark.django_db
def test_the_export_reads_the_orders_in_a_fixed_number_of_queries(
    tmp_path, staff, two_orders, django_assert_num_queries
):
    viewer = staff["analyst"]
    viewer.has_perm("orders.view_customer_data")  # loads the permission cache

    with django_assert_num_queries(2):  # the orders, then the lines of the chunk
        export_orders_xlsx(filter_orders(OrderFilters()), viewer, tmp_path / "orders.xlsx")


@pytest.mark.django_db
def test_the_export_command_filters_and_masks_by_default(tmp_path, two_orders):
    path = tmp_path / "out.xlsx"
    out = io.StringIO()

    call_command("export_orders", "-o", str(path), "--channel", "app", "--quiet", stdout=out)

    assert out.getvalue() == f"1 orders exported to {path}\n"
    sheet = read_sheet(path)
    assert [row_values(sheet, 2)[i] for i in (1, 2, 7)] == ["app", "=1+1", "王**"]
    record = AuditRecord.objects.get(action="orders.exported")
    assert record.actor_label == "system"
    assert record.detail == {"orders": 1, "filters": {"channel": "app"}, "customer_data": False}


@pytest.mark.django_db
def test_the_export_command_shows_customer_data_to_a_user_who_may_see_it(
    tmp_path, staff, two_orders
):
    path = tmp_path / "out.xlsx"

    call_command(
        "export_orders",
        "-o",
        str(path),
        "--state",
        "paid",
        "--date-from",
        "2026-11-25",
        "--date-to",
        "2026-11-25",
        "--user",
        "order_processor",
        "--quiet",
        stdout=io.StringIO(),
    )

    sheet = read_sheet(path)
    assert sheet.max_row == 3
    assert sheet["H2"].value == "王小明"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--state", "lost"],
            "Unknown state “lost”; the states are: awaiting_payment, paid, "
            "in_review, approved, allocated, picking, packed, shipped, in_transit, delivered, "
            "completed, cancelled.",
        ),
        (["--channel", "ebay"], "Unknown channel “ebay”."),
        (
            ["--date-from", "25.11.2026"],
            "--date-from must be a date such as 2026-11-25, not “25.11.2026”.",
        ),
        (["--user", "nobody"], "No active user “nobody”."),
    ],
)
def test_the_export_command_refuses_bad_filters(tmp_path, channel, arguments, message):
    with pytest.raises(CommandError) as raised:
        call_command("export_orders", "-o", str(tmp_path / "out.xlsx"), *arguments)

    assert str(raised.value) == message
    assert not (tmp_path / "out.xlsx").exists()


# --- web ----------------------------------------------------------------------------------


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_web_export_downloads_the_filtered_list_masked_for_an_analyst(staff, two_orders):
    response = logged_in(staff["analyst"]).get("/orders/files/export/", {"channel": "web"})

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="orders-20261125-1001.xlsx"'
    sheet = read_sheet(io.BytesIO(response.getvalue()))
    assert sheet.max_row == 2
    assert [sheet["A2"].value, sheet["H2"].value, sheet["I2"].value] == [
        two_orders["web"].number,
        "王**",
        "138****5678",
    ]
    record = AuditRecord.objects.get(action="orders.exported")
    assert (record.actor_label, record.detail) == (
        "analyst",
        {"orders": 1, "filters": {"channel": "web"}, "customer_data": False},
    )


@pytest.mark.django_db
def test_the_web_export_is_refused_to_a_role_without_the_permission(staff, two_orders):
    assert logged_in(staff["warehouse"]).get("/orders/files/export/").status_code == 403
    assert not AuditRecord.objects.filter(action="orders.exported").exists()


@pytest.mark.django_db
def test_the_web_export_sends_an_anonymous_visitor_to_the_login_page(db):
    response = Client().get("/orders/files/export/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/orders/files/export/"


def upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def stored_uploads() -> list[str]:
    directory = Path(settings.MEDIA_ROOT) / "imports"
    return sorted(p.suffix for p in directory.iterdir()) if directory.exists() else []


@pytest.mark.django_db
def test_the_web_import_checks_the_file_first_then_imports_it_in_one_click(
    tmp_path, staff, channel, frozen_now
):
    path = write_csv(tmp_path / "orders.csv", parcelops_rows(*GOOD_ORDERS))
    client = logged_in(staff["order_processor"])
    assert client.get("/orders/files/import/").status_code == 200

    response = client.post(
        "/orders/files/import/",
        {"file": upload(path), "preset": "parcelops", "channel": "", "dry_run": "on"},
    )

    assert response.status_code == 200
    assert (
        "Dry run: 3 rows read: 2 orders would be created, 0 already present, 0 rejected; nothing was written."
        in response.content.decode()
    )
    assert [(o.external_id, o.status.value) for o in response.context["outcomes"]] == [
        ("W-1001", "valid"),
        ("W-1002", "valid"),
    ]
    assert Order.objects.count() == 0
    assert stored_uploads() == [".csv", ".json"]
    token = response.context["token"]

    response = client.post("/orders/files/import/", {"token": token})

    assert response.status_code == 200
    assert "2 orders created, 0 already present, 0 rejected" in response.content.decode()
    assert Order.objects.count() == 2
    placed = OrderEvent.objects.filter(type="placed")
    assert set(placed.values_list("actor__username", flat=True)) == {"order_processor"}
    assert stored_uploads() == []

    again = client.post("/orders/files/import/", {"token": token})

    assert again.status_code == 410
    assert Order.objects.count() == 2


@pytest.mark.django_db
def test_the_web_dry_run_lists_the_bad_rows_and_keeps_nothing_without_a_valid_order(
    tmp_path, staff, channel, frozen_now
):
    rows = parcelops_rows(GOOD_ORDERS[2] | {"product_name": "", "quantity": "0"})
    path = write_csv(tmp_path / "orders.csv", rows)

    response = logged_in(staff["order_processor"]).post(
        "/orders/files/import/", {"file": upload(path), "preset": "parcelops", "dry_run": "on"}
    )

    assert response.status_code == 200
    [outcome] = response.context["outcomes"]
    assert [str(error) for error in outcome.errors] == [
        "row 2, column product_name: This field is required.",
        "row 2, column quantity: Must be at least 1.",
    ]
    assert "row 2, column quantity: Must be at least 1." in response.content.decode()
    assert response.context["token"] == ""
    assert stored_uploads() == []
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_the_web_import_without_a_dry_run_imports_at_once(tmp_path, staff, tmall, frozen_now):
    path = write_xlsx(tmp_path / "taobao.xlsx", taobao_rows())

    response = logged_in(staff["order_processor"]).post(
        "/orders/files/import/", {"file": upload(path), "preset": "taobao", "channel": "tmall"}
    )

    assert response.status_code == 200
    assert (
        response.context["summary"].line()
        == "3 rows read: 2 orders created, 0 already present, 0 rejected"
    )
    assert Order.objects.filter(channel=tmall).count() == 2
    assert stored_uploads() == []


@pytest.mark.django_db
def test_the_web_import_shows_a_missing_column_and_imports_nothing(
    tmp_path, staff, channel, frozen_now
):
    header = [h for h in PARCELOPS_HEADER if h != "total"]
    path = write_csv(tmp_path / "short.csv", [header, ["web"]])

    response = logged_in(staff["order_processor"]).post(
        "/orders/files/import/", {"file": upload(path), "preset": "parcelops", "dry_run": "on"}
    )

    assert response.status_code == 200
    assert response.context["problems"] == [
        "The file lacks columns the mapping needs: “total”. Its columns are: "
        + ", ".join(header)
        + "."
    ]
    assert stored_uploads() == []


@pytest.mark.django_db
def test_the_web_import_takes_a_mapping_file(tmp_path, staff, tmall, frozen_now):
    mapping = SimpleUploadedFile(
        "mine.json", json.dumps({"columns": {"product_name": "标题"}}).encode()
    )
    rows = taobao_rows()
    rows[0] = ["标题" if header == "宝贝标题" else header for header in rows[0]]
    path = write_xlsx(tmp_path / "taobao.xlsx", rows)

    response = logged_in(staff["order_processor"]).post(
        "/orders/files/import/",
        {"file": upload(path), "preset": "taobao", "channel": "tmall", "mapping_file": mapping},
    )

    assert response.status_code == 200
    assert response.context["summary"].created == 2


@pytest.mark.django_db
def test_the_web_import_refuses_a_bad_mapping_file(tmp_path, staff, channel):
    path = write_csv(tmp_path / "orders.csv", parcelops_rows(*GOOD_ORDERS))
    mapping = SimpleUploadedFile("mine.json", b"{not json")

    response = logged_in(staff["order_processor"]).post(
        "/orders/files/import/",
        {"file": upload(path), "preset": "parcelops", "mapping_file": mapping, "dry_run": "on"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["mapping_file"] == [
        "Bad mapping mine.json: not valid JSON (Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1))."
    ]
    assert stored_uploads() == []


@pytest.mark.django_db
def test_the_web_import_without_a_layout_needs_a_mapping_file(tmp_path, staff, channel):
    path = write_csv(tmp_path / "orders.csv", parcelops_rows(*GOOD_ORDERS))

    response = logged_in(staff["order_processor"]).post(
        "/orders/files/import/", {"file": upload(path), "preset": "", "dry_run": "on"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "mapping_file": ["Without a column layout, a mapping file is needed."]
    }
    assert stored_uploads() == []


@pytest.mark.django_db
def test_the_web_import_is_refused_to_a_role_that_may_not_add_orders(tmp_path, staff, channel):
    path = write_csv(tmp_path / "orders.csv", parcelops_rows(*GOOD_ORDERS))
    client = logged_in(staff["analyst"])

    assert client.get("/orders/files/import/").status_code == 403
    response = client.post("/orders/files/import/", {"file": upload(path), "preset": "parcelops"})
    assert response.status_code == 403
    assert Order.objects.count() == 0
    assert stored_uploads() == []


@pytest.mark.django_db
def test_one_person_cannot_import_anothers_upload(tmp_path, staff, make_staff, channel, frozen_now):
    path = write_csv(tmp_path / "orders.csv", parcelops_rows(*GOOD_ORDERS))
    response = logged_in(staff["order_processor"]).post(
        "/orders/files/import/", {"file": upload(path), "preset": "parcelops", "dry_run": "on"}
    )
    token = response.context["token"]

    other = logged_in(make_staff("other_processor", "order_processor"))
    response = other.post("/orders/files/import/", {"token": token})

    assert response.status_code == 410
    assert Order.objects.count() == 0
    assert stored_uploads() == [".csv", ".json"]


# --- a workbook whose declared size is out of date ------------------------------------------


WIDTH = openpyxl.utils.get_column_letter(len(PARCELOPS_HEADER))


@pytest.mark.parametrize(
    "ref",
    [
        f"A1:{WIDTH}2",  # every column, one data row of three: the rest was dropped silently
        f"A1:{WIDTH}3",
        "A1:C2",  # fewer columns too
        "A1:A1",
        "B2",
    ],
)
def test_a_workbook_with_a_stale_declared_size_is_read_to_its_last_row(
    tmp_path, channel, frozen_now, ref
):
    from parcelops.orders.tests.workbooks import declare_stale_size

    path = write_xlsx(tmp_path / "orders.xlsx", parcelops_rows(*GOOD_ORDERS))
    declare_stale_size(path, ref)  # says fewer rows (and columns) than the sheet has

    output, status = run_import(str(path), "--quiet")

    assert (output, status) == ("3 rows read: 2 orders created, 0 already present, 0 rejected\n", 0)
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["W-1001", "W-1002"]
    assert OrderLine.objects.count() == 3


def test_a_dry_run_of_a_workbook_with_a_stale_size_counts_every_row(tmp_path, channel, frozen_now):
    from parcelops.orders.tests.workbooks import declare_stale_size

    rows = parcelops_rows(*GOOD_ORDERS, {"external_id": "W-1003", "quantity": "0"})
    path = declare_stale_size(write_xlsx(tmp_path / "orders.xlsx", rows), "A1:D3")

    output, status = run_import(str(path), "--quiet", "--dry-run")

    assert output.splitlines()[-1] == (
        "Dry run: 4 rows read: 2 orders would be created, 0 already present, 1 rejected; "
        "nothing was written."
    )
    assert status == 3
