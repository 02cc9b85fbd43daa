"""The order pages' parcels, as panels tracking puts on them (parcelops.core.panels): on
the staff order page the "Parcels" card, each shipment with its full event timeline and
the hand-over form for those who may ship (two queries, however many parcels); on the
customer's order lookup, a link to each parcel's tracking page."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language

from parcelops.accounts import roles
from parcelops.carriers import registry
from parcelops.core import panels
from parcelops.orders.models import Order
from parcelops.orders.slots import ORDER_PAGE, PUBLIC_ORDER_PAGE
from parcelops.tracking.actions import SHIPPABLE_STATES
from parcelops.tracking.forms import HandOverForm
from parcelops.tracking.models import Shipment, TrackingEvent
from parcelops.tracking.presentation import carrier_name, staff_event_view, status_label


@dataclass
class Parcel:
    shipment: Shipment
    carrier_name: str
    status_label: str
    events: list[dict[str, Any]]


def can_hand_over(order: Order, user: Any) -> bool:
    return bool(user.has_perm(roles.SHIP_ORDER)) and order.state in SHIPPABLE_STATES


def hand_over_form(order: Order, data: Any = None) -> HandOverForm:
    """The form, with the carrier the customer asked for already chosen."""
    requested = order.requested_carrier if registry.find_carrier(order.requested_carrier) else ""
    return HandOverForm(data, initial={"carrier": requested})


def _staff_event(event: TrackingEvent, zone: Any) -> dict[str, Any]:
    view = staff_event_view(event, zone)
    view["at"] = datetime.fromisoformat(view["at"])
    view["received_at"] = datetime.fromisoformat(view["received_at"])
    return view


def parcels(order: Order) -> list[Parcel]:
    zone = timezone.get_current_timezone()
    language = get_language() or settings.LANGUAGE_CODE
    shipments = (
        order.shipments.select_related("created_by__staff_profile")
        .order_by("created_at", "id")
        .prefetch_related(
            Prefetch("events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-id"))
        )
    )
    return [
        Parcel(
            shipment,
            carrier_name(shipment.carrier, language),
            status_label(shipment.status),
            [_staff_event(event, zone) for event in shipment.events.all()],
        )
        for shipment in shipments
    ]


def parcels_card(order: Order, user: Any) -> dict[str, Any]:
    """What the order page needs for its Parcels card."""
    allowed = can_hand_over(order, user)
    return {
        "parcels": parcels(order),
        "can_hand_over": allowed,
        "hand_over_form": hand_over_form(order) if allowed else None,
    }


def parcels_panel(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """The staff order page's Parcels card; none before hand-over for those who cannot ship."""
    card = parcels_card(order, request.user)
    if not card["parcels"] and not card["can_hand_over"]:
        return None
    return {"order": order, **card}


def public_parcels(order: Order) -> list[dict[str, str]]:
    """An order's parcels for the customer's order page: carrier, number and status only."""
    language = get_language() or settings.LANGUAGE_CODE
    return [
        {
            "carrier": shipment.carrier,
            "carrier_name": carrier_name(shipment.carrier, language),
            "tracking_number": shipment.tracking_number,
            "status": shipment.status,
            "status_label": status_label(shipment.status),
        }
        for shipment in Shipment.objects.filter(order=order).order_by("created_at", "id")
    ]


def public_parcels_panel(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """The customer's links to each parcel of their order (carrier, number, status only)."""
    found = public_parcels(order)
    return {"parcels": found} if found else None


def register_order_panels() -> None:
    panels.register(
        ORDER_PAGE,
        "tracking.parcels",
        template="tracking/_parcels_card.html",
        context=parcels_panel,
        order=10,
    )
    panels.register(
        PUBLIC_ORDER_PAGE,
        "tracking.parcel_links",
        template="tracking/_public_parcel_links.html",
        context=public_parcels_panel,
        order=10,
    )
