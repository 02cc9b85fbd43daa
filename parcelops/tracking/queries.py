"""Finding shipments: the filters of the shipments list (GET /api/v1/shipments)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from parcelops.carriers.detection import normalise_tracking_number
from parcelops.tracking.models import Shipment


@dataclass(frozen=True)
class ShipmentFilters:
    tracking_number: str = ""
    order: str = ""  # the order's number
    carrier: str = ""  # our carrier code
    status: str = ""


def filter_shipments(filters: ShipmentFilters) -> QuerySet[Shipment]:
    """The matching shipments, newest first, with their order's number in the same query."""
    shipments = Shipment.objects.select_related("order").order_by("-id")
    if filters.tracking_number.strip():
        shipments = shipments.filter(
            tracking_number=normalise_tracking_number(filters.tracking_number)
        )
    if filters.order.strip():
        shipments = shipments.filter(order__number=filters.order.strip())
    if filters.carrier.strip():
        shipments = shipments.filter(carrier=filters.carrier.strip())
    if filters.status.strip():
        shipments = shipments.filter(status=filters.status.strip())
    return shipments
