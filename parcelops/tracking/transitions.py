"""What ingestion tells the floors above it about the parcels it moved (the exception desk
detects from it), without importing them: they register here from their `ready()`.

Ingestion builds one `Transition` per shipment it wrote in a chunk (old and new status
and substatus, when the current status began, and the new events worth a look: the
exceptions, failed attempts, returns, deliveries, regressions and future times). Two
hooks read them:

- `next_check` (one function): the earliest moment a time-driven rule could fire for the
  parcel in its new state. Ingestion writes it in the shipment's own UPDATE, only ever
  lowering the stored one (decision 0028), so the sweep finds the parcel by one indexed
  query. Pure and fast: it runs for each shipment of each chunk.
- listeners: called inside the chunk's transaction once its events are stored, with all
  of the chunk's transitions (the desk opens its cases there, set-based).
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from parcelops.tracking.status import TrackingStatus


class NotableEvent(NamedTuple):
    """A new event of a parcel that a detector may want: one of NOTABLE_STATUSES, or
    flagged as a regression or as lying in the future."""

    key: str  # the event's dedupe key (stored events: TrackingEvent.dedupe_key)
    occurred_at: Any  # UTC text, as the engine folds ("2026-12-07 10:00:00")
    status: str
    substatus: str
    location: str
    is_regression: bool
    is_future: bool


class Transition(NamedTuple):
    """One shipment as a chunk of ingestion left it."""

    shipment_id: int
    order_id: int
    order_state: str
    carrier: str
    old_status: str
    old_substatus: str
    status: str
    substatus: str
    status_since: Any  # when the current status began (UTC text), or None
    last_event_at: Any  # UTC text, or None
    estimated_delivery_date: Any  # a date or None; old one when unchanged
    old_estimated_delivery_date: Any
    notable: tuple[NotableEvent, ...]
    has_open_case: bool = False  # the desk has a case open on it (clearing asks only these)


# Statuses whose events are passed on even when a later event of the chunk moved the
# parcel past them (a damaged scan followed by a transit scan is still a damaged parcel).
NOTABLE_STATUSES = frozenset(
    {
        TrackingStatus.EXCEPTION,
        TrackingStatus.ATTEMPT_FAILED,
        TrackingStatus.RETURNING,
        TrackingStatus.RETURNED,
        TrackingStatus.LOST,
        TrackingStatus.DISPOSED,
        TrackingStatus.DELIVERED,
        TrackingStatus.AVAILABLE_FOR_PICKUP,
    }
)

NextCheck = Callable[[Transition], datetime | None]
Listener = Callable[[Sequence[Transition]], None]

_next_check: list[NextCheck] = []
_listeners: dict[str, Listener] = {}


def set_next_check(function: NextCheck | None) -> None:
    """The one function that gives a parcel's next check (None: detection is off)."""
    _next_check.clear()
    if function is not None:
        _next_check.append(function)


def next_check_function() -> NextCheck | None:
    return _next_check[0] if _next_check else None


def listen(name: str, listener: Listener) -> None:
    """Call `listener` with each chunk's transitions (the same name replaces it)."""
    _listeners[name] = listener


def forget(name: str) -> None:
    _listeners.pop(name, None)


def listeners() -> list[Listener]:
    return list(_listeners.values())


# The desk's open cases of parcels, for the shipment answers of the API (tracking cannot
# read the desk's tables itself): parcel ids -> {parcel id: [case, ...]}.
OpenCasesReader = Callable[[list[int]], dict[int, list[dict[str, Any]]]]
_open_cases: list[OpenCasesReader] = []


def set_open_cases_reader(reader: OpenCasesReader | None) -> None:
    _open_cases.clear()
    if reader is not None:
        _open_cases.append(reader)


def open_cases_of(shipment_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The open cases of these parcels (only those whose has_open_case is set need
    asking); empty without the desk."""
    if not shipment_ids or not _open_cases:
        return {}
    return _open_cases[0](shipment_ids)


# The desk's cases per lane, for carrier choice's reliability (the warehouse cannot read
# the desk's tables either): (since, until) -> {(carrier, origin province, destination
# province): parcels handed over in [since, until) on which the desk opened a case}.
CaseCountsReader = Callable[[datetime, datetime], dict[tuple[str, str, str], int]]
_case_counts: list[CaseCountsReader] = []


def set_case_counts_reader(reader: CaseCountsReader | None) -> None:
    _case_counts.clear()
    if reader is not None:
        _case_counts.append(reader)


def case_counts(since: datetime, until: datetime) -> dict[tuple[str, str, str], int] | None:
    """Parcels with a case per lane, by the hand-over time; None without the desk (no
    case was ever counted, which is not the same as none found)."""
    if not _case_counts:
        return None
    return _case_counts[0](since, until)


def is_on() -> bool:
    """Whether anything wants transitions: the engine builds none otherwise."""
    return bool(_listeners) or bool(_next_check)
