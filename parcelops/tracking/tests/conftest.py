"""Fixtures of the tracking tests: packed orders, shipments, and events to feed in."""

from datetime import UTC, datetime, timedelta

import pytest

from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.orders.tests.factories import place_order
from parcelops.tracking.events import OFFSET_FROM_PAYLOAD, ParsedEvent

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def packed_order(external_id: str = "W-1001") -> Order:
    """Test set-up only: an order placed through intake, then put straight into packed."""
    order = place_order(external_id=external_id)
    Order.objects.filter(pk=order.pk).update(state=OrderState.PACKED)
    return Order.objects.get(pk=order.pk)


def carrier_event(
    number: str,
    hours: float,
    status: str,
    substatus: str = "",
    *,
    carrier: str = "zto",
    text: str = "",
    event_id: str = "",
) -> ParsedEvent:
    return ParsedEvent(
        provider="batch",
        carrier=carrier,
        tracking_number=number,
        occurred_at=T0 + timedelta(hours=hours),
        local_time=(T0 + timedelta(hours=hours + 8)).strftime("%Y-%m-%d %H:%M:%S"),
        offset_source=OFFSET_FROM_PAYLOAD,
        status=status,
        substatus=substatus,
        raw_code=status,
        raw_text=text or f"{status} {hours}",
        event_id=event_id,
        raw={"h": hours},
    )


@pytest.fixture
def packed(db, channel, frozen_now, staff):
    return packed_order()


@pytest.fixture
def forget_learned_carrier_codes():
    """Carrier codes staff map are kept in the carrier table and loaded by the process:
    forget what was loaded after the test."""
    yield
    from parcelops.carriers import registry

    registry.forget_loaded_carriers()
