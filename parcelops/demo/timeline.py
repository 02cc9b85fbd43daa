"""Demo only: a believable timeline for the demo's orders.

The actions stamp every row with the real clock, so a fresh demo would show hundreds of
orders placed, paid and delivered within the same seconds. ``parcelops.demo.loader`` plans each
order's times over the past days here (from the order's own seeded stream), tells the
story, and then rewrites the times in bulk. The audit trail keeps the real times it was
written.
"""

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F

from parcelops.demo.data import MARKETPLACES
from parcelops.demo.plan import PlannedOrder
from parcelops.orders import rules
from parcelops.orders.models import Order, OrderEvent
from parcelops.orders.states import OrderEventType, OrderState
from parcelops.tracking.models import Shipment, TrackingEvent

RECEIPT_DELAY = timedelta(minutes=2)  # how long after a scan the demo's feeds deliver it


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


def gap_before(event: OrderEvent, rng: random.Random) -> timedelta:
    """How long after the previous step a person or carrier typically takes this one."""
    kind = event.type
    if kind == OrderEventType.ASSIGNED:
        automatic = bool(event.data.get("automatic"))
        return timedelta(seconds=rng.uniform(1, 5)) if automatic else _minutes(rng, 10, 90)
    if kind == OrderEventType.PAID:
        return _minutes(rng, 1, 40)
    if kind in (OrderEventType.CONFIRMED, OrderEventType.SUBMITTED_FOR_REVIEW):
        return _minutes(rng, 60, 480) if event.comment else _minutes(rng, 15, 180)
    if kind in (OrderEventType.APPROVED, OrderEventType.REJECTED):
        return _minutes(rng, 20, 300)
    if kind == OrderEventType.CANCELLED:
        return _minutes(rng, 30, 1440) if event.actor_id is None else _minutes(rng, 20, 600)
    if kind == OrderEventType.COMPLETED:
        if event.actor_id is None:  # the auto-complete sweep
            days = settings.PARCELOPS_AUTO_COMPLETE_DAYS
            return timedelta(days=days) + _minutes(rng, 5, 60)
        return _minutes(rng, 1440, 4320)
    step_minutes: dict[str, tuple[int, int]] = {
        OrderState.ALLOCATED: (10, 180),
        OrderState.PICKING: (10, 120),
        OrderState.PACKED: (10, 60),
        OrderState.SHIPPED: (60, 360),
        OrderState.IN_TRANSIT: (120, 600),
        OrderState.DELIVERED: (1080, 3600) if event.from_state == "in_transit" else (180, 540),
    }
    return _minutes(rng, *step_minutes.get(event.to_state, (5, 60)))


def latest_time(started: datetime) -> datetime:
    """Nothing in the demo happens after this: a minute before the run started."""
    return started - timedelta(minutes=1)


def plan_times(
    stories: Sequence[tuple[int, PlannedOrder, Sequence[OrderEvent]]], started: datetime
) -> dict[int, list[datetime]]:
    """When each order's events happened: (order id, plan, events still to come) in.

    The times cover the events already written and the unsaved stand-ins of those still
    to come (the parcel's part), so the carrier events can be dated to fit; ``backdate``
    writes them once the whole story is told.
    """
    events: dict[int, list[OrderEvent]] = defaultdict(list)
    ids = [order_id for order_id, _planned, _to_come in stories]
    for event in OrderEvent.objects.filter(order_id__in=ids).order_by("id"):
        events[event.order_id].append(event)
    latest = latest_time(started)
    planned_times: dict[int, list[datetime]] = {}
    for order_id, planned, still_to_come in stories:
        rng = random.Random(f"{planned.key}:time")  # noqa: S311 (repeatable demo times)
        placed_at = planned.placed_at(started)
        delay = (30, 600) if planned.channel in MARKETPLACES else (1, 20)  # marketplaces are polled
        received_at = min(placed_at + timedelta(seconds=rng.uniform(*delay)), latest)
        received_at = max(received_at, placed_at)
        timeline = [*events[order_id], *still_to_come]
        gaps = [gap_before(event, rng) for event in timeline[1:]]
        span = sum(gaps, timedelta())
        room = max(latest - received_at, timedelta())
        if span > room:  # squeeze the story into the time since the order was placed
            gaps = [gap * (room / span) for gap in gaps]
        times = [received_at]
        for gap in gaps:
            times.append(times[-1] + gap)
        planned_times[order_id] = times
    return planned_times


def backdate(times: dict[int, list[datetime]]) -> None:
    """Write the planned times, one bulk update per table: the orders' events, received and
    completion times, their parcels' hand-over times (and first-scan checks) and the
    receipt of their carrier events.
    """
    ids = list(times)
    orders = Order.objects.only("id", "received_at", "completed_at", "after_sales_until").in_bulk(
        ids
    )
    events: dict[int, list[OrderEvent]] = defaultdict(list)
    for event in OrderEvent.objects.filter(order_id__in=ids).order_by("id"):
        events[event.order_id].append(event)
    shipped_at: dict[int, datetime] = {}
    completions: list[OrderEvent] = []
    for pk, order in orders.items():
        timeline = events[pk]
        for event, at in zip(timeline, times[pk], strict=True):
            event.at = at
            if event.to_state == OrderState.SHIPPED:
                shipped_at[pk] = at
        order.received_at = timeline[0].at
        completion = [e for e in timeline if e.type == OrderEventType.COMPLETED]
        if completion:
            order.completed_at = completion[-1].at
            order.after_sales_until = rules.after_sales_deadline(
                order.completed_at, settings.PARCELOPS_AFTER_SALES_DAYS
            )
            completion[-1].data["after_sales_until"] = order.after_sales_until.isoformat()
            completions.append(completion[-1])
    Order.objects.bulk_update(
        orders.values(), ["received_at", "completed_at", "after_sales_until"], batch_size=500
    )
    OrderEvent.objects.bulk_update(
        [event for timeline in events.values() for event in timeline], ["at"], batch_size=500
    )
    OrderEvent.objects.bulk_update(completions, ["data"], batch_size=500)
    shipments = list(
        Shipment.objects.filter(order_id__in=list(shipped_at)).only(
            "id", "order_id", "created_at", "last_event_at", "next_check_at"
        )
    )
    for shipment in shipments:
        moved = shipped_at[shipment.order_id] - shipment.created_at
        shipment.created_at = shipped_at[shipment.order_id]
        if shipment.last_event_at is None and shipment.next_check_at is not None:
            # No carrier has scanned it: the desk's first-scan check, set at the hand-over
            # from the real clock, moves with the hand-over.
            shipment.next_check_at += moved
    Shipment.objects.bulk_update(shipments, ["created_at", "next_check_at"], batch_size=500)
    TrackingEvent.objects.filter(shipment__order_id__in=list(shipped_at)).update(
        received_at=F("occurred_at") + RECEIPT_DELAY
    )
