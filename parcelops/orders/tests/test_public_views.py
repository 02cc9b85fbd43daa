"""The customer's order lookup page: right and wrong answers look alike, no personal data,
rate limited."""

import re

import pytest
from django.test import Client

from parcelops.orders import actions
from parcelops.orders.tests.pages import error_after, page_for, text

# --- the customer's lookup page ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_lookup_page_asks_for_the_number_and_the_phone_digits(english):
    response = Client(headers={"Accept-Language": "en"}).get("/track/order/?number=PO123")

    html = text(response)
    assert response.status_code == 200
    assert "<h1>Track your order</h1>" in html
    assert 'name="number" value="PO123"' in html
    assert 'name="phone_last4"' in html
    assert '<form method="post" action="/i18n/setlang/" class="language-switch">' in html
    assert 'href="/orders/' not in html  # none of the staff console


@pytest.mark.django_db
def test_the_right_number_and_phone_show_the_order_without_personal_data(normal_order, people):
    actions.confirm_order(normal_order, people["order_processor"])

    response = page_for(None).post(
        "/track/order/", {"number": normal_order.number.lower(), "phone_last4": "5678"}
    )

    html = text(response)
    assert response.status_code == 200
    assert '<h2 id="result-title" class="result-state">Being prepared</h2>' in html
    assert '<li class="is-current" aria-current="step">' in html
    assert "<dt>Items</dt><dd>3</dd>" in html
    assert re.findall(r'<div class="timeline-head"><strong>(.*?)</strong>', html) == [
        "Being prepared",
        "Order received",
    ]
    assert '<time datetime="2026-11-25T10:00:00+08:00">2026-11-25 10:00</time>' in html
    for private in ("王小明", "13812345678", "文三路", "order_processor", "西湖龙井", "Approved"):
        assert private not in html


@pytest.mark.django_db
def test_a_wrong_number_and_a_wrong_phone_get_the_same_answer(normal_order):
    client = page_for(None)

    wrong_phone = client.post(
        "/track/order/", {"number": normal_order.number, "phone_last4": "0000"}
    )
    wrong_number = client.post("/track/order/", {"number": "PO000000000000", "phone_last4": "5678"})

    message = "We could not find an order with this number and phone number."
    assert wrong_phone.status_code == wrong_number.status_code == 200
    assert message in text(wrong_phone)
    assert message in text(wrong_number)
    assert 'class="result-state' not in text(wrong_phone)


@pytest.mark.django_db
def test_the_phone_digits_must_be_four_digits(english):
    html = text(page_for(None).post("/track/order/", {"number": "PO1", "phone_last4": "12a4"}))

    assert error_after(html, "phone_last4") == ["Enter exactly 4 digits."]


@pytest.mark.django_db
def test_too_many_lookups_get_the_429_page(normal_order, settings):
    settings.PARCELOPS_PUBLIC_RATE_LIMIT = 2
    client = page_for(None)
    for _attempt in range(2):
        assert (
            client.post("/track/order/", {"number": "PO1", "phone_last4": "0000"}).status_code
            == 200
        )

    response = client.post("/track/order/", {"number": normal_order.number, "phone_last4": "5678"})

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "<h1>Too many lookups</h1>" in text(response)
    assert 'class="result-state' not in text(response)


def test_customers_read_their_own_words_for_every_state(english):
    from parcelops.orders.presentation import public_state_label
    from parcelops.orders.states import OrderState

    labels = {state: public_state_label(state) for state in OrderState.values}
    assert (labels["in_review"], labels["allocated"], labels["picking"]) == (
        "Order received",
        "Being prepared",
        "Being prepared",
    )
    assert "Stock allocated" not in labels.values()


@pytest.mark.django_db
def test_internal_steps_that_read_alike_are_listed_once(normal_order, people):
    from parcelops.orders.models import Order
    from parcelops.orders.states import OrderState

    actions.confirm_order(normal_order, people["order_processor"])
    order = Order.objects.get(pk=normal_order.pk)
    latest = order.events.order_by("at", "id").last()
    assert latest is not None
    order.events.create(
        type="state_changed", from_state="approved", to_state="allocated", at=latest.at
    )
    Order.objects.filter(pk=order.pk).update(state=OrderState.ALLOCATED)

    html = text(
        page_for(None).post("/track/order/", {"number": order.number, "phone_last4": "5678"})
    )

    assert re.findall(r'<div class="timeline-head"><strong>(.*?)</strong>', html) == [
        "Being prepared",
        "Order received",
    ]
