"""Processing and review (R2.2.3, R2.3): paid, confirmed, submitted, approved or rejected."""

from django.db import transaction
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.orders.actions._common import locked, move, order_snapshot, save
from parcelops.orders.actions.assignment import assign_automatically
from parcelops.orders.models import Order
from parcelops.orders.states import (
    OrderEventType,
    OrderState,
    ReviewState,
)


@transaction.atomic
def mark_paid(order: Order, actor: Actor) -> Order:
    require_permission(actor, roles.PROCESS_ORDER)
    order = locked(order)
    # The table also allows IN_REVIEW -> PAID, but that move is a rejection, not a payment.
    if order.state != OrderState.AWAITING_PAYMENT:
        raise ActionError(_("Only an order awaiting payment can be marked paid."))
    before = order_snapshot(order)
    move(order, OrderState.PAID, actor, OrderEventType.PAID)
    save(order, actor, "order.paid", before)
    transaction.on_commit(lambda: assign_automatically(order))
    return order


@transaction.atomic
def confirm_order(order: Order, actor: Actor) -> Order:
    """The processor has checked the details; an order that needs no review goes on."""
    require_permission(actor, roles.PROCESS_ORDER)
    order = locked(order)
    # Other moves into APPROVED (a review decision, stock released) have their own actions.
    if order.state != OrderState.PAID:
        raise ActionError(_("Only a paid order being processed can be confirmed."))
    if (
        order.review_state != ReviewState.NOT_REQUIRED
        and order.review_state != ReviewState.APPROVED
    ):
        raise ActionError(_("This order needs a reviewer's approval: submit it for review."))
    before = order_snapshot(order)
    order.processed_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
    move(order, OrderState.APPROVED, actor, OrderEventType.CONFIRMED)
    save(order, actor, "order.confirmed", before)
    return order


@transaction.atomic
def submit_for_review(order: Order, actor: Actor, comment: str = "") -> Order:
    require_permission(actor, roles.PROCESS_ORDER)
    order = locked(order)
    if order.review_state == ReviewState.NOT_REQUIRED:
        raise ActionError(_("This order does not need review: confirm it instead."))
    before = order_snapshot(order)
    order.processed_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
    order.review_state = ReviewState.SUBMITTED
    move(order, OrderState.IN_REVIEW, actor, OrderEventType.SUBMITTED_FOR_REVIEW, comment=comment)
    save(order, actor, "order.submitted_for_review", before)
    return order


def _check_reviewer(order: Order, actor: Actor) -> None:
    require_permission(actor, roles.REVIEW_ORDER)
    if order.state != OrderState.IN_REVIEW:
        raise ActionError(_("Only an order in review can be approved or rejected."))
    if (
        actor is not None
        and order.processed_by_id is not None
        and order.processed_by_id == actor.pk
    ):
        raise ActionError(_("You processed this order: another reviewer must decide on it."))


@transaction.atomic
def approve_order(order: Order, actor: Actor, comment: str = "") -> Order:
    order = locked(order)
    _check_reviewer(order, actor)
    before = order_snapshot(order)
    order.review_state = ReviewState.APPROVED
    move(order, OrderState.APPROVED, actor, OrderEventType.APPROVED, comment=comment)
    save(order, actor, "order.approved", before, comment=comment)
    return order


@transaction.atomic
def reject_order(order: Order, actor: Actor, comment: str) -> Order:
    order = locked(order)
    _check_reviewer(order, actor)
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
