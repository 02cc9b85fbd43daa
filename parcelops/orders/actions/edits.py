"""Corrections (R2.3, R8.1): edit lines and amounts, cancel, delete an invalid order."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from parcelops.accounts.permissions import Actor
from parcelops.core.clock import now
from parcelops.core.errors import FieldError, InputError
from parcelops.orders import guards, rules, stock_hooks
from parcelops.orders.actions._common import locked, log_event, move, order_snapshot, save
from parcelops.orders.guards import enforce
from parcelops.orders.models import Order
from parcelops.orders.rules import LineChange
from parcelops.orders.states import (
    EDITABLE_STATES,
    OrderEventType,
    OrderState,
    ReviewState,
)


def _apply_line_changes(
    order: Order,
    changes: list[LineChange],
    discount_cents: int | None,
    shipping_fee_cents: int | None,
) -> dict[str, Any]:
    lines = {line.pk: line for line in order.lines.all()}
    edit = rules.OrderEdit(changes, discount_cents, shipping_fee_cents)
    if errors := rules.order_edit_errors(edit, line_ids=lines.keys()):
        raise InputError(errors)
    changed: dict[str, Any] = {}
    for change in changes:
        line = lines[change.line_id]
        if change.quantity is not None and change.quantity != line.quantity:
            changed[f"line {line.sku} quantity"] = [line.quantity, change.quantity]
            line.quantity = change.quantity
        if change.unit_price_cents is not None and change.unit_price_cents != line.unit_price_cents:
            changed[f"line {line.sku} unit_price_cents"] = [
                line.unit_price_cents,
                change.unit_price_cents,
            ]
            line.unit_price_cents = change.unit_price_cents
        line.save(update_fields=["quantity", "unit_price_cents"])
    if discount_cents is not None and discount_cents != order.discount_cents:
        changed["discount_cents"] = [order.discount_cents, discount_cents]
        order.discount_cents = discount_cents
    if shipping_fee_cents is not None and shipping_fee_cents != order.shipping_fee_cents:
        changed["shipping_fee_cents"] = [order.shipping_fee_cents, shipping_fee_cents]
        order.shipping_fee_cents = shipping_fee_cents
    order.subtotal_cents = sum(line.line_total_cents for line in lines.values())
    total = order.subtotal_cents - order.discount_cents + order.shipping_fee_cents
    if total < 0:
        raise InputError([FieldError("discount", _("The discount is larger than the order."))])
    if total != order.total_cents:
        changed["total_cents"] = [order.total_cents, total]
    order.total_cents = total
    return changed


def _reclassify(order: Order, changed: dict[str, Any]) -> None:
    """Classify again after an edit before approval (R2.2.1, R2.3).

    Otherwise an order edited up past the large-amount threshold would be confirmed
    without review. A review once required stays required, even if the amount drops again.
    """
    classification = rules.classify_order(
        total_cents=order.total_cents,
        customer_tier=order.customer_tier,
        product_types=[line.product_type for line in order.lines.all()],
        large_order_cents=settings.PARCELOPS_LARGE_ORDER_CENTS,
        review_tiers=settings.PARCELOPS_REVIEW_TIERS,
    )
    if classification.order_type != order.order_type:
        changed["order_type"] = [order.order_type, str(classification.order_type)]
    order.order_type = classification.order_type
    order.classification_reasons = list(classification.reasons)
    if classification.needs_review and order.review_state == ReviewState.NOT_REQUIRED:
        changed["review_state"] = [order.review_state, str(ReviewState.REQUIRED)]
        order.review_state = ReviewState.REQUIRED


@transaction.atomic
def edit_order(
    order: Order,
    actor: Actor,
    changes: list[LineChange],
    *,
    discount_cents: int | None = None,
    shipping_fee_cents: int | None = None,
    comment: str = "",
) -> Order:
    """Correct quantities, prices or amounts: processors before shipping, administrators any time.

    Locked while in review (R2.3), and after shipping for everyone but administrators.
    """
    order = locked(order)
    enforce(guards.edit_refusal(order, actor))
    before = order_snapshot(order)
    changed = _apply_line_changes(order, changes, discount_cents, shipping_fee_cents)
    if not changed:
        return order
    if order.state in EDITABLE_STATES:
        _reclassify(order, changed)
    log_event(
        order,
        OrderEventType.EDITED,
        actor,
        comment=comment,
        data={"changes": changed, "by_admin": guards.is_admin_edit(actor)},
    )
    save(order, actor, "order.edited", before, lines_changed=True, changes=changed)
    return order


@transaction.atomic
def delete_invalid_order(order: Order, actor: Actor, reason: str) -> Order:
    """Administrators remove an invalid order: hidden from lists, kept for the audit trail."""
    order = Order.all_objects.select_for_update().get(pk=order.pk)
    enforce(guards.delete_refusal(order, actor))
    if not reason.strip():
        raise InputError([FieldError("reason", _("Say why the order is invalid."))])
    before = order_snapshot(order)
    order.is_deleted = True
    order.deleted_at = now()
    order.deletion_reason = reason.strip()
    log_event(order, OrderEventType.DELETED, actor, comment=reason.strip())
    save(order, actor, "order.deleted", before, reason=reason.strip())
    return order


@transaction.atomic
def cancel_order(order: Order, actor: Actor, reason: str) -> Order:
    order = locked(order)
    enforce(guards.cancel_refusal(order, actor))
    if not reason.strip():
        raise InputError([FieldError("reason", _("Say why the order is cancelled."))])
    before = order_snapshot(order)
    if order.state in (OrderState.ALLOCATED, OrderState.PICKING):
        stock_hooks.release(order, actor)
    order.is_backordered = False
    move(order, OrderState.CANCELLED, actor, OrderEventType.CANCELLED, comment=reason.strip())
    save(order, actor, "order.cancelled", before, reason=reason.strip())
    return order
