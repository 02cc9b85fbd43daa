"""The stock panel on the order page (parcelops.core.panels): whether the order waits for
stock (backordered) and which bins hold its units."""

from typing import Any

from django.http import HttpRequest

from parcelops.core import panels
from parcelops.orders.models import Order
from parcelops.orders.slots import ORDER_PAGE
from parcelops.warehouse import stock_queries
from parcelops.warehouse.models import Reservation, ReservationState


def order_stock_panel(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """For those who read stock, when the order is backordered or holds a reservation."""
    if not stock_queries.can_read_stock(request.user):
        return None
    held = list(
        Reservation.objects.filter(order=order)
        .exclude(state=ReservationState.RELEASED)
        .select_related("product", "bin__warehouse")
        .order_by("id")
    )
    if not held and not order.is_backordered:
        return None
    return {"order": order, "reservations": held}


def register_panels() -> None:
    panels.register(
        ORDER_PAGE,
        "warehouse.stock",
        template="warehouse/_order_stock.html",
        context=order_stock_panel,
        order=15,
    )
