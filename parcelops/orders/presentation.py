"""How an order is shown: to staff (masked unless their role may see customer data) and
to the customer on the public page (no personal data at all)."""

import hmac
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext_lazy as _

from parcelops.accounts import roles
from parcelops.core.money import format_cents
from parcelops.orders.models import Order, OrderEvent, OrderRecipient
from parcelops.orders.states import OrderEventType, OrderState


def mask_name(name: str) -> str:
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else ""


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else ""


def can_see_customer_data(user: User | AnonymousUser | None) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.has_perm(roles.VIEW_CUSTOMER_DATA)
    )  # type: ignore[union-attr]


@dataclass(frozen=True)
class Recipient:
    name: str
    phone: str
    email: str


def recipient_of(order: Order) -> Recipient:
    """Who the order goes to, as the order itself says (decision 0026). An order stored
    without its own recipient (bulk-made by a benchmark) falls back to its customer."""
    try:
        own = order.recipient
    except OrderRecipient.DoesNotExist:
        customer = order.customer
        return Recipient(customer.name, customer.phone, customer.email)
    return Recipient(own.name, own.phone, own.email)


def customer_view(order: Order, *, full: bool) -> dict[str, Any]:
    customer = recipient_of(order)
    address: dict[str, str] = dict(order.shipping_address or {})  # type: ignore[arg-type]
    if full:
        return {
            "name": customer.name,
            "phone": customer.phone,
            "email": customer.email,
            "tier": order.customer_tier,
            "shipping_address": address,
        }
    return {
        "name": mask_name(customer.name),
        "phone": mask_phone(customer.phone),
        "email": mask_email(customer.email),
        "tier": order.customer_tier,
        "shipping_address": {k: address.get(k, "") for k in ("country", "province", "city")},
    }


def event_view(event: OrderEvent) -> dict[str, Any]:
    return {
        "type": event.type,
        "label": str(OrderEventType(event.type).label),
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor": event.actor.get_username() if event.actor else "system",
        "at": event.at.isoformat(),
        "comment": event.comment,
        "data": event.data,
    }


def order_view(order: Order, viewer: Any, *, with_events: bool = False) -> dict[str, Any]:
    lines = list(order.lines.all())
    view: dict[str, Any] = {
        "number": order.number,
        "channel": order.channel.code,
        "external_id": order.external_id,
        "state": order.state,
        "state_label": str(OrderState(order.state).label),
        "review_state": order.review_state,
        "order_type": order.order_type,
        "classification_reasons": order.classification_reasons,
        "has_open_exception": order.has_open_exception,
        "customer": customer_view(order, full=can_see_customer_data(viewer)),
        "lines": [
            {
                "id": line.pk,
                "sku": line.sku,
                "name": line.name,
                "product_type": line.product_type,
                "quantity": line.quantity,
                "unit_price": format_cents(line.unit_price_cents),
                "line_total": format_cents(line.line_total_cents),
            }
            for line in lines
        ],
        "currency": order.currency,
        "subtotal": format_cents(order.subtotal_cents),
        "discount": format_cents(order.discount_cents),
        "shipping_fee": format_cents(order.shipping_fee_cents),
        "total": format_cents(order.total_cents),
        "placed_at": order.placed_at.isoformat(),
        "received_at": order.received_at.isoformat(),
        "requested_carrier": order.requested_carrier,
        "cash_on_delivery": order.cash_on_delivery,
        "promised_delivery_date": order.promised_delivery_date.isoformat()
        if order.promised_delivery_date
        else None,
        "assignee": order.assignee.get_username() if order.assignee else None,
        "processed_by": order.processed_by.get_username() if order.processed_by else None,
        "completed_at": order.completed_at.isoformat() if order.completed_at else None,
        "after_sales_until": order.after_sales_until.isoformat()
        if order.after_sales_until
        else None,
    }
    if with_events:
        view["events"] = [event_view(e) for e in order.events.select_related("actor")]
    return view


# What a customer sees: where the order is, never who handled it or where it goes.
PUBLIC_EVENT_TYPES = {
    OrderEventType.PLACED,
    OrderEventType.PAID,
    OrderEventType.APPROVED,
    OrderEventType.CONFIRMED,
    OrderEventType.STATE_CHANGED,
    OrderEventType.CANCELLED,
    OrderEventType.COMPLETED,
}


# The customer's words for each state: where their order is, not the shop's internal steps
# (review, stock allocation, picking are all "being prepared").
PUBLIC_STATE_LABELS: dict[str, Any] = {
    OrderState.AWAITING_PAYMENT: _("Waiting for payment"),
    OrderState.PAID: _("Order received"),
    OrderState.IN_REVIEW: _("Order received"),
    OrderState.APPROVED: _("Being prepared"),
    OrderState.ALLOCATED: _("Being prepared"),
    OrderState.PICKING: _("Being prepared"),
    OrderState.PACKED: _("Being prepared"),
    OrderState.SHIPPED: _("Handed to the carrier"),
    OrderState.IN_TRANSIT: _("On its way"),
    OrderState.DELIVERED: _("Delivered"),
    OrderState.COMPLETED: _("Completed"),
    OrderState.CANCELLED: _("Cancelled"),
}


def public_state_label(state: str) -> str:
    return str(PUBLIC_STATE_LABELS[state])


def public_order_view(order: Order) -> dict[str, Any]:
    timeline: list[dict[str, Any]] = []
    for event in order.events.filter(type__in=list(PUBLIC_EVENT_TYPES)).order_by("at", "id"):
        state = event.to_state or order.state
        label = public_state_label(state)
        # Several internal steps read alike to the customer ("Being prepared"): the
        # timeline says when each of their steps was reached, once.
        if not timeline or timeline[-1]["label"] != label:
            timeline.append({"at": event.at.isoformat(), "state": state, "label": label})
    return {
        "number": order.number,
        "state": order.state,
        "state_label": public_state_label(order.state),
        "placed_at": order.placed_at.isoformat(),
        "promised_delivery_date": order.promised_delivery_date.isoformat()
        if order.promised_delivery_date
        else None,
        "items": sum(line.quantity for line in order.lines.all()),
        "timeline": timeline,
    }


def phone_last4_matches(order: Order, last4: str) -> bool:
    digits = "".join(ch for ch in recipient_of(order).phone if ch.isdigit())
    # Compared as bytes: compare_digest refuses non-ASCII text, and anyone may type it here.
    return len(last4) == 4 and hmac.compare_digest(digits[-4:].encode(), last4.encode())
