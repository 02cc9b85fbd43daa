"""The order lists: quick filters by state with their counts, the main search box finding
customers, the warehouse's batch step, and names people know instead of usernames."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcelops.accounts.models import StaffProfile
from parcelops.audit.models import AuditRecord
from parcelops.orders import actions
from parcelops.orders.models import Order
from parcelops.orders.queries import OrderFilters, count_by_state
from parcelops.orders.states import OrderState, ReviewState
from parcelops.orders.tests.pages import messages_of, page_for, place, text

pytestmark = pytest.mark.django_db


def numbers_on(html: str) -> set[str]:
    return set(re.findall(r'class="order-link" href="/orders/(\w+)/"', html))


def in_state(order: Order, state: OrderState) -> Order:
    Order.objects.filter(pk=order.pk).update(state=state, review_state=ReviewState.APPROVED)
    return Order.objects.get(pk=order.pk)


def test_the_state_counts_come_from_one_grouped_query(people, channel, order_payload):
    for index in range(3):
        place(order_payload, external_id=f"W-{index}")
    unpaid = place(order_payload, external_id="W-UNPAID", is_paid=False)

    with CaptureQueriesContext(connection) as queries:
        counts = count_by_state(OrderFilters(state="paid"))

    assert counts == {"paid": 3, "awaiting_payment": 1}  # the chosen state does not narrow them
    assert len(queries.captured_queries) == 1
    assert count_by_state(OrderFilters(q=unpaid.number)) == {"awaiting_payment": 1}


def test_the_list_shows_each_state_as_a_quick_filter_with_its_count(people, channel, order_payload):
    for index in range(2):
        place(order_payload, external_id=f"W-{index}")
    place(order_payload, external_id="W-UNPAID", is_paid=False)

    html = text(page_for(people["analyst"]).get("/orders/?state=paid"))

    chips = re.findall(
        r'<a class="state-chip( is-current)?" href="([^"]*)"[^>]*>([^<]+) '
        r'<span class="state-chip-count">(\d+)</span>',
        html,
    )
    assert chips == [
        ("", "/orders/?", "All", "3"),
        ("", "/orders/?state=awaiting_payment", "Awaiting payment", "1"),
        (" is-current", "/orders/?state=paid", "Paid, being processed", "2"),
    ]


@pytest.mark.parametrize(
    "search", ["13812345678", "+86 138 1234 5678", "王小明", "XM.Wang@example.com"]
)
def test_the_search_box_finds_a_customer_by_phone_name_or_email_for_roles_that_see_them(
    people, channel, order_payload, normal_order, search
):
    other = place(
        {**order_payload, "customer": {"name": "李雷", "phone": "13900001111", "tier": "regular"}},
        external_id="W-OTHER",
    )

    seen_by_processor = numbers_on(
        text(page_for(people["order_processor"]).get("/orders/", {"q": search}))
    )
    seen_by_analyst = numbers_on(text(page_for(people["analyst"]).get("/orders/", {"q": search})))

    assert seen_by_processor == {normal_order.number}
    assert other.number not in seen_by_processor
    assert seen_by_analyst == set()  # the analyst may not see customer data, nor search by it


def test_the_search_box_still_finds_order_numbers_and_skus(people, normal_order):
    client = page_for(people["order_processor"])

    assert numbers_on(text(client.get("/orders/", {"q": normal_order.number}))) == {
        normal_order.number
    }
    assert numbers_on(text(client.get("/orders/", {"q": "TEA-001"}))) == {normal_order.number}


def test_the_warehouse_packs_several_approved_orders_in_one_post(people, channel, order_payload):
    first = in_state(place(order_payload, external_id="W-1"), OrderState.APPROVED)
    second = in_state(place(order_payload, external_id="W-2"), OrderState.PICKING)
    refused = in_state(place(order_payload, external_id="W-3"), OrderState.PACKED)
    client = page_for(people["warehouse"])

    response = client.post(
        "/orders/batch/advance/",
        {"orders": [first.number, second.number, refused.number], "to_state": "packed"},
        follow=True,
    )

    assert response.redirect_chain == [("/orders/", 302)]
    moved = ", ".join(sorted([first.number, second.number]))
    assert messages_of(response) == [
        f"2 orders are now “Packed”: {moved}",
        f"{refused.number} was already “Packed”.",
    ]
    states = dict(Order.objects.values_list("number", "state"))
    assert (states[first.number], states[second.number], states[refused.number]) == (
        "packed",
        "packed",
        "packed",
    )
    steps = list(first.events.filter(type="state_changed").values_list("to_state", flat=True))
    assert steps == ["allocated", "picking", "packed"]  # each step through advance_order


def test_a_batch_reports_each_order_it_could_not_move(people, channel, order_payload):
    approved = in_state(place(order_payload, external_id="W-1"), OrderState.APPROVED)
    unpaid = place(order_payload, external_id="W-2", is_paid=False)

    response = page_for(people["warehouse"]).post(
        "/orders/batch/advance/",
        {"orders": [approved.number, unpaid.number], "to_state": "allocated"},
        follow=True,
    )

    assert messages_of(response) == [
        f"1 order is now “Stock allocated”: {approved.number}",
        f"{unpaid.number} stays “Awaiting payment”: Use the dedicated action for this step.",
    ]
    assert Order.objects.get(pk=unpaid.pk).state == OrderState.AWAITING_PAYMENT


def test_a_batch_needs_the_warehouse_role(people, channel, order_payload):
    approved = in_state(place(order_payload, external_id="W-1"), OrderState.APPROVED)

    response = page_for(people["analyst"]).post(
        "/orders/batch/advance/",
        {"orders": [approved.number], "to_state": "allocated"},
        follow=True,
    )

    assert messages_of(response) == [
        f"{approved.number} stays “Approved”: Your role does not allow this action."
    ]
    assert Order.objects.get(pk=approved.pk).state == OrderState.APPROVED


def test_the_list_offers_the_batch_only_to_the_warehouse_and_ticks_only_movable_orders(
    people, channel, order_payload
):
    approved = in_state(place(order_payload, external_id="W-1"), OrderState.APPROVED)
    paid = place(order_payload, external_id="W-2")

    warehouse = text(page_for(people["warehouse"]).get("/orders/"))
    processor = text(page_for(people["order_processor"]).get("/orders/"))

    assert re.findall(r'name="orders" value="(\w+)"', warehouse) == [approved.number]
    assert paid.number in warehouse
    assert 'name="to_state"' in warehouse
    assert 'name="orders"' not in processor


def test_the_review_queue_names_the_submitter_by_display_name(people, vip_order):
    StaffProfile.objects.filter(user=people["order_processor"]).update(display_name="王芳")
    actions.submit_for_review(vip_order, people["order_processor"], "Checked.")

    html = text(page_for(people["order_reviewer"]).get("/orders/review/"))

    assert '<span class="cell-sub">by 王芳</span>' in html
    assert "by order_processor" not in html


def test_a_rejection_sits_in_the_same_card_as_its_order_on_my_orders(people, vip_order):
    processor = people["order_processor"]
    actions.submit_for_review(vip_order, processor)
    actions.reject_order(vip_order, people["order_reviewer"], "Shipping fee is missing.")

    html = text(page_for(processor).get("/orders/mine/"))

    item = re.search(r'<tbody class="order-item">(.*?)</tbody>', html, re.S)
    assert item is not None
    assert vip_order.number in item.group(1)
    assert "Shipping fee is missing." in item.group(1)


def test_an_export_finds_what_the_list_found_and_does_not_log_the_phone(people, normal_order):
    response = page_for(people["order_processor"]).get(
        "/orders/files/export/", {"q": "13812345678"}
    )

    assert response.status_code == 200
    record = AuditRecord.objects.get(action="orders.exported")
    assert record.detail == {"orders": 1, "filters": {"q": "*"}, "customer_data": True}
