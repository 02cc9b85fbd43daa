"""The permission matrix through the API: every role against every order action, exactly as
parcelops.accounts.roles.ROLE_PERMISSIONS says (R9.1); and masking of customer data."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User

from parcelops.accounts import roles
from parcelops.audit.models import AuditRecord
from parcelops.orders import actions
from parcelops.orders.models import Customer, Order, OrderEvent, OrderLine
from parcelops.orders.states import OrderState, ReviewState
from parcelops.orders.tests.factories import a_vip_order, intake_payload, place_order, ship
from parcelops.tracking.models import Shipment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "channel", "frozen_now")]

JSON = "application/json"
ORDERS = "/api/v1/orders"
FORBIDDEN = {"errors": [{"field": "", "message": "Your role does not allow this action."}]}
S = OrderState


def paid_order(staff: dict[str, User]) -> Order:
    return place_order()


def unpaid_order(staff: dict[str, User]) -> Order:
    return place_order(is_paid=False)


def vip_order(staff: dict[str, User]) -> Order:
    return a_vip_order()


def order_in_review(staff: dict[str, User]) -> Order:
    order = a_vip_order()
    return actions.submit_for_review(order, staff[roles.ORDER_PROCESSOR])


def order_in(state: OrderState) -> Callable[[dict[str, User]], Order]:
    def make(staff: dict[str, User]) -> Order:
        order = place_order()
        Order.objects.filter(pk=order.pk).update(state=state, review_state=ReviewState.APPROVED)
        return Order.objects.get(pk=order.pk)

    return make


def shipped_order(staff: dict[str, User]) -> Order:
    return ship(order_in(S.PACKED)(staff), staff[roles.ADMIN])


@dataclass(frozen=True)
class ApiAction:
    method: str
    path: str  # "{number}" is replaced by the order's number
    permissions: frozenset[str]  # any one of them allows the action
    make_order: Callable[[dict[str, User]], Order] = paid_order
    body: dict[str, Any] | None = field(default=None)


def one_of(*permissions: str) -> frozenset[str]:
    return frozenset(permissions)


# The order each step starts from, and what it sends, so an allowed step really succeeds.
STEP_FROM = {
    S.ALLOCATED: order_in(S.APPROVED),
    S.PICKING: order_in(S.ALLOCATED),
    S.PACKED: order_in(S.PICKING),
    S.APPROVED: order_in(S.ALLOCATED),
    S.DELIVERED: shipped_order,  # by hand: an order with a parcel, and a reason
}
assert set(STEP_FROM) == set(actions.FULFILMENT_PERMISSIONS)

API_ACTIONS: dict[str, ApiAction] = {
    "create": ApiAction(
        "post", "", one_of(roles.ADD_ORDER), body=intake_payload(external_id="W-NEW")
    ),
    "list": ApiAction("get", "", one_of(roles.VIEW_ORDER)),
    "detail": ApiAction("get", "/{number}", one_of(roles.VIEW_ORDER)),
    "patch": ApiAction(
        "patch",
        "/{number}",
        one_of(roles.PROCESS_ORDER, roles.EDIT_ORDER_AMOUNTS),
        body={"discount": "10.00"},
    ),
    "delete": ApiAction("delete", "/{number}?reason=invalid", one_of(roles.DELETE_ORDER)),
    "submit-review": ApiAction(
        "post", "/{number}/submit-review", one_of(roles.PROCESS_ORDER), vip_order, {}
    ),
    "approve": ApiAction(
        "post", "/{number}/approve", one_of(roles.REVIEW_ORDER), order_in_review, {}
    ),
    "reject": ApiAction(
        "post",
        "/{number}/reject",
        one_of(roles.REVIEW_ORDER),
        order_in_review,
        {"comment": "wrong discount"},
    ),
    "confirm": ApiAction("post", "/{number}/confirm", one_of(roles.PROCESS_ORDER)),
    "assign": ApiAction(
        "post", "/{number}/assign", one_of(roles.ASSIGN_ORDER), body={"assignee": "admin"}
    ),
    "cancel": ApiAction(
        "post", "/{number}/cancel", one_of(roles.CANCEL_ORDER), body={"reason": "asked"}
    ),
    "complete": ApiAction(
        "post", "/{number}/complete", one_of(roles.SHIP_ORDER), order_in(S.DELIVERED)
    ),
    "mark-paid": ApiAction(
        "post", "/{number}/mark-paid", one_of(roles.PROCESS_ORDER), unpaid_order
    ),
    "ship": ApiAction(
        "post",
        "/{number}/shipments",
        one_of(roles.SHIP_ORDER),
        order_in(S.PACKED),
        {"carrier": "zto", "tracking_number": "75100000000009"},
    ),
    **{
        f"transition:{target}": ApiAction(
            "post",
            "/{number}/transition",
            one_of(permission),
            STEP_FROM[target],
            {"to_state": str(target), "comment": "The customer confirmed receipt."},
        )
        for target, permission in actions.FULFILMENT_PERMISSIONS.items()
    },
}


def snapshot(order: Order) -> dict[str, Any]:
    order = Order.all_objects.get(pk=order.pk)
    return {
        "order": (
            order.state,
            order.review_state,
            order.assignee_id,
            order.total_cents,
            order.discount_cents,
            order.is_deleted,
        ),
        "orders": Order.all_objects.count(),
        "customers": Customer.objects.count(),
        "lines": OrderLine.objects.count(),
        "events": OrderEvent.objects.count(),
        "audit": AuditRecord.objects.count(),
        "shipments": Shipment.objects.count(),
    }


def is_allowed(role: str, action: ApiAction) -> bool:
    return bool(roles.ROLE_PERMISSIONS[role] & action.permissions)


@pytest.mark.parametrize("action_name", list(API_ACTIONS))
@pytest.mark.parametrize("role", roles.ROLES)
def test_each_role_may_do_exactly_what_the_matrix_allows(staff, api, role, action_name):
    action = API_ACTIONS[action_name]
    order = action.make_order(staff)
    client = api(staff[role])
    url = ORDERS + action.path.format(number=order.number)
    before = snapshot(order)

    call = getattr(client, action.method)
    response = call(url) if action.body is None else call(url, action.body, content_type=JSON)

    if is_allowed(role, action):
        assert response.status_code in (200, 201), response.content
        assert response.status_code != 403
    else:
        assert response.status_code == 403, response.content
        assert response.json() == FORBIDDEN
        assert snapshot(order) == before


def test_the_matrix_gives_every_action_to_someone_and_everything_to_the_administrator():
    for name, action in API_ACTIONS.items():
        allowed = [role for role in roles.ROLES if is_allowed(role, action)]
        assert roles.ADMIN in allowed, name
    assert [role for role in roles.ROLES if is_allowed(role, API_ACTIONS["delete"])] == [
        roles.ADMIN
    ]


# --- masking of customer data -------------------------------------------------------------

FULL_CUSTOMER = {
    "name": "王小明",
    "phone": "13812345678",
    "email": "xm.wang@example.com",
    "tier": "regular",
    "shipping_address": {
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "street": "文三路 100 号 5 幢 301",
        "postal_code": "310012",
        "country": "CN",
    },
}
MASKED_CUSTOMER = {
    "name": "王**",
    "phone": "138****5678",
    "email": "x***@example.com",
    "tier": "regular",
    "shipping_address": {"country": "CN", "province": "浙江省", "city": "杭州市"},
}
PERSONAL = ("王小明", "13812345678", "xm.wang", "文三路", "310012", "西湖区")


@pytest.mark.parametrize("role", roles.ROLES)
def test_customer_data_is_masked_for_roles_without_the_permission(staff, api, role):
    order = place_order()
    client = api(staff[role])
    may_see = roles.VIEW_CUSTOMER_DATA in roles.ROLE_PERMISSIONS[role]

    detail = client.get(f"{ORDERS}/{order.number}")
    listing = client.get(ORDERS)

    assert detail.status_code == listing.status_code == 200
    expected = FULL_CUSTOMER if may_see else MASKED_CUSTOMER
    assert detail.json()["customer"] == expected
    assert listing.json()["results"][0]["customer"] == expected
    if not may_see:
        for response in (detail, listing):
            text = response.content.decode()
            for personal in PERSONAL:
                assert personal not in text


def test_analysts_and_leadership_are_the_roles_that_see_masked_data():
    assert [
        r for r in roles.ROLES if roles.VIEW_CUSTOMER_DATA not in roles.ROLE_PERMISSIONS[r]
    ] == [
        roles.LEADERSHIP,
        roles.ANALYST,
    ]
