"""Importing a carrier's bill: each line matched and judged, duplicates within and across
bills, unknown waybills and uncovered lanes, exact totals, bad files refused with nothing
stored, a month imported once unless replaced, CSV and XLSX alike."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcelops.audit.models import AuditRecord
from parcelops.core.errors import InputError, NotPermittedError
from parcelops.warehouse.actions.freight import import_freight_bill
from parcelops.warehouse.freight_files import load_bill_mapping, parse_bill_mapping
from parcelops.warehouse.models import FreightBill, FreightBillLine, WarehouseSettings
from parcelops.warehouse.tests.freight_fixtures import (
    packed_parcel,
    price_table,
    shipments,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.usefixtures("english", "frozen_now")


@pytest.fixture
def head(staff):
    return staff["logistics_head"]  # manages the warehouse: imports bills


@pytest.fixture
def zto(db, channel):
    price_table()
    WarehouseSettings.objects.update_or_create(
        pk=1, defaults={"bill_tolerance_cents": 50, "bill_tolerance_percent": 2}
    )


def run(actor, path, month="2026-11", *, mapping="generic", replace=False, carrier="ZTO"):
    return import_freight_bill(
        actor,
        path=path,
        file_name=path.name,
        carrier=carrier,
        month=month,
        mapping=load_bill_mapping(mapping),
        replace=replace,
    )


def verdicts(bill):
    return list(bill.lines.order_by("row").values_list("waybill_number", "verdict", "quoted_cents"))


@pytest.mark.parametrize("write", [write_csv, write_xlsx])
def test_each_line_is_matched_and_judged(zto, head, tmp_path, write):
    shipments("ZT0000000001", "ZT0000000002", "ZT0000000003", "ZT0000000004")
    shipments("ZT0000000005", origin="广东省")  # no rule covers Guangdong -> anywhere
    path = write(
        tmp_path / f"bill.{'csv' if write is write_csv else 'xlsx'}",
        [
            ["ZT0000000001", "8.50", "1", "上海市", "2026-11-03"],  # 800 + 50: at tolerance
            ["zt 0000-000002", "8.51", "1", "上海", "2026-11-03"],  # one cent over; normalised
            ["ZT0000000003", "11.00", "2.5", "", ""],  # 800 + 2 x 300 = 1400: under
            ["ZT0000000004", 11, 1.2, "上海市", "2026/11/04"],  # 1100: as quoted
            ["ZT0000000005", "9.00", "1", "北京市", ""],  # no rule
            ["ZT9999999999", "7.00", "1", "上海市", ""],  # not ours
        ],
    )
    result = run(head, path)
    bill = result.bill
    assert verdicts(bill) == [
        ("ZT0000000001", "ok", 800),
        ("ZT0000000002", "over", 800),
        ("ZT0000000003", "under", 1400),
        ("ZT0000000004", "ok", 1100),
        ("ZT0000000005", "no_quote", None),
        ("ZT9999999999", "unknown", None),
    ]
    assert (bill.carrier, bill.month, bill.line_count) == ("zto", date(2026, 11, 1), 6)
    assert bill.billed_cents == 850 + 851 + 1100 + 1100 + 900 + 700
    assert bill.quoted_cents == 800 + 800 + 1400 + 1100
    assert bill.over_billed_cents == 51
    assert bill.disputed_cents == 51 + 700
    assert bill.verdict_counts == {
        "ok": 2, "over": 1, "under": 1, "unknown": 1, "duplicate": 0, "no_quote": 1,
    }  # fmt: skip
    assert (bill.tolerance_cents, bill.tolerance_percent) == (50, 2)
    first = bill.lines.get(row=2)
    assert (first.billed_weight_grams, first.ship_date, first.destination_province) == (
        1000,
        date(2026, 11, 3),
        "上海市",
    )
    assert first.shipment.tracking_number == "ZT0000000001"
    audit = AuditRecord.objects.get(action="freight_bill.imported")
    assert audit.object_id == str(bill.pk)


def test_the_packed_parcel_s_weight_and_size_are_quoted_not_the_bill_s(zto, head, tmp_path):
    packed_parcel("ZT0000000010", 900)  # 1 kg step: 800
    packed_parcel("ZT0000000011", 500, (400, 300, 200))  # 4 kg by volume: 800 + 3 x 300
    path = write_csv(
        tmp_path / "bill.csv",
        [["ZT0000000010", "14.00", "3", "上海市", ""], ["ZT0000000011", "17.00", "1", "", ""]],
    )
    bill = run(head, path).bill
    assert verdicts(bill) == [("ZT0000000010", "over", 800), ("ZT0000000011", "ok", 1700)]


def test_a_waybill_billed_twice_in_one_bill_flags_the_second(zto, head, tmp_path):
    shipments("ZT0000000001", "ZT0000000002")
    path = write_csv(
        tmp_path / "bill.csv",
        [
            ["ZT0000000001", "8.00", "1", "", ""],
            ["ZT0000000002", "8.00", "1", "", ""],
            ["ZT0000000001", "8.00", "1", "", ""],
        ],
    )
    bill = run(head, path).bill
    assert verdicts(bill) == [
        ("ZT0000000001", "ok", 800),
        ("ZT0000000002", "ok", 800),
        ("ZT0000000001", "duplicate", None),
    ]
    second = bill.lines.get(row=4)
    assert second.duplicate_of == bill.lines.get(row=2)
    assert list(bill.lines.get(row=2).duplicates.all()) == [second]
    assert (bill.quoted_cents, bill.disputed_cents) == (1600, 800)


def test_a_waybill_billed_in_an_earlier_bill_is_a_duplicate(zto, head, tmp_path):
    shipments("ZT0000000001", "ZT0000000002")
    october = run(head, write_csv(tmp_path / "10.csv", [["ZT0000000001", "8.00", "1", "", ""]]))
    november = run(
        head,
        write_csv(
            tmp_path / "11.csv",
            [["ZT0000000002", "8.00", "1", "", ""], ["ZT0000000001", "8.00", "1", "", ""]],
        ),
        month="2026-12",
    )
    assert verdicts(november.bill) == [
        ("ZT0000000002", "ok", 800),
        ("ZT0000000001", "duplicate", None),
    ]
    assert november.bill.lines.get(row=3).duplicate_of == october.bill.lines.get()


def test_the_same_month_is_refused_unless_replaced(zto, head, tmp_path):
    shipments("ZT0000000001")
    path = write_csv(tmp_path / "bill.csv", [["ZT0000000001", "8.00", "1", "", ""]])
    first = run(head, path).bill
    with pytest.raises(InputError) as refused:
        run(head, path)
    assert refused.value.errors[0].field == "month"
    assert "imported already" in refused.value.errors[0].message
    again = run(head, write_csv(tmp_path / "b2.csv", [["ZT0000000001", "9.00", "1", "", ""]]),
                replace=True)  # fmt: skip
    assert again.replaced
    assert list(FreightBill.objects.values_list("pk", flat=True)) == [again.bill.pk]
    assert again.bill.pk != first.pk
    # Its lines are judged afresh, not as duplicates of the bill they replace.
    assert verdicts(again.bill) == [("ZT0000000001", "over", 800)]
    assert FreightBillLine.objects.count() == 1


def test_rows_that_cannot_be_read_are_named_and_nothing_is_stored(zto, head, tmp_path):
    shipments("ZT0000000001")
    path = write_csv(
        tmp_path / "bill.csv",
        [
            ["ZT0000000001", "8.00", "1", "", ""],
            ["ZT0000000002", "eight", "1", "", ""],
            ["", "8.00", "1", "", ""],
            ["ZT0000000003", "8.00", "0", "", "someday"],
            ["合计", "24.00", "", "", ""],  # the file's own total: passed over
        ],
    )
    with pytest.raises(InputError) as refused:
        run(head, path)
    messages = [error.message for error in refused.value.errors]
    assert messages == [
        "row 3, column 运费: Not a number.",
        "row 4, column 运单号: Required.",
        "row 5, column 计费重量: A weight more than 0 and at most 100,000 kg.",
        "row 5, column 寄件日期: Not a date, such as 2026-12-01.",
        "3 rows cannot be read (3-5); nothing was imported.",
    ]
    assert not FreightBill.objects.exists()
    assert not FreightBillLine.objects.exists()
    assert not AuditRecord.objects.filter(action="freight_bill.imported").exists()


def test_a_total_row_is_not_a_line(zto, head, tmp_path):
    shipments("ZT0000000001")
    path = write_csv(
        tmp_path / "bill.csv", [["ZT0000000001", "8.00", "1", "", ""], ["合计", "8.00", "", "", ""]]
    )
    result = run(head, path)
    assert result.total_rows == [3]
    assert result.bill.line_count == 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    amount=st.one_of(
        st.text(min_size=1, max_size=8).filter(lambda t: t.strip() and "\x00" not in t),
        st.sampled_from(["1.001", "-3", "1e99", "¥¥", "NaN", "inf", "1,00.0", "--1"]),
    )
)
def test_a_bill_with_a_malformed_amount_stores_nothing(zto, head, tmp_path, amount):
    from parcelops.orders.spreadsheet_cells import CellError
    from parcelops.warehouse.freight import amount_cents

    try:
        amount_cents(amount, "yuan")
    except CellError:
        pass
    else:
        return  # a readable amount: not this test's case
    path = write_csv(
        tmp_path / "bill.csv",
        [["ZT0000000001", "8.00", "1", "", ""], ["ZT0000000002", amount, "1", "", ""]],
    )
    with pytest.raises(InputError) as refused:
        run(head, path)
    assert refused.value.errors[-1].message == "1 row cannot be read (3); nothing was imported."
    assert not FreightBill.objects.exists()
    assert not FreightBillLine.objects.exists()


def test_a_file_without_the_mapping_s_columns_is_refused(zto, head, tmp_path):
    path = write_csv(tmp_path / "bill.csv", [["x", "1"]], header=["单号X", "amount"])
    with pytest.raises(InputError) as refused:
        run(head, path)
    (error,) = refused.value.errors
    assert error.field == "file"
    assert error.message.startswith("The file has no column for waybill_number: 运单号 / ")
    assert not FreightBill.objects.exists()


def test_english_headers_and_a_bill_in_cents_and_grams(zto, head, tmp_path):
    shipments("ZT0000000001")
    path = write_csv(
        tmp_path / "bill.csv",
        [["ZT0000000001", "850", "1000", "Shanghai"]],
        header=["Waybill number", "Amount", "Billed weight", "Destination province"],
    )
    bill = run(head, path, mapping="generic-cents").bill
    assert verdicts(bill) == [("ZT0000000001", "ok", 800)]
    assert bill.billed_cents == 850


def test_only_a_warehouse_manager_imports_and_the_carrier_and_month_are_checked(
    zto, staff, tmp_path
):
    path = write_csv(tmp_path / "bill.csv", [["ZT0000000001", "8.00", "1", "", ""]])
    with pytest.raises(NotPermittedError):
        run(staff["warehouse"], path)
    with pytest.raises(InputError) as refused:
        run(staff["logistics_head"], path, month="November", carrier="nobody-express")
    assert [error.field for error in refused.value.errors] == ["carrier", "month"]


def test_a_mapping_must_name_the_required_columns_and_known_units():
    from parcelops.orders.spreadsheet_files import SpreadsheetError

    with pytest.raises(SpreadsheetError, match="columns must name the column of billed_amount"):
        parse_bill_mapping({"columns": {"waybill_number": "单号"}}, "mine.json")
    with pytest.raises(SpreadsheetError, match="amount_unit must be one of yuan, cents"):
        parse_bill_mapping(
            {
                "columns": {"waybill_number": "a", "billed_amount": "b", "billed_weight": "c"},
                "amount_unit": "jiao",
            },
            "mine.json",
        )
