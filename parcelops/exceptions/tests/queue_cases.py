"""Cases for the queue, API and page tests: orders with parcels, and cases made straight in
the table (the actions have their own tests), at the frozen clock of conftest.FIXED_NOW.
The `queue_desk` fixture is registered by this folder's conftest."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from conftest import FIXED_NOW
from parcelops.exceptions.kinds import CaseSource, CaseState, OwnerTier
from parcelops.exceptions.models import Case
from parcelops.orders.models import Order
from parcelops.orders.tests.factories import place_order
from parcelops.tracking.models import Shipment


def an_order(external_id: str) -> Order:
    return place_order(external_id=external_id)


def a_parcel(order: Order, number: str, carrier: str = "zto") -> Shipment:
    return Shipment.objects.create(
        order=order,
        carrier=carrier,
        tracking_number=number,
        status="in_transit",
        created_at=FIXED_NOW - timedelta(days=2),
    )


def a_case(
    order: Order,
    shipment: Shipment | None = None,
    *,
    type: str = "stalled",
    severity: str = "minor",
    opened: timedelta = timedelta(hours=1),
    due: timedelta = timedelta(hours=1),
    **fields: Any,
) -> Case:
    """A case opened `opened` before FIXED_NOW, due `due` after it (negative: overdue)."""
    values: dict[str, Any] = {
        "type": type,
        "severity": severity,
        "source": CaseSource.DETECTED,
        "order": order,
        "shipment": shipment,
        "carrier": shipment.carrier if shipment else "",
        "owner_tier": OwnerTier.STAFF,
        "opened_at": FIXED_NOW - opened,
        "due_at": FIXED_NOW + due,
        **fields,
    }
    return Case.objects.create(**values)


@dataclass
class Desk:
    """Three orders, two parcels, five cases:
    stalled   minor    open, ZTO parcel ZT1, logistics_staff's, due in 30 min
    damaged   major    open, SF parcel SF1, leadership tier, breached 1 h ago, unassigned
    delayed   moderate open, ZTO parcel ZT1, head tier, warned, due in 3 h
    not_shipped minor  open, order B (no parcel), unassigned, due in 2 h
    lost      major    closed, SF parcel SF1, with a summary"""

    orders: list[Order]
    parcels: list[Shipment]
    stalled: Case
    damaged: Case
    delayed: Case
    not_shipped: Case
    lost: Case


@pytest.fixture
def queue_desk(staff, english, frozen_now, channel) -> Desk:
    first, second, third = an_order("W-1"), an_order("W-2"), an_order("W-3")
    zto, sf = a_parcel(first, "ZT1000000001"), a_parcel(third, "SF1000000001", carrier="sf-express")
    stalled = a_case(first, zto, due=timedelta(minutes=30), owner=staff["logistics_staff"])
    damaged = a_case(
        third,
        sf,
        type="damaged",
        severity="major",
        opened=timedelta(hours=9),
        due=timedelta(hours=-1),
        owner_tier=OwnerTier.LEADERSHIP,
        breached_at=FIXED_NOW - timedelta(hours=1),
        is_breached=True,
        escalation_level=1,
        description="Box crushed, call 13812345678 or mail wang.xm@example.com",
    )
    delayed = a_case(
        first,
        zto,
        type="delayed",
        severity="moderate",
        opened=timedelta(hours=4),
        due=timedelta(hours=3),
        owner_tier=OwnerTier.HEAD,
        owner=staff["logistics_head"],
        warned_at=FIXED_NOW - timedelta(minutes=5),
    )
    not_shipped = a_case(second, None, type="not_shipped", due=timedelta(hours=2))
    lost = a_case(
        third,
        sf,
        type="lost",
        severity="major",
        opened=timedelta(days=3),
        due=timedelta(days=-2),
        state=CaseState.CLOSED,
        closed_at=FIXED_NOW - timedelta(days=1),
        resolution="carrier_claim",
        cause="The sorting centre in Wuxi misrouted the parcel",
        action_taken="Claimed the value from SF",
        lesson="Ask SF for a trace after two silent days",
        owner_tier=OwnerTier.LEADERSHIP,
    )
    return Desk([first, second, third], [zto, sf], stalled, damaged, delayed, not_shipped, lost)
