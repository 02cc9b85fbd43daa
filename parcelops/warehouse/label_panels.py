"""The order page's warehouse panel (parcelops.core.panels): the parcel's waybill number
and where it came from, carrier and service, weight, who packed it and when, how often its
label printed, its manifest and hand-over, and for a packer the links to print its label."""

from typing import Any

from django.http import HttpRequest

from parcelops.accounts import roles
from parcelops.carriers import registry
from parcelops.core import panels
from parcelops.orders.models import Order
from parcelops.orders.slots import ORDER_PAGE
from parcelops.warehouse.actions.labels import PRINTABLE_STATES
from parcelops.warehouse.models import ManifestParcel, Parcel

WAREHOUSE_VIEWERS = (
    roles.PACK_ORDERS,
    roles.HAND_OVER_PARCELS,
    roles.MANAGE_WAREHOUSE,
    roles.INSPECT_WAREHOUSE,
    roles.VIEW_WAREHOUSE_REPORTS,
)


def parcel_panel(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """Shown to the warehouse's people when the order has a parcel from the packing station."""
    user = request.user
    if not any(user.has_perm(permission) for permission in WAREHOUSE_VIEWERS):
        return None
    parcel = (
        Parcel.objects.select_related("warehouse", "packed_by__staff_profile")
        .filter(order=order)
        .first()
    )
    if parcel is None:
        return None
    entry = (
        ManifestParcel.objects.select_related("manifest").filter(parcel=parcel).first()
        if parcel.waybill_number
        else None
    )
    info = registry.find_carrier(parcel.carrier) if parcel.carrier else None
    return {
        "order": order,
        "parcel": parcel,
        "carrier_name": info.name() if info is not None else parcel.carrier,
        "weight_kg": f"{parcel.weight_grams / 1000:.2f}" if parcel.weight_grams else "",
        "manifest": entry.manifest if entry is not None else None,
        "can_print": user.has_perm(roles.PACK_ORDERS)
        and user.has_perm(roles.VIEW_CUSTOMER_DATA)
        and order.state in PRINTABLE_STATES,
        "can_open_manifest": user.has_perm(roles.HAND_OVER_PARCELS),
    }


def register_panels() -> None:
    panels.register(
        ORDER_PAGE,
        "warehouse.parcel",
        template="warehouse/_order_parcel.html",
        context=parcel_panel,
        order=15,  # after the shipments (tracking, 10), before the cases (the desk, 20)
    )
