"""How a shipment's tracking is shown: to customers (plain words, no personal data) and to
staff (with raw codes and flags)."""

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils.translation import get_language, gettext_lazy

from parcelops.carriers.names import carrier_label
from parcelops.tracking.models import Shipment, TrackingEvent
from parcelops.tracking.status import TrackingStatus

# Couriers' texts often carry phone numbers ("派件员：张三 13800001111"): never show them.
PHONE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


def mask_phones(text: str) -> str:
    return PHONE.sub(r"\1****\2", text)


# The labels of the statuses in each language, built on first use: a customer's view names
# a status per event, and TextChoices builds its whole list on every lookup.
_STATUS_LABELS: dict[str | None, dict[str, str]] = {}


def status_labels() -> dict[str, str]:
    """Every status in the active language's words."""
    language = get_language()
    labels = _STATUS_LABELS.get(language)
    if labels is None:
        labels = _STATUS_LABELS[language] = {
            value: str(label) for value, label in TrackingStatus.choices
        }
    return labels


def status_label(status: str) -> str:
    """The status in the active language's words; "" for an unmapped event."""
    return status_labels().get(status, "")


# Substatuses in people's words (status.SUBSTATUSES lists the codes). A provider's own
# namespaced substatus ("carrier:xyz") has no label: pages show the status, and the code only
# behind the event's details toggle.
SUBSTATUS_LABELS: dict[str, Any] = {
    "not_found": gettext_lazy("Not found yet"),
    "invalid_number": gettext_lazy("Invalid number"),
    "carrier_unknown": gettext_lazy("Carrier unknown"),
    "label_created": gettext_lazy("Label created"),
    "awaiting_pickup": gettext_lazy("Awaiting pickup"),
    "pickup_failed": gettext_lazy("Pickup failed"),
    "picked_up": gettext_lazy("Picked up"),
    "arrived_facility": gettext_lazy("Arrived at facility"),
    "departed_facility": gettext_lazy("Departed facility"),
    "customs_processing": gettext_lazy("In customs"),
    "customs_released": gettext_lazy("Released by customs"),
    "rerouted": gettext_lazy("Rerouted"),
    "transferred": gettext_lazy("Handed to another carrier"),
    "out_for_delivery": gettext_lazy("Out for delivery"),
    "at_pickup_point": gettext_lazy("At a pickup point"),
    "in_locker": gettext_lazy("In a parcel locker"),
    "recipient_unavailable": gettext_lazy("Recipient not available"),
    "address_problem": gettext_lazy("Address problem"),
    "business_closed": gettext_lazy("Business closed"),
    "delayed_weather": gettext_lazy("Delayed by weather"),
    "delayed_carrier": gettext_lazy("Delayed by the carrier"),
    "held_by_customs": gettext_lazy("Held by customs"),
    "address_invalid": gettext_lazy("Address invalid"),
    "refused": gettext_lazy("Refused"),
    "damaged": gettext_lazy("Damaged"),
    "stranded": gettext_lazy("Stranded"),
    "pickup_unclaimed": gettext_lazy("Not collected"),
    "return_initiated": gettext_lazy("Return started"),
    "signed_by_recipient": gettext_lazy("Signed by the recipient"),
    "signed_by_proxy": gettext_lazy("Signed by someone else"),
    "locker": gettext_lazy("Delivered to a locker"),
    "neighbour": gettext_lazy("Left with a neighbour"),
    "no_update_timeout": gettext_lazy("No update for a long time"),
}

# Where an event came from (TrackingEvent.provider), in people's words.
SOURCE_LABELS: dict[str, Any] = {
    "kuaidi100": gettext_lazy("Kuaidi100"),
    "aftership": gettext_lazy("AfterShip"),
    "17track": gettext_lazy("17TRACK"),
    "batch": gettext_lazy("Batch import (API)"),
    "file": gettext_lazy("Carrier file"),
    "scan": gettext_lazy("Warehouse scan"),
}


def substatus_label(substatus: str) -> str:
    """The substatus in the active language's words; "" for one without a label."""
    label = SUBSTATUS_LABELS.get(substatus)
    return str(label) if label is not None else ""


def source_label(provider: str) -> str:
    """Where an event came from in words; an unknown source keeps its name."""
    label = SOURCE_LABELS.get(provider)
    return str(label) if label is not None else provider


def carrier_name(code: str, language: str) -> str:
    return carrier_label(code, language)


# What a customer's view reads of a shipment and of each of its events.
PUBLIC_SHIPMENT_FIELDS = (
    "id",
    "tracking_number",
    "carrier",
    "status",
    "substatus",
    "estimated_delivery_date",
    "promised_delivery_date",
    "delivered_at",
    "last_event_at",
)
PUBLIC_EVENT_FIELDS = ("occurred_at", "status", "raw_text", "location")

# The customer's lookup is SQL, not the ORM: it answers every tracking page and every
# shop's status widget, and building its two ORM queries cost more than running them
# (decision 0013). Plain SELECTs that SQLite and PostgreSQL
# read alike, with the columns named once, above.
PUBLIC_SHIPMENTS_SQL = (
    f"SELECT {', '.join(PUBLIC_SHIPMENT_FIELDS)} FROM tracking_shipment "  # noqa: S608 (constant names, no input)
    "WHERE tracking_number = %s"
)
PUBLIC_EVENTS_SQL = (
    f"SELECT {', '.join(PUBLIC_EVENT_FIELDS)} FROM tracking_trackingevent "  # noqa: S608 (constant names, no input)
    "WHERE shipment_id = %s AND NOT is_future ORDER BY occurred_at DESC, id DESC"
)


def find_public_shipments(number: str, carrier: str = "") -> list[dict[str, Any]]:
    """Up to two shipments with this tracking number (and carrier, if given), as rows of
    PUBLIC_SHIPMENT_FIELDS: one is the parcel, two say the number is ambiguous."""
    sql, parameters = PUBLIC_SHIPMENTS_SQL, [number]
    if carrier:
        sql += " AND carrier = %s"
        parameters.append(carrier)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY id LIMIT 2", parameters)
        rows = cursor.fetchall()
    return [dict(zip(PUBLIC_SHIPMENT_FIELDS, row, strict=True)) for row in rows]


def _local_time(value: datetime, zone: ZoneInfo) -> str:
    """A stored time in the viewer's zone. SQL gives naive UTC on SQLite, an aware time on
    PostgreSQL; the ORM gives aware times on both."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).isoformat()


def public_tracking_view(shipment: Shipment, zone: ZoneInfo, language: str) -> dict[str, Any]:
    return public_view_of_row(
        {name: getattr(shipment, name) for name in PUBLIC_SHIPMENT_FIELDS}, zone, language
    )


def public_view_of_row(
    shipment: Mapping[str, Any], zone: ZoneInfo, language: str
) -> dict[str, Any]:
    """The customer's view of a shipment given as a row of PUBLIC_SHIPMENT_FIELDS: one
    query for its events."""
    with connection.cursor() as cursor:
        cursor.execute(PUBLIC_EVENTS_SQL, [shipment["id"]])
        events = cursor.fetchall()
    labels = status_labels()
    delivered_at, last_event_at = shipment["delivered_at"], shipment["last_event_at"]
    return {
        "tracking_number": shipment["tracking_number"],
        "carrier": shipment["carrier"],
        "carrier_name": carrier_name(shipment["carrier"], language),
        "status": shipment["status"],
        "status_label": labels.get(shipment["status"], ""),
        "substatus": shipment["substatus"],
        "estimated_delivery_date": _date(
            shipment["estimated_delivery_date"] or shipment["promised_delivery_date"]
        ),
        "delivered_at": _local_time(delivered_at, zone) if delivered_at else None,
        "last_event_at": _local_time(last_event_at, zone) if last_event_at else None,
        "time_zone": str(zone),
        "events": [
            _event_view(occurred_at, status, text, location, zone, labels)
            for occurred_at, status, text, location in events
        ],
    }


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def _event_view(
    occurred_at: datetime,
    status: str,
    text: str,
    location: str,
    zone: ZoneInfo,
    labels: Mapping[str, str],
) -> dict[str, Any]:
    """One event as customers see it (the fields of PUBLIC_EVENT_FIELDS, in order)."""
    return {
        "at": _local_time(occurred_at, zone),
        "status": status,
        "status_label": labels.get(status, ""),
        "text": mask_phones(text),
        "location": location,
    }


def _public_event(event: TrackingEvent, zone: ZoneInfo) -> dict[str, Any]:
    return _event_view(
        event.occurred_at, event.status, event.raw_text, event.location, zone, status_labels()
    )


def staff_event_view(event: TrackingEvent, zone: ZoneInfo) -> dict[str, Any]:
    return {
        **_public_event(event, zone),
        "text": event.raw_text,
        "substatus": event.substatus,
        "substatus_label": substatus_label(event.substatus),
        "raw_code": event.raw_code,
        "provider": event.provider,
        "source_label": source_label(event.provider),
        "local_time": event.local_time,
        "offset_source": event.offset_source,
        "received_at": event.received_at.astimezone(zone).isoformat(),
        "is_regression": event.is_regression,
        "is_future": event.is_future,
        "is_unmapped": not event.status,
    }
