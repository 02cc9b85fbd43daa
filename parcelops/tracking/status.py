"""The canonical tracking status model (ARCHITECTURE.md section 4).

A small closed set of statuses, each with a progress rank, and open, namespaced
substatuses. Lateness and open exceptions are separate fields, never a status.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # no scan yet: not found, invalid number, carrier unknown
    INFO_RECEIVED = "info_received", _("Label created")  # the carrier knows the parcel
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    AVAILABLE_FOR_PICKUP = "available_for_pickup", _("Ready for pickup")  # locker, station
    ATTEMPT_FAILED = "attempt_failed", _("Delivery attempt failed")
    EXCEPTION = "exception", _("Exception")  # keeps the last physical rank
    RETURNING = "returning", _("Returning to sender")
    DELIVERED = "delivered", _("Delivered")
    RETURNED = "returned", _("Returned to sender")
    LOST = "lost", _("Lost")
    DISPOSED = "disposed", _("Disposed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("No updates")  # final, but a new event reopens it


class StatusSource(models.TextChoices):
    """Where a shipment's status came from (decision 0020)."""

    EVENT = "event", _("Carrier events")  # the fold of its events (and its initial state)
    # The provider's own verdict on the whole parcel, ahead of the events it sent.
    PROVIDER_SUMMARY = "provider_summary", _("Provider's summary")


# Progress rank of each status. EXCEPTION has none of its own: see rank_of().
STATUS_RANK: dict[str, int] = {
    TrackingStatus.PENDING: 0,
    TrackingStatus.INFO_RECEIVED: 1,
    TrackingStatus.IN_TRANSIT: 2,
    TrackingStatus.OUT_FOR_DELIVERY: 3,
    TrackingStatus.AVAILABLE_FOR_PICKUP: 3,
    TrackingStatus.ATTEMPT_FAILED: 3,
    TrackingStatus.RETURNING: 4,
    TrackingStatus.DELIVERED: 5,
    TrackingStatus.RETURNED: 5,
    TrackingStatus.LOST: 5,
    TrackingStatus.DISPOSED: 5,
    TrackingStatus.CANCELLED: 5,
    TrackingStatus.EXPIRED: 5,
}

FINAL_STATUSES = frozenset(
    {
        TrackingStatus.DELIVERED,
        TrackingStatus.RETURNED,
        TrackingStatus.LOST,
        TrackingStatus.DISPOSED,
        TrackingStatus.CANCELLED,
        TrackingStatus.EXPIRED,
    }
)

# Moving into these is never a regression, whatever the rank before.
RETURN_STATUSES = frozenset({TrackingStatus.RETURNING, TrackingStatus.RETURNED})

# Substatuses per status (open: providers may add namespaced ones, "carrier:xyz").
SUBSTATUSES: dict[str, tuple[str, ...]] = {
    TrackingStatus.PENDING: ("not_found", "invalid_number", "carrier_unknown"),
    TrackingStatus.INFO_RECEIVED: ("label_created", "awaiting_pickup", "pickup_failed"),
    TrackingStatus.IN_TRANSIT: (
        "picked_up",
        "arrived_facility",
        "departed_facility",
        "customs_processing",
        "customs_released",
        "rerouted",
        "transferred",
    ),
    TrackingStatus.OUT_FOR_DELIVERY: ("out_for_delivery",),
    TrackingStatus.AVAILABLE_FOR_PICKUP: ("at_pickup_point", "in_locker"),
    TrackingStatus.ATTEMPT_FAILED: ("recipient_unavailable", "address_problem", "business_closed"),
    TrackingStatus.EXCEPTION: (
        "delayed_weather",
        "delayed_carrier",
        "held_by_customs",
        "address_invalid",
        "refused",
        "damaged",
        "stranded",
        "pickup_unclaimed",
    ),
    TrackingStatus.RETURNING: ("return_initiated",),
    TrackingStatus.DELIVERED: ("signed_by_recipient", "signed_by_proxy", "locker", "neighbour"),
    TrackingStatus.EXPIRED: ("no_update_timeout",),
}


def rank_of(status: str, previous_rank: int = 0) -> int:
    """The progress rank after an event of this status; an exception keeps the last one."""
    if status == TrackingStatus.EXCEPTION:
        return previous_rank
    return STATUS_RANK[status]
