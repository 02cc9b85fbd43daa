"""What the freight-bill tests share: shipments of ZTO with a price table, bills written as
CSV or XLSX, and people allowed and not allowed to import them."""

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl

from parcelops.carriers.models import Carrier, PriceRule
from parcelops.orders.models import Order
from parcelops.orders.tests.factories import place_order
from parcelops.tracking.models import Shipment
from parcelops.warehouse.models import Parcel, Warehouse

MOMENT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
HEADER = ["运单号", "运费", "计费重量", "目的省份", "寄件日期"]


def price_table() -> None:
    """ZTO from Zhejiang: 8 yuan the first kg and 3 each further kg to Shanghai, 10 + 5
    anywhere else from Zhejiang; nothing from other provinces."""
    zto = Carrier.objects.get(code="zto")
    PriceRule.objects.create(
        carrier=zto, origin_province="浙江省", destination_province="上海市",
        first_weight_grams=1000, first_cents=800, additional_weight_grams=1000,
        additional_cents=300,
    )  # fmt: skip
    PriceRule.objects.create(
        carrier=zto, origin_province="浙江省", destination_province="*",
        first_weight_grams=1000, first_cents=1000, additional_weight_grams=1000,
        additional_cents=500,
    )  # fmt: skip


def shipments(*numbers: str, origin: str = "浙江省", destination: str = "上海市") -> Order:
    """ZTO parcels of one order (created as rows: the bill only reads them)."""
    order = Order.objects.first() or place_order(external_id="W-FREIGHT")
    Shipment.objects.bulk_create(
        Shipment(
            order=order, carrier="zto", tracking_number=number, status="delivered",
            status_rank=5, created_at=MOMENT, origin_province=origin,
            destination_province=destination,
        )
        for number in numbers
    )  # fmt: skip
    return order


def packed_parcel(number: str, grams: int, size: tuple[int, int, int] = (0, 0, 0)) -> Parcel:
    """A parcel packed in our warehouse (its own order), weighed and measured there."""
    order = place_order(external_id=f"W-{number}")
    Shipment.objects.create(
        order=order, carrier="zto", tracking_number=number, status="delivered", status_rank=5,
        created_at=MOMENT, origin_province="浙江省", destination_province="上海市",
    )  # fmt: skip
    warehouse, _created = Warehouse.objects.get_or_create(
        code="HZ1",
        defaults={
            "name": "杭州仓", "province": "浙江省", "city": "杭州市", "address": "文三路 1 号",
            "contact_name": "李", "contact_phone": "0571-88888888",
        },
    )  # fmt: skip
    length, width, height = size
    return Parcel.objects.create(
        order=order, warehouse=warehouse, weight_grams=grams, length_mm=length,
        width_mm=width, height_mm=height, carrier="zto", waybill_number=number,
    )  # fmt: skip


def write_csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path
