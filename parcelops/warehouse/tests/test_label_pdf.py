"""Label PDFs: rendered, rasterised (pypdfium2) and their Code128 and QR code decoded
(zxing-cpp), compared with the waybill number; the Chinese text is in the PDF; every print
is counted and audited; the API answers a packed or shipped order and refuses others."""

import pypdfium2
import pytest
import zxingcpp

from parcelops.accounts import roles
from parcelops.audit.models import AuditRecord
from parcelops.core.errors import ActionError
from parcelops.orders.states import OrderState
from parcelops.warehouse.actions import labels as label_actions
from parcelops.warehouse.models import Parcel
from parcelops.warehouse.tests.label_helpers import a_packed_parcel, a_range, a_warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def packer(channel, staff, frozen_now, english):
    return staff[roles.WAREHOUSE]


def decoded(pdf: bytes) -> list[list[tuple[str, str]]]:
    """Per page, the (format, text) of every barcode found at 200 dpi."""
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    for page in document:
        image = page.render(scale=200 / 72).to_pil().convert("L")
        found = zxingcpp.read_barcodes(image)
        pages.append(sorted((str(code.format).replace(" ", ""), code.text) for code in found))
    return pages


def page_text(pdf: bytes, index: int = 0) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return document[index].get_textpage().get_text_range()


def test_a_thermal_label_decodes_to_its_waybill_number_and_carries_the_chinese_text(
    packer, settings
):
    settings.LANGUAGE_CODE = "zh-hans"  # the shop's language, in which labels print
    parcel = a_packed_parcel(a_warehouse(), waybill_number="73100000000042")
    pdf = label_actions.print_labels(packer, [parcel.order.number])
    document = pypdfium2.PdfDocument(pdf)
    width, height = document[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (100, 150)
    assert decoded(pdf) == [[("Code128", "73100000000042"), ("QRCode", "73100000000042")]]
    text = page_text(pdf)
    for expected in (
        "中通快递",
        "王小明",
        "13812345678",
        "文三路",
        "西湖龙井 250g",
        "杭州一号仓",
        parcel.order.number,
    ):
        assert expected in text


def test_an_a4_sheet_holds_four_labels_a_page_each_decoding(packer):
    warehouse = a_warehouse()
    a_range(first=1, last=100, digits=10)
    parcels = [a_packed_parcel(warehouse, f"W-{index}") for index in range(5)]
    pdf = label_actions.print_labels(packer, [p.order.number for p in parcels], page_format="a4")
    numbers = [f"{serial:010d}" for serial in range(1, 6)]
    pages = decoded(pdf)
    assert len(pages) == 2
    assert sorted(text for fmt, text in pages[0] if fmt == "Code128") == numbers[:4]
    assert sorted(text for fmt, text in pages[0] if fmt == "QRCode") == numbers[:4]
    assert pages[1] == [("Code128", numbers[4]), ("QRCode", numbers[4])]


def test_every_print_is_counted_and_audited_with_the_orders(packer):
    warehouse = a_warehouse()
    a_range(first=1, last=100, digits=10)
    first, second = a_packed_parcel(warehouse, "W-1"), a_packed_parcel(warehouse, "W-2")
    numbers = [first.order.number, second.order.number]
    label_actions.print_labels(packer, numbers)
    label_actions.print_labels(packer, numbers[:1])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.label_print_count, second.label_print_count) == (2, 1)
    assert first.label_printed_at is not None
    records = list(AuditRecord.objects.filter(action="labels.printed").order_by("id"))
    assert [r.detail["orders"] for r in records] == [numbers, numbers[:1]]
    assert records[0].actor == packer


def test_a_batch_with_an_unpacked_order_prints_nothing(packer):
    warehouse = a_warehouse()
    ready = a_packed_parcel(warehouse, "W-1", waybill_number="0001")
    picking = a_packed_parcel(warehouse, "W-2", state=OrderState.PICKING)
    with pytest.raises(ActionError) as refused:
        label_actions.print_labels(packer, [ready.order.number, picking.order.number])
    assert str(refused.value) == (
        f"Only a packed or shipped order has a label; not yet: {picking.order.number}."
    )
    assert Parcel.objects.filter(label_print_count__gt=0).count() == 0
    assert not AuditRecord.objects.filter(action="labels.printed").exists()


def test_the_api_prints_a_packed_orders_label_numbering_it_first(packer, api):
    a_range(first=5, last=100, digits=10)
    parcel = a_packed_parcel(a_warehouse())
    answer = api(packer).get(f"/api/v1/orders/{parcel.order.number}/label.pdf?format=thermal")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert decoded(answer.content) == [[("Code128", "0000000005"), ("QRCode", "0000000005")]]
    parcel.refresh_from_db()
    assert parcel.waybill_number == "0000000005"


def test_the_api_reprints_a_shipped_orders_label(packer, api):
    parcel = a_packed_parcel(a_warehouse(), state=OrderState.SHIPPED, waybill_number="ZT123456789")
    answer = api(packer).get(f"/api/v1/orders/{parcel.order.number}/label.pdf")
    assert answer.status_code == 200
    assert decoded(answer.content) == [[("Code128", "ZT123456789"), ("QRCode", "ZT123456789")]]


def test_the_api_refuses_an_order_that_is_not_packed(packer, api):
    parcel = a_packed_parcel(a_warehouse(), state=OrderState.PICKING)
    answer = api(packer).get(f"/api/v1/orders/{parcel.order.number}/label.pdf")
    assert answer.status_code == 409
    assert answer.json() == {
        "errors": [
            {
                "field": "",
                "message": f"Only a packed or shipped order has a label; not yet: {parcel.order.number}.",
            }
        ]
    }


def test_the_api_answers_404_for_no_such_order_and_403_without_the_role(packer, api, staff):
    assert api(packer).get("/api/v1/orders/NOPE/label.pdf").status_code == 404
    parcel = a_packed_parcel(a_warehouse(), waybill_number="0001")
    assert (
        api(staff[roles.ANALYST]).get(f"/api/v1/orders/{parcel.order.number}/label.pdf").status_code
        == 403
    )
