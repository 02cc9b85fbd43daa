"""Every change to an order: one transaction, one timeline event, one audit record.

Views, the API, importers and tasks call these functions; nothing else writes an
order's state. ``actor`` None means the system itself (intake, sweeps).
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.models import StaffProfile
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.core import crypto
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.core.sqlsets import in_set, insert_rows
from parcelops.orders import rules
from parcelops.orders.models import Channel, Customer, Order, OrderEvent, OrderLine, Product
from parcelops.orders.states import (
    EDITABLE_STATES,
    FULFILMENT_STATES,
    OPEN_PROCESSING_STATES,
    OrderEventType,
    OrderState,
    ReviewState,
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


def _log(
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


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _move(
    order: Order,
    to_state: OrderState,
    actor: Actor,
    event_type: OrderEventType,
    comment: str = "",
    **data: Any,
) -> None:
    if not can_transition(order.state, to_state):
        raise ActionError(
            _("An order in state “%(state)s” cannot move to “%(to)s”.")
            % {"state": OrderState(order.state).label, "to": to_state.label}
        )
    from_state = order.state
    order.state = to_state
    _log(
        order,
        event_type,
        actor,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data,
    )


def _save(
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


# --- intake -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeResult:
    order: Order
    created: bool


def _new_order_number() -> str:
    stamp = now().astimezone().strftime("%y%m%d")
    for _attempt in range(20):
        # Eight random digits: a hundred million numbers a day keeps collisions rare at scale.
        number = f"PO{stamp}{secrets.randbelow(10**8):08d}"
        if not Order.all_objects.filter(number=number).exists():
            return number
    raise ActionError("could not find a free order number")  # pragma: no cover


def find_customer(phone: str = "", email: str = "") -> Customer | None:
    if phone:
        match = (
            Customer.objects.filter(phone_index=crypto.phone_index(phone)).order_by("id").first()
        )
        if match:
            return match
    if email:
        return Customer.objects.filter(email_index=crypto.email_index(email)).order_by("id").first()
    return None


def _customer_for(intake: rules.IntakeOrder) -> Customer:
    customer = find_customer(intake.customer_phone, intake.customer_email)
    if customer is None:
        try:
            with transaction.atomic():  # a savepoint: a racing intake may create them first
                return Customer.objects.create(
                    name=intake.customer_name,
                    phone=intake.customer_phone,
                    email=intake.customer_email,
                    phone_index=crypto.phone_index(intake.customer_phone),
                    email_index=crypto.email_index(intake.customer_email),
                    name_index=crypto.name_index(intake.customer_name),
                    tier=intake.customer_tier,
                )
        except IntegrityError:
            customer = find_customer(intake.customer_phone, intake.customer_email)
            if customer is None:
                raise
    if customer.tier != intake.customer_tier:
        Customer.objects.filter(pk=customer.pk).update(tier=intake.customer_tier)
        customer.tier = intake.customer_tier
    return customer


def _products_for(lines: list[rules.IntakeLine]) -> dict[str, Product]:
    skus = {line.sku for line in lines}
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
    for line in lines:
        if line.sku not in products:
            # Marketplaces send SKUs we have not seen yet: record them as standard products.
            # get_or_create, because a concurrent order may be recording the same SKU now.
            products[line.sku], _created = Product.objects.get_or_create(
                sku=line.sku,
                defaults={"name": line.name, "unit_price_cents": line.unit_price_cents},
            )
    return products


def intake_order(data: Any, actor: Actor = None) -> IntakeResult:
    """Validate, store, classify and assign one incoming order (R2.1-R2.2).

    The same (channel, external_id) returns the order already stored, even when two
    requests race: the unique constraint decides, and the loser reads the winner's row.
    """
    require_permission(actor, roles.ADD_ORDER)
    intake, errors = rules.validate_order_intake(
        data, now=now(), max_age=timedelta(days=settings.PARCELOPS_MAX_ORDER_AGE_DAYS)
    )
    if intake is None:
        raise InputError(errors)
    channel = Channel.objects.filter(code=intake.channel, is_active=True).first()
    if channel is None:
        raise InputError([FieldError("channel", _("Unknown channel."))])
    existing = Order.all_objects.filter(channel=channel, external_id=intake.external_id).first()
    if existing is not None:
        return IntakeResult(existing, created=False)
    try:
        with transaction.atomic():
            order = _create_order(intake, channel, actor)
    except IntegrityError:
        existing = Order.all_objects.filter(channel=channel, external_id=intake.external_id).first()
        if existing is None:
            raise
        return IntakeResult(existing, created=False)
    return IntakeResult(order, created=True)


def _create_order(intake: rules.IntakeOrder, channel: Channel, actor: Actor) -> Order:
    customer = _customer_for(intake)
    products = _products_for(intake.lines)
    classification = rules.classify_order(
        total_cents=intake.total_cents,
        customer_tier=intake.customer_tier,
        product_types=[products[line.sku].product_type for line in intake.lines],
        large_order_cents=settings.PARCELOPS_LARGE_ORDER_CENTS,
        review_tiers=settings.PARCELOPS_REVIEW_TIERS,
    )
    state = OrderState.PAID if intake.is_paid else OrderState.AWAITING_PAYMENT
    # Assigned in the same insert: one row write and one audit record per new order.
    assignee_id = rules.choose_assignee(classification.order_type, processor_candidates())
    order = Order.objects.create(
        number=_new_order_number(),
        assignee_id=assignee_id,
        channel=channel,
        external_id=intake.external_id,
        customer=customer,
        customer_tier=intake.customer_tier,
        shipping_address=intake.shipping_address,  # type: ignore[misc]  # an encrypted JSON field
        placed_at=intake.placed_at,
        received_at=now(),
        currency=intake.currency,
        subtotal_cents=intake.subtotal_cents,
        discount_cents=intake.discount_cents,
        shipping_fee_cents=intake.shipping_fee_cents,
        total_cents=intake.total_cents,
        requested_carrier=intake.requested_carrier,
        promised_delivery_date=intake.promised_delivery_date,
        order_type=classification.order_type,
        classification_reasons=list(classification.reasons),
        state=state,
        review_state=ReviewState.REQUIRED
        if classification.needs_review
        else ReviewState.NOT_REQUIRED,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=products[line.sku],
            sku=line.sku,
            name=line.name,
            product_type=products[line.sku].product_type,
            quantity=line.quantity,
            unit_price_cents=line.unit_price_cents,
        )
        for line in intake.lines
    )
    _log(
        order,
        OrderEventType.PLACED,
        actor,
        to_state=order.state,
        data={
            "channel": channel.code,
            "order_type": order.order_type,
            "reasons": order.classification_reasons,
        },
    )
    if assignee_id is not None:
        _log(
            order, OrderEventType.ASSIGNED, None, data={"assignee": assignee_id, "automatic": True}
        )
    line_snapshot = [[ln.sku, ln.quantity, ln.unit_price_cents] for ln in intake.lines]
    record_audit(actor, "order.placed", order, after=order_snapshot(order, line_snapshot))
    return order


# --- assignment (R2.2.2) ------------------------------------------------------------------


def processor_candidates() -> list[rules.Candidate]:
    open_states = [str(s) for s in OPEN_PROCESSING_STATES]
    profiles = (
        StaffProfile.objects.filter(user__is_active=True, user__groups__name=roles.ORDER_PROCESSOR)
        .annotate(
            open_orders=Count(
                "user__assigned_orders",
                filter=Q(
                    user__assigned_orders__state__in=open_states,
                    user__assigned_orders__is_deleted=False,
                ),
            )
        )
        .distinct()
    )
    return [
        rules.Candidate(
            user_id=p.user_id,
            skills=tuple(p.skills),
            workload=p.open_orders,  # type: ignore[attr-defined]
            workload_limit=p.workload_limit,
            is_on_shift=p.is_on_shift,
        )
        for p in profiles
    ]


def assign_automatically(order: Order) -> Order:
    """Give the order to the best processor now; it stays unassigned when nobody fits."""
    if order.assignee_id is not None or order.state not in OPEN_PROCESSING_STATES:
        return order
    user_id = rules.choose_assignee(order.order_type, processor_candidates())
    if user_id is None:
        return order
    with transaction.atomic():
        order = _locked(order)
        # Re-read under the lock: it may have been assigned, cancelled or moved on since.
        if order.assignee_id is not None or order.state not in OPEN_PROCESSING_STATES:
            return order
        before = order_snapshot(order)
        order.assignee_id = user_id
        _log(order, OrderEventType.ASSIGNED, None, data={"assignee": user_id, "automatic": True})
        _save(order, None, "order.assigned", before, automatic=True)
    return order


def assign_unassigned_orders() -> int:
    """Hand out every open, unassigned order (run when people come on shift)."""
    count = 0
    for order in Order.objects.filter(
        assignee__isnull=True, state__in=list(OPEN_PROCESSING_STATES)
    ).order_by("received_at"):
        if assign_automatically(order).assignee_id is not None:
            count += 1
    return count


@transaction.atomic
def reassign_order(order: Order, assignee_username: str, actor: Actor) -> Order:
    require_permission(actor, roles.ASSIGN_ORDER)
    order = _locked(order)
    assignee = get_user_model().objects.filter(username=assignee_username, is_active=True).first()
    if assignee is None or not assignee.has_perm(roles.PROCESS_ORDER):  # type: ignore[union-attr]
        raise InputError(
            [FieldError("assignee", _("No active order processor with this username."))]
        )
    if order.state in (OrderState.COMPLETED, OrderState.CANCELLED):
        raise ActionError(_("A finished order cannot be reassigned."))
    before = order_snapshot(order)
    previous = order.assignee.get_username() if order.assignee else ""
    order.assignee = assignee  # type: ignore[assignment]
    _log(
        order,
        OrderEventType.ASSIGNED,
        actor,
        data={"assignee": assignee.pk, "from": previous, "automatic": False},
    )
    _save(order, actor, "order.reassigned", before)
    return order


# --- processing and review (R2.2.3, R2.3) -------------------------------------------------


@transaction.atomic
def mark_paid(order: Order, actor: Actor) -> Order:
    require_permission(actor, roles.PROCESS_ORDER)
    order = _locked(order)
    # The table also allows IN_REVIEW -> PAID, but that move is a rejection, not a payment.
    if order.state != OrderState.AWAITING_PAYMENT:
        raise ActionError(_("Only an order awaiting payment can be marked paid."))
    before = order_snapshot(order)
    _move(order, OrderState.PAID, actor, OrderEventType.PAID)
    _save(order, actor, "order.paid", before)
    transaction.on_commit(lambda: assign_automatically(order))
    return order


@transaction.atomic
def confirm_order(order: Order, actor: Actor) -> Order:
    """The processor has checked the details; an order that needs no review goes on."""
    require_permission(actor, roles.PROCESS_ORDER)
    order = _locked(order)
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
    _move(order, OrderState.APPROVED, actor, OrderEventType.CONFIRMED)
    _save(order, actor, "order.confirmed", before)
    return order


@transaction.atomic
def submit_for_review(order: Order, actor: Actor, comment: str = "") -> Order:
    require_permission(actor, roles.PROCESS_ORDER)
    order = _locked(order)
    if order.review_state == ReviewState.NOT_REQUIRED:
        raise ActionError(_("This order does not need review: confirm it instead."))
    before = order_snapshot(order)
    order.processed_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
    order.review_state = ReviewState.SUBMITTED
    _move(order, OrderState.IN_REVIEW, actor, OrderEventType.SUBMITTED_FOR_REVIEW, comment=comment)
    _save(order, actor, "order.submitted_for_review", before)
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
    order = _locked(order)
    _check_reviewer(order, actor)
    before = order_snapshot(order)
    order.review_state = ReviewState.APPROVED
    _move(order, OrderState.APPROVED, actor, OrderEventType.APPROVED, comment=comment)
    _save(order, actor, "order.approved", before, comment=comment)
    return order


@transaction.atomic
def reject_order(order: Order, actor: Actor, comment: str) -> Order:
    order = _locked(order)
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
    _move(order, OrderState.PAID, actor, OrderEventType.REJECTED, comment=comment.strip())
    _save(order, actor, "order.rejected", before, comment=comment.strip())
    return order


# --- edits (R2.3 correction, R8.1 administrator edit) -------------------------------------


@dataclass(frozen=True)
class LineChange:
    line_id: int
    quantity: int | None = None
    unit_price_cents: int | None = None


def _apply_line_changes(
    order: Order,
    changes: list[LineChange],
    discount_cents: int | None,
    shipping_fee_cents: int | None,
) -> dict[str, Any]:
    lines = {line.pk: line for line in order.lines.all()}
    errors: list[FieldError] = []
    for index, change in enumerate(changes):
        if change.line_id not in lines:
            errors.append(FieldError(f"lines[{index}].id", _("No such line on this order.")))
        if change.quantity is not None and change.quantity < 1:
            errors.append(FieldError(f"lines[{index}].quantity", _("Must be at least 1.")))
        elif change.quantity is not None and change.quantity > rules.MAX_LINE_QUANTITY:
            errors.append(
                FieldError(
                    f"lines[{index}].quantity",
                    _("Must be at most %(n)d.") % {"n": rules.MAX_LINE_QUANTITY},
                )
            )
        if change.unit_price_cents is not None and change.unit_price_cents < 0:
            errors.append(FieldError(f"lines[{index}].unit_price", _("Must not be negative.")))
    if discount_cents is not None and discount_cents < 0:
        errors.append(FieldError("discount", _("Must not be negative.")))
    if shipping_fee_cents is not None and shipping_fee_cents < 0:
        errors.append(FieldError("shipping_fee", _("Must not be negative.")))
    if errors:
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
    is_admin_edit = actor is not None and actor.has_perm(roles.EDIT_ORDER_AMOUNTS)  # type: ignore[union-attr]
    if not is_admin_edit:
        require_permission(actor, roles.PROCESS_ORDER)
    order = _locked(order)
    if order.state == OrderState.IN_REVIEW:
        raise ActionError(_("The order is locked while in review."))
    if not is_admin_edit and order.state not in EDITABLE_STATES:
        raise ActionError(_("Only an administrator can change an order in this state."))
    if order.state == OrderState.CANCELLED:
        raise ActionError(_("A cancelled order cannot be edited."))
    before = order_snapshot(order)
    changed = _apply_line_changes(order, changes, discount_cents, shipping_fee_cents)
    if not changed:
        return order
    if order.state in EDITABLE_STATES:
        _reclassify(order, changed)
    _log(
        order,
        OrderEventType.EDITED,
        actor,
        comment=comment,
        data={"changes": changed, "by_admin": is_admin_edit},
    )
    _save(order, actor, "order.edited", before, lines_changed=True, changes=changed)
    return order


@transaction.atomic
def delete_invalid_order(order: Order, actor: Actor, reason: str) -> Order:
    """Administrators remove an invalid order: hidden from lists, kept for the audit trail."""
    require_permission(actor, roles.DELETE_ORDER)
    if not reason.strip():
        raise InputError([FieldError("reason", _("Say why the order is invalid."))])
    order = Order.all_objects.select_for_update().get(pk=order.pk)
    if order.is_deleted:
        raise ActionError(_("The order was already deleted."))
    before = order_snapshot(order)
    order.is_deleted = True
    order.deleted_at = now()
    order.deletion_reason = reason.strip()
    _log(order, OrderEventType.DELETED, actor, comment=reason.strip())
    _save(order, actor, "order.deleted", before, reason=reason.strip())
    return order


@transaction.atomic
def cancel_order(order: Order, actor: Actor, reason: str) -> Order:
    require_permission(actor, roles.CANCEL_ORDER)
    if not reason.strip():
        raise InputError([FieldError("reason", _("Say why the order is cancelled."))])
    order = _locked(order)
    before = order_snapshot(order)
    _move(order, OrderState.CANCELLED, actor, OrderEventType.CANCELLED, comment=reason.strip())
    _save(order, actor, "order.cancelled", before, reason=reason.strip())
    return order


# --- fulfilment and delivery (R1.2) -------------------------------------------------------

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
# Marks a delivery confirmed by hand, where the parcels normally decide (timeline and audit).
MANUAL_CORRECTION = "manual_correction"


def _parcel_step_refusal(to_state: OrderState) -> str:
    if to_state == OrderState.SHIPPED:
        return _(
            "An order is shipped only by handing its parcel to a carrier: create a shipment "
            "with the carrier and the tracking number."
        )
    return _(
        "An order goes in transit when the carrier scans its parcel: record the carrier’s "
        "events or a scan of the parcel instead."
    )


@transaction.atomic
def advance_order(order: Order, to_state: OrderState, actor: Actor, comment: str = "") -> Order:
    """Move an approved order along the warehouse steps, or confirm its delivery by hand."""
    if to_state in PARCEL_STEPS:
        require_permission(actor, roles.SHIP_ORDER)
        raise ActionError(_parcel_step_refusal(to_state))
    require_permission(actor, FULFILMENT_PERMISSIONS.get(to_state, roles.FULFIL_ORDER))
    if to_state not in FULFILMENT_PERMISSIONS:
        raise ActionError(_("Use the dedicated action for this step."))
    if to_state == OrderState.DELIVERED and not comment.strip():
        raise InputError(
            [
                FieldError(
                    "comment",
                    _("Say how the delivery was confirmed, e.g. the customer confirmed receipt."),
                )
            ]
        )
    order = _locked(order)
    # Without this, "approved" as a warehouse step would skip the review of a paid order.
    if order.state not in FULFILMENT_STATES:
        raise ActionError(_("Use the dedicated action for this step."))
    if to_state == OrderState.DELIVERED:
        return _confirm_delivery_by_hand(order, actor, comment.strip())
    before = order_snapshot(order)
    _move(order, to_state, actor, OrderEventType.STATE_CHANGED, comment=comment)
    _save(order, actor, f"order.{to_state}", before)
    return order


def _confirm_delivery_by_hand(order: Order, actor: Actor, reason: str) -> Order:
    """The carrier's feed is silent but the delivery is known (the customer confirmed it).

    Only for an order with parcels: the order follows them, and this corrects it where the
    carrier does not. The parcels keep the status their carrier last reported.
    """
    if not order.shipments.exists():
        raise ActionError(
            _(
                "This order has no parcel, so it cannot be marked delivered: hand its parcel "
                "over to a carrier first."
            )
        )
    before = order_snapshot(order)
    _move(
        order,
        OrderState.DELIVERED,
        actor,
        OrderEventType.STATE_CHANGED,
        comment=reason,
        source=MANUAL_CORRECTION,
    )
    _save(order, actor, "order.delivered", before, source=MANUAL_CORRECTION, reason=reason)
    return order


@transaction.atomic
def ship_order(order: Order, actor: Actor, *, carrier: str, tracking_number: str) -> Order:
    """A packed order's parcel is with a carrier: packed -> shipped (R1.2, R4.2).

    parcelops.tracking.actions.create_shipment calls this right after it stored the parcel,
    in the same transaction. Refused unless the order has that parcel, so an order never
    becomes shipped by hand.
    """
    require_permission(actor, roles.SHIP_ORDER)
    order = _locked(order)
    if not order.shipments.filter(carrier=carrier, tracking_number=tracking_number).exists():
        raise ActionError(_parcel_step_refusal(OrderState.SHIPPED))
    before = order_snapshot(order)
    _move(
        order,
        OrderState.SHIPPED,
        actor,
        OrderEventType.STATE_CHANGED,
        carrier=carrier,
        tracking_number=tracking_number,
    )
    _save(order, actor, "order.shipped", before, carrier=carrier, tracking_number=tracking_number)
    return order


@transaction.atomic
def complete_order(order: Order, actor: Actor) -> Order:
    """Close a delivered order; the after-sales guarantee period starts now (R1.2)."""
    require_permission(actor, roles.SHIP_ORDER)
    order = _locked(order)
    before = order_snapshot(order)
    completed_at = now()
    order.completed_at = completed_at
    order.after_sales_until = rules.after_sales_deadline(
        completed_at, settings.PARCELOPS_AFTER_SALES_DAYS
    )
    _move(
        order,
        OrderState.COMPLETED,
        actor,
        OrderEventType.COMPLETED,
        after_sales_until=order.after_sales_until.isoformat(),
    )
    _save(order, actor, "order.completed", before)
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


# --- following the parcels (R1.2, R8.2) ---------------------------------------------------


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
