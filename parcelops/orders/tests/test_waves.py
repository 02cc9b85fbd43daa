"""start_picking_orders: a wave's orders move allocated -> picking in one statement, with
the same checks and records as advance_order."""

import pytest

from parcelops.accounts import roles
from parcelops.audit.models import AuditRecord
from parcelops.core.errors import NotPermittedError
from parcelops.orders import actions
from parcelops.orders.models import Order, OrderEvent
from parcelops.orders.states import OrderState
from parcelops.orders.tests.factories import place_order


@pytest.fixture
def orders(db, channel, frozen_now):
    placed = [place_order(external_id=f"W-{i}") for i in range(3)]
    Order.objects.filter(pk__in=[o.pk for o in placed[:2]]).update(state=OrderState.ALLOCATED)
    return placed


def test_only_allocated_orders_move_each_with_its_event(orders, staff):
    picker = staff[roles.WAREHOUSE]

    moved = actions.start_picking_orders([o.pk for o in orders], picker, pick_list="PL1")

    assert moved == sorted(o.pk for o in orders[:2])
    states = dict(Order.objects.values_list("pk", "state"))
    assert [states[o.pk] for o in orders] == ["picking", "picking", orders[2].state]
    events = OrderEvent.objects.filter(to_state=OrderState.PICKING).order_by("order_id")
    assert [(e.order_id, e.from_state, e.actor_id, e.data) for e in events] == [
        (o.pk, "allocated", picker.pk, {"pick_list": "PL1"}) for o in orders[:2]
    ]
    record = AuditRecord.objects.get(action="order.picking")
    assert record.detail == {"pick_list": "PL1", "orders": [o.number for o in orders[:2]]}


def test_a_second_wave_takes_none_of_the_first_ones_orders(orders, staff):
    ids = [o.pk for o in orders]
    actions.start_picking_orders(ids, staff[roles.WAREHOUSE], pick_list="PL1")

    assert actions.start_picking_orders(ids, staff[roles.WAREHOUSE], pick_list="PL2") == []


def test_a_role_that_may_not_fulfil_moves_nothing(orders, staff):
    with pytest.raises(NotPermittedError):
        actions.start_picking_orders([o.pk for o in orders], staff[roles.ANALYST], pick_list="PL1")
    assert not Order.objects.filter(state=OrderState.PICKING).exists()
