"""The picking and packing facts on the order page (parcelops.core.panels): the order's
pick-list stops, a short pick as a visible problem, and its parcel once packing began."""

from typing import Any

from django.http import HttpRequest

from parcelops.accounts import roles
from parcelops.core import panels
from parcelops.orders.models import Order
from parcelops.orders.slots import ORDER_PAGE
from parcelops.warehouse.models import Parcel, PickLine


def order_packing_panel(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """Shown to the floor and to those who follow it, when the order has a stop or a parcel."""
    user = request.user
    followers = (roles.PICK_ORDERS, roles.PACK_ORDERS, roles.VIEW_WAREHOUSE_REPORTS)
    if not any(user.has_perm(permission) for permission in followers):
        return None
    stops = list(
        PickLine.objects.filter(order=order)
        .select_related("pick_list", "bin", "product")
        .order_by("pick_list_id", "sequence")
    )
    parcel = Parcel.objects.filter(order=order).first()
    if not stops and parcel is None:
        return None
    return {
        "order": order,
        "stops": stops,
        "short": [stop for stop in stops if stop.short_at is not None],
        "parcel": parcel,
    }


def register_panels() -> None:
    panels.register(
        ORDER_PAGE,
        "warehouse.packing",
        template="warehouse/_order_packing.html",
        context=order_packing_panel,
        order=15,
    )
