"""What a carrier charges for a parcel, from its price rules (R4.1, R4.3): the one quote that
carrier choice ranks by and freight-bill checking compares the bill with."""

from collections.abc import Iterable
from dataclasses import dataclass

ANY = "*"


@dataclass(frozen=True)
class Rule:
    """A price rule as the quote needs it (parcelops.carriers.models.PriceRule)."""

    origin_province: str
    destination_province: str
    first_weight_grams: int
    first_cents: int
    additional_weight_grams: int
    additional_cents: int
    currency: str = "CNY"


@dataclass(frozen=True)
class Quote:
    cents: int
    currency: str
    chargeable_grams: int  # the larger of the actual and the volumetric weight
    volumetric_grams: int
    rule: Rule


def volumetric_grams(length_mm: int, width_mm: int, height_mm: int, divisor: int) -> int:
    """Volumetric weight: cm x cm x cm / divisor in kg, as grams rounded up."""
    if divisor <= 0 or min(length_mm, width_mm, height_mm) <= 0:
        return 0
    cubic_mm = length_mm * width_mm * height_mm
    # cm³ / divisor kg = mm³ / 1000 / divisor * 1000 g = mm³ / divisor g
    return -(-cubic_mm // divisor)


def chargeable_grams(weight_grams: int, volumetric: int) -> int:
    return max(weight_grams, volumetric)


def best_rule(rules: Iterable[Rule], origin: str, destination: str) -> Rule | None:
    """The most specific rule for the lane: both provinces named, then the destination
    only, then the origin only, then any to any."""
    by_zone = {(rule.origin_province, rule.destination_province): rule for rule in rules}
    for zone in ((origin, destination), (ANY, destination), (origin, ANY), (ANY, ANY)):
        if zone in by_zone:
            return by_zone[zone]
    return None


def price_cents(rule: Rule, grams: int) -> int:
    """First weight at its price, then each further step, a started step counting whole."""
    if grams <= rule.first_weight_grams:
        return rule.first_cents
    extra = grams - rule.first_weight_grams
    step = max(rule.additional_weight_grams, 1)
    steps = -(-extra // step)
    return rule.first_cents + steps * rule.additional_cents


def quote(
    rules: Iterable[Rule],
    *,
    origin: str,
    destination: str,
    weight_grams: int,
    length_mm: int = 0,
    width_mm: int = 0,
    height_mm: int = 0,
    volumetric_divisor: int = 6000,
) -> Quote | None:
    """The price of a parcel on a lane, or None when no rule covers the lane."""
    rule = best_rule(rules, origin, destination)
    if rule is None:
        return None
    volumetric = volumetric_grams(length_mm, width_mm, height_mm, volumetric_divisor)
    grams = chargeable_grams(weight_grams, volumetric)
    return Quote(price_cents(rule, grams), rule.currency, grams, volumetric, rule)
