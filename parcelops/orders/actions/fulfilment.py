"""Fulfilment and delivery (R1.2): the warehouse steps, the hand-over, delivery by hand and
completion."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from parcelops.accounts.permissions import Actor
from parcelops.audit.actions import record_audit
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError, NotPermittedError
from parcelops.orders import guards, rules, stock_hooks
from parcelops.orders.actions._common import locked, log_event, move, order_snapshot, save
from parcelops.orders.guards import enforce
from parcelops.orders.models import Order, OrderEvent
from parcelops.orders.states import (
    OrderEventType,
    OrderState,
)

# Marks a delivery confirmed by hand, where the parcels normally decide (timeline and audit).
MANUAL_CORRECTION = "manual_correction"


def advance_order(order: Order, to_state: OrderState, actor: Actor, comment: str = "") -> Order:
    """Move an approved order along the warehouse steps, or confirm its delivery by hand.

    Allocating reserves every line's stock through the warehouse's keeper
    (parcelops.orders.stock_hooks); when it cannot, the order stays approved, is flagged
    backordered (kept, though the step is refused) and the refusal names the short SKU.
    Going back to approved gives the reservation back."""
    try:
        return _advance_order(order, to_state, actor, comment)
    except stock_hooks.StockShortageError:
        mark_backordered(order, actor)
        raise


@transaction.atomic
def mark_backordered(order: Order, actor: Actor) -> None:
    """Flag an approved order whose stock could not be reserved (listed as a backorder,
    allocated by itself when stock arrives)."""
    order = locked(order)
    if order.state != OrderState.APPROVED or order.is_backordered:
        return
    before = order_snapshot(order)
    order.is_backordered = True
    order.save(update_fields=["is_backordered"])
    record_audit(actor, "order.backordered", order, before=before, after=order_snapshot(order))


@transaction.atomic
def _advance_order(order: Order, to_state: OrderState, actor: Actor, comment: str) -> Order:
    order = locked(order)
    refusal = guards.advance_refusal(order, to_state, actor)
    # The role first, then the missing comment, then the order's state (the API's promise).
    if refusal is not None and refusal.is_about_role:
        refusal.raise_error()
    if to_state == OrderState.DELIVERED and not comment.strip():
        raise InputError(
            [
                FieldError(
                    "comment",
                    _("Say how the delivery was confirmed, e.g. the customer confirmed receipt."),
                )
            ]
        )
    enforce(refusal)
    if to_state == OrderState.DELIVERED:
        return _confirm_delivery_by_hand(order, actor, comment.strip())
    before = order_snapshot(order)
    if to_state == OrderState.ALLOCATED and order.state == OrderState.APPROVED:
        stock_hooks.reserve(order, actor)
        order.is_backordered = False
    elif to_state == OrderState.APPROVED:
        stock_hooks.release(order, actor)
    move(order, to_state, actor, OrderEventType.STATE_CHANGED, comment=comment)
    save(order, actor, f"order.{to_state}", before)
    return order


def _confirm_delivery_by_hand(order: Order, actor: Actor, reason: str) -> Order:
    """The carrier's feed is silent but the delivery is known (the customer confirmed it).

    Only for an order with parcels: the order follows them, and this corrects it where the
    carrier does not. The parcels keep the status their carrier last reported.
    """
    before = order_snapshot(order)
    move(
        order,
        OrderState.DELIVERED,
        actor,
        OrderEventType.STATE_CHANGED,
        comment=reason,
        source=MANUAL_CORRECTION,
    )
    save(order, actor, "order.delivered", before, source=MANUAL_CORRECTION, reason=reason)
    return order


@transaction.atomic
def ship_order(order: Order, actor: Actor, *, carrier: str, tracking_number: str) -> Order:
    """A packed order's parcel is with a carrier: packed -> shipped (R1.2, R4.2).

    parcelops.tracking.actions.create_shipment calls this right after it stored the parcel,
    in the same transaction. Refused unless the order has that parcel, so an order never
    becomes shipped by hand.
    """
    order = locked(order)
    enforce(guards.hand_over_refusal(order, actor))
    if not order.shipments.filter(carrier=carrier, tracking_number=tracking_number).exists():
        raise ActionError(guards.parcel_step_message(OrderState.SHIPPED))
    before = order_snapshot(order)
    # Units of an order moved along by hand are still reserved: they leave with it.
    stock_hooks.take_out(order, actor)
    move(
        order,
        OrderState.SHIPPED,
        actor,
        OrderEventType.STATE_CHANGED,
        carrier=carrier,
        tracking_number=tracking_number,
    )
    save(order, actor, "order.shipped", before, carrier=carrier, tracking_number=tracking_number)
    return order


# An order whose parcel can be replaced by another.
RESHIPPABLE_STATES = frozenset({OrderState.SHIPPED, OrderState.IN_TRANSIT, OrderState.DELIVERED})


def reship_order(order: Order, actor: Actor, *, carrier: str, tracking_number: str) -> Order:
    """A replacement parcel is on its way (an exception case's reship): a delivered order
    is shipped again; a shipped or in-transit one stays where it is, with the event.

    parcelops.tracking.actions.create_shipment calls this for a replacement parcel, in the
    transaction that stored it."""
    order = locked(order)
    if order.state not in RESHIPPABLE_STATES:
        raise ActionError(
            _("Only a shipped, in-transit or delivered order's parcel can be replaced.")
        )
    if not order.shipments.filter(carrier=carrier, tracking_number=tracking_number).exists():
        raise ActionError(guards.parcel_step_message(OrderState.SHIPPED))
    before = order_snapshot(order)
    detail = {"carrier": carrier, "tracking_number": tracking_number}
    if order.state == OrderState.DELIVERED:
        move(order, OrderState.SHIPPED, actor, OrderEventType.RESHIPPED, **detail)
    else:
        log_event(order, OrderEventType.RESHIPPED, actor, data=detail)
    save(order, actor, "order.reshipped", before, carrier=carrier, tracking_number=tracking_number)
    return order


@transaction.atomic
def complete_order(order: Order, actor: Actor) -> Order:
    """Close a delivered order; the after-sales guarantee period starts now (R1.2)."""
    order = locked(order)
    enforce(guards.complete_refusal(order, actor))
    before = order_snapshot(order)
    completed_at = now()
    order.completed_at = completed_at
    order.after_sales_until = rules.after_sales_deadline(
        completed_at, settings.PARCELOPS_AFTER_SALES_DAYS
    )
    move(
        order,
        OrderState.COMPLETED,
        actor,
        OrderEventType.COMPLETED,
        after_sales_until=order.after_sales_until.isoformat(),
    )
    save(order, actor, "order.completed", before)
    return order


def complete_delivered_orders() -> int:
    """Complete orders delivered long enough ago (the periodic sweep)."""
    cutoff = now() - timedelta(days=settings.PARCELOPS_AUTO_COMPLETE_DAYS)
    due = OrderEvent.objects.filter(
        to_state=OrderState.DELIVERED,
        at__lte=cutoff,
        order__state=OrderState.DELIVERED,
        order__is_deleted=False,
    ).values_list("order_id", flat=True)
    count = 0
    for order in Order.objects.filter(pk__in=list(due)):
        try:
            complete_order(order, None)
        except ActionError:
            continue  # moved on meanwhile
        count += 1
    return count


# The warehouse's way forward, one step at a time: a batch walks each order along it.
WAREHOUSE_PATH = (OrderState.APPROVED, OrderState.ALLOCATED, OrderState.PICKING, OrderState.PACKED)


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch step did to one order: the state it reached, or why it stopped."""

    number: str
    state: str
    refusal: str = ""
    moved: bool = False  # False without a refusal: it was already there


def advance_orders(numbers: list[str], to_state: OrderState, actor: Actor) -> list[BatchOutcome]:
    """Move several orders forward to one warehouse step (allocated, picking or packed), each
    through advance_order step by step, so each step is checked and recorded as if taken
    by hand. One order refused does not stop the others."""
    if to_state not in WAREHOUSE_PATH[1:]:
        raise ActionError(_("Use the dedicated action for this step."))
    target = WAREHOUSE_PATH.index(to_state)
    outcomes = []
    for order in Order.objects.filter(number__in=numbers).order_by("number"):
        refusal, was = "", order.state
        try:
            while order.state in WAREHOUSE_PATH[:target]:
                next_state = WAREHOUSE_PATH[WAREHOUSE_PATH.index(order.state) + 1]
                order = advance_order(order, next_state, actor)
            if order.state != to_state:
                enforce(guards.advance_refusal(order, to_state, actor))
        except (ActionError, NotPermittedError) as error:
            refusal = str(error)
        outcomes.append(BatchOutcome(order.number, str(order.state), refusal, order.state != was))
    return outcomes
