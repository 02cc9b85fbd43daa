"""Template filters that show an order's codes in the manual's words: states, money, reasons."""

import math
from datetime import timedelta

from django import template
from django.contrib.auth.models import AnonymousUser, User
from django.forms import BoundField
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from parcelops.accounts.roles import ROLES, role_label
from parcelops.carriers.names import carrier_label
from parcelops.core.money import display_money
from parcelops.orders.models import Channel
from parcelops.orders.states import (
    CustomerTier,
    OrderState,
    ProductType,
    ReviewState,
)

register = template.Library()

# One colour per stage, so a long list can be read at a glance.
STATE_TONES = {
    OrderState.AWAITING_PAYMENT: "amber",
    OrderState.PAID: "blue",
    OrderState.IN_REVIEW: "violet",
    OrderState.APPROVED: "teal",
    OrderState.ALLOCATED: "teal",
    OrderState.PICKING: "teal",
    OrderState.PACKED: "teal",
    OrderState.SHIPPED: "indigo",
    OrderState.IN_TRANSIT: "indigo",
    OrderState.DELIVERED: "green",
    OrderState.COMPLETED: "green",
    OrderState.CANCELLED: "grey",
}
REVIEW_TONES = {
    ReviewState.NOT_REQUIRED: "plain",
    ReviewState.REQUIRED: "amber",
    ReviewState.SUBMITTED: "violet",
    ReviewState.APPROVED: "green",
    ReviewState.REJECTED: "red",
}


@register.filter
def money(cents: int | None, currency: str = "CNY") -> str:
    if cents is None:
        return ""
    return display_money(int(cents), currency or "CNY")


@register.filter
def state_label(value: str) -> str:
    try:
        return str(OrderState(value).label)
    except ValueError:
        return value


@register.filter
def state_tone(value: str) -> str:
    try:
        return STATE_TONES[OrderState(value)]
    except (ValueError, KeyError):
        return "plain"


@register.filter
def review_label(value: str) -> str:
    try:
        return str(ReviewState(value).label)
    except ValueError:
        return value


@register.filter
def review_tone(value: str) -> str:
    try:
        return REVIEW_TONES[ReviewState(value)]
    except (ValueError, KeyError):
        return "plain"


@register.filter
def tier_label(value: str) -> str:
    try:
        return str(CustomerTier(value).label)
    except ValueError:
        return value


@register.filter
def reason_label(reason: str) -> str:
    """The classification reasons of rules.classify_order ("amount:large", "tier:vip", ...)."""
    kind, _sep, value = reason.partition(":")
    if kind == "amount":
        return _("Large amount")
    if kind == "tier":
        return _("Customer tier: %(tier)s") % {"tier": tier_label(value)}
    if kind == "product":
        try:
            product = str(ProductType(value).label)
        except ValueError:
            product = value
        return _("Special product: %(type)s") % {"type": product}
    return reason


@register.filter
def is_marked_required(bound_field: BoundField) -> bool:
    """Fields the intake rules require, marked with an asterisk though the form lets them pass."""
    return bool(bound_field.field.required or bound_field.field.widget.attrs.get("aria-required"))


@register.filter
def whole_minutes(duration: timedelta | None) -> int:
    """A waiting time rounded up to whole minutes (the lock-out page)."""
    if not duration:
        return 0
    return max(1, math.ceil(duration.total_seconds() / 60))


@register.simple_tag
def staff_roles(user: User | AnonymousUser) -> str:
    """The signed-in person's roles in the page's language, for the top bar."""
    if not user.is_authenticated:
        return ""
    language = get_language() or "en"
    names = sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    return ", ".join(role_label(name, language) for name in names)


@register.filter
def channel_label(channel: Channel | None) -> str:
    return "" if channel is None else channel.label()


@register.filter(name="carrier_label")
def carrier_label_filter(code: str) -> str:
    """A carrier code (an order's requested carrier) as its name in the page's language."""
    return carrier_label(code) if code else ""
