"""Pick lists: the walk's order, waves that never share an order, scans that refuse and
change nothing, short picks, and what a pick moves."""

from datetime import timedelta

import pytest

from parcelops.accounts import roles
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.orders.models import Order, OrderEvent
from parcelops.orders.states import OrderState
from parcelops.warehouse.actions import picking
from parcelops.warehouse.models import (
    Operation,
    PickLine,
    PickListState,
    Reservation,
    StockLevel,
    StockMove,
)
from parcelops.warehouse.tests import packing_floor

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def floor(db, channel, staff, frozen_now):
    return packing_floor.warehouse()


@pytest.fixture
def picker(staff):
    return staff[roles.WAREHOUSE]


def stops(pick_list):
    return [
        (line.sequence, line.bin.code, line.product.sku, line.order.external_id, line.quantity)
        for line in PickLine.objects.filter(pick_list=pick_list).select_related(
            "bin", "product", "order"
        )
    ]


def levels():
    return {
        (level.product.sku, level.bin.code): (level.on_hand, level.reserved)
        for level in StockLevel.objects.select_related("product", "bin")
    }


def test_a_list_walks_zones_then_bins_in_their_walk_order(floor, picker):
    first = packing_floor.allocated_order(floor, "W-1")
    packing_floor.allocated_order(floor, "W-2", bins={"CUP-002": "B-02"})

    wave = picking.make_pick_list(picker, floor, oldest=10)

    # Zone B (walk 1) before A (walk 2); in B, B-02 (walk 1) before B-01 (walk 5).
    assert stops(wave.pick_list) == [
        (1, "B-02", "CUP-002", "W-2", 1),
        (2, "B-01", "CUP-002", "W-1", 1),
        (3, "A-02", "TEA-001", "W-1", 2),
        (4, "A-02", "TEA-001", "W-2", 2),
    ]
    assert (wave.orders, wave.lines, wave.skipped) == (2, 4, [])
    assert wave.pick_list.number == f"PL261125-{wave.pick_list.pk:05d}"
    first.refresh_from_db()
    assert first.state == OrderState.PICKING


def test_the_orders_move_to_picking_with_a_timeline_event_each(floor, picker):
    order = packing_floor.allocated_order(floor, "W-1")

    wave = picking.make_pick_list(picker, floor, order_numbers=[order.number])

    event = OrderEvent.objects.get(order=order, to_state=OrderState.PICKING)
    assert (event.from_state, event.actor, event.data) == (
        OrderState.ALLOCATED,
        picker,
        {"pick_list": wave.pick_list.number},
    )


def test_a_wave_leaves_off_orders_already_on_an_open_list(floor, picker):
    first = packing_floor.allocated_order(floor, "W-1")
    second = packing_floor.allocated_order(floor, "W-2")
    picking.make_pick_list(picker, floor, order_numbers=[first.number])
    # Put back to allocated by hand (an abandoned pick): still on the open list.
    Order.objects.filter(pk=first.pk).update(state=OrderState.ALLOCATED)

    wave = picking.make_pick_list(picker, floor, order_numbers=[first.number, second.number])

    assert wave.skipped == [first.number]
    assert {line[3] for line in stops(wave.pick_list)} == {"W-2"}
    assert PickLine.objects.filter(order=first).count() == 2


def test_the_oldest_wave_skips_orders_on_an_open_list(floor, picker):
    packing_floor.allocated_order(floor, "W-1")
    picking.make_pick_list(picker, floor, oldest=1)
    packing_floor.allocated_order(floor, "W-2")

    wave = picking.make_pick_list(picker, floor, oldest=5)

    assert [line[3] for line in stops(wave.pick_list)] == ["W-2", "W-2"]


def test_no_order_free_to_pick_is_refused_and_makes_no_list(floor, picker):
    with pytest.raises(InputError) as refused:
        picking.make_pick_list(picker, floor, oldest=5)

    assert [e.as_dict() for e in refused.value.errors] == [
        {"field": "orders", "message": "No allocated order of this warehouse is free to pick."}
    ]
    assert not PickLine.objects.exists()


def test_a_wave_needs_the_pick_permission(floor, staff):
    packing_floor.allocated_order(floor, "W-1")
    with pytest.raises(NotPermittedError):
        picking.make_pick_list(staff[roles.ORDER_PROCESSOR], floor, oldest=5)
    assert Order.objects.get().state == OrderState.ALLOCATED


@pytest.mark.parametrize(
    ("bin_code", "sku", "field", "message"),
    [
        ("A-01", "CUP-002", "bin", "Wrong bin: you scanned “A-01”, this stop is bin B-01."),
        ("b-01 ", "TEA-001", "sku", "Wrong item: you scanned “TEA-001”, this stop is CUP-002."),
    ],
)
def test_a_wrong_scan_is_refused_and_changes_nothing(floor, picker, bin_code, sku, field, message):
    packing_floor.allocated_order(floor, "W-1")
    wave = picking.make_pick_list(picker, floor, oldest=1)
    before = levels()
    stop = packing_floor.stop(wave.pick_list)

    with pytest.raises(InputError) as refused:
        picking.confirm_pick(stop, picker, bin_code=bin_code, sku=sku)

    assert [e.as_dict() for e in refused.value.errors] == [{"field": field, "message": message}]
    assert levels() == before
    assert not StockMove.objects.exists()
    assert not Operation.objects.exists()
    assert PickLine.objects.filter(picked_at__isnull=False).count() == 0
    assert set(Reservation.objects.values_list("state", flat=True)) == {"active"}


def test_a_pick_moves_the_stock_out_and_times_the_picker(floor, picker, frozen_now):
    order = packing_floor.allocated_order(floor, "W-1")
    wave = picking.make_pick_list(picker, floor, oldest=1)
    stop = packing_floor.stop(wave.pick_list)
    shown = wave.pick_list.created_at + timedelta(seconds=10)
    frozen_now.shift(timedelta(seconds=40))

    picking.confirm_pick(stop, picker, bin_code="b-01", sku="cup-002", shown_at=shown)

    stop.refresh_from_db()
    assert (stop.picked_quantity, stop.picked_by, stop.picked_at) == (
        1,
        picker,
        wave.pick_list.created_at + timedelta(seconds=40),
    )
    assert levels()[("CUP-002", "B-01")] == (5, 0)
    assert levels()[("TEA-001", "A-02")] == (7, 2)
    move = StockMove.objects.get()
    assert (move.kind, move.quantity, move.order, move.bin.code, move.actor) == (
        "pick",
        -1,
        order,
        "B-01",
        picker,
    )
    assert Reservation.objects.get(pk=stop.reservation_id).state == "picked"
    operation = Operation.objects.get()
    assert (operation.kind, operation.actor, operation.units, operation.order) == (
        "pick",
        picker,
        1,
        order,
    )
    assert operation.finished_at - operation.started_at == timedelta(seconds=30)


def test_the_list_is_done_when_every_stop_is_picked(floor, picker, frozen_now):
    packing_floor.allocated_order(floor, "W-1")
    wave = picking.make_pick_list(picker, floor, oldest=1)
    picking.confirm_pick(packing_floor.stop(wave.pick_list), picker, bin_code="B-01", sku="CUP-002")
    wave.pick_list.refresh_from_db()
    assert wave.pick_list.state == PickListState.OPEN
    frozen_now.shift(timedelta(seconds=20))

    picking.confirm_pick(packing_floor.stop(wave.pick_list), picker, bin_code="A-02", sku="TEA-001")

    wave.pick_list.refresh_from_db()
    assert wave.pick_list.state == PickListState.DONE
    assert picking.next_stop(wave.pick_list) is None
    # The second pick started at the first one.
    second = Operation.objects.order_by("id").last()
    assert second is not None
    assert second.started_at == wave.pick_list.created_at


def test_a_stop_picked_already_is_not_picked_twice(floor, picker):
    packing_floor.allocated_order(floor, "W-1")
    wave = picking.make_pick_list(picker, floor, oldest=1)
    stop = packing_floor.stop(wave.pick_list)
    picking.confirm_pick(stop, picker, bin_code="B-01", sku="CUP-002")

    with pytest.raises(ActionError):
        picking.confirm_pick(stop, picker, bin_code="B-01", sku="CUP-002")
    assert StockMove.objects.count() == 1


def test_a_short_pick_needs_a_reason_and_moves_no_stock(floor, picker):
    packing_floor.allocated_order(floor, "W-1")
    wave = picking.make_pick_list(picker, floor, oldest=1)
    stop = packing_floor.stop(wave.pick_list)
    before = levels()

    with pytest.raises(InputError) as refused:
        picking.report_short(stop, picker, reason="  ")
    assert refused.value.errors[0].field == "reason"

    picking.report_short(stop, picker, reason="Bin empty")

    stop.refresh_from_db()
    assert (stop.short_reason, stop.picked_at, stop.picked_quantity) == ("Bin empty", None, 0)
    assert levels() == before
    assert Reservation.objects.get(pk=stop.reservation_id).state == "active"
    assert packing_floor.stop(wave.pick_list).bin.code == "A-02"
