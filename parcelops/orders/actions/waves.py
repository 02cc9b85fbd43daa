"""A wave of orders taken to the warehouse floor at once (R3.2): allocated -> picking,
set-based, for the warehouse's pick lists."""

import orjson
from django.db import connection, transaction

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.core.clock import now
from parcelops.core.sqlsets import in_set, insert_rows
from parcelops.orders.states import OrderEventType, OrderState, can_transition

WAVE_FROM, WAVE_TO = OrderState.ALLOCATED, OrderState.PICKING


def start_picking_orders(order_ids: list[int], actor: Actor, *, pick_list: str) -> list[int]:
    """Move allocated orders to picking for one pick list; the ids of those moved.

    What advance_order does for one order (the role, the allowed transition, a timeline
    event each, the audit trail), for a wave in three statements: advance_order one by one
    cost about a millisecond and six statements an order, and a 1,000-order wave must be
    ready in under a second. An order not allocated any more (cancelled, or taken by
    another wave meanwhile) is left alone and not returned: the UPDATE's condition is the
    claim, so two waves never take the same order. One audit record names them all.
    """
    require_permission(actor, roles.FULFIL_ORDER)
    assert can_transition(WAVE_FROM, WAVE_TO)
    if not order_ids:
        return []
    at = now()
    at_value = connection.ops.adapt_datetimefield_value(at)
    user_id = actor.pk if actor is not None and actor.is_authenticated else None
    ids_match, parameter = in_set("id", order_ids, "bigint")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE orders_order SET state = %s, updated_at = %s "  # noqa: S608 (no user input in the SQL)
            f"WHERE {ids_match} AND state = %s AND NOT is_deleted RETURNING id, number",
            [str(WAVE_TO.value), at_value, parameter, str(WAVE_FROM.value)],
        )
        moved = sorted(cursor.fetchall())
        if not moved:
            return []
        data = orjson.dumps({"pick_list": pick_list}).decode()
        kind, from_value, to_value = (
            str(OrderEventType.STATE_CHANGED.value),
            str(WAVE_FROM.value),
            str(WAVE_TO.value),
        )
        insert_rows(
            "orders_orderevent",
            ("order_id", "type", "from_state", "to_state", "actor_id", "at", "comment", "data"),
            [
                (pk, kind, from_value, to_value, user_id, at_value, "", data)
                for pk, _number in moved
            ],
        )
        record_audit(
            actor,
            "order.picking",
            ("orders.order", "bulk"),
            detail={"pick_list": pick_list, "orders": [number for _pk, number in moved]},
        )
    return [pk for pk, _number in moved]
