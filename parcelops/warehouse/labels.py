"""Shipping label PDFs (R3.3): 100 x 150 mm for thermal printers, and A4 sheets of four
labels with cut marks. Each label is laid out like a Chinese courier's e-waybill: carrier
and service on top, the waybill number as a Code128 barcode with the number in large
digits, the destination in large type, the recipient's block (收), the sender's (寄), the
contents and order number, and a QR code of the waybill number.

Rendering is pure: it takes LabelFacts (built by parcelops.warehouse.label_facts, which
decrypts the recipient only for this) and returns the PDF's bytes. Chinese text is set
in reportlab's built-in CID font STSong-Light (PDF readers supply it), or in a TrueType
font named by PARCELOPS_LABEL_FONT, which is then embedded.
"""

import io
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from string import ascii_lowercase, ascii_uppercase

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab import rl_config
from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

THERMAL = "thermal"
A4_SHEET = "a4"
FORMATS = (THERMAL, A4_SHEET)

LABEL_WIDTH = 100 * mm
LABEL_HEIGHT = 150 * mm
# Four labels an A4 sheet, 2 x 2: 150 mm labels do not fit 297 mm twice, so they are
# printed at 96 % (96 x 144 mm), which keeps the barcodes well inside their tolerances.
SHEET_SCALE = 0.96
SHEET_COLUMNS = 2
SHEET_ROWS = 2
LATIN_BOLD = "Helvetica-Bold"
LATIN = "Helvetica"
MAX_CONTENT_LINES = 4


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    address: str


@dataclass(frozen=True)
class LabelFacts:
    waybill_number: str
    carrier_name: str
    service: str
    order_number: str
    sender_company: str
    sender: Person
    recipient: Person
    destination: str  # province and city, printed large for sorting
    lines: tuple[tuple[str, int], ...]  # (product name, quantity)
    weight_grams: int | None
    printed_at: datetime  # in the warehouse's local time


@cache
def cjk_font() -> str:
    """The registered name of the font Chinese text is set in."""
    path = settings.PARCELOPS_LABEL_FONT
    if path:
        pdfmetrics.registerFont(TTFont("ParcelOpsLabel", path, subfontIndex=0))
        return "ParcelOpsLabel"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


@lru_cache(maxsize=8192)
def _char_width(character: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(character, font, size)


def _width(text: str, font: str, size: float) -> float:
    """The printed width of `text`: the sum of its characters' (the label fonts do not
    kern), each measured once a process."""
    return sum(_char_width(character, font, size) for character in text)


def wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Lines of at most `width` points; Chinese text breaks between any two characters,
    Latin words where they have spaces when they can. The last line ends in … when cut."""
    lines: list[str] = []
    current = ""
    current_width = 0.0
    for character in text:
        character_width = _char_width(character, font, size)
        if current_width + character_width <= width:
            current += character
            current_width += character_width
            continue
        if " " in current and character != " " and current.rstrip()[-1:].isascii():
            head, _space, tail = current.rpartition(" ")
            lines.append(head)
            current = tail + character
        else:
            lines.append(current)
            current = character.lstrip()
        current_width = _width(current, font, size)
        if len(lines) == max_lines:
            break
    else:
        if current:
            lines.append(current)
        return lines
    last = lines[-1]
    while last and _width(last + "…", font, size) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


def _bold_text(canvas: Canvas, x: float, y: float, text: str, font: str, size: float) -> None:
    """Text made heavier by stroking its outline too (a CID font has no bold face)."""
    canvas.saveState()
    canvas.setLineWidth(size / 28)
    text_object = canvas.beginText(x, y)
    text_object.setTextRenderMode(2)
    text_object.setFont(font, size)
    text_object.textOut(text)
    canvas.drawText(text_object)
    canvas.restoreState()


def _tag(canvas: Canvas, x: float, y: float, size: float, text: str, font: str) -> None:
    """A black square with a white character: 收 and 寄, as couriers print them."""
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setStrokeColorRGB(1, 1, 1)
    font_size = size * 0.72
    width = pdfmetrics.stringWidth(text, font, font_size)
    if width > size * 0.9:  # a word rather than a character: smaller, to fit the square
        font_size *= size * 0.9 / width
        width = size * 0.9
    _bold_text(canvas, x + (size - width) / 2, y + size * 0.2, text, font, font_size)
    canvas.restoreState()


# The QR code's mask pattern. The encoder's search for the best of the eight scores each
# on the whole symbol, two thirds of a label's time; every reader reads any mask, and for
# a short number the eight differ little (decision 0036).
QR_MASK = 2


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """A QR code of `text` (level M) in a size x size square, its dark modules drawn as
    one path of horizontal runs: a tenth of the time of reportlab's widget."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.version = code.calculate_version()
    code.makeImpl(False, QR_MASK)
    modules: list[list[bool]] = code.modules
    count = len(modules)
    quiet = 2  # modules of white around it (the label's own margin adds more)
    module = size / (count + 2 * quiet)
    runs = []
    for row, dark in enumerate(modules):
        column = 0
        while column < count:
            if not dark[column]:
                column += 1
                continue
            start = column
            while column < count and dark[column]:
                column += 1
            runs.append(f"{start} {row} {column - start} 1 re")
    # In module units from the top-left module, rows downwards: whole numbers, written
    # straight to the page (reportlab's path formats four floats a run, slowly).
    canvas.saveState()
    canvas.translate(x + quiet * module, y + size - quiet * module)
    canvas.scale(module, -module)
    canvas.addLiteral(" ".join(runs) + " f")
    canvas.restoreState()


def draw_code128(
    canvas: Canvas, text: str, x: float, y: float, width: float, height: float
) -> None:
    """A Code128 of `text` centred in the box, its bars as wide as fit (at most 0.5 mm).
    reportlab encodes it; its bars are written in module units, as the QR code's runs."""
    barcode = Code128(text, barWidth=1, barHeight=height, quiet=False)
    barcode.validate()
    barcode.encode()
    barcode.decompose()
    bars = []
    left = 0
    for code in barcode.decomposed:  # a-z: a space of 1-26 modules, A-Z: a bar
        if code in ascii_lowercase:
            left += ord(code) - ord("a") + 1
        elif code in ascii_uppercase:
            modules = ord(code) - ord("A") + 1
            bars.append(f"{left} 0 {modules} 1 re")
            left += modules
    bar_width = min(0.5 * mm, width / left)
    canvas.saveState()
    canvas.translate(x + (width - left * bar_width) / 2, y)
    canvas.scale(bar_width, height)
    canvas.addLiteral(" ".join(bars) + " f")
    canvas.restoreState()


def draw_label(canvas: Canvas, facts: LabelFacts) -> None:
    """One label with its lower-left corner at the canvas's origin, 100 x 150 mm."""
    font = cjk_font()
    width, height = LABEL_WIDTH, LABEL_HEIGHT
    margin = 3 * mm
    inner = width - 2 * margin
    canvas.setLineWidth(0.8)
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.rect(margin / 2, margin / 2, width - margin, height - margin)

    # Band 1 (16 mm): the carrier, big, and its service in a box; the print time.
    top = height - margin / 2
    y = top - 16 * mm
    _bold_text(canvas, margin + 1 * mm, y + 5 * mm, facts.carrier_name, font, 22)
    if facts.service:
        service_size = 11
        service_width = pdfmetrics.stringWidth(facts.service, font, service_size) + 4 * mm
        box_x = width - margin - service_width
        canvas.rect(box_x, y + 6 * mm, service_width, 7 * mm)
        _bold_text(canvas, box_x + 2 * mm, y + 8.2 * mm, facts.service, font, service_size)
    canvas.setFont(font, 7)
    canvas.drawRightString(width - margin, y + 2 * mm, facts.printed_at.strftime("%Y-%m-%d %H:%M"))
    canvas.line(margin / 2, y, width - margin / 2, y)

    # Band 2 (30 mm): the Code128 and the number in large digits under it.
    band_bottom = y - 30 * mm
    draw_code128(canvas, facts.waybill_number, margin, band_bottom + 10 * mm, inner, 18 * mm)
    number_size = 18 if len(facts.waybill_number) <= 16 else 14
    spaced = " ".join(_groups(facts.waybill_number))
    canvas.setFont(LATIN_BOLD, number_size)
    canvas.drawCentredString(width / 2, band_bottom + 3 * mm, spaced)
    y = band_bottom
    canvas.line(margin / 2, y, width - margin / 2, y)

    # Band 3 (14 mm): the destination, large (the sorting centre reads it from afar).
    band_bottom = y - 14 * mm
    destination = wrap(facts.destination or "-", font, 24, inner, 1)[0]
    _bold_text(canvas, margin + 1 * mm, band_bottom + 4 * mm, destination, font, 24)
    y = band_bottom
    canvas.line(margin / 2, y, width - margin / 2, y)

    # Band 4 (30 mm): the recipient.
    band_bottom = y - 30 * mm
    tag = 9 * mm
    # Translators: the recipient's tag on a shipping label, one character (收).
    _tag(canvas, margin, y - tag - 2 * mm, tag, pgettext("label tag", "To"), font)
    text_x = margin + tag + 3 * mm
    text_width = width - margin - text_x
    _bold_text(
        canvas,
        text_x,
        y - 7 * mm,
        f"{facts.recipient.name}  {facts.recipient.phone}",
        font,
        13,
    )
    canvas.setFont(font, 12)
    line_y = y - 13.5 * mm
    for line in wrap(facts.recipient.address, font, 12, text_width, 4):
        canvas.drawString(text_x, line_y, line)
        line_y -= 5 * mm
    y = band_bottom
    canvas.line(margin / 2, y, width - margin / 2, y)

    # Band 5 (18 mm): the sender.
    band_bottom = y - 18 * mm
    tag = 7 * mm
    # Translators: the sender's tag on a shipping label, one character (寄).
    _tag(canvas, margin, y - tag - 2 * mm, tag, pgettext("label tag", "From"), font)
    text_x = margin + tag + 3 * mm
    text_width = width - margin - text_x
    canvas.setFont(font, 9)
    canvas.drawString(
        text_x,
        y - 5.5 * mm,
        wrap(
            f"{facts.sender_company}  {facts.sender.name}  {facts.sender.phone}",
            font,
            9,
            text_width,
            1,
        )[0],
    )
    line_y = y - 9.5 * mm
    for line in wrap(facts.sender.address, font, 8, text_width, 2):
        canvas.setFont(font, 8)
        canvas.drawString(text_x, line_y, line)
        line_y -= 3.6 * mm
    y = band_bottom
    canvas.line(margin / 2, y, width - margin / 2, y)

    # Band 6 (the rest, 38.5 mm): contents, order, weight on the left; the QR code right.
    bottom = margin / 2
    qr_size = 30 * mm
    draw_qr(canvas, facts.waybill_number, width - margin - qr_size, bottom + 3 * mm, qr_size)
    left_width = width - 2 * margin - qr_size - 2 * mm
    canvas.setFont(font, 9)
    line_y = y - 5 * mm
    canvas.drawString(margin + 1 * mm, line_y, _("Contents:"))
    line_y -= 4.2 * mm
    shown = facts.lines[:MAX_CONTENT_LINES]
    for name, quantity in shown:
        text = wrap(f"{name}", font, 9, left_width - 12 * mm, 1)[0]
        canvas.drawString(margin + 1 * mm, line_y, text)
        canvas.drawRightString(margin + 1 * mm + left_width, line_y, f"x {quantity}")
        line_y -= 4.2 * mm
    units = sum(quantity for _name, quantity in facts.lines)
    if len(facts.lines) > len(shown):
        canvas.drawString(
            margin + 1 * mm,
            line_y,
            _("… %(kinds)d products, %(units)d items in all")
            % {"kinds": len(facts.lines), "units": units},
        )
        line_y -= 4.2 * mm
    canvas.setFont(font, 9)
    weight = f"{facts.weight_grams / 1000:.2f} kg" if facts.weight_grams else "-"
    canvas.drawString(
        margin + 1 * mm, bottom + 9 * mm, _("Order: %(number)s") % {"number": facts.order_number}
    )
    canvas.drawString(
        margin + 1 * mm,
        bottom + 4.5 * mm,
        _("Weight %(weight)s   Items %(units)d") % {"weight": weight, "units": units},
    )
    canvas.setFont(font, 7)
    canvas.drawString(margin + 1 * mm, bottom + 1.2 * mm, _("Received by / at:"))


def _groups(number: str) -> list[str]:
    """The number in groups of four from the left, as couriers print it (7312 3456 7890)."""
    return [number[index : index + 4] for index in range(0, len(number), 4)] or [number]


def render_labels(labels: Sequence[LabelFacts], page_format: str = THERMAL) -> bytes:
    """One PDF of the labels: a 100 x 150 mm page each (thermal), or four an A4 sheet."""
    if page_format not in FORMATS:
        raise ValueError(page_format)
    with translation.override(print_language()):
        return _render(labels, page_format)


def print_language() -> str:
    """The language labels and manifests print in, whoever prints them: the shop's
    (LANGUAGE_CODE, Chinese unless the shop set another)."""
    return str(settings.LANGUAGE_CODE)


def _render(labels: Sequence[LabelFacts], page_format: str) -> bytes:
    buffer = io.BytesIO()
    if page_format == THERMAL:
        canvas = Canvas(buffer, pagesize=(LABEL_WIDTH, LABEL_HEIGHT), pageCompression=1)
        _set_info(canvas, labels)
        for facts in labels:
            draw_label(canvas, facts)
            canvas.showPage()
    else:
        canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
        _set_info(canvas, labels)
        for page in _chunks(labels, SHEET_COLUMNS * SHEET_ROWS):
            _draw_sheet(canvas, page)
            canvas.showPage()
    if not labels:
        canvas.showPage()
    save_binary(canvas)
    return buffer.getvalue()


_SAVING = threading.Lock()


def save_binary(canvas: Canvas) -> None:
    """Save the PDF with its streams only deflated, not also ASCII85-encoded as reportlab
    does by default (a relic of 7-bit mail): a tenth of a wave's time, a fifth of its
    bytes. The switch is reportlab's global; the lock keeps two saves from mixing it."""
    with _SAVING:
        before = rl_config.useA85
        rl_config.useA85 = 0
        try:
            canvas.save()
        finally:
            rl_config.useA85 = before


def _set_info(canvas: Canvas, labels: Sequence[LabelFacts]) -> None:
    canvas.setTitle(
        f"Labels {labels[0].order_number}" + (f" +{len(labels) - 1}" if len(labels) > 1 else "")
        if labels
        else "Labels"
    )
    canvas.setCreator("ParcelOps")


def _chunks(items: Sequence[LabelFacts], size: int) -> Iterable[Sequence[LabelFacts]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _draw_sheet(canvas: Canvas, labels: Sequence[LabelFacts]) -> None:
    page_width, page_height = A4
    cell_width, cell_height = LABEL_WIDTH * SHEET_SCALE, LABEL_HEIGHT * SHEET_SCALE
    left = (page_width - SHEET_COLUMNS * cell_width) / 2
    bottom = (page_height - SHEET_ROWS * cell_height) / 2
    for index, facts in enumerate(labels):
        column, row = index % SHEET_COLUMNS, index // SHEET_COLUMNS
        x = left + column * cell_width
        y = bottom + (SHEET_ROWS - 1 - row) * cell_height
        canvas.saveState()
        canvas.translate(x, y)
        canvas.scale(SHEET_SCALE, SHEET_SCALE)
        draw_label(canvas, facts)
        canvas.restoreState()
    _cut_marks(canvas, left, bottom, cell_width, cell_height)


def _cut_marks(canvas: Canvas, left: float, bottom: float, width: float, height: float) -> None:
    """Short lines in the margins where the sheet is cut into its labels."""
    canvas.saveState()
    canvas.setLineWidth(0.3)
    mark = 3 * mm
    page_width, page_height = A4
    for column in range(SHEET_COLUMNS + 1):
        x = left + column * width
        canvas.line(x, 0.5 * mm, x, min(bottom - 0.5 * mm, 0.5 * mm + mark))
        canvas.line(
            x,
            page_height - 0.5 * mm,
            x,
            max(page_height - bottom + 0.5 * mm, page_height - 0.5 * mm - mark),
        )
    for row in range(SHEET_ROWS + 1):
        y = bottom + row * height
        canvas.line(0.5 * mm, y, min(left - 0.5 * mm, 0.5 * mm + mark), y)
        canvas.line(
            page_width - 0.5 * mm,
            y,
            max(page_width - left + 0.5 * mm, page_width - 0.5 * mm - mark),
            y,
        )
    canvas.restoreState()
