"""The desk listening to ingestion: each chunk's transitions (parcelops.tracking
.transitions) open, add to and clear cases, in the chunk's transaction, with a few
queries per chunk however many parcels moved."""

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

from django.db import connection

from parcelops.core.clock import now
from parcelops.core.sqlsets import in_set, values_in
from parcelops.exceptions import detection
from parcelops.exceptions.actions.opening import (
    Outcome,
    Target,
    clear_conditions,
    open_or_update,
)
from parcelops.exceptions.kinds import CaseSource, CaseType
from parcelops.orders.states import OrderState
from parcelops.tracking.models import Shipment
from parcelops.tracking.status import TrackingStatus
from parcelops.tracking.transitions import NotableEvent, Transition

# Orders the desk leaves alone: finished or cancelled (the sweep skips them too).
SETTLED_ORDER_STATES = frozenset({OrderState.COMPLETED, OrderState.CANCELLED})


def is_settled(order_state: str, parcel_status: str) -> bool:
    """Whether a parcel's order is beyond the desk: completed, cancelled, or delivered by
    hand (the order says delivered, its parcel does not)."""
    if order_state in SETTLED_ORDER_STATES:
        return True
    return order_state == OrderState.DELIVERED and parcel_status != TrackingStatus.DELIVERED


def _failed_attempts(shipment_ids: list[int]) -> dict[int, list[NotableEvent]]:
    """The failed delivery attempts each parcel has stored that count (this chunk's
    included: the listener runs after its events are written), oldest first. Raw, as the ingestion
    engine's reads are: the unique (shipment, key) index narrows it to the parcels' own
    events."""
    if not shipment_ids:
        return {}
    ids_match, parameter = in_set("shipment_id", shipment_ids, "bigint")
    found: dict[int, list[NotableEvent]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shipment_id, dedupe_key, occurred_at, substatus, location "  # noqa: S608 (no user input in the SQL)
            f"FROM tracking_trackingevent WHERE {ids_match} AND status = %s "
            # Dated in the future or going backwards, an event counts for nothing but
            # wrong information (detection.signals_from_transition).
            "AND NOT is_future AND NOT is_regression "
            "ORDER BY shipment_id, occurred_at, dedupe_key",
            [parameter, str(TrackingStatus.ATTEMPT_FAILED)],
        )
        for sid, key, occurred, substatus, location in cursor.fetchall():
            moment = detection.as_moment(occurred)  # SQLite's driver reads it naive
            found[sid].append(
                NotableEvent(
                    key, moment, TrackingStatus.ATTEMPT_FAILED, substatus, location, False, False
                )
            )
    return found


def detect_from_tracking(changes: Sequence[Transition]) -> None:
    """Open and clear cases for one chunk of ingestion's transitions (its listener)."""
    detect(changes)


def detect(changes: Sequence[Transition]) -> Outcome:
    """Open and clear cases for one chunk of ingestion's transitions."""
    moment = now()
    watched = [t for t in changes if not is_settled(t.order_state, t.status)]
    noted = [t for t in watched if t.notable]  # the few with events worth a look
    attempts = _failed_attempts(
        [
            t.shipment_id
            for t in noted
            if any(e.status == TrackingStatus.ATTEMPT_FAILED for e in t.notable)
        ]
    )
    delivered = [
        t.shipment_id for t in noted if any(e.status == TrackingStatus.DELIVERED for e in t.notable)
    ]
    cities = (
        dict(
            Shipment.objects.filter(pk__in=values_in(delivered, "bigint")).values_list(
                "id", "destination_city"
            )
        )
        if delivered
        else {}
    )
    targets: list[Target] = []
    cleared: dict[int, set[str]] = {}
    may_signal = detection.may_signal
    for t in watched:
        if may_signal(t):  # most are ordinary scans: nothing to ask the rules
            tried = attempts.get(t.shipment_id, ())
            for signal in detection.signals_from_transition(
                t,
                failed_attempts=len(tried),
                destination_city=cities.get(t.shipment_id, ""),
                returned_by_request=False,
            ):
                if signal.type == CaseType.FAILED_DELIVERY:
                    # Every attempt is its evidence, not only the chunk's that reached the
                    # count: which one that was depends on the order the news came in.
                    signal = dataclasses.replace(signal, evidence=tuple(tried))
                targets.append(Target(t.order_id, t.shipment_id, t.carrier, signal))
        if t.has_open_case:
            types = detection.cleared_types(t)
            if types:
                cleared[t.shipment_id] = set(types)
    outcome = Outcome()
    if cleared:
        outcome.add(clear_conditions(cleared, at=moment, note="tracking"))
    if targets:
        outcome.add(open_or_update(targets, source=CaseSource.DETECTED, at=moment))
    return outcome
