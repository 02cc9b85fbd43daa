"""Intake (R2.1): validate, store, classify and assign one incoming order."""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.core import crypto
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.orders import rules
from parcelops.orders.actions._common import log_event, order_snapshot
from parcelops.orders.actions.assignment import processor_candidates
from parcelops.orders.models import Channel, Customer, Order, OrderLine, OrderRecipient, Product
from parcelops.orders.states import (
    OrderEventType,
    OrderState,
    ReviewState,
)


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


def _contact(intake: rules.IntakeOrder) -> dict[str, str]:
    """Name, phone and email as sent, with their blind indexes: a new customer's record,
    and every order's own recipient."""
    return {
        "name": intake.customer_name,
        "phone": intake.customer_phone,
        "email": intake.customer_email,
        "phone_index": crypto.phone_index(intake.customer_phone),
        "email_index": crypto.email_index(intake.customer_email),
        "name_index": crypto.name_index(intake.customer_name),
    }


def _customer_for(intake: rules.IntakeOrder) -> Customer:
    customer = find_customer(intake.customer_phone, intake.customer_email)
    if customer is None:
        try:
            with transaction.atomic():  # a savepoint: a racing intake may create them first
                return Customer.objects.create(**_contact(intake), tier=intake.customer_tier)
        except IntegrityError:
            customer = find_customer(intake.customer_phone, intake.customer_email)
            if customer is None:
                raise
    return customer


def _record_tier_change(order: Order, customer: Customer, new_tier: str, actor: Actor) -> None:
    """A known customer arrives with another tier: the order's channel says so, and it changes
    their review and service, so it is recorded on the order and in the audit trail."""
    old_tier = customer.tier
    Customer.objects.filter(pk=customer.pk).update(tier=new_tier)
    customer.tier = new_tier
    change = {"customer": customer.pk, "from": old_tier, "to": new_tier}
    log_event(order, OrderEventType.CUSTOMER_TIER_CHANGED, actor, data=change)
    record_audit(
        actor,
        "customer.tier_changed",
        customer,
        before={"tier": old_tier},
        after={"tier": new_tier},
        detail={"order": order.number, "from": old_tier, "to": new_tier},
    )


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


def unknown_channel_message(code: str) -> str:
    return _(
        "Unknown or inactive channel “%(code)s”: an administrator adds it on the admin page"
        " (/admin/orders/channel/) or with `parcelops channels add %(code)s NAME`."
    ) % {"code": code}


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
        # A fresh production install has no channels: say how one is added (R2.1.1).
        raise InputError([FieldError("channel", unknown_channel_message(intake.channel))])
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
    # Cash on delivery is paid at the door: processed as a paid order, never waiting for it.
    is_paid = intake.is_paid or intake.cash_on_delivery
    state = OrderState.PAID if is_paid else OrderState.AWAITING_PAYMENT
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
        cash_on_delivery=intake.cash_on_delivery,
        promised_delivery_date=intake.promised_delivery_date,
        order_type=classification.order_type,
        classification_reasons=list(classification.reasons),
        state=state,
        review_state=ReviewState.REQUIRED
        if classification.needs_review
        else ReviewState.NOT_REQUIRED,
    )
    # The order's own recipient, as sent: a customer found by phone or email keeps their own
    # record (the first name they gave), and this order still says who it goes to.
    OrderRecipient.objects.create(order=order, **_contact(intake))
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
    log_event(
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
    if customer.tier != intake.customer_tier:
        _record_tier_change(order, customer, intake.customer_tier, actor)
    if assignee_id is not None:
        log_event(
            order, OrderEventType.ASSIGNED, None, data={"assignee": assignee_id, "automatic": True}
        )
    line_snapshot = [[ln.sku, ln.quantity, ln.unit_price_cents] for ln in intake.lines]
    record_audit(actor, "order.placed", order, after=order_snapshot(order, line_snapshot))
    return order
