"""/api/v1/orders: intake, query, review and administration of orders (thin: validate,
call an action, shape the answer)."""

from dataclasses import replace
from typing import Any

import orjson
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from parcelops.accounts import roles
from parcelops.accounts.permissions import require_permission
from parcelops.core.api_schemas import (
    CHANGES_ONE,
    MAX_ID,
    READS_BODY,
    SIGNED_IN,
    error_responses,
    request_body,
)
from parcelops.core.errors import FieldError, InputError
from parcelops.core.ratelimit import too_many_requests_response
from parcelops.orders import actions, rules
from parcelops.orders.models import Order
from parcelops.orders.presentation import can_see_customer_data, order_view, public_order_view
from parcelops.orders.public_lookup import LookupThrottledError, look_up_public_order
from parcelops.orders.queries import (
    OrderFilters,
    filter_orders,
    parse_day,
    refuse_customer_filters,
)
from parcelops.orders.states import OrderState

router = Router(tags=["orders"])
public_router = Router(tags=["public"], auth=None)


class CustomerIn(Schema):
    name: str
    phone: str | None = None
    email: str | None = None
    tier: str = "regular"


class AddressIn(Schema):
    province: str
    city: str
    district: str | None = None
    street: str
    postal_code: str | None = None
    country: str = "CN"


class LineIn(Schema):
    sku: str
    name: str
    quantity: int
    unit_price: str = Field(examples=["129.00"])


class OrderIn(Schema):
    """The intake document (validated by parcelops.orders.rules, which names every bad field)."""

    channel: str
    external_id: str
    placed_at: str = Field(examples=["2026-11-25T10:00:00+08:00"])
    customer: CustomerIn
    shipping_address: AddressIn
    lines: list[LineIn]
    discount: str = "0.00"
    shipping_fee: str = "0.00"
    total: str
    currency: str = "CNY"
    requested_carrier: str | None = None
    promised_delivery_date: str | None = None
    is_paid: bool = True
    cash_on_delivery: bool = Field(
        default=False, description="Paid at the door: only carriers offering it can ship it"
    )


class LineEditIn(Schema):
    id: int = Field(description="The order line's id")
    quantity: int | None = None
    unit_price: str | None = Field(None, examples=["129.00"])


class OrderEditIn(Schema):
    """An edit (parcelops.orders.rules.read_order_edit): a key left out is left unchanged."""

    lines: list[LineEditIn] = []
    discount: str | None = Field(None, examples=["10.00"])
    shipping_fee: str | None = Field(None, examples=["8.00"])
    comment: str = ""


ORDER = dict
# An order step: one order, changed by an action (a body, when it takes one, is JSON).
STEP = {200: ORDER, **error_responses(*CHANGES_ONE)}
STEP_WITH_BODY = {**STEP, **error_responses(*READS_BODY)}


def _json_body(request: HttpRequest) -> Any:
    try:
        return orjson.loads(request.body or b"null")
    except orjson.JSONDecodeError as error:
        raise HttpError(
            400, _("The body is not valid JSON: %(reason)s") % {"reason": str(error)}
        ) from error


def _object_body(request: HttpRequest) -> dict[str, Any]:
    body = _json_body(request) if request.body else {}
    if not isinstance(body, dict):
        raise HttpError(400, _("The body must be a JSON object."))
    return body


def _order(number: str) -> Order:
    return get_object_or_404(
        Order.objects.select_related("channel", "recipient", "assignee", "processed_by"),
        number=number,
    )


def _answer(request: HttpRequest, order: Order, status: int = 200) -> Status:
    return Status(status, order_view(order, request.user, with_events=True))


@router.post(
    "",
    response={
        200: ORDER,
        201: ORDER,
        **error_responses(*SIGNED_IN, *READS_BODY, 403, 409),
    },
    summary="Take in an order (idempotent on channel + external_id)",
    openapi_extra=request_body(OrderIn),
)
def create_order(request: HttpRequest) -> Status:
    result = actions.intake_order(_json_body(request), request.user)
    order = Order.all_objects.select_related("channel", "recipient", "assignee").get(
        pk=result.order.pk
    )
    return _answer(request, order, 201 if result.created else 200)


class OrderListOut(Schema):
    count: int
    results: list[dict[str, Any]]


@router.get(
    "",
    response={200: OrderListOut, **error_responses(*SIGNED_IN, 403, 422)},
    summary="List and search orders",
)
def list_orders(
    request: HttpRequest,
    state: str = "",
    order_type: str = "",
    channel: str = "",
    assignee: str = "",
    review_state: str = "",
    date_from: str = "",
    date_to: str = "",
    phone: str = "",
    email: str = "",
    name: str = "",
    q: str = "",
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> dict[str, Any]:
    require_permission(request.user, roles.VIEW_ORDER)
    # As on the list page, the search box finds customers for the roles that may see them.
    filters = replace(
        OrderFilters.from_mapping(request.GET),
        customer_search=can_see_customer_data(request.user),
    )
    refuse_customer_filters(filters, request.user)
    bad_dates = [
        FieldError(key, _("Must be a date such as 2026-12-01."))
        for key, value in (("date_from", date_from), ("date_to", date_to))
        if value.strip() and parse_day(value) is None
    ]
    if bad_dates:
        raise InputError(bad_dates)
    orders = filter_orders(filters).prefetch_related("lines")
    page = list(orders[offset : offset + limit])
    return {"count": orders.count(), "results": [order_view(o, request.user) for o in page]}


@router.get(
    "/{number}",
    response={200: ORDER, **error_responses(*SIGNED_IN, 403, 404)},
    summary="One order with its timeline",
)
def get_order(request: HttpRequest, number: str) -> dict[str, Any]:
    require_permission(request.user, roles.VIEW_ORDER)
    return order_view(_order(number), request.user, with_events=True)


@router.patch(
    "/{number}",
    response=STEP_WITH_BODY,
    summary="Edit quantities, prices and amounts (totals recomputed, audited)",
    openapi_extra=request_body(OrderEditIn),
)
def edit_order(request: HttpRequest, number: str) -> dict[str, Any]:
    body = _object_body(request)
    edit, errors = rules.read_order_edit(body)
    if edit is None:
        raise InputError(errors)
    order = actions.edit_order(
        _order(number),
        request.user,
        edit.changes,
        discount_cents=edit.discount_cents,
        shipping_fee_cents=edit.shipping_fee_cents,
        comment=str(body.get("comment", "")),
    )
    return order_view(_order(order.number), request.user, with_events=True)


@router.delete("/{number}", response=STEP, summary="Delete an invalid order (soft delete, audited)")
def delete_order(request: HttpRequest, number: str, reason: str = "") -> dict[str, Any]:
    order = actions.delete_invalid_order(_order(number), request.user, reason)
    return {"number": order.number, "deleted": True}


class CommentIn(Schema):
    comment: str = ""


class AssignIn(Schema):
    assignee: str


class ReasonIn(Schema):
    reason: str = ""


class TransitionIn(Schema):
    to_state: OrderState
    comment: str = ""


@router.post("/{number}/submit-review", response=STEP_WITH_BODY, summary="Submit for review")
def submit_review(
    request: HttpRequest, number: str, payload: CommentIn | None = None
) -> dict[str, Any]:
    order = actions.submit_for_review(
        _order(number), request.user, payload.comment if payload else ""
    )
    return order_view(_order(order.number), request.user, with_events=True)


@router.post("/{number}/approve", response=STEP_WITH_BODY, summary="Approve an order in review")
def approve(request: HttpRequest, number: str, payload: CommentIn | None = None) -> dict[str, Any]:
    order = actions.approve_order(_order(number), request.user, payload.comment if payload else "")
    return order_view(_order(order.number), request.user, with_events=True)


@router.post(
    "/{number}/reject",
    response=STEP_WITH_BODY,
    summary="Reject an order in review (comment required)",
)
def reject(request: HttpRequest, number: str, payload: CommentIn | None = None) -> dict[str, Any]:
    order = actions.reject_order(_order(number), request.user, payload.comment if payload else "")
    return order_view(_order(order.number), request.user, with_events=True)


@router.post("/{number}/confirm", response=STEP, summary="Confirm an order that needs no review")
def confirm(request: HttpRequest, number: str) -> dict[str, Any]:
    order = actions.confirm_order(_order(number), request.user)
    return order_view(_order(order.number), request.user, with_events=True)


@router.post("/{number}/mark-paid", response=STEP, summary="Record the payment of an order")
def mark_paid(request: HttpRequest, number: str) -> dict[str, Any]:
    order = actions.mark_paid(_order(number), request.user)
    return order_view(_order(order.number), request.user, with_events=True)


@router.post("/{number}/assign", response=STEP_WITH_BODY, summary="Reassign to another processor")
def assign(request: HttpRequest, number: str, payload: AssignIn) -> dict[str, Any]:
    order = actions.reassign_order(_order(number), payload.assignee, request.user)
    return order_view(_order(order.number), request.user, with_events=True)


@router.post("/{number}/cancel", response=STEP_WITH_BODY, summary="Cancel (reason required)")
def cancel(request: HttpRequest, number: str, payload: ReasonIn) -> dict[str, Any]:
    order = actions.cancel_order(_order(number), request.user, payload.reason)
    return order_view(_order(order.number), request.user, with_events=True)


@router.post(
    "/{number}/transition",
    response=STEP_WITH_BODY,
    summary="Warehouse steps, or a delivery confirmed by hand",
    description=(
        "allocated, picking, packed, approved (stock released), and delivered as a correction "
        "for an order with parcels (a comment saying how it was confirmed is required). "
        "shipped and in_transit are refused with 409: an order is shipped by "
        "POST /orders/{number}/shipments and follows its parcels' carrier events from there."
    ),
)
def transition(request: HttpRequest, number: str, payload: TransitionIn) -> dict[str, Any]:
    order = actions.advance_order(_order(number), payload.to_state, request.user, payload.comment)
    return order_view(_order(order.number), request.user, with_events=True)


@router.post(
    "/{number}/complete", response=STEP, summary="Complete a delivered order (starts after-sales)"
)
def complete(request: HttpRequest, number: str) -> dict[str, Any]:
    order = actions.complete_order(_order(number), request.user)
    return order_view(_order(order.number), request.user, with_events=True)


@public_router.get(
    "/orders/{number}",
    response={200: dict, **error_responses(404, 429)},
    summary="A customer's view of their order",
)
def public_order(request: HttpRequest, number: str, phone_last4: str = "") -> Any:
    try:
        order = look_up_public_order(request, number, phone_last4)
    except LookupThrottledError as braked:
        return too_many_requests_response(braked.retry_after, braked.message)
    if order is None:  # an unknown number and wrong digits alike: nothing to probe with
        raise HttpError(404, _("No order with this number and phone."))
    return public_order_view(order)
