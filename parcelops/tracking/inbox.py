"""What the tracking inboxes show: why each parked event waits, which parcels could take it,
the unmapped raw codes and the unknown carrier codes, and the counts the tabs carry.
Reads only; the changes are in parcelops.tracking.actions."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max
from django.utils.translation import gettext as _

from parcelops.carriers import registry
from parcelops.tracking.models import Shipment, TrackingEvent, UnmatchedEvent
from parcelops.tracking.presentation import substatus_label
from parcelops.tracking.status import SUBSTATUSES, TrackingStatus


def is_unknown_carrier_code(event: UnmatchedEvent) -> bool:
    """Parked because the provider named its carrier with a code we cannot place."""
    return not event.carrier and bool(event.provider_carrier)


def parked_reason(event: UnmatchedEvent, candidates: list[Shipment]) -> str:
    """Why an event waits, in words staff can act on."""
    if is_unknown_carrier_code(event):
        return _("Unknown carrier code")
    if not candidates:
        return _("No parcel with this number yet")
    if not event.carrier:
        return _("Several parcels have this number")
    return _("The carrier differs from the parcel's")


def candidates_by_number(numbers: Iterable[str]) -> dict[str, list[Shipment]]:
    """The parcels with each of these tracking numbers (with their orders): one query."""
    found: dict[str, list[Shipment]] = defaultdict(list)
    shipments = (
        Shipment.objects.filter(tracking_number__in=set(numbers))
        .select_related("order")
        .order_by("created_at", "id")
    )
    for shipment in shipments:
        found[shipment.tracking_number].append(shipment)
    return found


@dataclass
class CodeGroup:
    """Events of one provider's raw code that no mapping knows: stored and parked."""

    provider: str
    raw_code: str
    stored: int = 0
    parked: int = 0
    parcels: int = 0
    example_text: str = ""
    last_received_at: datetime | None = None

    @property
    def count(self) -> int:
        return self.stored + self.parked


def _grouped(queryset: Any, *, with_parcels: bool) -> Any:
    annotations: dict[str, Any] = {
        "count": Count("id"),
        "last_received_at": Max("received_at"),
        "example_text": Max("raw_text"),
    }
    if with_parcels:
        annotations["shipments"] = Count("shipment", distinct=True)
    return queryset.filter(status="").values("provider", "raw_code").annotate(**annotations)


def unmapped_code_groups() -> list[CodeGroup]:
    """Unmapped raw codes, most frequent first, counting stored and parked events (two
    grouped queries; there are few distinct codes, however many events)."""
    groups: dict[tuple[str, str], CodeGroup] = {}
    for row in _grouped(TrackingEvent.objects, with_parcels=True):
        group = groups[row["provider"], row["raw_code"]] = CodeGroup(
            row["provider"], row["raw_code"]
        )
        group.stored, group.parcels = row["count"], row["shipments"]
        group.example_text, group.last_received_at = row["example_text"], row["last_received_at"]
    for row in _grouped(UnmatchedEvent.objects, with_parcels=False):
        key = (row["provider"], row["raw_code"])
        group = groups.get(key) or groups.setdefault(key, CodeGroup(*key))
        group.parked = row["count"]
        group.example_text = group.example_text or row["example_text"]
        if group.last_received_at is None or row["last_received_at"] > group.last_received_at:
            group.last_received_at = row["last_received_at"]
    return sorted(groups.values(), key=lambda g: (-g.count, g.provider, g.raw_code))


def unknown_carrier_codes() -> list[dict[str, Any]]:
    """The providers' carrier codes that name none of our carriers, with their parked events."""
    groups: Any = (
        UnmatchedEvent.objects.filter(carrier="")
        .exclude(provider_carrier="")
        .values("provider", "provider_carrier")
        .annotate(
            count=Count("id"),
            numbers=Count("tracking_number", distinct=True),
            last_received_at=Max("received_at"),
        )
        .order_by("-count", "provider", "provider_carrier")
    )
    return [dict(group) for group in groups]


def status_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The mapping form's choices: each status, alone and with each of its substatuses,
    as "status:substatus" values grouped under the status's label."""
    choices = []
    for status, label in TrackingStatus.choices:
        options = [(f"{status}:", f"{label}")]
        options += [
            (f"{status}:{sub}", f"{label} · {substatus_label(sub)}")
            for sub in SUBSTATUSES.get(status, ())
        ]
        choices.append((str(label), options))
    return choices


def carrier_choices(language: str) -> list[tuple[str, str]]:
    english = language.startswith("en")
    return [
        (info.code, info.name_en if english else info.name_zh)
        for info in sorted(registry.CARRIERS, key=lambda c: c.name_en.lower())
    ]


def parked_counts(numbers: Iterable[str]) -> dict[str, int]:
    """How many parked events wait for each of these tracking numbers."""
    wanted = set(numbers)
    if not wanted:
        return {}
    rows = (
        UnmatchedEvent.objects.filter(tracking_number__in=wanted)
        .values_list("tracking_number")
        .annotate(count=Count("id"))
    )
    return dict(rows)


def inbox_counts() -> dict[str, int]:
    """How many events wait in each inbox (the tabs' counts): two counting queries."""
    return {
        "unmatched": UnmatchedEvent.objects.count(),
        "unmapped": TrackingEvent.objects.filter(status="").count()
        + UnmatchedEvent.objects.filter(status="").count(),
    }
