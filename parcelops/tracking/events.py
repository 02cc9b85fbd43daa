"""What every provider module produces: carrier events in one normalised shape.

Provider modules (parcelops/tracking/providers/) parse a payload into ParsedEvent
values; the ingestion engine (parcelops/tracking/ingest.py) stores them in sets.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

# Where an event's UTC offset came from.
OFFSET_FROM_PAYLOAD = "payload"  # the time carried its own offset (or was UTC)
OFFSET_FROM_CARRIER_ZONE = "carrier_zone"  # a naive local time read in the carrier's zone

# Providers whose events are identified by time and text alone (their codes may change).
TEXT_KEYED_PROVIDERS = frozenset({"kuaidi100"})

# Providers that may track a parcel under another carrier than the one we gave them
# (Kuaidi100's comOld/comNew): their events attach to the shipment of the number when it
# is the only one, and the other carrier is recorded on it (decision 0020).
CARRIER_CORRECTING_PROVIDERS = frozenset({"kuaidi100"})


# Not frozen: a frozen dataclass sets each field through object.__setattr__, too dear on the
# ingestion path (decision 0010). Treat it as immutable all the same.
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
    # events): formatting a datetime is a large share of an ingested event's cost (decision 0014).
    utc_text: str = field(default="", hash=False, compare=False)
    # The provider's own code of the carrier, kept when it maps to none of ours (carrier
    # is then ""), so a parked event can say which code staff should map.
    provider_carrier: str = field(default="", hash=False, compare=False)

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


class ProviderSummary(NamedTuple):
    """A provider's own verdict on a whole parcel, sent with its events and sometimes ahead
    of them (AfterShip's tag/subtag, 17TRACK's latest status, Kuaidi100's state): a push
    tagged Delivered may carry only the label scan, or no checkpoint at all."""

    provider: str
    carrier: str  # our carrier code, "" when the provider's is not one we know
    tracking_number: str
    status: str  # canonical TrackingStatus value; "" when the provider gave no verdict
    substatus: str
    # The provider's own code of the carrier it tracks with, set by carrier-correcting
    # providers only: a shipment of another carrier records it as a correction.
    provider_carrier: str = ""


def as_utc_text(moment: datetime) -> str:
    """An aware time as naive UTC ISO text, "2026-11-25 02:00:00" (".123000" when it has
    microseconds): how Django keeps times on SQLite. Texts of this form sort as the times do."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # A UTC time's text ends in "+00:00": cut, not replace(tzinfo=None), which costs half
    # again as much (ingestion formats every parcel's next check, decision 0028).
    return moment.isoformat(" ")[:-6]


class PayloadError(ValueError):
    """A payload that cannot be parsed at all; the message says why (HTTP 400)."""


class SignatureError(Exception):
    """A push whose signature is missing or wrong (HTTP 401); nothing is stored."""
