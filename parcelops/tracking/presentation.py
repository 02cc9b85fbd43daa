"""How a shipment's tracking is shown: to customers (plain words, no personal data) and to
staff (with raw codes and flags)."""

import re
from typing import Any
from zoneinfo import ZoneInfo

from parcelops.carriers import registry
from parcelops.tracking.models import Shipment, TrackingEvent
from parcelops.tracking.status import TrackingStatus

# Couriers' texts often carry phone numbers ("派件员：张三 13800001111"): never show them.
PHONE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


def mask_phones(text: str) -> str:
    return PHONE.sub(r"\1****\2", text)


def status_label(status: str) -> str:
    return str(TrackingStatus(status).label) if status in TrackingStatus.values else ""


def carrier_name(code: str, language: str) -> str:
    info = registry.BY_CODE.get(code)
    if info is None:
        return code
    return info.name_en if language.startswith("en") else info.name_zh


def public_tracking_view(shipment: Shipment, zone: ZoneInfo, language: str) -> dict[str, Any]:
    events = list(shipment.events.filter(is_future=False).order_by("-occurred_at", "-id"))
    return {
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier,
        "carrier_name": carrier_name(shipment.carrier, language),
        "status": shipment.status,
        "status_label": status_label(shipment.status),
        "substatus": shipment.substatus,
        "estimated_delivery_date": _date(
            shipment.estimated_delivery_date or shipment.promised_delivery_date
        ),
        "delivered_at": shipment.delivered_at.astimezone(zone).isoformat()
        if shipment.delivered_at
        else None,
        "last_event_at": shipment.last_event_at.astimezone(zone).isoformat()
        if shipment.last_event_at
        else None,
        "time_zone": str(zone),
        "events": [_public_event(event, zone) for event in events],
    }


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def _public_event(event: TrackingEvent, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "at": event.occurred_at.astimezone(zone).isoformat(),
        "status": event.status,
        "status_label": status_label(event.status),
        "text": mask_phones(event.raw_text),
        "location": event.location,
    }


def staff_event_view(event: TrackingEvent, zone: ZoneInfo) -> dict[str, Any]:
    return {
        **_public_event(event, zone),
        "text": event.raw_text,
        "substatus": event.substatus,
        "raw_code": event.raw_code,
        "provider": event.provider,
        "local_time": event.local_time,
        "offset_source": event.offset_source,
        "received_at": event.received_at.astimezone(zone).isoformat(),
        "is_regression": event.is_regression,
        "is_future": event.is_future,
        "is_unmapped": not event.status,
    }
