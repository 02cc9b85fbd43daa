"""The manifest as the driver signs it (R3.2): A4, the carrier, warehouse and pickup, one
row per parcel (waybill number, order number, weight), the count and total weight, and
signature lines for the driver and the warehouse. Chinese text in the labels' font."""

import io
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from parcelops.warehouse.labels import cjk_font, print_language


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
    """The manifest's PDF, in the shop's language (labels.print_language)."""
    with translation.override(print_language()):
        return _render(facts)


def _render(facts: ManifestFacts) -> bytes:
    font = cjk_font()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_("Hand-over manifest %(number)s") % {"number": facts.number},
        creator="ParcelOps",
    )
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15)
    when = facts.handed_over_at or facts.opened_at
    total = sum(row.weight_grams or 0 for row in facts.rows)
    story: list = [
        Paragraph(escape(_("Hand-over manifest %(number)s") % {"number": facts.number}), title),
        Spacer(1, 3 * mm),
        Paragraph(escape(_("Carrier: %(carrier)s") % {"carrier": facts.carrier_name}), body),
        Paragraph(escape(_("Warehouse: %(warehouse)s") % {"warehouse": facts.warehouse}), body),
        Paragraph(escape(_("Date: %(when)s") % {"when": f"{when:%Y-%m-%d %H:%M}"}), body),
        Spacer(1, 4 * mm),
    ]
    header = ["#", _("Waybill number"), _("Order number"), _("Weight (kg)")]
    data = [header] + [
        [str(index), row.waybill_number, row.order_number, _kg(row.weight_grams)]
        for index, row in enumerate(facts.rows, start=1)
    ]
    data.append(
        [
            "",
            ngettext("Total: %(count)d parcel", "Total: %(count)d parcels", len(facts.rows))
            % {"count": len(facts.rows)},
            "",
            _kg(total),
        ]
    )
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
            [
                _("Driver: %(name)s") % {"name": facts.driver_name or "______________"},
                _("Handed over by (warehouse):"),
            ],
            [_("Signature:") + " ______________________"] * 2,
            [_("Date:") + " ____________ " + _("Time:") + " ______"] * 2,
        ],
        colWidths=[90 * mm, 90 * mm],
    )
    signatures.setStyle(
        TableStyle([("FONT", (0, 0), (-1, -1), font, 10), ("BOTTOMPADDING", (0, 0), (-1, -1), 9)])
    )
    story.append(signatures)
    document.build(story)
    return buffer.getvalue()
