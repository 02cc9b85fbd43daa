"""Carrier choice's facts for one order (R4.1): its lane, its parcel's weight and size, the
services it needs, each active carrier's price and measured history on the lane; then the
rule (parcelops.warehouse.carrier_choice) ranks them. Reads only: a handful of indexed
queries, never the year of parcels behind the scores (CarrierScore, decision 0033)."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor
from parcelops.carriers import pricing
from parcelops.carriers.coverage import covers, province_key
from parcelops.carriers.models import Carrier, CarrierService, PriceRule
from parcelops.carriers.registry import UnknownCarrierError, resolve_carrier
from parcelops.core.errors import ActionError, NotPermittedError
from parcelops.orders.models import Order, OrderLine
from parcelops.orders.states import OrderState
from parcelops.tracking.actions import lane_of
from parcelops.warehouse.carrier_choice import (
    Candidate,
    LaneHistory,
    Ranking,
    Weights,
    rank_carriers,
)
from parcelops.warehouse.models import (
    CarrierScore,
    Parcel,
    Reservation,
    Warehouse,
    WarehouseSettings,
)

# The orders a carrier is chosen for: stock allocated, being picked or packed.
CHOOSABLE_STATES = frozenset({OrderState.ALLOCATED, OrderState.PICKING, OrderState.PACKED})

# Packers choose carriers; whoever sees the warehouse's reports may look too.
CHOICE_PERMISSIONS = (roles.PACK_ORDERS, roles.VIEW_WAREHOUSE_REPORTS)

WEIGHED = "weighed"  # the packing scale's weight and the parcel's size
EXPECTED = "expected"  # the products' weights (SkuProfile), before packing weighs it


@dataclass(frozen=True)
class CarrierOptions:
    order_number: str
    origin_province: str
    destination_province: str
    weight_grams: int
    weight_source: str  # weighed | expected
    length_mm: int
    width_mm: int
    height_mm: int
    ranking: Ranking


def require_choice_permission(actor: Actor) -> None:
    if actor is None:
        return
    if not actor.is_authenticated or not any(actor.has_perm(p) for p in CHOICE_PERMISSIONS):
        raise NotPermittedError(_("Your role does not allow this action."))


def carrier_options(order: Order) -> CarrierOptions:
    """The ranked carriers for the order's parcel. ActionError when the order is not
    allocated, picking or packed (before, it may still change; after, it has left)."""
    if order.state not in CHOOSABLE_STATES:
        raise ActionError(
            _("Carriers are chosen for allocated, picking or packed orders; this one is %(state)s.")
            % {"state": OrderState(order.state).label}
        )
    parcel = Parcel.objects.filter(order=order).select_related("warehouse").first()
    notes: list[str] = []
    weight, source, size = _weight(order, parcel, notes)
    origin = _origin(order, parcel, notes)
    destination = lane_of(order)["destination_province"]
    warehouse_settings = WarehouseSettings.current()
    needed = []
    if order.total_cents >= warehouse_settings.insure_above_cents:
        needed.append(CarrierService.INSURANCE.value)
    if order.cash_on_delivery:
        needed.append(CarrierService.COD.value)
    requested = _requested(order, notes)
    ranking = rank_carriers(
        candidates(origin, destination, weight, size),
        needed_services=needed,
        weights=Weights(
            warehouse_settings.cost_weight,
            warehouse_settings.speed_weight,
            warehouse_settings.reliability_weight,
        ),
        destination=destination,
        requested=requested,
        notes=notes,
    )
    return CarrierOptions(order.number, origin, destination, weight, source, *size, ranking=ranking)


def candidates(
    origin: str, destination: str, weight_grams: int, size: tuple[int, int, int]
) -> list[Candidate]:
    """Every active carrier with its standard price on the lane and its measured history
    (the lane from this origin, else from an unrecorded origin)."""
    origin_key, destination_key = province_key(origin), province_key(destination)
    histories: dict[str, tuple[bool, LaneHistory]] = {}
    for row in CarrierScore.objects.filter(
        destination_province=destination_key, origin_province__in=[origin_key, ""]
    ):
        is_exact = row.origin_province == origin_key
        if row.carrier not in histories or is_exact:
            histories[row.carrier] = (is_exact, _history(row))
    # Plain rows, not models: this runs for every parcel packed (p99 < 50 ms, issue 16).
    rules: dict[int, list[pricing.Rule]] = {}
    for (
        carrier_id,
        origin_rule,
        destination_rule,
        first_grams,
        first_cents,
        additional_grams,
        additional_cents,
        currency,
    ) in PriceRule.objects.filter(carrier__is_active=True, service="").values_list(
        "carrier_id",
        "origin_province",
        "destination_province",
        "first_weight_grams",
        "first_cents",
        "additional_weight_grams",
        "additional_cents",
        "currency",
    ):
        rules.setdefault(carrier_id, []).append(
            pricing.Rule(
                province_key(origin_rule),
                province_key(destination_rule),
                first_grams,
                first_cents,
                additional_grams,
                additional_cents,
                currency,
            )
        )
    english = (get_language() or "").startswith("en")
    found = []
    for carrier in Carrier.objects.filter(is_active=True).values(
        "id", "code", "name_zh", "name_en", "coverage", "services",
        "default_transit_hours_p50", "default_transit_hours_p90", "volumetric_divisor",
    ):  # fmt: skip
        quote = pricing.quote(
            rules.get(carrier["id"], ()),
            origin=origin_key,
            destination=destination_key,
            weight_grams=weight_grams,
            length_mm=size[0],
            width_mm=size[1],
            height_mm=size[2],
            volumetric_divisor=carrier["volumetric_divisor"],
        )
        found.append(
            Candidate(
                code=carrier["code"],
                name=carrier["name_en"] if english else carrier["name_zh"],
                services=frozenset(carrier["services"]),
                covers_destination=covers(carrier["coverage"], destination),
                quote=quote,
                default_transit_hours_p50=carrier["default_transit_hours_p50"],
                default_transit_hours_p90=carrier["default_transit_hours_p90"],
                history=histories[carrier["code"]][1] if carrier["code"] in histories else None,
            )
        )
    return found


def _history(row: CarrierScore) -> LaneHistory:
    return LaneHistory(
        shipments=row.shipments,
        delivered=row.delivered,
        transit_hours_p50=row.transit_hours_p50,
        transit_hours_p90=row.transit_hours_p90,
        on_time_rate=row.on_time_rate,
        damage_rate=row.damage_rate,
        loss_rate=row.loss_rate,
        case_rate=row.case_rate,
    )


def _weight(
    order: Order, parcel: Parcel | None, notes: list[str]
) -> tuple[int, str, tuple[int, int, int]]:
    """The packed parcel's weight and size, else what its products should weigh."""
    if parcel is not None and parcel.weight_grams is not None:
        return parcel.weight_grams, WEIGHED, (parcel.length_mm, parcel.width_mm, parcel.height_mm)
    lines = OrderLine.objects.filter(order=order).values_list(
        "quantity", "product__profile__weight_grams"
    )
    grams = sum(quantity * (weight or 0) for quantity, weight in lines)
    unweighed = sum(1 for _quantity, weight in lines if not weight)
    if unweighed:
        notes.append(
            _("%(count)d line(s) have no product weight and count as 0 g.") % {"count": unweighed}
        )
    notes.append(_("Not weighed yet: priced at the products' expected weight, without volume."))
    return grams, EXPECTED, (0, 0, 0)


def _origin(order: Order, parcel: Parcel | None, notes: list[str]) -> str:
    """The province the parcel leaves from: its warehouse's (the packing one, else the one
    its stock is reserved in, else the only one in use), else the shop's configured one."""
    if parcel is not None:
        return parcel.warehouse.province
    reserved = (
        Reservation.objects.filter(order=order)
        .values_list("bin__warehouse__province", flat=True)
        .first()
    )
    if reserved:
        return str(reserved)
    warehouses = list(
        Warehouse.objects.filter(is_active=True).values_list("province", flat=True)[:2]
    )
    if len(warehouses) == 1:
        return str(warehouses[0])
    origin = str(settings.PARCELOPS_ORIGIN_PROVINCE)
    if not origin:
        notes.append(_("The warehouse is not known: prices for any origin are used."))
    return origin


def _requested(order: Order, notes: list[str]) -> str:
    """Our code of the carrier the customer asked for, or ""."""
    if not order.requested_carrier.strip():
        return ""
    try:
        return resolve_carrier(order.requested_carrier)
    except UnknownCarrierError:
        notes.append(
            _("The customer asked for “%(name)s”, which names no carrier we know.")
            % {"name": order.requested_carrier}
        )
        return ""
