"""Pure tracking rules: how a shipment's status follows from its events.

The status is a function of the set of events, not of their arrival: events are folded
in order of occurrence (ties by dedupe key), so any order of arrival, and any repeat,
gives the same result.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from parcelops.orders.states import OrderState
from parcelops.tracking.status import RETURN_STATUSES, STATUS_RANK, TrackingStatus, rank_of

FUTURE_SKEW = timedelta(minutes=15)  # carriers' clocks drift; beyond this an event is "future"


class ShipmentState(NamedTuple):  # a tuple: the engine builds one per shipment per chunk
    status: str
    substatus: str
    rank: int
    last_event_at: datetime | None = None
    delivered_at: datetime | None = None


INITIAL_STATE = ShipmentState(TrackingStatus.INFO_RECEIVED, "label_created", 1)


class EventFacts(NamedTuple):  # a tuple: one per event on the hot path
    """What the fold needs of one event."""

    key: str  # dedupe key
    occurred_at: datetime
    status: str  # "" when unmapped
    substatus: str
    is_future: bool


def future_cutoff(received_at: datetime) -> datetime:
    """Events after this moment are in the future for a batch received at received_at."""
    return received_at + FUTURE_SKEW


def sort_key(event: EventFacts) -> tuple[datetime, str]:
    return (event.occurred_at, event.key)


def apply_event(state: ShipmentState, event: EventFacts) -> tuple[ShipmentState, bool]:
    """The state after one more event (in occurrence order) and whether it is a regression.

    Future events are stored but move nothing; unmapped ones only count as activity. An event that would lower
    the progress rank is a regression, except into returning/returned; a parcel that
    went quiet (expired) reopens on any new event.
    """
    if event.is_future:
        return state, False
    last = (
        event.occurred_at
        if state.last_event_at is None
        else max(state.last_event_at, event.occurred_at)
    )
    if not event.status:  # a scan we cannot read still shows the parcel is moving
        return state._replace(last_event_at=last), False
    new_rank = rank_of(event.status, state.rank)
    reopens = state.status == TrackingStatus.EXPIRED
    if new_rank < state.rank and event.status not in RETURN_STATUSES and not reopens:
        return state._replace(last_event_at=last), True
    delivered_at = state.delivered_at
    if event.status == TrackingStatus.DELIVERED and delivered_at is None:
        delivered_at = event.occurred_at
    return ShipmentState(event.status, event.substatus, new_rank, last, delivered_at), False


def fold_events(
    events: Iterable[EventFacts], start: ShipmentState = INITIAL_STATE
) -> tuple[ShipmentState, set[str]]:
    """The final state and the keys of the events that are regressions."""
    state = start
    regressions: set[str] = set()
    for event in sorted(events, key=sort_key):
        state, is_regression = apply_event(state, event)
        if is_regression:
            regressions.add(event.key)
    return state, regressions


def apply_summary(state: ShipmentState, status: str, substatus: str) -> ShipmentState | None:
    """The state once a provider's verdict on the whole parcel counts, or None when the
    verdict adds nothing to what the events say (decision 0020).

    A verdict counts when it is ahead of the events: a higher rank (Delivered while the only
    checkpoint is the label scan), any verdict on a parcel no event has moved yet (Pending
    or Expired with no checkpoints), any verdict on an expired parcel (as an event reopens
    it). A verdict in step with the events, or behind them (an older push arriving late),
    changes nothing. It is not an event: the event times stay.
    """
    if not status or status == state.status:
        return None
    rank = rank_of(status, state.rank)
    untouched = state.last_event_at is None and state.status == INITIAL_STATE.status
    if rank > state.rank or untouched or state.status == TrackingStatus.EXPIRED:
        return state._replace(status=status, substatus=substatus, rank=rank)
    return None


_IN_TRANSIT_RANK = STATUS_RANK[TrackingStatus.IN_TRANSIT]


def _is_on_its_way(status: str) -> bool:
    return STATUS_RANK.get(status, _IN_TRANSIT_RANK) >= _IN_TRANSIT_RANK


def order_state_for(statuses: list[str]) -> OrderState | None:
    """What an order's parcels say about it: all delivered, or at least one on its way."""
    if statuses and all(s == TrackingStatus.DELIVERED for s in statuses):
        return OrderState.DELIVERED
    if any(_is_on_its_way(s) for s in statuses):
        return OrderState.IN_TRANSIT
    return None


def may_move_order(order_state: str, new_status: str) -> bool:
    """Whether a parcel's new status can move its order on (shipped -> in transit ->
    delivered); the engine asks the order's other parcels only when it can. The same as
    order_state_for([new_status]) taking the order on, without building a list per parcel."""
    if order_state == OrderState.SHIPPED:
        return new_status == TrackingStatus.DELIVERED or _is_on_its_way(new_status)
    return order_state == OrderState.IN_TRANSIT and new_status == TrackingStatus.DELIVERED
