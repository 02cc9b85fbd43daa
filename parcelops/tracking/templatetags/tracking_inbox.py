"""Template tags of the tracking inboxes: carrier names, the tabs' counts, and the flags a
parcel's events raise on the order page."""

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.translation import get_language

from parcelops.tracking import inbox
from parcelops.tracking.presentation import carrier_name, status_label

register = template.Library()


@register.filter
def carrier_label(code: str) -> str:
    """A carrier's name in the page's language; its code when we do not know it."""
    return carrier_name(code, get_language() or "en") if code else ""


@register.filter
def status_word(status: str) -> str:
    """A status in the page's language (the raw value only if it is none we know)."""
    return status_label(status) or status


@register.simple_tag
def inbox_counts() -> dict[str, int]:
    return inbox.inbox_counts()


@register.filter
def event_flags(events: Iterable[dict[str, Any]]) -> dict[str, int]:
    """How many of a parcel's events are unmapped, and how many flagged (a regression or
    dated in the future): from the events the card already holds, no query."""
    unmapped = flagged = 0
    for event in events:
        unmapped += bool(event.get("is_unmapped"))
        flagged += bool(event.get("is_regression") or event.get("is_future"))
    return {"unmapped": unmapped, "flagged": flagged, "any": unmapped + flagged}


@register.simple_tag
def parked_by_number(parcels: Iterable[Any]) -> dict[str, int]:
    """How many parked events wait for each parcel's tracking number: one query for the
    whole card (none when it has no parcel)."""
    return inbox.parked_counts(parcel.shipment.tracking_number for parcel in parcels)


@register.filter
def count_for(counts: dict[str, int], key: str) -> int:
    return counts.get(key, 0)
