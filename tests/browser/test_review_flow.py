"""A reviewer approves, in a real browser, an order that a processor submitted for review."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from parcelops.orders import actions
from parcelops.orders.models import Order, OrderEvent
from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submitted_vip_order(staff, order_payload) -> Order:
    """A VIP order, placed just now (the live server runs on the real clock), in review."""
    order_payload["placed_at"] = timezone.localtime().isoformat()
    order_payload["customer"]["tier"] = "vip"
    order = actions.intake_order(order_payload, None).order
    return actions.submit_for_review(order, staff["order_processor"], "VIP discount checked.")


def test_a_reviewer_approves_a_submitted_order_from_its_page(
    page, live_server, staff, channel, order_payload
):
    order = submitted_vip_order(staff, order_payload)

    sign_in(page, "order_reviewer")
    page.get_by_role("link", name="Review queue").click()
    expect(page.locator(".review-table .cell-note")).to_have_text("“VIP discount checked.”")
    page.get_by_role("link", name=order.number).click()
    expect(page.locator(".order-title .badge")).to_have_text("In review")
    page.get_by_label("Comment (optional)").fill("Discount matches the VIP policy.")
    page.get_by_role("button", name="Approve", exact=True).click()

    expect(page.locator(".message-success")).to_have_text(f"Order {order.number} approved.")
    expect(page.locator(".order-title .badge")).to_have_text("Approved")
    expect(page.locator(".timeline-item").first).to_contain_text("Approved")
    order.refresh_from_db()
    assert order.state == "approved"
    assert order.review_state == "approved"
    approval = OrderEvent.objects.get(order=order, type="approved")
    assert approval.actor == staff["order_reviewer"]
    assert approval.comment == "Discount matches the VIP policy."


def test_a_reviewer_rejects_from_the_queue_on_a_phone(
    phone_page, live_server, staff, channel, order_payload
):
    order = submitted_vip_order(staff, order_payload)
    page = phone_page

    sign_in(page, "order_reviewer")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Review queue").click()
    page.locator(".decision-reject summary").click()
    page.get_by_label("What must the processor correct?").fill("The shipping fee is missing.")
    page.get_by_role("button", name="Reject", exact=True).click()

    expect(page.locator(".message-success")).to_have_text(
        f"Order {order.number} rejected and sent back to its processor."
    )
    expect(page.locator(".empty-state h2")).to_have_text("The review queue is empty")
    order.refresh_from_db()
    assert order.state == "paid"
    assert order.review_state == "rejected"
