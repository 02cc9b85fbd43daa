"""What every provider module produces: carrier events in one normalised shape.

Provider modules (parcelops/tracking/providers/) parse a payload into ParsedEvent
values; the ingestion engine (parcelops/tracking/ingest.py) stores them in sets.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

# Where an event's UTC offset came from.
OFFSET_FROM_PAYLOAD = "payload"  # the time carried its own offset (or was UTC)
OFFSET_FROM_CARRIER_ZONE = "carrier_zone"  # a naive local time read in the carrier's zone

# Providers whose events are identified by time and text alone (their codes may change).
TEXT_KEYED_PROVIDERS = frozenset({"kuaidi100"})


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which tripled
# the cost of building one on the ingestion path. Treat it as immutable all the same.
@dataclass(slots=True, unsafe_hash=True)
class ParsedEvent:
    provider: str  # "kuaidi100", "aftership", "17track", "batch", "file", "scan"
    carrier: str  # our carrier code (parcelops.carriers.registry), "" when unknown
    tracking_number: str
    occurred_at: datetime  # aware, UTC
    local_time: str  # the carrier's local time as sent, e.g. "2026-11-25 10:00:00"
    offset_source: str  # OFFSET_FROM_PAYLOAD or OFFSET_FROM_CARRIER_ZONE
    status: str  # canonical TrackingStatus value; "" when unmapped
    substatus: str
    raw_code: str
    raw_text: str
    location: str = ""
    event_id: str = ""  # the provider's own id, when it has one
    raw: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    estimated_delivery: date | None = None
    # occurred_at as as_utc_text() writes it, when the parser had it for free (batch and file
    # events): formatting a datetime costs ~2 µs, a tenth of the budget of an ingested event.
    utc_text: str = field(default="", hash=False, compare=False)
    # The provider's own code of the carrier, kept when it maps to none of ours (carrier
    # is then ""), so a parked event can say which code staff should map.
    provider_carrier: str = field(default="", hash=False, compare=False)

    @property
    def is_mapped(self) -> bool:
        return bool(self.status)

    @property
    def occurred_text(self) -> str:
        return self.utc_text or as_utc_text(self.occurred_at)

    @property
    def dedupe_key(self) -> str:
        """Same key = same event. A provider id wins; otherwise time + code + text."""
        if self.event_id:
            basis = f"{self.provider}|id|{self.event_id}"
        else:
            text = self.occurred_text  # the UTC time as occurred_at.isoformat() writes it:
            moment = f"{text[:10]}T{text[11:]}+00:00"
            if self.provider in TEXT_KEYED_PROVIDERS:
                # FORMATS.md: Kuaidi100 has no event id; a node is (com, nu, ftime, context),
                # and a later push may re-code an old node, which must not be stored twice.
                basis = (
                    f"{self.carrier}|{self.tracking_number}|{moment}|"
                    f"{' '.join(self.raw_text.split())}"
                )
            else:
                basis = (
                    f"{self.carrier}|{self.tracking_number}|{moment}|"
                    f"{self.raw_code}|{' '.join(self.raw_text.split())}"
                )
        return hashlib.sha256(basis.encode()).hexdigest()[:32]


def as_utc_text(moment: datetime) -> str:
    """An aware time as naive UTC ISO text, "2026-11-25 02:00:00" (".123000" when it has
    microseconds): how Django keeps times on SQLite. Texts of this form sort as the times do."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


class PayloadError(ValueError):
    """A payload that cannot be parsed at all; the message says why (HTTP 400)."""


class SignatureError(Exception):
    """A push whose signature is missing or wrong (HTTP 401); nothing is stored."""
