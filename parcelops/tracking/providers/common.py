"""Helpers every provider module shares: payload text, carrier-local times and signature
comparison."""

import hmac
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from parcelops.carriers.registry import carrier_zone
from parcelops.tracking.events import OFFSET_FROM_CARRIER_ZONE, OFFSET_FROM_PAYLOAD, PayloadError

LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"


def parse_local_time(value: str, carrier_code: str) -> tuple[datetime, str, str]:
    """(UTC time, the local time as the carrier wrote it, where the offset came from).

    A time with an offset (or "Z") keeps it; a naive time is the carrier's local time and
    is read in the carrier's zone (FORMATS.md: Kuaidi100 ftime is China time).
    """
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
