"""Template filters of the tracking pages."""

from django import template

from parcelops.tracking import presentation
from parcelops.tracking.status import TrackingStatus

register = template.Library()

# The badge colour of each status (app.css badge-*): problems red or amber, done green.
STATUS_TONES: dict[str, str] = {
    TrackingStatus.PENDING: "grey",
    TrackingStatus.INFO_RECEIVED: "plain",
    TrackingStatus.IN_TRANSIT: "blue",
    TrackingStatus.OUT_FOR_DELIVERY: "indigo",
    TrackingStatus.AVAILABLE_FOR_PICKUP: "teal",
    TrackingStatus.ATTEMPT_FAILED: "amber",
    TrackingStatus.EXCEPTION: "red",
    TrackingStatus.RETURNING: "amber",
    TrackingStatus.DELIVERED: "green",
    TrackingStatus.RETURNED: "grey",
    TrackingStatus.LOST: "red",
    TrackingStatus.DISPOSED: "red",
    TrackingStatus.CANCELLED: "grey",
    TrackingStatus.EXPIRED: "amber",
}


@register.filter
def tracking_tone(status: str) -> str:
    return STATUS_TONES.get(status, "grey")


@register.filter
def substatus_label(substatus: str) -> str:
    return presentation.substatus_label(substatus)


@register.filter
def source_label(provider: str) -> str:
    return presentation.source_label(provider)
