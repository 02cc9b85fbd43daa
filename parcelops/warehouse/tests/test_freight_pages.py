"""The freight pages: importing through the form, the bill by verdict, the totals, who may
do what, and the dispute export opened with openpyxl."""

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from parcelops.warehouse.models import FreightBill
from parcelops.warehouse.tests.freight_fixtures import price_table, shipments, write_csv

pytestmark = pytest.mark.usefixtures("english", "frozen_now")

ROWS = [
    ["ZT0000000001", "8.00", "1", "上海市", "2026-11-03"],  # ok
    ["ZT0000000002", "9.99", "1", "上海市", "2026-11-03"],  # over by 1.99
    ["ZT9999999999", "7.00", "1.5", "北京市", ""],  # unknown
    ["ZT0000000001", "8.00", "1", "上海市", "2026-11-04"],  # billed again
]


@pytest.fixture
def head_client(staff, channel):
    price_table()
    shipments("ZT0000000001", "ZT0000000002")
    client = Client()
    client.force_login(staff["logistics_head"])
    return client


def upload(client, path, **fields):
    with path.open("rb") as stream:
        data = {"file": stream, "carrier": "zto", "month": "2026-11", "preset": "generic"}
        data.update(fields)
        return client.post(reverse("warehouse:freight_import"), data)


def test_a_bill_imported_through_the_form_opens_on_its_page(head_client, tmp_path):
    response = upload(head_client, write_csv(tmp_path / "zto-11.csv", ROWS))
    bill = FreightBill.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("warehouse:freight_bill", args=[bill.pk])
    page = head_client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "ZTO Express bill of 2026-11" in text
    assert "4 lines of the 2026-11 bill of ZTO Express imported." in text
    assert "billed again in row 5" in text  # the first billing is flagged too
    over = head_client.get(response["Location"] + "?verdict=over").content.decode()
    assert "ZT0000000002" in over
    assert "ZT9999999999" not in over
    disputed = head_client.get(response["Location"] + "?verdict=disputed").content.decode()
    assert "ZT9999999999" in disputed
    assert "also row 2" in disputed


def test_a_bad_file_is_refused_on_the_form_with_its_rows(head_client, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [["ZT0000000001", "8.0.0", "1", "", ""]])
    response = upload(head_client, path)
    assert response.status_code == 422
    text = response.content.decode()
    assert "Nothing was imported." in text
    assert "row 2, column 运费: Not a number." in text
    assert not FreightBill.objects.exists()


def test_importing_the_same_month_again_needs_replace(head_client, tmp_path):
    path = write_csv(tmp_path / "zto-11.csv", ROWS)
    assert upload(head_client, path).status_code == 302
    again = upload(head_client, path)
    assert again.status_code == 422
    assert "replace it explicitly" in again.content.decode()
    assert upload(head_client, path, replace="on").status_code == 302
    assert FreightBill.objects.count() == 1


def test_the_lists_and_totals_show_the_bill(head_client, tmp_path):
    upload(head_client, write_csv(tmp_path / "zto-11.csv", ROWS))
    bills = head_client.get(reverse("warehouse:freight_bills")).content.decode()
    assert "2026-11" in bills
    assert "¥32.99" in bills
    totals = head_client.get(reverse("warehouse:freight_totals"))
    assert totals.status_code == 200
    assert "¥16.00" in totals.content.decode()  # quoted: the ok and the over-billed line


def test_the_bill_page_costs_the_same_queries_for_any_page(
    head_client, tmp_path, django_assert_max_num_queries
):
    upload(head_client, write_csv(tmp_path / "zto-11.csv", ROWS))
    bill = FreightBill.objects.get()
    with django_assert_max_num_queries(12):
        head_client.get(reverse("warehouse:freight_bill", args=[bill.pk]))


def test_the_dispute_export_lists_what_the_account_manager_checks(head_client, tmp_path):
    upload(head_client, write_csv(tmp_path / "zto-11.csv", ROWS))
    bill = FreightBill.objects.get()
    response = head_client.get(reverse("warehouse:freight_disputes", args=[bill.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="zto-2026-11-disputes-')
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    assert rows[0][:5] == ["Waybill number", "Billed", "Quoted", "Difference", "Reason"]
    assert [row[:6] for row in rows[1:]] == [
        ["ZT0000000001", 8, 8, 0, "Billed again in row 5 of this bill", 2],
        ["ZT0000000002", 9.99, 8, 1.99, "Over-billed: 1.99 yuan above the quote", 3],
        ["ZT9999999999", 7, None, 7,
         "Unknown waybill: not a parcel we sent with this carrier", 4],
        ["ZT0000000001", 8, None, 8, "Billed twice: also in row 2 of this bill", 5],
    ]  # fmt: skip


def test_the_export_speaks_chinese_to_a_chinese_page(head_client, tmp_path):
    from django.utils import translation

    upload(head_client, write_csv(tmp_path / "zto-11.csv", ROWS))
    bill = FreightBill.objects.get()
    with translation.override("zh-hans"):
        response = head_client.get(
            reverse("warehouse:freight_disputes", args=[bill.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header = next(workbook.active.iter_rows(values_only=True))
    assert header[:5] == ("运单号", "账单金额", "报价", "差额", "原因")


def test_who_may_see_and_who_may_import(staff, channel):
    packer, analyst = Client(), Client()
    packer.force_login(staff["warehouse"])
    analyst.force_login(staff["analyst"])
    assert packer.get(reverse("warehouse:freight_bills")).status_code == 403
    assert analyst.get(reverse("warehouse:freight_bills")).status_code == 200
    assert analyst.get(reverse("warehouse:freight_import")).status_code == 403
