"""Fixtures of the exception desk's tests: a parcel on its way, events to feed, sweeps."""

from datetime import UTC, datetime, timedelta

import pytest

from parcelops.exceptions.tests.queue_cases import queue_desk
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.orders.tests.factories import place_order
from parcelops.tracking import actions as tracking_actions
from parcelops.tracking.tests.conftest import carrier_event

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # the parcels' first scans (tracking tests' T0)
HANDED_OVER = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


def parcel(number: str = "ZT1000000001", *, external_id: str = "W-1001", staff=None, **changes):
    """A packed order handed over to ZTO at HANDED_OVER (label printed then): a parcel
    whose first scan is due."""
    order = place_order(changes or None, external_id=external_id)
    Order.objects.filter(pk=order.pk).update(state=OrderState.PACKED)
    order.refresh_from_db()
    return tracking_actions.create_shipment(
        order,
        "zto",
        number,
        staff,
        shipped_at=HANDED_OVER,
        label_created_at=HANDED_OVER,
    )


def feed(*events):
    return tracking_actions.record_tracking_events(list(events))


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


__all__ = ["T0", "at", "carrier_event", "feed", "parcel", "queue_desk"]


@pytest.fixture
def desk(db, channel, staff, frozen_now):
    """Everyone in their role (one logistics staff, head and leader on shift)."""
    return staff
