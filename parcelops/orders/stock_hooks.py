"""The stock keeper's hook: an approved order becomes allocated only when its lines are
reserved (R2.2.3), and an order that leaves allocation gives its reservation back.

The warehouse keeps the stock and sits above this app, so it registers its keeper here
when Django starts (parcelops.warehouse.wiring); without one (the orders app alone) the
warehouse steps record nothing about stock, as before issue 16.
"""

from typing import Protocol

from parcelops.accounts.permissions import Actor
from parcelops.core.errors import ActionError
from parcelops.orders.models import Order


class StockShortageError(ActionError):
    """The order's lines cannot all be reserved now: the order is backordered."""


class StockKeeper(Protocol):
    def reserve(self, order: Order, actor: Actor) -> None:
        """Reserve every line of the order, or raise StockShortageError and reserve nothing."""

    def release(self, order: Order, actor: Actor) -> None:
        """Give back the order's reservations that are not picked yet."""

    def take_out(self, order: Order, actor: Actor) -> None:
        """The order's parcel left: its units still reserved leave their bins as picks."""


_keeper: StockKeeper | None = None


def set_stock_keeper(keeper: StockKeeper | None) -> None:
    global _keeper  # one keeper per process, registered at start-up
    _keeper = keeper


def reserve(order: Order, actor: Actor) -> None:
    if _keeper is not None:
        _keeper.reserve(order, actor)


def release(order: Order, actor: Actor) -> None:
    if _keeper is not None:
        _keeper.release(order, actor)


def take_out(order: Order, actor: Actor) -> None:
    if _keeper is not None:
        _keeper.take_out(order, actor)
