"""ParcelOps' own batch format (POST /api/v1/tracking/events, FORMATS.md).

Also the per-event checks the file importer shares: one event's fields in, a ParsedEvent
or every bad field out. A bad event never hides the good ones next to it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from parcelops.carriers import registry
from parcelops.carriers.detection import normalise_tracking_number, tracking_number_error
from parcelops.tracking.events import (
    OFFSET_FROM_CARRIER_ZONE,
    ParsedEvent,
    PayloadError,
    as_utc_text,
)
from parcelops.tracking.keywords import classify_text
from parcelops.tracking.providers.common import (
    CarrierTime,
    TimeRangeError,
    check_event_time,
    parse_carrier_time,
)
from parcelops.tracking.status import TrackingStatus

PROVIDER = "batch"
MAX_EVENTS = 10_000

# The fields of one event, in the order the documentation lists them.
FIELDS = (
    "carrier",
    "tracking_number",
    "occurred_at",
    "status",
    "substatus",
    "raw_code",
    "text",
    "location",
    "event_id",
)
REQUIRED_FIELDS = ("carrier", "tracking_number", "occurred_at")
_NO_FIELDS = dict.fromkeys(FIELDS, "")  # every field empty until the event gives it
_NUMBER_FIELDS = frozenset({"tracking_number", "raw_code", "event_id"})  # JSON numbers allowed
_STATUSES = frozenset(TrackingStatus.values)  # the enum's .values builds a new list each call

# Column widths of TrackingEvent: longer values would fail the insert of a whole chunk.
MAX_LENGTHS = {"substatus": 60, "raw_code": 60, "location": 200, "event_id": 100}


@dataclass(frozen=True, slots=True)
class BatchError:
    index: int  # position in the request's event list
    field: str  # "" when the event itself is not an object
    message: str


def build_event(
    values: Mapping[str, Any],
    *,
    provider: str,
    raw: dict[str, Any],
    time_zone: ZoneInfo | None = None,
) -> tuple[ParsedEvent | None, list[tuple[str, str]]]:
    """One event from its fields, or the (field, message) of every bad field.

    A status, when given, must be one of ours; without one, the raw code and the text go
    through the keyword rules, and an event they do not recognise is kept unmapped (for
    the review queue), not rejected. `time_zone` overrides the carrier's zone for naive
    times (a file's mapping says which zone its portal exports in).
    """
    problems: list[tuple[str, str]] = []
    cleaned = dict(_NO_FIELDS)
    # The hot path of every import: plain type checks, no helpers, and only the fields
    # the event has (other keys are kept in the raw payload, not read).
    for name, value in values.items():
        if name not in cleaned:
            continue
        if type(value) is str:
            text = value.strip()
        elif value is None:
            continue
        elif name in _NUMBER_FIELDS and type(value) is int:
            text = str(value)
        else:
            problems.append((name, _("Must be text.")))  # and read as empty
            continue
        if text and name in MAX_LENGTHS and len(text) > MAX_LENGTHS[name]:
            problems.append((name, _("At most %(n)d characters.") % {"n": MAX_LENGTHS[name]}))
        cleaned[name] = text
    for name in REQUIRED_FIELDS:
        if not cleaned[name] and all(field != name for field, _message in problems):
            problems.append((name, _("This field is required.")))

    carrier = ""
    if cleaned["carrier"]:
        try:
            carrier = registry.resolve_carrier(cleaned["carrier"])
        except registry.UnknownCarrierError as unknown:
            problems.append(("carrier", unknown.message))

    number = normalise_tracking_number(cleaned["tracking_number"])
    number_error = tracking_number_error(number) if cleaned["tracking_number"] else None
    if number_error is not None:
        problems.append(("tracking_number", number_error))

    occurred = None
    if cleaned["occurred_at"]:
        try:
            occurred = parse_carrier_time(cleaned["occurred_at"], carrier)
            if time_zone is not None and occurred.offset_source == OFFSET_FROM_CARRIER_ZONE:
                occurred = _in_zone(occurred, carrier, time_zone)
        except TimeRangeError as out_of_range:  # before 2000, or more than a year ahead
            occurred = None
            problems.append(("occurred_at", str(out_of_range)))
        except PayloadError:
            problems.append(
                (
                    "occurred_at",
                    _(
                        "Must be an ISO 8601 time such as 2026-11-25T10:00:00+08:00 "
                        "(without an offset it is read in the carrier's time zone)."
                    ),
                )
            )

    status, substatus = cleaned["status"], cleaned["substatus"]
    if status and status not in _STATUSES:
        problems.append(
            (
                "status",
                _("Must be one of: %(choices)s.") % {"choices": ", ".join(TrackingStatus.values)},
            )
        )
    if substatus and not status:
        problems.append(("substatus", _("A substatus needs a status.")))

    if problems or occurred is None:
        return None, sorted(problems, key=lambda problem: FIELDS.index(problem[0]))

    occurred_at, local_time, offset_source, utc_text = occurred

    raw_code, raw_text = cleaned["raw_code"], cleaned["text"]
    if not status:
        mapped = classify_text(raw_text) or classify_text(raw_code)
        if mapped:
            status, substatus = mapped
    event = ParsedEvent(
        provider=provider,
        carrier=carrier,
        tracking_number=number,
        occurred_at=occurred_at,
        local_time=local_time,
        offset_source=offset_source,
        status=status,
        substatus=substatus,
        # Without a code of its own, the status sent is the code (it tells events apart).
        raw_code=raw_code or cleaned["status"],
        raw_text=raw_text,
        location=cleaned["location"],
        event_id=cleaned["event_id"],
        raw=raw,
        utc_text=utc_text,
    )
    return event, []


def _in_zone(occurred: CarrierTime, carrier: str, time_zone: ZoneInfo) -> CarrierTime:
    """A naive wall time read in the carrier's zone, read in the given one instead (and
    checked again: the other zone may move it out of range)."""
    wall = occurred.at.astimezone(registry.carrier_zone(carrier)).replace(tzinfo=None)
    at = wall.replace(tzinfo=time_zone).astimezone(UTC)
    check_event_time(at, occurred.local)
    return occurred._replace(at=at, utc_text=as_utc_text(at))


def parse_batch(body: object) -> tuple[list[ParsedEvent], list[BatchError]]:
    """The good events and, by index, every bad field of the bad ones.

    Raises PayloadError when the body as a whole is unusable (nothing is stored then).
    """
    if isinstance(body, dict):
        if "events" not in body:
            raise PayloadError(_("events: This field is required."))
        items = body["events"]
    else:
        items = body
    if not isinstance(items, list):
        raise PayloadError(_("events: Must be a list of events."))
    if len(items) > MAX_EVENTS:
        raise PayloadError(
            _("events: At most %(n)d events per request; split the batch.") % {"n": MAX_EVENTS}
        )
    events: list[ParsedEvent] = []
    errors: list[BatchError] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(BatchError(index, "", _("Must be an object.")))
            continue
        event, problems = build_event(item, provider=PROVIDER, raw=item)
        if event is None:
            errors.extend(BatchError(index, name, message) for name, message in problems)
        else:
            events.append(event)
    return events, errors
