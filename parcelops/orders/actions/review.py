"""Processing and review (R2.2.3, R2.3): paid, confirmed, submitted, approved or rejected."""

from django.db import transaction
from django.utils.translation import gettext as _

from parcelops.accounts.permissions import Actor
from parcelops.core.errors import FieldError, InputError
from parcelops.orders import guards
from parcelops.orders.actions._common import locked, move, order_snapshot, save
from parcelops.orders.actions.assignment import assign_automatically
from parcelops.orders.guards import enforce
from parcelops.orders.models import Order
from parcelops.orders.states import (
    OrderEventType,
    OrderState,
    ReviewState,
)


@transaction.atomic
def mark_paid(order: Order, actor: Actor) -> Order:
    order = locked(order)
    enforce(guards.mark_paid_refusal(order, actor))
    before = order_snapshot(order)
    move(order, OrderState.PAID, actor, OrderEventType.PAID)
    save(order, actor, "order.paid", before)
    transaction.on_commit(lambda: assign_automatically(order))
    return order


@transaction.atomic
def confirm_order(order: Order, actor: Actor) -> Order:
    """The processor has checked the details; an order that needs no review goes on."""
    order = locked(order)
    enforce(guards.confirm_refusal(order, actor))
    before = order_snapshot(order)
    order.processed_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
    move(order, OrderState.APPROVED, actor, OrderEventType.CONFIRMED)
    save(order, actor, "order.confirmed", before)
    return order


@transaction.atomic
def submit_for_review(order: Order, actor: Actor, comment: str = "") -> Order:
    order = locked(order)
    enforce(guards.submit_for_review_refusal(order, actor))
    before = order_snapshot(order)
    order.processed_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
    order.review_state = ReviewState.SUBMITTED
    move(order, OrderState.IN_REVIEW, actor, OrderEventType.SUBMITTED_FOR_REVIEW, comment=comment)
    save(order, actor, "order.submitted_for_review", before)
    return order


@transaction.atomic
def approve_order(order: Order, actor: Actor, comment: str = "") -> Order:
    order = locked(order)
    enforce(guards.review_refusal(order, actor))
    before = order_snapshot(order)
    order.review_state = ReviewState.APPROVED
    move(order, OrderState.APPROVED, actor, OrderEventType.APPROVED, comment=comment)
    save(order, actor, "order.approved", before, comment=comment)
    return order


@transaction.atomic
def reject_order(order: Order, actor: Actor, comment: str) -> Order:
    order = locked(order)
    enforce(guards.review_refusal(order, actor))
    if not comment.strip():
        raise InputError(
            [
                FieldError(
                    "comment", _("Say why the order is rejected, so the processor can correct it.")
                )
            ]
        )
    before = order_snapshot(order)
    order.review_state = ReviewState.REJECTED
    move(order, OrderState.PAID, actor, OrderEventType.REJECTED, comment=comment.strip())
    save(order, actor, "order.rejected", before, comment=comment.strip())
    return order
