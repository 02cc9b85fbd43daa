"""The hand-over form suggests the carrier from the number and asks for a tick when the
carrier is not the customer's (issue 13)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from parcelops.orders import actions
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from tests.browser.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def packed_order(order_payload, requested_carrier: str) -> Order:
    order_payload["placed_at"] = timezone.localtime().isoformat()
    order_payload["requested_carrier"] = requested_carrier
    order = actions.intake_order(order_payload, None).order
    Order.objects.filter(pk=order.pk).update(state=OrderState.PACKED)
    return order


def test_the_number_suggests_its_carrier_and_another_one_needs_a_tick(
    phone_page, live_server, staff, channel, order_payload
):
    order = packed_order(order_payload, "jd")
    page = phone_page
    sign_in(page, "warehouse")
    page.goto(f"/tracking/hand-over/{order.number}/")
    carrier = page.locator("select[name=carrier]")
    expect(carrier).to_have_value("jd")
    expect(page.locator("[data-carrier-confirm]")).to_be_hidden()

    page.get_by_label("Tracking number").fill("SF1234567890123")

    suggestion = page.locator("[data-carrier-choice]")
    expect(suggestion).to_have_text(["SF Express"])
    expect(carrier).to_have_value("jd")  # the customer's choice is not overridden
    suggestion.click()
    expect(carrier).to_have_value("sf-express")
    expect(page.locator("[data-carrier-confirm]")).to_be_visible()
    page.get_by_role("button", name="Hand over to carrier").click()
    expect(page.locator("#id_confirm_other_carrier_error")).to_contain_text(
        "The customer asked for JD Logistics."
    )
    assert not order.shipments.exists()

    page.get_by_label("Hand over to this carrier anyway").check()
    page.get_by_role("button", name="Hand over to carrier").click()

    expect(page.locator(".message-success")).to_contain_text("SF Express")
    assert list(order.shipments.values_list("carrier", flat=True)) == ["sf-express"]


def test_an_empty_carrier_is_chosen_from_the_number(
    page, live_server, staff, channel, order_payload
):
    order = packed_order(order_payload, "")
    sign_in(page, "warehouse")
    page.goto(f"/tracking/hand-over/{order.number}/")

    page.get_by_label("Tracking number").fill("SF1234567890123")

    expect(page.locator("select[name=carrier]")).to_have_value("sf-express")
