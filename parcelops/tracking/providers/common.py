"""Helpers every provider module shares: payload text, carrier-local times and signature
comparison."""

import hmac
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from parcelops.carriers.registry import carrier_zone
from parcelops.tracking.events import (
    OFFSET_FROM_CARRIER_ZONE,
    OFFSET_FROM_PAYLOAD,
    ParsedEvent,
    PayloadError,
    as_utc_text,
)

LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"


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


@lru_cache(maxsize=65_536)
def _utc_minute(carrier_code: str, wall_minute: str) -> str | None:
    """The UTC minute ("YYYY-MM-DD HH:MM") of a carrier-local wall minute, or None when
    the zone's offset there is not a whole number of minutes (only historical zones).
    Offsets change on whole minutes, so every second of a wall minute has the same one:
    scans of a feed share minutes, and zoneinfo costs ~2 µs a conversion."""
    local = datetime.fromisoformat(wall_minute).replace(tzinfo=carrier_zone(carrier_code))
    utc = local.astimezone(UTC)
    if utc.second or utc.microsecond:
        return None
    return utc.isoformat(" ")[:16]


def parse_carrier_time(value: str, carrier_code: str) -> CarrierTime:
    """parse_local_time, with the UTC time also as text (for the ingestion engine)."""
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
            minute = _utc_minute(carrier_code, value[:16])
            if minute is not None:
                text = minute + value[16:]
                return CarrierTime(
                    datetime.fromisoformat(text + "+00:00"),
                    value.replace("T", " "),
                    OFFSET_FROM_CARRIER_ZONE,
                    text,
                )
        except ValueError:
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
    # The wall time as "YYYY-MM-DD HH:MM:SS" (what strftime(LOCAL_FORMAT) gives, 4x cheaper).
    local = text if len(text) == 19 and text[10] == " " else moment.isoformat(" ")[:19]
    if moment.tzinfo is None:
        return (
            moment.replace(tzinfo=carrier_zone(carrier_code)).astimezone(UTC),
            local,
            OFFSET_FROM_CARRIER_ZONE,
        )
    return moment.astimezone(UTC), local, OFFSET_FROM_PAYLOAD


def local_time_at(value: str, carrier_code: str, path: str) -> tuple[datetime, str, str]:
    """parse_local_time for a value inside a payload: an error names where it was."""
    try:
        return parse_local_time(value, carrier_code)
    except PayloadError as bad:
        raise PayloadError(f"{path}: {bad}") from None


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


def keep_unknown_carrier_code(events: Iterable[ParsedEvent], carrier: str, code: str) -> None:
    """A push's carrier code that maps to none of ours stays with its events, so those
    parked for it can be shown on the unmapped page and attach once staff map the code.
    (The events were just built by the caller: nothing else holds them yet.)"""
    if not carrier and code:
        for event in events:
            event.provider_carrier = code
