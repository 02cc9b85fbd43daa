"""Labels and manifests print in the shop's language (LANGUAGE_CODE, Chinese unless set
otherwise), whatever the language of the page of the person who prints them."""

from datetime import UTC, datetime

import pypdfium2
import pytest

from parcelops.warehouse.labels import LabelFacts, Person, render_labels
from parcelops.warehouse.manifest_pdf import ManifestFacts, ManifestRow, render_manifest

MOMENT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
FACTS = LabelFacts(
    waybill_number="731000000123",
    carrier_name="中通快递",
    service="标准快递",
    order_number="PO-42",
    sender_company="杭州一号仓",
    sender=Person("李仓管", "0571-88886666", "浙江省 杭州市 余杭区文一西路 1500 号"),
    recipient=Person("王小明", "13812345678", "浙江省 杭州市 西湖区 文三路 90 号"),
    destination="浙江省 杭州市",
    lines=tuple((f"商品 {index}", 1) for index in range(6)),
    weight_grams=1350,
    printed_at=MOMENT,
)
MANIFEST = ManifestFacts(
    number="MF20261125-00001",
    carrier_name="中通快递 ZTO Express",
    warehouse="杭州一号仓",
    opened_at=MOMENT,
    handed_over_at=None,
    driver_name="张师傅",
    rows=(ManifestRow("731000000123", "PO-42", 1350),),
)


def text_of(pdf: bytes) -> str:
    return pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()


@pytest.mark.parametrize("reader", ["en", "zh-hans"])
def test_a_chinese_shop_prints_chinese_whoever_reads_the_page(reader, settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override(reader):
        label = text_of(render_labels([FACTS]))
        manifest = text_of(render_manifest(MANIFEST))
    for expected in (
        "收",
        "寄",
        "内容：",
        "订单：PO-42",
        "重量 1.35 kg",
        "件数 6",
        "签收人/时间：",
    ):
        assert expected in label
    assert "… 共 6 种 6 件" in label
    assert "Contents" not in label
    for expected in (
        "交接清单 MF20261125-00001",
        "承运商：",
        "运单号",
        "合计：1 件",
        "司机：张师傅",
    ):
        assert expected in manifest
    assert "Driver" not in manifest


def test_an_english_shop_prints_english(settings):
    settings.LANGUAGE_CODE = "en"
    label = text_of(render_labels([FACTS]))
    manifest = text_of(render_manifest(MANIFEST))
    for expected in ("To", "From", "Contents:", "Order: PO-42", "Weight 1.35 kg", "Items 6"):
        assert expected in label
    for expected in ("Hand-over manifest MF20261125-00001", "Total: 1 parcel", "Driver: 张师傅"):
        assert expected in manifest
