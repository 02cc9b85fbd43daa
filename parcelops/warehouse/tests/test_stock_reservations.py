"""Allocation reserves stock (R2.2.3): every line or none, bins by walk order, split when
no bin holds a line; a short order is backordered and allocated by itself when stock
arrives, oldest first; going back to approved or cancelling gives the units back."""

from datetime import timedelta

import pytest

from parcelops.accounts import roles
from parcelops.audit.models import AuditRecord
from parcelops.core.errors import ActionError
from parcelops.orders import actions as order_actions
from parcelops.orders.models import Order, OrderEvent, OrderLine, Product
from parcelops.orders.states import OrderState
from parcelops.warehouse import stock_queries
from parcelops.warehouse.actions import stock
from parcelops.warehouse.models import Reservation, ReservationState, StockLevel, StockMoveKind
from parcelops.warehouse.tests.stock_fixtures import level, place, warehouse

__all__ = ["warehouse"]  # the fixture

ALLOCATED = OrderState.ALLOCATED


@pytest.fixture
def people(staff, english, frozen_now):
    for sku in ("TEA-001", "CUP-002"):
        Product.objects.create(sku=sku, name=sku)
    return staff


def receive(sku: str, bin_code: str, quantity: int) -> None:
    stock.receive_stock(None, sku=sku, bin_code=bin_code, quantity=quantity)


def reservations(order: Order) -> list[tuple[str, str, int, str]]:
    return list(
        Reservation.objects.filter(order=order)
        .order_by("id")
        .values_list("product__sku", "bin__code", "quantity", "state")
    )


def allocate(order: Order, people) -> Order:
    return order_actions.advance_order(order, ALLOCATED, people[roles.WAREHOUSE])


@pytest.mark.django_db
def test_allocating_reserves_every_line_from_the_first_bin_in_walk_order_that_holds_it(
    warehouse, channel, order_payload, people
):
    receive("CUP-002", "B-01", 5)
    receive("TEA-001", "B-01", 9)
    receive("TEA-001", "A-02", 1)  # first in the walk, but too few for the line
    receive("TEA-001", "A-01", 0 + 3)
    order = place(order_payload, "W-1", [("TEA-001", 2), ("CUP-002", 1)])

    order = allocate(order, people)

    assert (order.state, order.is_backordered) == (ALLOCATED, False)
    assert reservations(order) == [
        ("TEA-001", "A-01", 2, "active"),
        ("CUP-002", "B-01", 1, "active"),
    ]
    assert (level("TEA-001", "A-01"), level("CUP-002", "B-01")) == ((3, 2), (5, 1))
    assert AuditRecord.objects.filter(action="stock.reserved", object_id=str(order.pk)).exists()
    assert stock_queries.check_stock().is_ok


@pytest.mark.django_db
def test_a_line_no_bin_holds_is_split_over_the_bins_in_walk_order(
    warehouse, channel, order_payload, people
):
    receive("TEA-001", "B-02", 4)
    receive("TEA-001", "A-02", 2)
    receive("TEA-001", "B-01", 1)
    order = place(order_payload, "W-1", [("TEA-001", 6)])

    allocate(order, people)

    assert reservations(order) == [
        ("TEA-001", "A-02", 2, "active"),
        ("TEA-001", "B-01", 1, "active"),
        ("TEA-001", "B-02", 3, "active"),
    ]
    assert stock_queries.check_stock().is_ok


@pytest.mark.django_db
def test_a_short_order_is_refused_flagged_backordered_and_reserves_nothing(
    warehouse, channel, order_payload, people
):
    receive("TEA-001", "A-01", 5)
    receive("CUP-002", "A-01", 1)
    order = place(order_payload, "W-1", [("TEA-001", 2), ("CUP-002", 3)])

    with pytest.raises(ActionError) as refusal:
        allocate(order, people)

    assert str(refusal.value) == "Not enough stock for SKU CUP-002: 3 wanted, 1 available."
    order.refresh_from_db()
    assert (order.state, order.is_backordered) == (OrderState.APPROVED, True)
    assert reservations(order) == []
    assert level("TEA-001", "A-01") == (5, 0)
    assert list(stock_queries.backorders()) == [order]
    assert AuditRecord.objects.filter(action="order.backordered").count() == 1


@pytest.mark.django_db
def test_a_line_without_a_catalogue_product_cannot_be_reserved(
    warehouse, channel, order_payload, people
):
    receive("TEA-001", "A-01", 5)
    order = place(order_payload, "W-1", [("TEA-001", 1), ("GIFT-CARD", 1)])
    OrderLine.objects.filter(order=order, sku="GIFT-CARD").update(product=None)

    with pytest.raises(ActionError) as refusal:
        allocate(order, people)

    assert str(refusal.value) == (
        "Line GIFT-CARD is not a product of the catalogue: its stock cannot be reserved."
    )
    assert reservations(order) == []


@pytest.mark.django_db
def test_stock_that_arrives_allocates_the_backorders_oldest_first(
    warehouse, channel, order_payload, people
):
    newer = place(order_payload, "W-NEW", [("TEA-001", 2)])
    older = place(order_payload, "W-OLD", [("TEA-001", 2)])
    Order.objects.filter(pk=older.pk).update(received_at=newer.received_at - timedelta(hours=1))
    for order in (newer, older):
        with pytest.raises(ActionError):
            allocate(order, people)

    receive("TEA-001", "A-01", 3)  # enough for one of them: the older

    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.state, older.is_backordered) == (ALLOCATED, False)
    assert (newer.state, newer.is_backordered) == (OrderState.APPROVED, True)
    event = OrderEvent.objects.filter(order=older, to_state=ALLOCATED).get()
    assert event.actor is None  # the system

    stock.adjust_stock(None, sku="TEA-001", bin_code="A-01", quantity=1, reason="found")
    newer.refresh_from_db()
    assert newer.state == ALLOCATED
    assert list(stock_queries.backorders()) == []


@pytest.mark.django_db
def test_going_back_to_approved_or_cancelling_releases_the_units(
    warehouse, channel, order_payload, people
):
    receive("TEA-001", "A-01", 4)
    first = allocate(place(order_payload, "W-1", [("TEA-001", 3)]), people)
    second = allocate(place(order_payload, "W-2", [("TEA-001", 1)]), people)
    assert level("TEA-001", "A-01") == (4, 4)

    order_actions.advance_order(first, OrderState.APPROVED, people[roles.WAREHOUSE])
    assert level("TEA-001", "A-01") == (4, 1)
    assert reservations(first) == [("TEA-001", "A-01", 3, "released")]

    order_actions.cancel_order(second, people[roles.ADMIN], "customer changed their mind")
    assert level("TEA-001", "A-01") == (4, 0)
    assert reservations(second) == [("TEA-001", "A-01", 1, "released")]
    assert stock_queries.check_stock().is_ok


@pytest.mark.django_db
def test_released_units_go_to_the_waiting_backorder(warehouse, channel, order_payload, people):
    receive("TEA-001", "A-01", 2)
    first = allocate(place(order_payload, "W-1", [("TEA-001", 2)]), people)
    waiting = place(order_payload, "W-2", [("TEA-001", 2)])
    with pytest.raises(ActionError):
        allocate(waiting, people)

    order_actions.cancel_order(first, people[roles.ADMIN], "fraud")

    waiting.refresh_from_db()
    assert (waiting.state, waiting.is_backordered) == (ALLOCATED, False)
    assert reservations(waiting) == [("TEA-001", "A-01", 2, "active")]


@pytest.mark.django_db
def test_a_picked_reservation_is_never_released(warehouse, channel, order_payload, people):
    receive("TEA-001", "A-01", 5)
    receive("CUP-002", "A-01", 5)
    order = allocate(place(order_payload, "W-1", [("TEA-001", 2), ("CUP-002", 1)]), people)
    # The packing work picks the tea: its units leave the bin and the reservation is done.
    tea = Reservation.objects.get(order=order, product__sku="TEA-001")
    level_row = StockLevel.objects.get(product__sku="TEA-001")
    stock.write_move(level_row, StockMoveKind.PICK, -2, None, order=order)
    StockLevel.objects.filter(pk=level_row.pk).update(reserved=0)
    Reservation.objects.filter(pk=tea.pk).update(state=ReservationState.PICKED, picked_quantity=2)

    order_actions.advance_order(order, OrderState.APPROVED, people[roles.WAREHOUSE])

    assert reservations(order) == [
        ("TEA-001", "A-01", 2, "picked"),
        ("CUP-002", "A-01", 1, "released"),
    ]
    assert (level("TEA-001", "A-01"), level("CUP-002", "A-01")) == ((3, 0), (5, 0))
    # Allocating again reserves only what is not held yet.
    allocate(Order.objects.get(pk=order.pk), people)
    assert reservations(order)[2:] == [("CUP-002", "A-01", 1, "active")]
    assert stock_queries.check_stock().is_ok


@pytest.mark.django_db
def test_an_order_is_served_by_one_warehouse(channel, order_payload, people):
    from parcelops.warehouse.tests.stock_fixtures import make_warehouse

    make_warehouse("BJ1")
    make_warehouse("SH1")
    order = place(order_payload, "W-1", [("TEA-001", 1), ("CUP-002", 1)])
    stock.receive_stock(None, sku="TEA-001", bin_code="BJ1/A-01", quantity=2)
    stock.receive_stock(None, sku="CUP-002", bin_code="SH1/A-01", quantity=2)

    with pytest.raises(ActionError) as refusal:
        allocate(order, people)
    assert str(refusal.value) == (
        "No one warehouse holds every line of this order: move stock together first."
    )

    stock.receive_stock(None, sku="TEA-001", bin_code="SH1/B-02", quantity=1)  # allocates it
    assert Order.objects.get(pk=order.pk).state == ALLOCATED
    assert {bin for _sku, bin, _q, _s in reservations(order)} == {"B-02", "A-01"}
    assert set(
        Reservation.objects.filter(order=order).values_list("bin__warehouse__code", flat=True)
    ) == {"SH1"}


@pytest.mark.django_db
def test_the_api_answers_a_short_allocation_with_a_conflict_and_the_reason(
    warehouse, channel, order_payload, people, api
):
    import json

    receive("TEA-001", "A-01", 1)
    order = place(order_payload, "W-1", [("TEA-001", 2)])

    answer = api(people[roles.WAREHOUSE]).post(
        f"/api/v1/orders/{order.number}/transition",
        json.dumps({"to_state": "allocated"}),
        content_type="application/json",
    )

    assert answer.status_code == 409
    assert answer.json() == {
        "errors": [
            {"field": "", "message": "Not enough stock for SKU TEA-001: 2 wanted, 1 available."}
        ]
    }
    assert Order.objects.get(pk=order.pk).is_backordered


@pytest.mark.django_db
def test_an_order_moved_along_by_hand_takes_its_units_out_when_handed_over(
    warehouse, channel, order_payload, people
):
    """No pick list, no packing station: the order page's buttons, then a hand-over. The
    reserved units leave their bins as picks, so stock still agrees with its moves."""
    from parcelops.tracking.actions import create_shipment
    from parcelops.warehouse.models import StockMove

    receive("TEA-001", "A-01", 5)
    receive("CUP-002", "B-01", 4)
    order = allocate(place(order_payload, "W-1", [("TEA-001", 2), ("CUP-002", 1)]), people)
    for step in (OrderState.PICKING, OrderState.PACKED):
        order = order_actions.advance_order(order, step, people[roles.WAREHOUSE])

    create_shipment(order, "zto", "731000000007", people[roles.WAREHOUSE])

    assert (level("TEA-001", "A-01"), level("CUP-002", "B-01")) == ((3, 0), (3, 0))
    assert reservations(order) == [
        ("TEA-001", "A-01", 2, "picked"),
        ("CUP-002", "B-01", 1, "picked"),
    ]
    assert sorted(
        StockMove.objects.filter(order=order, kind=StockMoveKind.PICK).values_list(
            "product__sku", "quantity"
        )
    ) == [("CUP-002", -1), ("TEA-001", -2)]
    assert stock_queries.check_stock().is_ok
