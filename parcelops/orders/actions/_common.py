"""The steps every order action shares: lock the row, move the state, write the timeline
event and the audit record."""

from typing import Any

from parcelops.accounts.permissions import Actor
from parcelops.audit.actions import record_audit
from parcelops.core.clock import now
from parcelops.orders.guards import no_transition_refusal
from parcelops.orders.models import Order, OrderEvent, OrderLine
from parcelops.orders.states import (
    OrderEventType,
    OrderState,
    can_transition,
)


def order_snapshot(order: Order, lines: list[list[Any]] | None = None) -> dict[str, Any]:
    """What the audit digest covers: the order's state, people and money.

    ``lines`` saves a query when the caller knows they did not change.
    """
    if lines is None:
        lines = [
            [line.sku, line.quantity, line.unit_price_cents]
            for line in OrderLine.objects.filter(order=order).order_by("id")
        ]
    return {
        "number": order.number,
        "state": order.state,
        "review_state": order.review_state,
        "assignee": order.assignee_id,
        "discount": order.discount_cents,
        "shipping_fee": order.shipping_fee_cents,
        "total": order.total_cents,
        "lines": lines,
        "is_deleted": order.is_deleted,
    }


def log_event(
    order: Order,
    event_type: OrderEventType,
    actor: Actor,
    *,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    user = actor if actor is not None and actor.is_authenticated else None
    return OrderEvent.objects.create(
        order=order,
        type=event_type,
        from_state=from_state,
        to_state=to_state,
        actor=user,
        at=now(),
        comment=comment,
        data=data or {},
    )


def locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def move(
    order: Order,
    to_state: OrderState,
    actor: Actor,
    event_type: OrderEventType,
    comment: str = "",
    **data: Any,
) -> None:
    if not can_transition(order.state, to_state):
        no_transition_refusal(order, to_state).raise_error()
    from_state = order.state
    order.state = to_state
    log_event(
        order,
        event_type,
        actor,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data,
    )


def save(
    order: Order,
    actor: Actor,
    action: str,
    before: dict[str, Any],
    *,
    lines_changed: bool = False,
    **detail: Any,
) -> None:
    order.save()
    after = order_snapshot(order, None if lines_changed else before["lines"])
    record_audit(actor, action, order, before=before, after=after, detail=detail)
