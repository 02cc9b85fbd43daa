"""The manifest as the driver signs it (R3.2): A4, the carrier, warehouse and pickup, one
row per parcel (waybill number, order number, weight), the count and total weight, and
signature lines for the driver and the warehouse. Chinese text in the labels' font."""

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from parcelops.warehouse.labels import cjk_font


@dataclass(frozen=True)
class ManifestRow:
    waybill_number: str
    order_number: str
    weight_grams: int | None


@dataclass(frozen=True)
class ManifestFacts:
    number: str
    carrier_name: str
    warehouse: str  # name and address
    opened_at: datetime  # local
    handed_over_at: datetime | None  # local
    driver_name: str
    rows: tuple[ManifestRow, ...]


def _kg(grams: int | None) -> str:
    return f"{grams / 1000:.2f}" if grams else "-"


def render_manifest(facts: ManifestFacts) -> bytes:
    font = cjk_font()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Manifest {facts.number}",
        creator="ParcelOps",
    )
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15)
    when = facts.handed_over_at or facts.opened_at
    total = sum(row.weight_grams or 0 for row in facts.rows)
    story: list = [
        Paragraph(f"交接清单 Hand-over manifest {facts.number}", title),
        Spacer(1, 3 * mm),
        Paragraph(f"承运商 Carrier: {facts.carrier_name}", body),
        Paragraph(f"仓库 Warehouse: {facts.warehouse}", body),
        Paragraph(f"日期 Date: {when:%Y-%m-%d %H:%M}", body),
        Spacer(1, 4 * mm),
    ]
    header = ["#", "运单号 Waybill", "订单号 Order", "重量 kg"]
    data = [header] + [
        [str(index), row.waybill_number, row.order_number, _kg(row.weight_grams)]
        for index, row in enumerate(facts.rows, start=1)
    ]
    data.append(["", f"合计 Total: {len(facts.rows)} 件 parcels", "", _kg(total)])
    table = Table(data, colWidths=[12 * mm, 62 * mm, 72 * mm, 30 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 10),
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#f2f2f2")]),
                ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                ("ALIGN", (0, 0), (0, -1), "RIGHT"),
            ]
        )
    )
    story += [table, Spacer(1, 14 * mm)]
    signatures = Table(
        [
            [f"司机 Driver: {facts.driver_name or '______________'}", "仓库交接人 Warehouse:"],
            ["签字 Signature: ______________________", "签字 Signature: ______________________"],
            [
                "日期 Date: ____________ 时间 Time: ______",
                "日期 Date: ____________ 时间 Time: ______",
            ],
        ],
        colWidths=[90 * mm, 90 * mm],
    )
    signatures.setStyle(
        TableStyle([("FONT", (0, 0), (-1, -1), font, 10), ("BOTTOMPADDING", (0, 0), (-1, -1), 9)])
    )
    story.append(signatures)
    document.build(story)
    return buffer.getvalue()
