"""Carrier choice's page: the ranking for one order, as the packing page shows it (the
include warehouse/_carrier_options.html), on a page of its own."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from parcelops.core.errors import ActionError, NotPermittedError
from parcelops.orders.models import Order
from parcelops.warehouse.choice_presentation import present
from parcelops.warehouse.choice_queries import carrier_options, require_choice_permission


@login_required
def carrier_options_page(request: HttpRequest, number: str) -> HttpResponse:
    try:
        require_choice_permission(request.user)
    except NotPermittedError as error:
        raise PermissionDenied(str(error)) from error
    order = get_object_or_404(Order.objects.all(), number=number)
    context: dict[str, Any] = {"order": order, "ranking": None, "refusal": ""}
    status = 200
    try:
        context["ranking"] = present(carrier_options(order))
    except ActionError as refused:
        context["refusal"] = str(refused)
        status = 409
    return render(request, "warehouse/carrier_options.html", context, status=status)
