"""The 17TRACK-style push (FORMATS.md): signature check, parsing, and its status table.

Every push carries the parcel's full history, not a delta, so the same events arrive again
and again: their dedupe keys (carrier, number, time, code, text) stay the same each time.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson
from django.utils.translation import gettext as _

from parcelops.carriers import registry
from parcelops.tracking.events import (
    OFFSET_FROM_PAYLOAD,
    ParsedEvent,
    PayloadError,
    ProviderSummary,
    SignatureError,
)
from parcelops.tracking.keywords import refine_by_text
from parcelops.tracking.providers.common import (
    check_estimate_date,
    check_event_time,
    constant_time_equals,
    keep_unknown_carrier_code,
    local_time_at,
    main_statuses,
    payload_text,
    provider_event,
    tracking_number_at,
)
from parcelops.tracking.status import TrackingStatus as S

PROVIDER = "17track"
TRACKING_UPDATED = "TRACKING_UPDATED"
TRACKING_STOPPED = "TRACKING_STOPPED"  # 17TRACK stopped tracking the number (the state is final)
EVENT_TYPES = (TRACKING_UPDATED, TRACKING_STOPPED)

# The main statuses: an unknown sub-status falls back to its prefix in this table.
MAIN_STATUSES = main_statuses(not_found="NotFound", attempt_failed="DeliveryFailure")

# The sub-statuses that say more than their main status ("InTransit_Other" says no more).
SUB_STATUSES: dict[str, tuple[str, str]] = {
    "NotFound_InvalidCode": (S.PENDING, "invalid_number"),
    "InTransit_PickedUp": (S.IN_TRANSIT, "picked_up"),
    "InTransit_Departure": (S.IN_TRANSIT, "departed_facility"),
    "InTransit_Arrival": (S.IN_TRANSIT, "arrived_facility"),
    "InTransit_CustomsProcessing": (S.IN_TRANSIT, "customs_processing"),
    "InTransit_CustomsReleased": (S.IN_TRANSIT, "customs_released"),
    # Customs wants documents: nothing moves until someone acts.
    "InTransit_CustomsRequiringInformation": (S.EXCEPTION, "held_by_customs"),
    "DeliveryFailure_NoBody": (S.ATTEMPT_FAILED, "recipient_unavailable"),
    "DeliveryFailure_InvalidAddress": (S.ATTEMPT_FAILED, "address_problem"),
    # Held at a security or customs check: the carrier will not retry by itself.
    "DeliveryFailure_Security": (S.EXCEPTION, "held_by_customs"),
    "DeliveryFailure_Rejected": (S.EXCEPTION, "refused"),
    "Exception_Returning": (S.RETURNING, "return_initiated"),
    "Exception_Returned": (S.RETURNED, ""),
    "Exception_NoBody": (S.ATTEMPT_FAILED, "recipient_unavailable"),
    "Exception_Security": (S.EXCEPTION, "held_by_customs"),
    "Exception_Damage": (S.EXCEPTION, "damaged"),
    "Exception_Rejected": (S.EXCEPTION, "refused"),
    "Exception_Delayed": (S.EXCEPTION, "delayed_carrier"),
    "Exception_Lost": (S.LOST, ""),
    "Exception_Destroyed": (S.DISPOSED, ""),
    "Exception_Cancel": (S.CANCELLED, ""),
}

# An event's `stage` (its milestone), used when it has no sub-status of its own: each says
# what the main status or the sub-status of its name says.
STAGES: dict[str, tuple[str, str]] = {
    **{
        name: MAIN_STATUSES[name]
        for name in ("InfoReceived", "AvailableForPickup", "OutForDelivery")
    },
    "PickedUp": SUB_STATUSES["InTransit_PickedUp"],
    "Departure": SUB_STATUSES["InTransit_Departure"],
    "Arrival": SUB_STATUSES["InTransit_Arrival"],
    "Delivered": MAIN_STATUSES["Delivered"],
    "Returning": SUB_STATUSES["Exception_Returning"],
    "Returned": SUB_STATUSES["Exception_Returned"],
}


@dataclass(frozen=True)
class SeventeenTrackPush:
    event: str  # TRACKING_UPDATED or TRACKING_STOPPED
    carrier: str  # our carrier code, "" when 17TRACK's carrier is not one we know
    tracking_number: str
    estimated_delivery: date | None
    latest_status: str  # canonical status of track_info.latest_status, "" when unmapped
    latest_substatus: str
    events: list[ParsedEvent]
    raw: dict[str, Any] = field(repr=False)
    # What could not be read, each "where: why": events without a usable time (none, or
    # out of range) and an estimate that is no date. Refused alone, kept in the stored push
    # with their reasons; the rest of the push is stored (decision 0024).
    rejected: list[str] = field(default_factory=list)

    @property
    def summary(self) -> ProviderSummary:
        """17TRACK's latest status, its verdict on the parcel, which can run ahead of the
        events (decision 0020)."""
        return ProviderSummary(
            PROVIDER, self.carrier, self.tracking_number, self.latest_status, self.latest_substatus
        )


def verify_signature(raw_body: bytes, header_value: str | None, key: str) -> None:
    """`sign` = lower-case hex SHA-256 of the raw body + "/" + the security key."""
    if not key:
        raise SignatureError(_("no security key is configured"))
    if not header_value:
        raise SignatureError(_("the sign header is missing"))
    expected = hashlib.sha256(raw_body + b"/" + key.encode()).hexdigest()
    if not constant_time_equals(expected, header_value.strip().lower()):
        raise SignatureError(_("the sign header does not match the body"))


def map_status(sub_status: str, stage: str, description: str) -> tuple[str, str]:
    """(status, substatus): the sub-status, or its main status (refined by the stage), else
    the stage, else the keyword rules on the text; ("", "") when nothing fits (unmapped)."""
    by_sub_status = SUB_STATUSES.get(sub_status) or MAIN_STATUSES.get(sub_status.split("_", 1)[0])
    by_stage = STAGES.get(stage) or MAIN_STATUSES.get(stage.split("_", 1)[0])
    if by_sub_status and by_stage and by_sub_status[0] == by_stage[0] and not by_sub_status[1]:
        return by_stage  # "InTransit_Other" at stage "Departure": the stage says more
    if by_sub_status:
        return by_sub_status
    return by_stage or refine_by_text(None, description)


def _utc(value: str, path: str) -> datetime:
    """time_utc is UTC even when it leaves out the "Z"; within the times an event may
    carry (common.check_event_time)."""
    try:
        moment = datetime.fromisoformat(value)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # not a time; or before year 1 or after 9999 in UTC
        raise PayloadError(
            _("%(path)s is not a time: %(value)r") % {"path": path, "value": value}
        ) from None
    try:
        check_event_time(moment, value)
    except PayloadError as bad:
        raise PayloadError(f"{path}: {bad}") from None
    return moment


def _raw_time(value: Any) -> str:
    """time_raw is a string, or {date, time, timezone} with timezone often null."""
    if isinstance(value, dict):
        day, clock = payload_text(value.get("date")), payload_text(value.get("time"))
        if not day:
            return ""
        return f"{day} {clock}".strip() + payload_text(value.get("timezone"))
    return payload_text(value)


def _event_time(item: dict[str, Any], carrier: str, path: str) -> tuple[datetime, str, str]:
    time_utc, time_iso = payload_text(item.get("time_utc")), payload_text(item.get("time_iso"))
    time_raw = _raw_time(item.get("time_raw"))
    local: tuple[datetime, str, str] | None = None
    if time_iso or time_raw:
        local = local_time_at(time_iso or time_raw, carrier, path)
    if time_utc:
        # The UTC time is the one to trust; the local one only says how the carrier wrote it.
        occurred_at = _utc(time_utc, f"{path}.time_utc")
        return occurred_at, local[1] if local else time_utc, OFFSET_FROM_PAYLOAD
    if local is None:
        raise PayloadError(_("%(path)s has no time_utc, time_iso or time_raw") % {"path": path})
    return local


def _estimated_delivery(track_info: dict[str, Any], rejected: list[str]) -> date | None:
    metrics = track_info.get("time_metrics")
    window = metrics.get("estimated_delivery_date") if isinstance(metrics, dict) else None
    if not isinstance(window, dict):
        return None
    value = payload_text(window.get("to")) or payload_text(window.get("from"))
    if not value:
        return None
    path = "time_metrics.estimated_delivery_date"
    try:
        # The carrier's own calendar date: the part before any time and offset.
        day = date.fromisoformat(value[:10])
    except ValueError:
        rejected.append(
            _("time_metrics.estimated_delivery_date is not a date: %(value)r") % {"value": value}
        )
        return None
    try:
        check_estimate_date(day, value)
    except PayloadError as bad:
        rejected.append(f"{path}: {bad}")
        return None
    return day


def _object(value: Any, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(_("%(path)s must be an object") % {"path": path})
    return value


def _list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(_("%(path)s must be a list") % {"path": path})
    return value


def parse_push(raw_body: bytes) -> SeventeenTrackPush:
    """The push's parcel and one ParsedEvent per event of every provider in it."""
    try:
        body = orjson.loads(raw_body)
    except orjson.JSONDecodeError as error:
        raise PayloadError(
            _("the body is not valid JSON: %(reason)s") % {"reason": error}
        ) from None
    if not isinstance(body, dict):
        raise PayloadError(_("the body must be a JSON object"))
    event_type = body.get("event")
    if event_type not in EVENT_TYPES:
        raise PayloadError(_("unknown event %(event)r") % {"event": event_type})
    if not isinstance(body.get("data"), dict):
        raise PayloadError(_("data is missing or not an object"))
    data = body["data"]
    number = tracking_number_at(payload_text(data.get("number")), "data.number")
    if not number:
        raise PayloadError(_("data.number is missing"))
    carrier = registry.from_provider_code(PROVIDER, payload_text(data.get("carrier"))) or ""

    track_info = _object(data.get("track_info"), "data.track_info")
    latest = _object(track_info.get("latest_status"), "data.track_info.latest_status")
    latest_status, latest_substatus = map_status(
        payload_text(latest.get("sub_status")), payload_text(latest.get("status")), ""
    )
    rejected: list[str] = []
    estimated_delivery = _estimated_delivery(track_info, rejected)
    tracking = _object(track_info.get("tracking"), "data.track_info.tracking")

    events: list[ParsedEvent] = []
    providers_path = "data.track_info.tracking.providers"
    for p_index, provider in enumerate(_list(tracking.get("providers"), providers_path)):
        provider_path = f"{providers_path}[{p_index}]"
        provider = _object(provider, provider_path)
        for e_index, item in enumerate(_list(provider.get("events"), f"{provider_path}.events")):
            try:
                events.append(
                    _event(
                        item,
                        f"{provider_path}.events[{e_index}]",
                        carrier,
                        number,
                        estimated_delivery,
                    )
                )
            except PayloadError as bad:
                rejected.append(str(bad))
    keep_unknown_carrier_code(events, carrier, payload_text(data.get("carrier")))
    return SeventeenTrackPush(
        event=event_type,
        carrier=carrier,
        tracking_number=number,
        estimated_delivery=estimated_delivery,
        latest_status=latest_status,
        latest_substatus=latest_substatus,
        events=events,
        raw=body,
        rejected=rejected,
    )


def _event(item: Any, path: str, carrier: str, number: str, estimate: date | None) -> ParsedEvent:
    item = _object(item, path)
    sub_status, stage = payload_text(item.get("sub_status")), payload_text(item.get("stage"))
    description = payload_text(item.get("description"))
    return provider_event(
        PROVIDER,
        carrier,
        number,
        _event_time(item, carrier, path),
        map_status(sub_status, stage, description),
        raw_code=sub_status or stage,
        raw_text=description,
        location=payload_text(item.get("location")),
        raw=item,
        estimated_delivery=estimate,
    )
