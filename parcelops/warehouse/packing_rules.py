"""Pure rules of picking and packing (R3.2): the walk's order, the scale's tolerance and the
integrity checklist. No database; the actions call these."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Stop:
    """What decides a pick line's place in the walk."""

    zone_walk_order: int
    zone_code: str
    bin_walk_order: int
    bin_code: str
    order_received_at: object  # any comparable: older orders first within one bin
    reservation_id: int


def walk_key(stop: Stop) -> tuple[object, ...]:
    """Zones in their walk order, the bins of a zone in theirs, then by code: one walk of the
    warehouse. Within one bin the oldest order first, so a short bin fails the newest."""
    return (
        stop.zone_walk_order,
        stop.zone_code,
        stop.bin_walk_order,
        stop.bin_code,
        stop.order_received_at,
        stop.reservation_id,
    )


def weight_tolerance_grams(expected_grams: int, percent: int, grams: int) -> int:
    """How far the scale may be from the expected weight: the share or the fixed grams,
    whichever is larger (a light parcel's percent is smaller than the scale's own error).
    Rounded down: the share of 1,234 g at 15 % is 185 g."""
    return max(expected_grams * percent // 100, grams)


def is_weight_accepted(weight_grams: int, expected_grams: int, tolerance_grams: int) -> bool:
    """Exactly at the tolerance is accepted; one gram more is not."""
    return abs(weight_grams - expected_grams) <= tolerance_grams


# The integrity checklist a packer passes before "Packed" (R3.2): every item must be ticked.
CHECKLIST = {
    "goods_match": _("The goods match the order"),
    "no_damage": _("No visible damage"),
    "sealed": _("The parcel is sealed"),
    "fragile_marked": _("Marked fragile where the goods need it"),
}


def missing_checklist_items(ticked: set[str]) -> list[str]:
    """The checklist's items not ticked, in the checklist's order."""
    return [item for item in CHECKLIST if item not in ticked]
