"""Two orders racing for the last unit never both get it.

On PostgreSQL two threads, each with its own connection, allocate at once: the first to
lock the SKU's level row (SELECT ... FOR UPDATE) holds it until it commits; the second
waits, then reads the unit gone and is backordered. The test makes the race certain: the
first keeps its transaction open until the database shows the second waiting on its lock.

On SQLite (the default database) the IMMEDIATE transaction takes the database's one
writer lock at BEGIN, so two allocations cannot overlap at all: they take turns, which the
second test shows; the suite's SQLite database lives in memory and cannot be shared by two
threads' connections, so the threads run only on PostgreSQL.
"""

import threading
from typing import Any

import pytest
from django.db import connection, connections

from parcelops.core.errors import ActionError
from parcelops.orders import actions as order_actions
from parcelops.orders import stock_hooks
from parcelops.orders.models import Order, Product
from parcelops.orders.states import OrderState
from parcelops.warehouse import stock_queries
from parcelops.warehouse.actions import stock, stock_reservations
from parcelops.warehouse.models import Reservation
from parcelops.warehouse.tests.stock_fixtures import level, make_warehouse, place

WAIT = 10.0  # seconds: a limit for a stuck test, never a pause


def two_orders_for_one_unit(order_payload: dict[str, Any]) -> tuple[Order, Order]:
    make_warehouse()
    Product.objects.create(sku="TEA-001", name="西湖龙井")
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=1)
    first = place(order_payload, "W-1", [("TEA-001", 1)])
    second = place(order_payload, "W-2", [("TEA-001", 1)])
    return first, second


class HoldingKeeper(stock_reservations.Keeper):
    """Reserves, then keeps the transaction (and the row lock) open until another session
    waits on a lock: the race happens for certain, not by luck."""

    def __init__(self) -> None:
        self.holder: int | None = None
        self.lock = threading.Lock()

    def reserve(self, order: Order, actor: Any) -> None:
        super().reserve(order, actor)
        with self.lock:
            first = self.holder is None
            if first:
                self.holder = order.pk
        if first:
            waiting = threading.Event()
            for _poll in range(int(WAIT * 100)):  # polls every 10 ms, gives up after WAIT
                if waiting.wait(0.01) or _someone_waits_on_a_lock():
                    break


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two connections need a database server: the suite's PostgreSQL pass runs this",
)
@pytest.mark.django_db(transaction=True)
def test_two_orders_racing_for_the_last_unit_on_postgresql(channel, order_payload, english):
    first, second = two_orders_for_one_unit(order_payload)
    keeper = HoldingKeeper()
    stock_hooks.set_stock_keeper(keeper)
    outcomes: dict[str, str] = {}
    start = threading.Barrier(2, timeout=WAIT)

    def allocate(order: Order) -> None:
        try:
            start.wait()
            order_actions.advance_order(order, OrderState.ALLOCATED, None)
            outcomes[order.number] = "allocated"
        except ActionError as refusal:
            outcomes[order.number] = str(refusal)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=allocate, args=(o,)) for o in (first, second)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT * 3)
    finally:
        stock_hooks.set_stock_keeper(stock_reservations.Keeper())

    assert keeper.holder is not None
    winner = Order.objects.get(pk=keeper.holder)
    loser = second if winner.pk == first.pk else first
    assert outcomes == {
        winner.number: "allocated",
        loser.number: "Not enough stock for SKU TEA-001: 1 wanted, 0 available.",
    }
    assert Order.objects.get(pk=loser.pk).is_backordered
    assert Reservation.objects.filter(state="active").count() == 1
    assert level("TEA-001", "A-01") == (1, 1)
    assert stock_queries.check_stock().is_ok


@pytest.mark.django_db
def test_two_orders_for_the_last_unit_take_turns_on_sqlite(channel, order_payload, english):
    first, second = two_orders_for_one_unit(order_payload)

    order_actions.advance_order(first, OrderState.ALLOCATED, None)
    with pytest.raises(ActionError) as refusal:
        order_actions.advance_order(second, OrderState.ALLOCATED, None)

    assert str(refusal.value) == "Not enough stock for SKU TEA-001: 1 wanted, 0 available."
    assert level("TEA-001", "A-01") == (1, 1)
    assert Reservation.objects.count() == 1
