"""Following the parcels (R1.2, R8.2): orders move along with their shipments, set-based."""

from typing import Any

import orjson
from django.db import connection, transaction

from parcelops.audit.actions import record_audit
from parcelops.core.clock import now
from parcelops.core.sqlsets import in_set, insert_rows, values_in
from parcelops.orders.models import Order
from parcelops.orders.states import (
    OrderEventType,
    OrderState,
    can_transition,
)


def _add_followed_events(rows: list[tuple[int, str, str]], to_state: OrderState, at: Any) -> None:
    """The timeline entries of orders that followed their parcels, in one bulk insert:
    bulk_create splits 10,000 of them into batches of 124 rows (SQLite's parameter limit)
    and cost more than the rest of an ingestion chunk."""
    at_value = connection.ops.adapt_datetimefield_value(at)
    detail = orjson.dumps({"source": "tracking"}).decode()
    # Plain strings, looked up once: an enum member per row cost a microsecond each.
    kind, to_value = str(OrderEventType.STATE_CHANGED.value), str(to_state.value)
    insert_rows(
        "orders_orderevent",
        ("order_id", "type", "from_state", "to_state", "at", "comment", "data"),
        [
            (pk, kind, from_state, to_value, at_value, "", detail)
            for pk, _number, from_state in rows
        ],
    )


def follow_tracking(targets: dict[int, OrderState]) -> int:
    """Orders follow their parcels: shipped -> in transit -> delivered, set-based.

    Called by the tracking engine with the state each order's shipments imply; orders
    already there (or past it, or cancelled) are left alone. One UPDATE per source and
    target state, one timeline event per order, one audit record per call.
    """
    if not targets:
        return 0
    moved: list[str] = []
    at = now()
    at_value = connection.ops.adapt_datetimefield_value(at)
    # No savepoint: it runs inside the ingestion's transaction, which a failure here undoes.
    # SQLite would take the (state, received_at) index and test every order in the state
    # against the ids; NOT INDEXED keeps it on the ids (the rowid).
    table = "orders_order" if connection.vendor == "postgresql" else "orders_order NOT INDEXED"
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for to_state in (OrderState.IN_TRANSIT, OrderState.DELIVERED):
            ids = [order_id for order_id, target in targets.items() if target == to_state]
            if not ids:
                continue
            ids_match, parameter = in_set("id", ids, "bigint")
            for from_state in (OrderState.SHIPPED, OrderState.IN_TRANSIT):
                if not can_transition(from_state, to_state):
                    continue
                # One statement moves them and names them: a locking read first cost as
                # much again on PostgreSQL (decision 0015).
                cursor.execute(
                    f"UPDATE {table} SET state = %s, updated_at = %s "  # noqa: S608 (no user input in the SQL)
                    f"WHERE {ids_match} AND state = %s AND NOT is_deleted RETURNING id, number",
                    [str(to_state.value), at_value, parameter, str(from_state.value)],
                )
                rows = [(pk, number, str(from_state.value)) for pk, number in cursor.fetchall()]
                if rows:
                    _add_followed_events(rows, to_state, at)
                    moved.extend(number for _pk, number, _state in rows)
        if moved:
            record_audit(
                None, "orders.followed_tracking", ("orders.order", "bulk"), detail={"orders": moved}
            )
    return len(moved)


def mark_open_exceptions(open_ids: set[int], closed_ids: set[int]) -> None:
    """Orders with an exception case open, and orders with none any more: the flag the
    lists and badges read (Order.has_open_exception). The exception desk calls this
    whenever it opens or closes cases; only changed rows are written."""
    if open_ids:
        # The ids bound as one parameter: a sweep opens thousands of cases at once.
        Order.all_objects.filter(
            pk__in=values_in(open_ids, "bigint"), has_open_exception=False
        ).update(has_open_exception=True)
    if closed_ids:
        Order.all_objects.filter(
            pk__in=values_in(closed_ids, "bigint"), has_open_exception=True
        ).update(has_open_exception=False)
