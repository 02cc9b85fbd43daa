"""The fold from events to a shipment's status: ordering, regressions, future, expiry."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcelops.orders.states import ALLOWED_TRANSITIONS, OrderState
from parcelops.tracking.rules import (
    FUTURE_SKEW,
    INITIAL_STATE,
    EventFacts,
    ShipmentState,
    fold_events,
    future_cutoff,
    may_move_order,
    order_state_for,
)
from parcelops.tracking.status import STATUS_RANK, SUBSTATUSES
from parcelops.tracking.status import TrackingStatus as T

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def event(
    key: str, hours: float, status: str, substatus: str = "", future: bool = False
) -> EventFacts:
    return EventFacts(key, T0 + timedelta(hours=hours), status, substatus, future)


def test_events_fold_in_order_of_occurrence_not_arrival():
    arrived = [
        event("c", 30, T.DELIVERED, "signed_by_recipient"),
        event("a", 1, T.IN_TRANSIT, "picked_up"),
        event("b", 20, T.OUT_FOR_DELIVERY, "out_for_delivery"),
    ]
    state, regressions = fold_events(arrived)
    assert state == ShipmentState(
        T.DELIVERED, "signed_by_recipient", 5, T0 + timedelta(hours=30), T0 + timedelta(hours=30)
    )
    assert regressions == set()


def test_an_event_that_would_lower_the_rank_is_flagged_and_moves_nothing():
    state, regressions = fold_events(
        [
            event("a", 1, T.OUT_FOR_DELIVERY, "out_for_delivery"),
            event("b", 2, T.IN_TRANSIT, "arrived_facility"),
        ]
    )
    assert (state.status, state.rank, state.last_event_at) == (
        T.OUT_FOR_DELIVERY,
        3,
        T0 + timedelta(hours=2),
    )
    assert regressions == {"b"}


@pytest.mark.parametrize("status", [T.RETURNING, T.RETURNED])
def test_moving_into_a_return_after_delivery_is_not_a_regression(status):
    state, regressions = fold_events([event("a", 1, T.DELIVERED), event("b", 2, status)])
    assert state.status == status
    assert regressions == set()


def test_an_exception_keeps_the_last_physical_rank():
    state, regressions = fold_events(
        [
            event("a", 1, T.OUT_FOR_DELIVERY),
            event("b", 2, T.EXCEPTION, "damaged"),
        ]
    )
    assert (state.status, state.substatus, state.rank) == (T.EXCEPTION, "damaged", 3)
    state, regressions = fold_events([event("c", 3, T.IN_TRANSIT)], start=state)
    assert regressions == {"c"}


def test_an_expired_shipment_reopens_on_a_new_event():
    state, regressions = fold_events(
        [event("a", 1, T.EXPIRED, "no_update_timeout"), event("b", 2, T.IN_TRANSIT)]
    )
    assert (state.status, state.rank) == (T.IN_TRANSIT, 2)
    assert regressions == set()


def test_unmapped_events_count_as_activity_but_move_no_status():
    state, _ = fold_events([event("a", 1, T.IN_TRANSIT), event("b", 5, "")])
    assert (state.status, state.last_event_at) == (T.IN_TRANSIT, T0 + timedelta(hours=5))


def test_future_events_move_nothing():
    state, regressions = fold_events([event("a", 1, T.DELIVERED, future=True)])
    assert state == INITIAL_STATE
    assert regressions == set()


def test_the_future_boundary_is_the_allowed_skew():
    received = T0
    # The engine marks an event future when it is later than this cutoff.
    assert future_cutoff(received) == received + FUTURE_SKEW == T0 + timedelta(minutes=15)


def test_delivered_at_is_the_first_delivery():
    state, _ = fold_events([event("a", 3, T.DELIVERED), event("b", 4, T.DELIVERED, "locker")])
    assert state.delivered_at == T0 + timedelta(hours=3)


statuses = st.sampled_from(list(T.values))
facts = st.builds(
    lambda key, hours, status, future: EventFacts(
        f"k{key}",
        T0 + timedelta(minutes=hours),
        status,
        (SUBSTATUSES.get(status) or ("",))[0],
        future,
    ),
    st.integers(0, 40),
    st.integers(0, 600),
    statuses,
    st.booleans(),
)


@given(st.lists(facts, max_size=25, unique_by=lambda f: f.key), st.randoms())
def test_any_order_of_arrival_gives_the_same_state(events, rng):
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert fold_events(shuffled) == fold_events(events)


@given(st.lists(facts, max_size=25, unique_by=lambda f: f.key))
def test_folding_in_two_steps_of_time_equals_folding_at_once(events):
    ordered = sorted(events, key=lambda f: (f.occurred_at, f.key))
    half = len(ordered) // 2
    first, _ = fold_events(ordered[:half])
    assert fold_events(ordered[half:], start=first)[0] == fold_events(ordered)[0]


def test_every_status_has_a_rank_except_exception():
    assert set(STATUS_RANK) == set(T.values) - {T.EXCEPTION}


@pytest.mark.parametrize("order_state", list(OrderState))
@pytest.mark.parametrize("status", list(T))
def test_may_move_order_agrees_with_what_the_parcels_say(order_state, status):
    target = order_state_for([status])
    moves = (order_state == OrderState.SHIPPED and target is not None) or (
        order_state == OrderState.IN_TRANSIT and target == OrderState.DELIVERED
    )
    assert may_move_order(order_state, status) is moves


# A delivered order shipped again gets a new parcel (an exception case's reship), whose row
# is made after the order moved: no chunk can have read that parcel's order before it.
NEW_PARCEL_MOVES = {(OrderState.DELIVERED, OrderState.SHIPPED)}


def _reachable(state: OrderState) -> set[OrderState]:
    seen, todo = {state}, [state]
    while todo:
        before = todo.pop()
        for after in ALLOWED_TRANSITIONS[before]:
            if (before, after) in NEW_PARCEL_MOVES:
                continue
            if after not in seen:
                seen.add(after)
                todo.append(after)
    return seen


def test_an_order_read_before_it_moved_on_never_hides_a_follow():
    # The engine decides from the order's state as read before its write (decision 0015).
    # An order with a parcel is shipped or later, and from there it only moves forward,
    # where a parcel can move it in fewer cases: so a state read too early can only ask
    # for a follow that the write then finds unneeded, never miss one.
    assert _reachable(OrderState.SHIPPED) == {
        OrderState.SHIPPED,
        OrderState.IN_TRANSIT,
        OrderState.DELIVERED,
        OrderState.COMPLETED,
    }
    for read in _reachable(OrderState.SHIPPED):
        for now in _reachable(read):
            for status in T:
                if may_move_order(now, status):
                    assert may_move_order(read, status), (read, now, status)


def test_what_an_orders_parcels_say():
    assert order_state_for([T.DELIVERED, T.DELIVERED]) == OrderState.DELIVERED
    assert order_state_for([T.DELIVERED, T.OUT_FOR_DELIVERY]) == OrderState.IN_TRANSIT
    assert order_state_for([T.INFO_RECEIVED, T.IN_TRANSIT]) == OrderState.IN_TRANSIT
    assert order_state_for([T.INFO_RECEIVED]) is None
    assert order_state_for([]) is None
