"""The "Parcels" card of the staff order page: each shipment with its full event timeline,
and the hand-over form for those who may ship. Two queries, however many parcels."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import get_language

from parcelops.accounts import roles
from parcelops.carriers import registry
from parcelops.orders.models import Order
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
    requested = order.requested_carrier if order.requested_carrier in registry.BY_CODE else ""
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
