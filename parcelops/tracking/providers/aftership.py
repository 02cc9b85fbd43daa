"""AfterShip-style tracking webhook (FORMATS.md): the whole tracking object in ``msg``,
signed with base64 HMAC-SHA256 of the raw body in the ``aftership-hmac-sha256`` header.

The signature covers no timestamp, so ``event_id`` (one per push) is the replay guard; a
checkpoint has no id of its own and is deduplicated by content, as every push resends them
all and ordering is not promised.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from django.utils.translation import gettext as _

from parcelops.carriers import registry
from parcelops.tracking.events import ParsedEvent, PayloadError, ProviderSummary, SignatureError
from parcelops.tracking.keywords import refine_by_text
from parcelops.tracking.providers.common import (
    check_estimate_date,
    constant_time_equals,
    keep_unknown_carrier_code,
    local_time_at,
    main_statuses,
    payload_text,
    provider_event,
    tracking_number_at,
)
from parcelops.tracking.status import TrackingStatus as S

PROVIDER = "aftership"
SIGNATURE_HEADER = "aftership-hmac-sha256"

TRACKING_UPDATE = "tracking_update"
EDD_REVISE = "edd_revise"  # only the estimated delivery changed
TRACKING_PENDING_TIME = "tracking_pending_time"  # no scan yet after a while

# By tag: the fallback for a subtag not listed below (AfterShip's list is open-ended).
TAGS = main_statuses(not_found="Pending", attempt_failed="AttemptFail")

SUBTAGS: dict[str, tuple[str, str]] = {
    "Pending_001": (S.PENDING, "not_found"),
    "InfoReceived_001": (S.INFO_RECEIVED, "label_created"),
    "InTransit_001": (S.IN_TRANSIT, ""),
    "InTransit_002": (S.IN_TRANSIT, "picked_up"),  # acceptance scan
    "InTransit_003": (S.IN_TRANSIT, "arrived_facility"),  # arrival scan
    "InTransit_004": (S.IN_TRANSIT, "arrived_facility"),  # arrived in the destination country
    "InTransit_005": (S.IN_TRANSIT, "customs_released"),
    "InTransit_006": (S.IN_TRANSIT, "customs_processing"),
    "InTransit_007": (S.IN_TRANSIT, "departed_facility"),  # departure scan
    "InTransit_008": (S.IN_TRANSIT, ""),  # a problem was resolved
    "InTransit_009": (S.IN_TRANSIT, "rerouted"),  # forwarded to another address
    "OutForDelivery_001": (S.OUT_FOR_DELIVERY, "out_for_delivery"),
    "OutForDelivery_003": (S.OUT_FOR_DELIVERY, "out_for_delivery"),  # customer contacted
    "OutForDelivery_004": (S.OUT_FOR_DELIVERY, "out_for_delivery"),  # appointment made
    "AttemptFail_001": (S.ATTEMPT_FAILED, ""),
    "AttemptFail_002": (S.ATTEMPT_FAILED, "recipient_unavailable"),
    "AttemptFail_003": (S.ATTEMPT_FAILED, "business_closed"),
    "Delivered_001": (S.DELIVERED, ""),
    "Delivered_002": (S.DELIVERED, "locker"),  # picked up by the customer at a pickup point
    "Delivered_003": (S.DELIVERED, "signed_by_recipient"),
    "Delivered_004": (S.DELIVERED, "signed_by_recipient"),  # cash collected on delivery
    "Delivered_005": (S.DELIVERED, "neighbour"),
    "AvailableForPickup_001": (S.AVAILABLE_FOR_PICKUP, "at_pickup_point"),
    "Exception_001": (S.EXCEPTION, ""),
    "Exception_002": (S.EXCEPTION, "address_invalid"),  # the customer moved
    "Exception_003": (S.EXCEPTION, "refused"),
    "Exception_004": (S.EXCEPTION, "held_by_customs"),  # delayed in customs clearance
    "Exception_005": (S.EXCEPTION, "delayed_carrier"),  # delayed by external factors
    "Exception_006": (S.EXCEPTION, "held_by_customs"),  # held until duties are paid
    "Exception_007": (S.EXCEPTION, "address_invalid"),
    "Exception_008": (S.EXCEPTION, "pickup_unclaimed"),  # pickup missed
    "Exception_009": (S.EXCEPTION, ""),  # rejected by the carrier
    "Exception_010": (S.RETURNING, "return_initiated"),
    "Exception_011": (S.RETURNED, ""),
    "Exception_012": (S.EXCEPTION, "damaged"),
    "Exception_013": (S.LOST, ""),
    "Expired_001": (S.EXPIRED, "no_update_timeout"),
}


@dataclass(frozen=True)
class AfterShipPush:
    event: str  # TRACKING_UPDATE, EDD_REVISE, TRACKING_PENDING_TIME (others are kept as sent)
    event_id: str  # one per push: the replay guard, "" when the sender left it out
    carrier: str  # our carrier code, "" when the slug is not one we know
    tracking_number: str
    expected_delivery: date | None
    events: list[ParsedEvent]
    raw: dict[str, Any] = field(repr=False)
    # The tracking-level tag/subtag: AfterShip's verdict on the parcel, which can run ahead
    # of the checkpoints (decision 0020).
    summary: ProviderSummary | None = None
    # What could not be read, each "where: why": checkpoints without a usable time (none, or
    # out of range) and an estimate that is no date. Refused alone, kept in the stored push
    # with their reasons; the rest of the push is stored (decision 0024).
    rejected: list[str] = field(default_factory=list)


def verify_signature(raw_body: bytes, header_value: str | None, secret: str) -> None:
    """The header is base64 HMAC-SHA256 of the raw body; raises SignatureError otherwise."""
    if not secret:
        raise SignatureError(_("no webhook secret is configured"))
    if not header_value or not header_value.strip():
        raise SignatureError(_("the aftership-hmac-sha256 header is missing"))
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    if not constant_time_equals(base64.b64encode(digest), header_value.strip().encode()):
        raise SignatureError(_("the aftership-hmac-sha256 header does not match the body"))


def map_checkpoint(subtag: str, tag: str, message: str) -> tuple[str, str]:
    """(status, substatus): the subtag, else the tag (refined by the keyword rules on the
    message when they agree on the status), else the keywords alone; ("", "") unmapped."""
    # "Delivered" + "Left with neighbour": the text says how.
    mapped = SUBTAGS.get(subtag) or TAGS.get(tag) or TAGS.get(subtag.split("_", 1)[0])
    return refine_by_text(mapped, message)


# Where AfterShip puts an estimated delivery, best first: (field, key inside it or "").
_ESTIMATE_FIELDS = (
    ("latest_estimated_delivery", "datetime"),
    ("expected_delivery", ""),
    ("courier_estimated_delivery_date", "estimated_delivery_date"),
    ("aftership_estimated_delivery_date", "estimated_delivery_date"),
)


def _expected_delivery(tracking: dict[str, Any], rejected: list[str]) -> date | None:
    """The first estimate that is a date; one that is not is reported in `rejected`."""
    for name, key in _ESTIMATE_FIELDS:
        value = tracking.get(name)
        path = f"msg.{name}"
        if key and isinstance(value, dict):
            value, path = value.get(key), f"{path}.{key}"
        value = payload_text(value)
        if not value:
            continue
        try:
            # The carrier's own calendar date: the part before any time and offset.
            day = date.fromisoformat(value[:10])
            check_estimate_date(day, value)
        except PayloadError as bad:  # a ValueError too: caught first
            rejected.append(f"{path}: {bad}")
        except ValueError:
            rejected.append(
                _("%(path)s is not a date: %(value)r.") % {"path": path, "value": value}
            )
        else:
            return day
    return None


def _location(checkpoint: dict[str, Any]) -> str:
    location = payload_text(checkpoint.get("location"))
    if not location:
        parts = (payload_text(checkpoint.get(key)) for key in ("city", "state", "country_iso3"))
        location = ", ".join(part for part in parts if part)
    return location[:200]


def parse_webhook(raw_body: bytes) -> AfterShipPush:
    """The push's parcel and one ParsedEvent per checkpoint."""
    try:
        document = orjson.loads(raw_body)
    except orjson.JSONDecodeError as error:
        raise PayloadError(
            _("the body is not valid JSON: %(reason)s.") % {"reason": str(error)}
        ) from None
    if not isinstance(document, dict):
        raise PayloadError(_("the body must be a JSON object."))
    tracking = document.get("msg")
    if not isinstance(tracking, dict):
        raise PayloadError(_("msg (the tracking object) is missing or not an object."))
    number = tracking_number_at(
        payload_text(tracking.get("tracking_number")), "msg.tracking_number"
    )
    if not number:
        raise PayloadError(_("msg.tracking_number is missing."))
    slug = payload_text(tracking.get("slug")).lower()
    if not slug:
        raise PayloadError(_("msg.slug (the carrier) is missing."))
    checkpoints = tracking.get("checkpoints")
    if checkpoints is None:
        checkpoints = []  # edd_revise and tracking_pending_time may carry none
    if not isinstance(checkpoints, list):
        raise PayloadError(_("msg.checkpoints must be a list."))
    carrier = registry.from_provider_code(PROVIDER, slug) or ""
    rejected: list[str] = []
    expected_delivery = _expected_delivery(tracking, rejected)

    events = []
    for index, checkpoint in enumerate(checkpoints):
        try:
            events.append(
                _checkpoint_event(
                    checkpoint,
                    f"msg.checkpoints[{index}]",
                    carrier,
                    number,
                    slug,
                    expected_delivery,
                )
            )
        except PayloadError as bad:
            rejected.append(str(bad))
    keep_unknown_carrier_code(events, carrier, slug)
    return AfterShipPush(
        event=payload_text(document.get("event")),
        event_id=payload_text(document.get("event_id")),
        carrier=carrier,
        tracking_number=number,
        expected_delivery=expected_delivery,
        events=events,
        raw=document,
        summary=ProviderSummary(
            PROVIDER,
            carrier,
            number,
            *map_checkpoint(
                payload_text(tracking.get("subtag")), payload_text(tracking.get("tag")), ""
            ),
        ),
        rejected=rejected,
    )


def _checkpoint_event(
    checkpoint: Any, path: str, carrier: str, number: str, slug: str, estimate: date | None
) -> ParsedEvent:
    if not isinstance(checkpoint, dict):
        raise PayloadError(_("%(path)s must be an object.") % {"path": path})
    when = payload_text(checkpoint.get("checkpoint_time"))
    if not when:
        raise PayloadError(_("%(path)s has no checkpoint_time.") % {"path": path})
    subtag, tag = payload_text(checkpoint.get("subtag")), payload_text(checkpoint.get("tag"))
    message = payload_text(checkpoint.get("message"))
    return provider_event(
        PROVIDER,
        carrier,
        number,
        # Without an offset it is the carrier's local time (FORMATS.md), never UTC.
        local_time_at(when, carrier, f"{path}.checkpoint_time"),
        map_checkpoint(subtag, tag, message),
        raw_code=subtag or tag,
        raw_text=message,
        location=_location(checkpoint),
        raw={**checkpoint, "slug": slug},
        estimated_delivery=estimate,
    )
