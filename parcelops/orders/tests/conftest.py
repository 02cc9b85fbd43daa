"""Fixtures of the page tests: people in every role and orders in the states the pages show."""

import pytest

from parcelops.orders import actions
from parcelops.orders.models import Order
from parcelops.orders.tests.pages import place


@pytest.fixture
def people(staff, english, frozen_now):
    """Everyone in their role, with English pages and the clock at 2026-11-25 10:00 Shanghai."""
    return staff


@pytest.fixture
def normal_order(people, channel, order_payload) -> Order:
    return place(order_payload)


@pytest.fixture
def vip_order(people, channel, order_payload) -> Order:
    payload = {**order_payload, "customer": {**order_payload["customer"], "tier": "vip"}}
    return place(payload, external_id="W-VIP")


@pytest.fixture
def order_in_review(vip_order, people) -> Order:
    return actions.submit_for_review(
        vip_order, people["order_processor"], comment="Checked the VIP discount."
    )
