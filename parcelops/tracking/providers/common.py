"""Helpers every provider module shares: payload text, tracking numbers, carrier-local
times, signature comparison, the aggregators' main statuses and the building of one
provider event."""

import hmac
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from parcelops.carriers.detection import normalise_tracking_number, tracking_number_error
from parcelops.carriers.registry import carrier_zone
from parcelops.core.clock import now
from parcelops.tracking.events import (
    OFFSET_FROM_CARRIER_ZONE,
    OFFSET_FROM_PAYLOAD,
    ParsedEvent,
    PayloadError,
    as_utc_text,
)
from parcelops.tracking.status import TrackingStatus as S


def main_statuses(*, not_found: str, attempt_failed: str) -> dict[str, tuple[str, str]]:
    """The main statuses of AfterShip's tags and 17TRACK's statuses, which share their
    meanings and all but two of their names (Pending / NotFound, AttemptFail /
    DeliveryFailure)."""
    return {
        not_found: (S.PENDING, "not_found"),
        "InfoReceived": (S.INFO_RECEIVED, "label_created"),
        "InTransit": (S.IN_TRANSIT, ""),
        "OutForDelivery": (S.OUT_FOR_DELIVERY, "out_for_delivery"),
        attempt_failed: (S.ATTEMPT_FAILED, ""),
        "AvailableForPickup": (S.AVAILABLE_FOR_PICKUP, "at_pickup_point"),
        "Delivered": (S.DELIVERED, ""),
        "Exception": (S.EXCEPTION, ""),
        "Expired": (S.EXPIRED, "no_update_timeout"),
    }


# The times an event may carry (decision 0024, docs/operations.md): no parcel we track was
# scanned before EARLIEST_EVENT_TIME, so an earlier time is a "no date" placeholder
# (0001-01-01) or a scanner's reset clock; a time more than LATEST_AHEAD after it arrives
# is a placeholder (9999-12-31) or a typo. Either refuses that event alone, with the reason:
# the other events of its push or file are stored. (Within LATEST_AHEAD, a time after its
# arrival is kept and flagged as in the future, rules.future_cutoff.)
EARLIEST_EVENT_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_AHEAD = timedelta(days=366)
_EARLIEST_TEXT = "2000-01-01"  # EARLIEST_EVENT_TIME as the start of its UTC text


class CarrierTime(NamedTuple):
    at: datetime  # aware, UTC
    local: str  # the wall time as the carrier wrote it, "YYYY-MM-DD HH:MM:SS"
    offset_source: str  # OFFSET_FROM_PAYLOAD or OFFSET_FROM_CARRIER_ZONE
    utc_text: str  # `at` as events.as_utc_text writes it


def parse_local_time(value: str, carrier_code: str) -> tuple[datetime, str, str]:
    """(UTC time, the local time as the carrier wrote it, where the offset came from).

    A time with an offset (or "Z") keeps it; a naive time is the carrier's local time and
    is read in the carrier's zone (FORMATS.md: Kuaidi100 ftime is China time).
    """
    return parse_carrier_time(value, carrier_code)[:3]


@lru_cache(maxsize=65_536)  # keyed by zone, not carrier: an admin may change a carrier's zone
def _utc_minute(zone: ZoneInfo, wall_minute: str) -> str | None:
    """The UTC minute ("YYYY-MM-DD HH:MM") of a carrier-local wall minute, or None when
    the zone's offset there is not a whole number of minutes (only historical zones).
    Offsets change on whole minutes, so every second of a wall minute has the same one:
    scans of a feed share minutes, and each zoneinfo conversion is dear (decision 0014)."""
    local = datetime.fromisoformat(wall_minute).replace(tzinfo=zone)
    utc = local.astimezone(UTC)
    if utc.second or utc.microsecond:
        return None
    return utc.isoformat(" ")[:16]


class TimeRangeError(PayloadError):
    """A time that reads well but lies outside the times an event may carry."""


def _before_earliest(value: object) -> TimeRangeError:
    return TimeRangeError(
        _("Lies before %(earliest)s, so it is a placeholder rather than a real time: %(value)r.")
        % {"earliest": EARLIEST_EVENT_TIME.date().isoformat(), "value": value}
    )


def _too_far_ahead(value: object) -> TimeRangeError:
    return TimeRangeError(
        _("Lies more than a year ahead, so it is a placeholder rather than a real time: %(value)r.")
        % {"value": value}
    )


def check_event_time(at: datetime, value: object) -> None:
    """TimeRangeError saying why when `at` (aware) lies outside the times an event may carry
    (EARLIEST_EVENT_TIME .. now + LATEST_AHEAD); `value` is the time as it was sent."""
    if at < EARLIEST_EVENT_TIME:
        raise _before_earliest(value)
    if at > _latest_event_time().at:
        raise _too_far_ahead(value)


class _Latest(NamedTuple):
    second: int  # when the clock was read (time.time(), which time-machine moves too)
    at: datetime  # now() + LATEST_AHEAD then
    text: str  # `at` as as_utc_text writes it


_latest = _Latest(-1, EARLIEST_EVENT_TIME, "")


def _latest_event_time() -> _Latest:
    """now() + LATEST_AHEAD, read from the clock at most once a second: reading it cost as
    much as the rest of reading a time, and a bound a year ahead needs no finer clock."""
    global _latest
    second = int(time.time())
    if second != _latest.second:
        at = now() + LATEST_AHEAD
        _latest = _Latest(second, at, as_utc_text(at))
    return _latest


def check_estimate_date(day: date, value: object) -> None:
    """check_event_time for an estimated delivery date."""
    if day < EARLIEST_EVENT_TIME.date():
        raise _before_earliest(value)
    if day > (now() + LATEST_AHEAD).date():
        raise _too_far_ahead(value)


def parse_carrier_time(value: str, carrier_code: str) -> CarrierTime:
    """parse_local_time, with the UTC time also as text (for the ingestion engine).

    Total: any value (any text, any type) gives a time between EARLIEST_EVENT_TIME and a
    year ahead, or PayloadError saying what is wrong with it."""
    moment = read_carrier_time(value, carrier_code)
    # The UTC texts sort as the times do, and comparing them is the cheapest check.
    if not _EARLIEST_TEXT <= moment.utc_text <= _latest_event_time().text:
        check_event_time(moment.at, value)  # raises, saying which bound
    return moment


def read_carrier_time(value: str, carrier_code: str) -> CarrierTime:
    """parse_carrier_time without the range check, for any time Python can hold in UTC
    (one it cannot, such as 0001-01-01 in China's zone, raises TimeRangeError)."""
    if (
        type(value) is str
        and len(value) == 19
        and value[10] in " T"
        and value[4] == "-"
        and value[16] == ":"
        and value[:4].isdigit()
    ):
        # The common "2026-11-25 10:00:00": naive, carrier-local, without microseconds.
        try:
            minute = _utc_minute(carrier_zone(carrier_code), value[:16])
            if minute is not None:
                text = minute + value[16:]
                return CarrierTime(
                    datetime.fromisoformat(text + "+00:00"),
                    value.replace("T", " "),
                    OFFSET_FROM_CARRIER_ZONE,
                    text,
                )
        except (ValueError, OverflowError):
            pass  # the general path below says what is wrong with it
    moment, local, source = _parse_local_time(value, carrier_code)
    return CarrierTime(moment, local, source, as_utc_text(moment))


def _parse_local_time(value: str, carrier_code: str) -> tuple[datetime, str, str]:
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(_("Missing time."))
    text = value.strip()
    if "/" in text:
        text = text.replace("/", "-")
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    try:
        # A bare date parses as midnight: an invented time of day would pass for a scan.
        if len(text) <= 10:
            raise ValueError(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError(_("Not a time: %(value)r.") % {"value": value}) from None
    # The wall time as "YYYY-MM-DD HH:MM:SS": the text itself when it has that form already,
    # which is cheaper than strftime.
    local = text if len(text) == 19 and text[10] == " " else moment.isoformat(" ")[:19]
    try:
        if moment.tzinfo is None:
            return (
                moment.replace(tzinfo=carrier_zone(carrier_code)).astimezone(UTC),
                local,
                OFFSET_FROM_CARRIER_ZONE,
            )
        return moment.astimezone(UTC), local, OFFSET_FROM_PAYLOAD
    except OverflowError:
        # In UTC it would lie before year 1 or after 9999 (0001-01-01 in China's zone,
        # 9999-12-31T23:59:59-12:00): far outside the range either way.
        raise (_before_earliest(value) if moment.year < 5000 else _too_far_ahead(value)) from None


def local_time_at(value: str, carrier_code: str, path: str) -> tuple[datetime, str, str]:
    """parse_local_time for a value inside a payload: an error names where it was."""
    try:
        return parse_local_time(value, carrier_code)
    except PayloadError as bad:
        raise PayloadError(f"{path}: {bad}") from None


def tracking_number_at(text: str, path: str) -> str:
    """A payload's tracking number, normalised as every entry does; "" when missing (the
    module says so its own way), PayloadError naming `path` when no parcel can have it."""
    number = normalise_tracking_number(text)
    error = tracking_number_error(number) if number else None
    if error is not None:
        raise PayloadError(f"{path}: {error}")
    return number


def payload_text(value: Any, *, floats: bool = True) -> str:
    """A payload field as stripped text: numbers (codes often arrive as numbers) become
    their digits, anything else (missing, null, objects, booleans) is empty."""
    if isinstance(value, str):
        return value.strip()
    number_types = (int, float) if floats else (int,)
    if isinstance(value, number_types) and not isinstance(value, bool):
        return str(value)
    return ""


def constant_time_equals(a: str | bytes, b: str | bytes) -> bool:
    """Compare signatures without leaking, through timing, how much of them matched."""
    left = a.encode() if isinstance(a, str) else a
    right = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(left, right)


def provider_event(
    provider: str,
    carrier: str,
    number: str,
    moment: tuple[datetime, str, str],
    mapped: tuple[str, str],
    *,
    raw_code: str,
    raw_text: str,
    location: str,
    raw: dict[str, Any],
    estimated_delivery: date | None = None,
) -> ParsedEvent:
    """One event of a provider's push: `moment` as local_time_at gives it (UTC time, the
    carrier's wall time, where the offset came from), `mapped` its (status, substatus)."""
    return ParsedEvent(
        provider,
        carrier,
        number,
        *moment,
        *mapped,
        raw_code,
        raw_text,
        location[:200],
        raw=raw,
        estimated_delivery=estimated_delivery,
    )


def keep_unknown_carrier_code(events: Iterable[ParsedEvent], carrier: str, code: str) -> None:
    """A push's carrier code that maps to none of ours stays with its events, so those
    parked for it can be shown on the unmapped page and attach once staff map the code.
    (The events were just built by the caller: nothing else holds them yet.)"""
    if not carrier and code:
        for event in events:
            event.provider_carrier = code
