"""The orders API at /api/v1/orders and the customer's public endpoint, through HTTP."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import FIXED_NOW
from parcelops.accounts.actions import create_api_token, revoke_api_token
from parcelops.accounts.models import ApiToken
from parcelops.audit.models import AuditRecord
from parcelops.orders import actions
from parcelops.orders.models import Channel, Customer, Order, OrderEvent, OrderLine
from parcelops.orders.states import OrderState
from parcelops.orders.tests.factories import (
    a_vip_order,
    carrier_reports,
    intake_payload,
    place_order,
    reload,
)
from parcelops.tracking.models import Shipment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "channel", "frozen_now")]

JSON = "application/json"
ORDERS = "/api/v1/orders"
MONEY_FORMAT = 'Must be a decimal string with at most two decimal places, such as "12.50".'


def post(client: Client, path: str, body: Any = None) -> Any:
    return client.post(path, {} if body is None else body, content_type=JSON)


def counts() -> dict[str, int]:
    return {
        "orders": Order.all_objects.count(),
        "lines": OrderLine.objects.count(),
        "customers": Customer.objects.count(),
        "events": OrderEvent.objects.count(),
        "audit": AuditRecord.objects.count(),
    }


def only_error(message: str, field: str = "") -> dict[str, Any]:
    return {"errors": [{"field": field, "message": message}]}


@pytest.fixture
def admin(staff, api) -> Client:
    return api(staff["admin"])


@pytest.fixture
def processor(staff, api) -> Client:
    return api(staff["order_processor"])


@pytest.fixture
def reviewer(staff, api) -> Client:
    return api(staff["order_reviewer"])


# --- intake -------------------------------------------------------------------------------


def test_posting_an_order_creates_it_and_posting_it_again_returns_the_same(processor, staff):
    response = post(processor, ORDERS, intake_payload())

    assert response.status_code == 201, response.content
    body = response.json()
    number = body["number"]
    assert Order.objects.get().number == number
    assert {key: body[key] for key in ("channel", "external_id", "state", "review_state")} == {
        "channel": "web",
        "external_id": "W-1001",
        "state": "paid",
        "review_state": "not_required",
    }
    assert (body["order_type"], body["classification_reasons"]) == ("normal", [])
    assert (body["subtotal"], body["discount"], body["shipping_fee"], body["total"]) == (
        "375.90",
        "20.00",
        "10.00",
        "365.90",
    )
    assert body["currency"] == "CNY"
    assert body["placed_at"] == "2026-11-25T01:30:00+00:00"
    assert body["received_at"] == "2026-11-25T02:00:00+00:00"
    assert body["assignee"] == "order_processor"
    assert body["customer"] == {
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
    tea, cup = OrderLine.objects.order_by("id")
    assert body["lines"] == [
        {
            "id": tea.pk,
            "sku": "TEA-001",
            "name": "西湖龙井 250g",
            "product_type": "standard",
            "quantity": 2,
            "unit_price": "168.00",
            "line_total": "336.00",
        },
        {
            "id": cup.pk,
            "sku": "CUP-002",
            "name": "玻璃茶杯",
            "product_type": "standard",
            "quantity": 1,
            "unit_price": "39.90",
            "line_total": "39.90",
        },
    ]
    assert [(e["type"], e["actor"], e["to_state"]) for e in body["events"]] == [
        ("placed", "order_processor", "paid"),
        ("assigned", "system", ""),
    ]
    before = counts()

    again = post(processor, ORDERS, intake_payload())

    assert again.status_code == 200, again.content
    assert again.json()["number"] == number
    assert counts() == before


def test_a_bad_order_is_answered_with_every_bad_field_and_nothing_is_written(processor):
    before = counts()
    payload = intake_payload(
        {
            "customer.name": "",
            "customer.phone": None,
            "customer.email": None,
            "lines[0].quantity": 1.5,
            "lines[1].unit_price": "12.505",
        },
        placed_at="2026-11-25T10:05:01+08:00",
        currency="XYZ",
    )

    response = post(processor, ORDERS, payload)

    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {"field": "placed_at", "message": "Lies in the future."},
            {"field": "customer.name", "message": "This field is required."},
            {
                "field": "customer.phone",
                "message": "A phone number is required for an address in China: carriers "
                "there refuse parcels without one.",
            },
            {"field": "lines[0].quantity", "message": "Must be a whole number."},
            {"field": "lines[1].unit_price", "message": MONEY_FORMAT},
            {"field": "currency", "message": "Must be one of: CNY, USD, EUR, HKD."},
        ]
    }
    assert counts() == before


def test_an_order_from_an_unknown_channel_is_answered_with_422(processor):
    before = counts()

    response = post(processor, ORDERS, intake_payload(channel="fax"))

    assert response.status_code == 422
    assert response.json() == only_error(
        "Unknown or inactive channel “fax”: an administrator adds it on the admin page"
        " (/admin/orders/channel/) or with `parcelops channels add fax NAME`.",
        "channel",
    )
    assert counts() == before


@pytest.mark.parametrize(
    "body", ["{", '{"channel": "web",}', "\x00", b"\xff\xfe{}", "[1, 2"], ids=repr
)
def test_a_body_that_is_not_json_is_answered_with_400(processor, body):
    before = counts()

    response = processor.post(ORDERS, body, content_type=JSON)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0]["field"] == ""
    assert errors[0]["message"].startswith("The body is not valid JSON")
    assert counts() == before


@pytest.mark.parametrize("body", ["[]", '[{"channel": "web"}]', '"order"', "42", "null", ""])
def test_a_json_body_that_is_not_an_object_is_answered_with_422(processor, body):
    response = processor.post(ORDERS, body, content_type=JSON)

    assert response.status_code == 422
    assert response.json() == only_error("The order must be a JSON object.")


@pytest.mark.parametrize(
    "path",
    [
        "/{number}/cancel",
        "/{number}/assign",
        "/{number}/transition",
        "/{number}/approve",
        "/{number}/reject",
        "/{number}/submit-review",
    ],
)
def test_a_body_that_is_not_json_is_answered_with_400_on_every_action(admin, path):
    order = place_order()
    before = counts()

    response = admin.post(ORDERS + path.format(number=order.number), "{", content_type=JSON)

    assert response.status_code == 400, response.content
    assert response.json() == only_error("The body is not valid JSON.")
    assert counts() == before


# --- authentication -----------------------------------------------------------------------

UNAUTHORISED = only_error("Log in or send a valid API token.")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer pops_not-a-token"}, {"Authorization": "Token abc"}],
    ids=["none", "unknown", "wrong-scheme"],
)
def test_a_request_without_a_valid_token_is_answered_with_401(headers):
    place_order()

    for response in (
        Client(headers=headers).get(ORDERS),
        Client(headers=headers).post(ORDERS, intake_payload(), content_type=JSON),
    ):
        assert response.status_code == 401
        assert response.json() == UNAUTHORISED


def test_a_revoked_token_is_answered_with_401(staff):
    raw = create_api_token(staff["admin"])
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get(ORDERS).status_code == 200

    revoke_api_token(ApiToken.objects.get(user=staff["admin"]))

    response = client.get(ORDERS)
    assert response.status_code == 401
    assert response.json() == UNAUTHORISED


def test_the_token_of_a_deactivated_user_is_answered_with_401(staff, api):
    client = api(staff["admin"])
    User.objects.filter(pk=staff["admin"].pk).update(is_active=False)

    response = client.get(ORDERS)

    assert response.status_code == 401
    assert response.json() == UNAUTHORISED


# --- list and search ----------------------------------------------------------------------


@pytest.fixture
def three_orders(staff, frozen_now) -> dict[str, Order]:
    """A: web, paid, assigned; B: app, VIP, in review, unassigned; C: large, cancelled."""
    Channel.objects.create(code="app", name="App", kind="app")
    a = place_order(external_id="W-1")
    frozen_now.move_to(datetime(2026, 11, 25, 15, 59, 59, tzinfo=UTC))  # 23:59:59 in Shanghai
    b = place_order(
        {
            "customer.name": "李四",
            "customer.phone": "139-0000-1111",
            "customer.email": "Li.Si@example.com",
            "customer.tier": "vip",
        },
        channel="app",
        external_id="A-2",
    )
    actions.submit_for_review(b, staff["order_processor"])
    Order.objects.filter(pk=b.pk).update(assignee=None)
    frozen_now.move_to(datetime(2026, 11, 26, 16, 0, tzinfo=UTC))  # 00:00 on the 27th
    c = place_order(
        {
            "customer.name": "张三",
            "customer.phone": "13700002222",
            "customer.email": "zhang@example.com",
            "lines": [
                {"sku": "GOLD-BAR", "name": "Gold bar", "quantity": 1, "unit_price": "5000.00"}
            ],
        },
        external_id="W-3",
        discount="0.00",
        shipping_fee="0.00",
        total="5000.00",
    )
    actions.cancel_order(c, staff["cs_agent"], "fraud suspected")
    return {"A": a, "B": b, "C": c}


def listed(client: Client, **query: Any) -> list[str]:
    response = client.get(ORDERS, query)
    assert response.status_code == 200, response.content
    return [row["external_id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["W-3", "A-2", "W-1"]),
        ({"state": "paid"}, ["W-1"]),
        ({"state": "paid,cancelled"}, ["W-3", "W-1"]),
        ({"state": "shipped"}, []),
        ({"order_type": "large"}, ["W-3"]),
        ({"order_type": "normal"}, ["A-2", "W-1"]),
        ({"review_state": "submitted"}, ["A-2"]),
        ({"channel": "app"}, ["A-2"]),
        ({"channel": "web"}, ["W-3", "W-1"]),
        ({"assignee": "order_processor"}, ["W-3", "W-1"]),
        ({"assignee": "none"}, ["A-2"]),
        ({"assignee": "analyst"}, []),
        ({"date_from": "2026-11-26"}, ["W-3"]),
        ({"date_to": "2026-11-25"}, ["A-2", "W-1"]),
        ({"date_from": "2026-11-25", "date_to": "2026-11-25"}, ["A-2", "W-1"]),
        ({"date_from": "2026-11-27", "date_to": "2026-11-27"}, ["W-3"]),
        ({"date_from": "2026-11-26", "date_to": "2026-11-26"}, []),
        ({"phone": "13812345678"}, ["W-1"]),
        ({"phone": "138 1234 5678"}, ["W-1"]),
        ({"phone": "+86 13812345678"}, ["W-1"]),
        ({"phone": "86-138-1234-5678"}, ["W-1"]),
        ({"phone": "13900001111"}, ["A-2"]),
        ({"phone": "1381234567"}, []),
        ({"email": "xm.wang@example.com"}, ["W-1"]),
        ({"email": "XM.WANG@EXAMPLE.COM"}, ["W-1"]),
        ({"email": "li.si@example.com"}, ["A-2"]),
        ({"email": "xm.wang@example"}, []),
        ({"name": "王小明"}, ["W-1"]),
        ({"name": " 李四 "}, ["A-2"]),
        ({"name": "王"}, []),
        ({"q": "a-2"}, ["A-2"]),
        ({"q": "gold-bar"}, ["W-3"]),
        ({"q": "TEA-001"}, ["A-2", "W-1"]),
        ({"state": "paid", "channel": "app"}, []),
    ],
    ids=lambda value: str(value) if isinstance(value, dict) else None,
)
def test_the_list_filters(admin, three_orders, query, expected):
    assert listed(admin, **query) == expected


def test_the_list_finds_an_order_by_its_number(admin, three_orders):
    number = three_orders["B"].number

    assert listed(admin, q=number.lower()) == ["A-2"]


def test_the_list_pages(admin, three_orders):
    first = admin.get(ORDERS, {"limit": 2}).json()
    second = admin.get(ORDERS, {"limit": 2, "offset": 2}).json()
    beyond = admin.get(ORDERS, {"limit": 2, "offset": 4}).json()

    assert (first["count"], [r["external_id"] for r in first["results"]]) == (3, ["W-3", "A-2"])
    assert (second["count"], [r["external_id"] for r in second["results"]]) == (3, ["W-1"])
    assert (beyond["count"], beyond["results"]) == (3, [])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
    ],
    ids=repr,
)
def test_a_bad_list_parameter_is_answered_with_422(admin, three_orders, query, field):
    response = admin.get(ORDERS, query)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_a_deleted_order_is_not_listed(admin, three_orders):
    actions.delete_invalid_order(three_orders["A"], User.objects.get(username="admin"), "test")

    assert listed(admin) == ["W-3", "A-2"]


def make_orders(how_many: int, staff: dict[str, User], prefix: str) -> None:
    for index in range(how_many):
        order = place_order(external_id=f"{prefix}-{index}")
        actions.confirm_order(order, staff["order_processor"])  # sets processed_by


def test_the_list_takes_the_same_number_of_queries_for_two_or_twenty_orders(
    admin, staff, django_assert_max_num_queries
):
    make_orders(2, staff, "FEW")
    admin.get(ORDERS)  # warm up: content types, sessions
    with CaptureQueriesContext(connection) as few:
        assert admin.get(ORDERS).status_code == 200
    make_orders(18, staff, "MANY")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin.get(ORDERS)

    assert response.json()["count"] == 20
    assert len(few.captured_queries) <= 8


def test_the_detail_takes_a_bounded_number_of_queries(admin, staff, django_assert_max_num_queries):
    order = a_vip_order()
    actions.submit_for_review(order, staff["order_processor"])
    actions.reject_order(order, staff["order_reviewer"], "again")
    actions.submit_for_review(order, staff["order_processor"])
    actions.approve_order(order, staff["order_reviewer"])
    admin.get(f"{ORDERS}/{order.number}")

    with django_assert_max_num_queries(8):
        response = admin.get(f"{ORDERS}/{order.number}")

    assert response.status_code == 200
    assert len(response.json()["events"]) == 6


# --- one order ----------------------------------------------------------------------------


def test_the_detail_shows_the_order_and_its_timeline(admin, staff):
    order = place_order()
    actions.confirm_order(order, staff["order_processor"])

    response = admin.get(f"{ORDERS}/{order.number}")

    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["state"], body["state_label"]) == (
        order.number,
        "approved",
        "Approved",
    )
    assert body["processed_by"] == "order_processor"
    assert body["events"][-1] == {
        "type": "confirmed",
        "label": "Details confirmed",
        "from_state": "paid",
        "to_state": "approved",
        "actor": "order_processor",
        "at": "2026-11-25T02:00:00+00:00",
        "comment": "",
        "data": {},
    }


def test_an_unknown_or_deleted_order_is_answered_with_404(admin, staff):
    deleted = place_order()
    actions.delete_invalid_order(deleted, staff["admin"], "test order")

    for number in ("PO000000000000", deleted.number):
        response = admin.get(f"{ORDERS}/{number}")
        assert response.status_code == 404
        assert response.json() == only_error("Not found.")


def test_an_administrator_edit_recomputes_the_totals(admin):
    order = place_order()
    tea, cup = order.lines.all()

    response = admin.patch(
        f"{ORDERS}/{order.number}",
        {
            "lines": [{"id": tea.pk, "quantity": 3}, {"id": cup.pk, "unit_price": "35.00"}],
            "discount": "50.00",
            "shipping_fee": "0.00",
            "comment": "price match",
        },
        content_type=JSON,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["subtotal"], body["discount"], body["shipping_fee"], body["total"]) == (
        "539.00",
        "50.00",
        "0.00",
        "489.00",
    )
    assert [(line["quantity"], line["unit_price"]) for line in body["lines"]] == [
        (3, "168.00"),
        (1, "35.00"),
    ]
    assert body["events"][-1]["type"] == "edited"
    assert body["events"][-1]["comment"] == "price match"
    assert reload(order).total_cents == 48900


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"lines": [{"id": "LINE", "quantity": 3}]},
            [{"field": "lines[0].id", "message": "Each line needs the id of the order line."}],
        ),
        (
            {"lines": [{"id": True, "quantity": 3}]},
            [{"field": "lines[0].id", "message": "Each line needs the id of the order line."}],
        ),
        (
            {"lines": [{"id": "1", "quantity": 3}, {"quantity": 1}]},
            [
                {"field": "lines[0].id", "message": "Each line needs the id of the order line."},
                {"field": "lines[1].id", "message": "Each line needs the id of the order line."},
            ],
        ),
        (
            {"lines": [{"id": "TEA", "quantity": "3"}]},
            [{"field": "lines[0].quantity", "message": "Must be a whole number."}],
        ),
        (
            {"lines": [{"id": "TEA", "unit_price": "12.505"}]},
            [{"field": "lines[0].unit_price", "message": MONEY_FORMAT}],
        ),
        (
            {"lines": [{"id": "TEA", "unit_price": 12.5}], "discount": "1,00"},
            [
                {"field": "lines[0].unit_price", "message": MONEY_FORMAT},
                {"field": "discount", "message": MONEY_FORMAT},
            ],
        ),
        (
            {"shipping_fee": "-5.00"},
            [{"field": "shipping_fee", "message": "Must not be negative."}],
        ),
        ({"lines": {"id": 1}}, [{"field": "lines", "message": "Must be a list."}]),
        (
            {"lines": [{"id": -1, "quantity": 1}]},
            [{"field": "lines[0].id", "message": "No such line on this order."}],
        ),
        (
            {"discount": "10000.00"},
            [{"field": "discount", "message": "The discount is larger than the order."}],
        ),
    ],
    ids=[
        "id-text",
        "id-true",
        "two-bad-ids",
        "quantity-text",
        "price-three-places",
        "price-number-and-comma",
        "negative-fee",
        "lines-not-list",
        "no-such-line",
        "discount-too-large",
    ],
)
def test_a_bad_edit_is_answered_with_422_and_changes_nothing(admin, body, errors):
    order = place_order()
    tea = order.lines.first()
    assert tea is not None
    for line in body.get("lines", []) if isinstance(body.get("lines"), list) else []:
        if line.get("id") == "TEA":
            line["id"] = tea.pk
    before = counts()

    response = admin.patch(f"{ORDERS}/{order.number}", body, content_type=JSON)

    assert response.status_code == 422, response.content
    assert response.json() == {"errors": errors}
    assert counts() == before
    assert reload(order).total_cents == 36590


@pytest.mark.parametrize("body", ["[]", '"x"', "{"])
def test_an_edit_body_must_be_a_json_object(admin, body):
    order = place_order()

    response = admin.patch(f"{ORDERS}/{order.number}", body, content_type=JSON)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith(
        ("The body must be a JSON object.", "The body is not valid JSON")
    )


def test_deleting_hides_the_order_and_needs_a_reason(admin):
    order = place_order()
    before = counts()

    refused = admin.delete(f"{ORDERS}/{order.number}")
    assert refused.status_code == 422
    assert refused.json() == only_error("Say why the order is invalid.", "reason")
    assert counts() == before

    response = admin.delete(f"{ORDERS}/{order.number}?reason=test+order")

    assert response.status_code == 200
    assert response.json() == {"number": order.number, "deleted": True}
    assert not Order.objects.filter(pk=order.pk).exists()
    assert Order.all_objects.get(pk=order.pk).deletion_reason == "test order"
    assert admin.get(f"{ORDERS}/{order.number}").status_code == 404
    assert admin.delete(f"{ORDERS}/{order.number}?reason=again").status_code == 404


# --- processing and review ----------------------------------------------------------------


def test_review_by_api_submit_reject_resubmit_approve(processor, reviewer):
    order = a_vip_order()
    url = f"{ORDERS}/{order.number}"

    submitted = processor.post(f"{url}/submit-review", content_type=JSON)
    assert submitted.status_code == 200, submitted.content
    assert (submitted.json()["state"], submitted.json()["review_state"]) == (
        "in_review",
        "submitted",
    )

    no_comment = post(reviewer, f"{url}/reject", {"comment": " "})
    assert no_comment.status_code == 422
    assert no_comment.json() == only_error(
        "Say why the order is rejected, so the processor can correct it.", "comment"
    )

    rejected = post(reviewer, f"{url}/reject", {"comment": "discount too high"})
    assert rejected.status_code == 200
    assert (rejected.json()["state"], rejected.json()["review_state"]) == ("paid", "rejected")
    assert rejected.json()["events"][-1]["comment"] == "discount too high"

    resubmitted = post(processor, f"{url}/submit-review", {"comment": "fixed"})
    assert resubmitted.json()["review_state"] == "submitted"

    approved = post(reviewer, f"{url}/approve", {"comment": "ok"})
    assert approved.status_code == 200
    assert (approved.json()["state"], approved.json()["review_state"]) == ("approved", "approved")


def test_approving_an_order_not_in_review_is_a_conflict(reviewer):
    order = place_order()

    response = post(reviewer, f"{ORDERS}/{order.number}/approve")

    assert response.status_code == 409
    assert response.json() == only_error("Only an order in review can be approved or rejected.")
    assert reload(order).state == "paid"


def test_confirming_an_order_that_needs_review_is_a_conflict(processor):
    order = a_vip_order()

    response = processor.post(f"{ORDERS}/{order.number}/confirm")

    assert response.status_code == 409
    assert response.json() == only_error(
        "This order needs a reviewer's approval: submit it for review."
    )


def test_confirm_mark_paid_assign_and_cancel(processor, reviewer, staff, make_staff):
    make_staff("second", "order_processor")
    unpaid = place_order(external_id="U-1", is_paid=False)
    url = f"{ORDERS}/{unpaid.number}"

    paid = processor.post(f"{url}/mark-paid")
    assert (paid.status_code, paid.json()["state"]) == (200, "paid")
    confirmed = processor.post(f"{url}/confirm")
    assert (confirmed.status_code, confirmed.json()["state"]) == (200, "approved")

    assigned = post(reviewer, f"{url}/assign", {"assignee": "second"})
    assert (assigned.status_code, assigned.json()["assignee"]) == (200, "second")
    nobody = post(reviewer, f"{url}/assign", {"assignee": "nobody"})
    assert nobody.status_code == 422
    assert nobody.json() == only_error("No active order processor with this username.", "assignee")
    missing = post(reviewer, f"{url}/assign", {})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["assignee"]

    no_reason = post(processor, f"{url}/cancel", {})
    assert no_reason.status_code == 422
    assert no_reason.json() == only_error("Say why the order is cancelled.", "reason")
    cancelled = post(processor, f"{url}/cancel", {"reason": "out of stock"})
    assert (cancelled.status_code, cancelled.json()["state"]) == (200, "cancelled")
    again = post(processor, f"{url}/cancel", {"reason": "twice"})
    assert again.status_code == 409


def test_the_fulfilment_steps_and_completion(admin, staff, settings, frozen_now):
    settings.PARCELOPS_AFTER_SALES_DAYS = 15
    order = place_order()
    actions.confirm_order(order, staff["order_processor"])
    url = f"{ORDERS}/{order.number}"
    warehouse = Client(headers={"Authorization": f"Bearer {create_api_token(staff['warehouse'])}"})

    for step in ("allocated", "picking", "packed"):
        response = post(warehouse, f"{url}/transition", {"to_state": step, "comment": step})
        assert (response.status_code, response.json()["state"]) == (200, step)
    handed_over = post(
        warehouse, f"{url}/shipments", {"carrier": "zto", "tracking_number": "75123456789012"}
    )
    assert (handed_over.status_code, handed_over.json()["order"]) == (201, order.number)
    assert warehouse.get(url).json()["state"] == "shipped"
    carrier_reports("in_transit", "picked_up")
    confirmed = post(
        admin,
        f"{url}/transition",
        {"to_state": "delivered", "comment": "Customer confirmed receipt."},
    )
    assert (confirmed.status_code, confirmed.json()["state"]) == (200, "delivered")
    assert confirmed.json()["events"][-1]["data"] == {"source": "manual_correction"}

    skipped = post(admin, f"{url}/transition", {"to_state": "completed"})
    assert skipped.status_code == 409
    assert skipped.json() == only_error("Use the dedicated action for this step.")
    unknown = post(admin, f"{url}/transition", {"to_state": "flying"})
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["to_state"]

    frozen_now.move_to(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    completed = admin.post(f"{url}/complete")

    assert completed.status_code == 200
    body = completed.json()
    assert (body["state"], body["completed_at"], body["after_sales_until"]) == (
        "completed",
        "2026-11-28T08:00:00+00:00",
        "2026-12-13T08:00:00+00:00",
    )
    assert admin.post(f"{url}/complete").status_code == 409


def test_a_transition_out_of_order_is_a_conflict_and_changes_nothing(admin):
    order = place_order()
    before = counts()

    response = post(admin, f"{ORDERS}/{order.number}/transition", {"to_state": "packed"})

    assert response.status_code == 409
    assert response.json() == only_error("Use the dedicated action for this step.")
    assert counts() == before
    assert reload(order).state == OrderState.PAID


@pytest.mark.parametrize(
    ("to_state", "message"),
    [
        (
            "shipped",
            "An order is shipped only by handing its parcel to a carrier: create a shipment "
            "with the carrier and the tracking number.",
        ),
        (
            "in_transit",
            "An order goes in transit when the carrier scans its parcel: record the carrier’s "
            "events or a scan of the parcel instead.",
        ),
    ],
)
def test_a_step_of_the_parcels_is_a_conflict_and_changes_nothing(admin, staff, to_state, message):
    order = place_order()
    order = actions.confirm_order(order, staff["order_processor"])
    for step in (OrderState.ALLOCATED, OrderState.PICKING, OrderState.PACKED):
        order = actions.advance_order(order, step, staff["warehouse"])
    before = counts()

    response = post(
        admin, f"{ORDERS}/{order.number}/transition", {"to_state": to_state, "comment": "by hand"}
    )

    assert response.status_code == 409
    assert response.json() == only_error(message)
    assert counts() == before
    assert reload(order).state == OrderState.PACKED
    assert not Shipment.objects.exists()


def test_a_delivery_by_hand_needs_a_comment_and_a_parcel(admin, staff):
    order = place_order()
    Order.objects.filter(pk=order.pk).update(state=OrderState.SHIPPED)
    url = f"{ORDERS}/{order.number}/transition"
    before = counts()

    no_comment = post(admin, url, {"to_state": "delivered"})
    no_parcel = post(admin, url, {"to_state": "delivered", "comment": "Customer said so."})

    assert no_comment.status_code == 422
    assert no_comment.json() == only_error(
        "Say how the delivery was confirmed, e.g. the customer confirmed receipt.", "comment"
    )
    assert no_parcel.status_code == 409
    assert no_parcel.json() == only_error(
        "This order has no parcel, so it cannot be marked delivered: hand its parcel over to a "
        "carrier first."
    )
    assert counts() == before
    assert reload(order).state == OrderState.SHIPPED


def test_an_action_on_an_unknown_order_is_answered_with_404(admin):
    for path in ("confirm", "mark-paid", "complete", "submit-review", "approve"):
        response = admin.post(f"{ORDERS}/PO000000000000/{path}", content_type=JSON)
        assert response.status_code == 404, path
        assert response.json() == only_error("Not found.")


# --- the public endpoint ------------------------------------------------------------------

PUBLIC = "/api/v1/public/orders"
NOT_FOUND = only_error("No order with this number and phone.")


def test_the_customer_sees_the_status_without_any_personal_data(staff):
    order = place_order(promised_delivery_date="2026-12-01")
    actions.confirm_order(order, staff["order_processor"])

    response = Client().get(f"{PUBLIC}/{order.number}", {"phone_last4": "5678"})

    assert response.status_code == 200
    assert response.json() == {
        "number": order.number,
        "state": "approved",
        "state_label": "Being prepared",
        "placed_at": "2026-11-25T01:30:00+00:00",
        "promised_delivery_date": "2026-12-01",
        "items": 3,
        "timeline": [
            {"at": "2026-11-25T02:00:00+00:00", "state": "paid", "label": "Order received"},
            {"at": "2026-11-25T02:00:00+00:00", "state": "approved", "label": "Being prepared"},
        ],
    }
    text = response.content.decode()
    for personal in (
        "王小明",
        "13812345678",
        "1381234",
        "xm.wang",
        "example.com",
        "文三路",
        "310012",
        "order_processor",
        "regular",
    ):
        assert personal not in text


@pytest.mark.parametrize("last4", ["1234", "", "567", "45678", "５６７８", "é678", "5678 "])
def test_a_wrong_phone_and_an_unknown_number_get_the_same_404(last4):
    order = place_order()

    wrong = Client().get(f"{PUBLIC}/{order.number}", {"phone_last4": last4})
    unknown = Client().get(f"{PUBLIC}/PO000000000000", {"phone_last4": "5678"})

    assert (wrong.status_code, unknown.status_code) == (404, 404)
    assert wrong.json() == unknown.json() == NOT_FOUND
    assert wrong.content == unknown.content


def test_a_deleted_order_is_not_shown_to_the_customer(staff):
    order = place_order()
    actions.delete_invalid_order(order, staff["admin"], "test order")

    response = Client().get(f"{PUBLIC}/{order.number}", {"phone_last4": "5678"})

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_the_public_endpoint_is_rate_limited_over_a_sliding_minute_per_address(
    settings, frozen_now
):
    settings.PARCELOPS_PUBLIC_RATE_LIMIT = 3
    order = place_order()
    url = f"{PUBLIC}/{order.number}?phone_last4=5678"
    client = Client()

    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(url)
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert limited.json() == only_error("Too many requests: try again in a minute.")
    assert client.get(f"{PUBLIC}/PO000000000000?phone_last4=5678").status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.2").get(url).status_code == 200

    # Six requests in the minute that began at 10:00: at 10:01:30 half of them still count.
    frozen_now.shift(timedelta(seconds=59))
    assert client.get(url).status_code == 429
    frozen_now.shift(timedelta(seconds=31))
    assert client.get(url).status_code == 429  # 1 + 6 x 0.5 = 4 > 3
    frozen_now.shift(timedelta(seconds=30))
    assert client.get(url).status_code == 200  # 1 + 1 x 1.0 = 2


def test_the_public_endpoint_needs_no_login_and_ignores_a_bad_token():
    order = place_order()

    response = Client(headers={"Authorization": "Bearer nonsense"}).get(
        f"{PUBLIC}/{order.number}", {"phone_last4": "5678"}
    )

    assert response.status_code == 200
    assert FIXED_NOW.isoformat() in response.content.decode()
