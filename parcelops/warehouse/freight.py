"""Freight bills (R4.3, the cost indicator): the pure rules that judge a carrier's bill line
against the price its rules quote, and add a bill up. No database, no files: the import
(parcelops.warehouse.actions.freight) feeds them what it read and looked up.
"""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from parcelops.carriers.pricing import Quote, Rule, best_rule, quote
from parcelops.orders.spreadsheet_cells import CellError, money_cell
from parcelops.warehouse.models import BillLineVerdict

# The verdicts a carrier's account manager is asked about (the dispute export).
DISPUTED = (BillLineVerdict.OVER, BillLineVerdict.UNKNOWN, BillLineVerdict.DUPLICATE)
# Where a line's verdict compares it with a quote: only these count toward the quoted total.
PRICED = (BillLineVerdict.OK, BillLineVerdict.OVER, BillLineVerdict.UNDER)

MAX_LINE_CENTS = 100_000_000  # one million yuan: beyond it a cell is a typo, not a freight
MAX_WEIGHT_GRAMS = 100_000_000  # 100 tonnes
AMOUNT_UNITS = ("yuan", "cents")
WEIGHT_UNITS = ("kg", "g")


def parse_month(text: str) -> date | None:
    """ "2026-11" (or "2026/11", "2026-11-01") -> the first day of that month; None if not one."""
    parts = text.strip().replace("/", "-").split("-")
    if len(parts) not in (2, 3) or not all(part.isdigit() for part in parts):
        return None
    try:
        year, month = int(parts[0]), int(parts[1])
        return date(year, month, 1) if 2000 <= year <= 2999 else None
    except ValueError:
        return None


def _number(value: Any) -> Decimal:
    """A cell as a decimal number: Excel's floats, "¥1,299.50", "12.5"; CellError if none."""
    text = money_cell(value)
    try:
        number = Decimal(str(text))
    except InvalidOperation:
        raise CellError(_("Not a number.")) from None
    if not number.is_finite():
        raise CellError(_("Not a number."))
    return number


def amount_cents(value: Any, unit: str) -> int:
    """A billed amount in cents: "12.50" yuan -> 1250, or 1250 when the bill is in cents."""
    number = _number(value)
    cents = number * 100 if unit == "yuan" else number
    if cents != cents.to_integral_value():
        if unit == "yuan":
            raise CellError(_("An amount in yuan has at most two decimals, such as 12.50."))
        raise CellError(_("An amount in cents is a whole number, such as 1250."))
    if not 0 <= cents <= MAX_LINE_CENTS:
        raise CellError(
            _("An amount from 0 to %(max)s yuan.") % {"max": f"{MAX_LINE_CENTS // 100:,}"}
        )
    return int(cents)


def weight_grams(value: Any, unit: str) -> int:
    """A billed weight in grams, a started gram counting whole: 1.25 kg -> 1250."""
    number = _number(value)
    grams = number * 1000 if unit == "kg" else number
    if not 0 < grams <= MAX_WEIGHT_GRAMS:
        raise CellError(
            _("A weight more than 0 and at most %(max)s kg.")
            % {"max": f"{MAX_WEIGHT_GRAMS // 1000:,}"}
        )
    return math.ceil(grams)


def price_verdict(
    billed_cents: int, quoted_cents: int, tolerance_cents: int, tolerance_percent: int
) -> BillLineVerdict:
    """Over-billed when the bill exceeds the quote by more than the tolerance: the larger
    of `tolerance_cents` and `tolerance_percent` % of the quote; under-billed likewise
    below it; else as quoted. Exactly at the tolerance is as quoted. Compared in
    hundredths of a cent, so a percentage of an odd quote is never rounded either way."""
    allowance = max(tolerance_cents * 100, quoted_cents * tolerance_percent)
    difference = (billed_cents - quoted_cents) * 100
    if difference > allowance:
        return BillLineVerdict.OVER
    if -difference > allowance:
        return BillLineVerdict.UNDER
    return BillLineVerdict.OK


@dataclass(frozen=True)
class Measured:
    """What the line's parcel weighed and measured: the packed parcel when there is one,
    else the weight the bill charged for."""

    weight_grams: int
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0


class CarrierPrices:
    """One carrier's price rules, read once per bill: the most specific rule of each lane
    is found once (a bill has a few hundred lanes and 100,000 lines), then each line is
    priced by it alone."""

    def __init__(self, rules: Iterable[tuple[str, Rule]], volumetric_divisor: int) -> None:
        self.by_service: dict[str, list[Rule]] = {}
        for service, rule in rules:
            self.by_service.setdefault(service, []).append(rule)
        self.volumetric_divisor = volumetric_divisor
        self._lanes: dict[tuple[str, str, str], Rule | None] = {}

    def rule(self, service: str, origin: str, destination: str) -> Rule | None:
        """The service's own rules when it has some, else the standard ones ("")."""
        key = (service, origin, destination)
        if key not in self._lanes:
            rules = self.by_service.get(service) or self.by_service.get("", [])
            self._lanes[key] = best_rule(rules, origin, destination)
        return self._lanes[key]

    def quote(self, service: str, origin: str, destination: str, parcel: Measured) -> Quote | None:
        rule = self.rule(service, origin, destination)
        if rule is None:
            return None
        return quote(
            (rule,),
            origin=origin,
            destination=destination,
            weight_grams=parcel.weight_grams,
            length_mm=parcel.length_mm,
            width_mm=parcel.width_mm,
            height_mm=parcel.height_mm,
            volumetric_divisor=self.volumetric_divisor,
        )


@dataclass
class BillTotals:
    """A bill added up: billed, quoted (lines compared with a quote), what over-billed
    lines cost beyond their quotes, what is disputed (that excess, plus the whole amount
    of unknown and duplicate lines), and the lines of each verdict."""

    lines: int = 0
    billed_cents: int = 0
    quoted_cents: int = 0
    over_billed_cents: int = 0
    disputed_cents: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, verdict: str, billed_cents: int, quoted_cents: int | None) -> None:
        self.lines += 1
        self.billed_cents += billed_cents
        self.counts[verdict] += 1
        if quoted_cents is not None:
            self.quoted_cents += quoted_cents
        if verdict == BillLineVerdict.OVER and quoted_cents is not None:
            self.over_billed_cents += billed_cents - quoted_cents
            self.disputed_cents += billed_cents - quoted_cents
        elif verdict in (BillLineVerdict.UNKNOWN, BillLineVerdict.DUPLICATE):
            self.disputed_cents += billed_cents

    def verdict_counts(self) -> dict[str, int]:
        """Every verdict, in the order they are listed, with 0 for the absent."""
        return {verdict: self.counts[verdict] for verdict in BillLineVerdict.values}


def disputed_difference(verdict: str, billed_cents: int, quoted_cents: int | None) -> int:
    """What the dispute asks back for one line: the excess over the quote, or the whole
    amount of a waybill that is not ours or was billed already."""
    if verdict == BillLineVerdict.OVER and quoted_cents is not None:
        return billed_cents - quoted_cents
    if verdict in (BillLineVerdict.UNKNOWN, BillLineVerdict.DUPLICATE):
        return billed_cents
    return 0
