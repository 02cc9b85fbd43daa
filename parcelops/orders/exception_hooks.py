"""Which orders have an exception case open, for the order list's filter.

`Order.has_open_exception` says it on each order (the lists and badges read it), but it
is not indexed: setting it is then an in-place (HOT) update on PostgreSQL, where an index
on it made the sweep write every index of a thousand orders again (decision 0037). The
filter asks the exception desk's open cases instead, through this hook, which the desk
registers at start-up (parcelops.exceptions.wiring); without it the flag is read.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Q

_open_orders: list[Callable[[], Any]] = []


def set_open_orders_query(query: Callable[[], Any] | None) -> None:
    """`query()`: a queryset of the order ids with an open case (None: the flag decides)."""
    _open_orders.clear()
    if query is not None:
        _open_orders.append(query)


def has_open_exception(value: bool) -> Q:
    """The orders with (or without) an open exception case."""
    if not _open_orders:
        return Q(has_open_exception=value)
    with_case = Q(pk__in=_open_orders[0]())
    return with_case if value else ~with_case
