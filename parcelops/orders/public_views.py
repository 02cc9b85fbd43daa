"""The customer's order lookup page: no login, no personal data, rate limited (R1.2, R8.3)."""

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from parcelops.core.ratelimit import is_rate_limited
from parcelops.orders import forms
from parcelops.orders.models import Order
from parcelops.orders.presentation import phone_last4_matches, public_order_view
from parcelops.orders.states import OrderState
from parcelops.tracking.public_views import public_parcels

# The customer's progress bar: five steps in plain words, each covering several states.
PUBLIC_STEPS = [
    (gettext_lazy("Order placed"), {OrderState.AWAITING_PAYMENT}),
    (
        gettext_lazy("Being prepared"),
        {
            OrderState.PAID,
            OrderState.IN_REVIEW,
            OrderState.APPROVED,
            OrderState.ALLOCATED,
            OrderState.PICKING,
            OrderState.PACKED,
        },
    ),
    (gettext_lazy("On its way"), {OrderState.SHIPPED, OrderState.IN_TRANSIT}),
    (gettext_lazy("Delivered"), {OrderState.DELIVERED}),
    (gettext_lazy("Completed"), {OrderState.COMPLETED}),
]


def _public_result(order: Order) -> dict[str, Any]:
    view = public_order_view(order)
    current = next(
        (i for i, (_label, states) in enumerate(PUBLIC_STEPS) if order.state in states), -1
    )
    view["steps"] = [
        {"label": str(label), "is_done": i < current, "is_current": i == current}
        for i, (label, _states) in enumerate(PUBLIC_STEPS)
    ]
    view["is_cancelled"] = order.state == OrderState.CANCELLED
    view["placed_at"] = datetime.fromisoformat(view["placed_at"])
    if view["promised_delivery_date"]:
        view["promised_delivery_date"] = date.fromisoformat(view["promised_delivery_date"])
    view["timeline"] = [
        {**entry, "at": datetime.fromisoformat(entry["at"])} for entry in reversed(view["timeline"])
    ]
    view["parcels"] = public_parcels(order)
    return view


def public_order_lookup(request: HttpRequest) -> HttpResponse:
    """A customer finds their order with its number and the last 4 digits of their phone."""
    result = None
    is_not_found = False
    if request.method == "POST":
        if is_rate_limited(request, "public-order-page", settings.PARCELOPS_PUBLIC_RATE_LIMIT):
            response = render(request, "orders/public_rate_limited.html", status=429)
            response["Retry-After"] = "60"
            return response
        form = forms.PublicLookupForm(request.POST)
        if form.is_valid():
            order = (
                Order.objects.select_related("customer")
                .filter(number=form.cleaned_data["number"])
                .first()
            )
            # An unknown number and a wrong phone get the same answer: nothing to probe with.
            if order is None or not phone_last4_matches(order, form.cleaned_data["phone_last4"]):
                is_not_found = True
            else:
                result = _public_result(order)
    else:
        form = forms.PublicLookupForm(initial={"number": request.GET.get("number", "")})
    return render(
        request,
        "orders/public_lookup.html",
        {"form": form, "result": result, "is_not_found": is_not_found},
    )
