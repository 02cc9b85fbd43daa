"""Manual scans at the dock: each scanned number becomes one carrier event of provider
"scan", stored through the same engine as every provider's events."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcelops.carriers import registry
from parcelops.carriers.detection import normalise_tracking_number, tracking_number_error
from parcelops.core.errors import FieldError, InputError
from parcelops.tracking import actions, ingest
from parcelops.tracking.events import OFFSET_FROM_PAYLOAD, ParsedEvent
from parcelops.tracking.models import Shipment
from parcelops.tracking.status import TrackingStatus

SCAN_PROVIDER = "scan"


@dataclass(frozen=True)
class ScanType:
    label: Any  # lazy text: stored in the event in the scanner's language
    status: str
    substatus: str


SCAN_TYPES: dict[str, ScanType] = {
    "handed_over": ScanType(
        gettext_lazy("Handed to carrier"), TrackingStatus.IN_TRANSIT, "picked_up"
    ),
    "arrived_facility": ScanType(
        gettext_lazy("Arrived at facility"), TrackingStatus.IN_TRANSIT, "arrived_facility"
    ),
    "out_for_delivery": ScanType(
        gettext_lazy("Out for delivery"), TrackingStatus.OUT_FOR_DELIVERY, "out_for_delivery"
    ),
    "delivered": ScanType(gettext_lazy("Delivered"), TrackingStatus.DELIVERED, ""),
}

# What a scan led to, as the scan page lists it.
STORED = "stored"
FLAGGED = "flagged"  # stored, but behind the parcel's status: listed for review
DUPLICATE = "duplicate"
PARKED = "parked"  # no shipment has this number (yet): kept in the unmatched inbox
AMBIGUOUS = "ambiguous"  # several carriers have this number: parked too


def scan_choices() -> list[tuple[str, str]]:
    return [(code, str(scan.label)) for code, scan in SCAN_TYPES.items()]


def scan_event(
    number: str,
    carrier: str,
    scan_type: str,
    location: str,
    at: datetime,
    scanned_by: str,
) -> ParsedEvent:
    """The event of one scan. A fresh id each time: scanning a parcel twice is two events."""
    scan = SCAN_TYPES[scan_type]
    label = str(scan.label)
    local = at.astimezone(ZoneInfo(settings.TIME_ZONE))
    return ParsedEvent(
        provider=SCAN_PROVIDER,
        carrier=carrier,
        tracking_number=number,
        occurred_at=at.astimezone(UTC),
        local_time=local.strftime("%Y-%m-%d %H:%M:%S"),
        offset_source=OFFSET_FROM_PAYLOAD,
        status=scan.status,
        substatus=scan.substatus,
        raw_code=f"scan:{scan_type}",
        raw_text=f"{label} · {location}" if location else label,
        location=location,
        event_id=uuid.uuid4().hex,
        raw={"scan_type": scan_type, "scanned_by": scanned_by, "location": location},
    )


@dataclass(frozen=True)
class ScanResult:
    number: str
    outcome: str
    message: str


def record_scan(
    number: str,
    scan_type: str,
    location: str,
    at: datetime,
    scanned_by: str,
    *,
    carrier: str = "",
) -> ScanResult:
    """Store one scan for the shipment with this number (of this carrier, by any of its
    names, when given), or park it until one appears. Raises InputError for a number no
    parcel can have or an unknown carrier."""
    number = normalise_tracking_number(number)
    errors = []
    number_error = tracking_number_error(number)
    if number_error is not None:
        errors.append(FieldError("number", number_error))
    if carrier:
        try:
            carrier = registry.resolve_carrier(carrier)
        except registry.UnknownCarrierError as unknown:
            errors.append(FieldError("carrier", unknown.message))
    if errors:
        raise InputError(errors)
    shipments = Shipment.objects.filter(tracking_number=number)
    if carrier:
        shipments = shipments.filter(carrier=carrier)
    carriers = list(shipments.values_list("carrier", flat=True)[:2])
    carrier = carrier or (carriers[0] if len(carriers) == 1 else "")
    result = actions.record_tracking_events(
        [scan_event(number, carrier, scan_type, location, at, scanned_by)]
    )
    outcome = result.outcomes[0] if result.outcomes else ingest.UNMATCHED
    if outcome == ingest.STORED and result.regressions:
        return ScanResult(
            number, FLAGGED, _("Stored, but behind the parcel's status: flagged for review.")
        )
    if outcome == ingest.STORED:
        return ScanResult(number, STORED, _("Stored."))
    if outcome == ingest.DUPLICATE:
        return ScanResult(number, DUPLICATE, _("Already stored: nothing changed."))
    if len(carriers) > 1:
        return ScanResult(
            number,
            AMBIGUOUS,
            _("Several carriers use this number: parked for review in the unmatched events."),
        )
    return ScanResult(
        number, PARKED, _("No parcel with this number yet: parked until its shipment exists.")
    )
