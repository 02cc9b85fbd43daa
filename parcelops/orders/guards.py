"""May this person take this step with this order now? One guard per action.

The actions call these to refuse, and the pages call the same ones to decide which buttons
to show, so a button is shown exactly when pressing it would be allowed. A guard answers
with the refusal (None when allowed) and never writes. The actions ask again on the locked
row. Input (a comment, a reason, the assignee's name) is the action's to check, not a guard's.
"""

from dataclasses import dataclass
from typing import NoReturn

from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor
from parcelops.core.errors import ActionError, NotPermittedError
from parcelops.orders.models import Order
from parcelops.orders.states import (
    ALLOWED_TRANSITIONS,
    EDITABLE_STATES,
    FINAL_STATES,
    FULFILMENT_STATES,
    OrderState,
    ReviewState,
)

# The steps a person takes with advance_order, and the permission each needs. Shipped and in
# transit are not among them: an order is shipped when its parcel is handed to a carrier
# (ship_order, called by parcelops.tracking.actions.create_shipment) and goes in transit when
# the carrier scans it (follow_tracking). Delivered by hand is a correction for when the
# carrier's feed is silent (docs/decisions/0009-shipped-only-by-hand-over.md).
FULFILMENT_PERMISSIONS = {
    OrderState.ALLOCATED: roles.FULFIL_ORDER,
    OrderState.PICKING: roles.FULFIL_ORDER,
    OrderState.PACKED: roles.FULFIL_ORDER,
    OrderState.APPROVED: roles.FULFIL_ORDER,  # stock released back
    OrderState.DELIVERED: roles.SHIP_ORDER,
}
PARCEL_STEPS = frozenset({OrderState.SHIPPED, OrderState.IN_TRANSIT})


@dataclass(frozen=True)
class Refusal:
    """Why a step is refused: the role does not allow it (403), or the order's state (409)."""

    message: str
    is_about_role: bool = False

    def raise_error(self) -> NoReturn:
        if self.is_about_role:
            raise NotPermittedError(self.message)
        raise ActionError(self.message)


def enforce(refusal: Refusal | None) -> None:
    """Raise the refusal, if any: how the actions use a guard."""
    if refusal is not None:
        refusal.raise_error()


def _missing(actor: Actor, permission: str) -> Refusal | None:
    """The same answer as accounts.permissions.require_permission, as a value."""
    if actor is None:
        return None  # the system itself
    if not actor.is_authenticated or not actor.has_perm(permission):
        return Refusal(_("Your role does not allow this action."), is_about_role=True)
    return None


def _needs_review(order: Order) -> bool:
    return order.review_state not in (ReviewState.NOT_REQUIRED, ReviewState.APPROVED)


def mark_paid_refusal(order: Order, actor: Actor) -> Refusal | None:
    if refusal := _missing(actor, roles.PROCESS_ORDER):
        return refusal
    # The table also allows IN_REVIEW -> PAID, but that move is a rejection, not a payment.
    if order.state != OrderState.AWAITING_PAYMENT:
        return Refusal(_("Only an order awaiting payment can be marked paid."))
    return None


def confirm_refusal(order: Order, actor: Actor) -> Refusal | None:
    if refusal := _missing(actor, roles.PROCESS_ORDER):
        return refusal
    # Other moves into APPROVED (a review decision, stock released) have their own actions.
    if order.state != OrderState.PAID:
        return Refusal(_("Only a paid order being processed can be confirmed."))
    if _needs_review(order):
        return Refusal(_("This order needs a reviewer's approval: submit it for review."))
    return None


def submit_for_review_refusal(order: Order, actor: Actor) -> Refusal | None:
    if refusal := _missing(actor, roles.PROCESS_ORDER):
        return refusal
    if not _needs_review(order):
        return Refusal(_("This order does not need review: confirm it instead."))
    if order.state != OrderState.PAID:
        return Refusal(_("Only a paid order being processed can be submitted for review."))
    return None


def review_refusal(order: Order, actor: Actor) -> Refusal | None:
    """Approve or reject: a reviewer other than the one who processed the order."""
    if refusal := _missing(actor, roles.REVIEW_ORDER):
        return refusal
    if order.state != OrderState.IN_REVIEW:
        return Refusal(_("Only an order in review can be approved or rejected."))
    if is_own_order(order, actor):
        return Refusal(_("You processed this order: another reviewer must decide on it."))
    return None


def is_own_order(order: Order, actor: Actor) -> bool:
    return (
        actor is not None
        and order.processed_by_id is not None
        and order.processed_by_id == actor.pk
    )


def reassign_refusal(order: Order, actor: Actor) -> Refusal | None:
    if refusal := _missing(actor, roles.ASSIGN_ORDER):
        return refusal
    if order.state in FINAL_STATES:
        return Refusal(_("A finished order cannot be reassigned."))
    return None


def cancel_refusal(order: Order, actor: Actor) -> Refusal | None:
    if refusal := _missing(actor, roles.CANCEL_ORDER):
        return refusal
    if OrderState.CANCELLED not in ALLOWED_TRANSITIONS[OrderState(order.state)]:
        return no_transition_refusal(order, OrderState.CANCELLED)
    return None


def is_admin_edit(actor: Actor) -> bool:
    """Administrators correct amounts in any state but review; processors only before it."""
    return actor is not None and actor.has_perm(roles.EDIT_ORDER_AMOUNTS)


def edit_refusal(order: Order, actor: Actor) -> Refusal | None:
    """Locked while in review (R2.3), and after shipping for everyone but administrators."""
    if not is_admin_edit(actor) and (refusal := _missing(actor, roles.PROCESS_ORDER)):
        return refusal
    if order.state == OrderState.IN_REVIEW:
        return Refusal(_("The order is locked while in review."))
    if not is_admin_edit(actor) and order.state not in EDITABLE_STATES:
        return Refusal(_("Only an administrator can change an order in this state."))
    if order.state == OrderState.CANCELLED:
        return Refusal(_("A cancelled order cannot be edited."))
    return None


def delete_refusal(order: Order, actor: Actor) -> Refusal | None:
    if refusal := _missing(actor, roles.DELETE_ORDER):
        return refusal
    if order.is_deleted:
        return Refusal(_("The order was already deleted."))
    return None


def parcel_step_message(to_state: OrderState) -> str:
    if to_state == OrderState.SHIPPED:
        return _(
            "An order is shipped only by handing its parcel to a carrier: create a shipment "
            "with the carrier and the tracking number."
        )
    return _(
        "An order goes in transit when the carrier scans its parcel: record the carrier’s "
        "events or a scan of the parcel instead."
    )


def advance_refusal(order: Order, to_state: OrderState, actor: Actor) -> Refusal | None:
    """A warehouse step (allocate, pick, pack, release) or a delivery confirmed by hand."""
    if to_state in PARCEL_STEPS:
        return _missing(actor, roles.SHIP_ORDER) or Refusal(parcel_step_message(to_state))
    if refusal := _missing(actor, FULFILMENT_PERMISSIONS.get(to_state, roles.FULFIL_ORDER)):
        return refusal
    # Without the state check, "approved" as a warehouse step would skip a paid order's review.
    if to_state not in FULFILMENT_PERMISSIONS or order.state not in FULFILMENT_STATES:
        return Refusal(_("Use the dedicated action for this step."))
    if to_state not in ALLOWED_TRANSITIONS[OrderState(order.state)]:
        return no_transition_refusal(order, to_state)
    # Only for an order with parcels: the order follows them, and this corrects it where the
    # carrier is silent. Asked last: it is the one question that reads another table.
    if to_state == OrderState.DELIVERED and not order.shipments.exists():
        return Refusal(
            _(
                "This order has no parcel, so it cannot be marked delivered: hand its parcel "
                "over to a carrier first."
            )
        )
    return None


def hand_over_refusal(order: Order, actor: Actor) -> Refusal | None:
    """Handing a packed order's parcel to a carrier (the Parcels card's form)."""
    if refusal := _missing(actor, roles.SHIP_ORDER):
        return refusal
    if order.state != OrderState.PACKED:
        return no_transition_refusal(order, OrderState.SHIPPED)
    return None


def complete_refusal(order: Order, actor: Actor) -> Refusal | None:
    if refusal := _missing(actor, roles.SHIP_ORDER):
        return refusal
    if OrderState.COMPLETED not in ALLOWED_TRANSITIONS[OrderState(order.state)]:
        return no_transition_refusal(order, OrderState.COMPLETED)
    return None


def no_transition_refusal(order: Order, to_state: OrderState) -> Refusal:
    return Refusal(
        _("An order in state “%(state)s” cannot move to “%(to)s”.")
        % {"state": OrderState(order.state).label, "to": to_state.label}
    )
