"""The brakes on the customers' order lookup: page and API count together per address, and
wrong digits for one order number stop that number answering, whoever guesses."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from parcelops.orders.tests.pages import text

pytestmark = pytest.mark.django_db

API = "/api/v1/public/orders"
PAGE = "/track/order/"
BRAKED = "Too many wrong tries for this order number: try again later."


def api_lookup(number: str, digits: str, address: str = "10.0.0.1") -> Any:
    return Client(REMOTE_ADDR=address, headers={"Accept-Language": "en"}).get(
        f"{API}/{number}", {"phone_last4": digits}
    )


def test_the_page_and_the_api_count_together_per_address(normal_order, settings, frozen_now):
    settings.PARCELOPS_PUBLIC_RATE_LIMIT = 3
    client = Client(REMOTE_ADDR="10.0.0.9")
    assert client.get(f"{API}/{normal_order.number}", {"phone_last4": "5678"}).status_code == 200
    page = {"number": normal_order.number, "phone_last4": "5678"}
    assert client.post(PAGE, page).status_code == 200
    assert client.get(f"{API}/{normal_order.number}", {"phone_last4": "5678"}).status_code == 200

    assert client.post(PAGE, page).status_code == 429
    assert client.get(f"{API}/{normal_order.number}", {"phone_last4": "5678"}).status_code == 429


def test_wrong_digits_from_many_addresses_stop_the_number_answering_even_the_right_ones(
    normal_order, settings, frozen_now
):
    settings.PARCELOPS_ORDER_GUESS_LIMIT = 5
    guesses = [
        api_lookup(normal_order.number, f"{n:04d}", address=f"192.0.2.{n}").status_code
        for n in range(5)
    ]
    assert guesses == [404] * 5

    braked = api_lookup(normal_order.number, "5678", address="203.0.113.1")

    assert braked.status_code == 429
    assert braked.json() == {"errors": [{"field": "", "message": BRAKED}]}
    assert int(braked["Retry-After"]) == 2 * 3600 + 1  # the end of the next hour-long window
    assert api_lookup("PO000000000000", "5678", address="203.0.113.1").status_code == 404


def test_the_brake_lifts_when_the_wrong_guesses_age_out(normal_order, settings, frozen_now):
    settings.PARCELOPS_ORDER_GUESS_LIMIT = 2
    for n in range(2):
        api_lookup(normal_order.number, f"{n:04d}", address=f"192.0.2.{n}")
    frozen_now.shift(timedelta(minutes=90))  # half of the first hour still counts: 1 < 2
    assert api_lookup(normal_order.number, "5678").status_code == 200


def test_an_unknown_number_is_braked_like_a_real_one(settings, frozen_now, channel):
    settings.PARCELOPS_ORDER_GUESS_LIMIT = 3
    statuses = [api_lookup("PO999999999999", "1234", f"192.0.2.{n}").status_code for n in range(4)]

    assert statuses == [404, 404, 404, 429]


def test_the_right_digits_do_not_count_as_guesses(normal_order, settings, frozen_now):
    settings.PARCELOPS_ORDER_GUESS_LIMIT = 2
    statuses = [
        api_lookup(normal_order.number, "5678", f"192.0.2.{n}").status_code for n in range(4)
    ]

    assert statuses == [200] * 4


def test_the_page_says_the_number_is_resting(normal_order, settings, frozen_now, english):
    settings.PARCELOPS_ORDER_GUESS_LIMIT = 1
    Client(REMOTE_ADDR="192.0.2.1").post(
        PAGE, {"number": normal_order.number, "phone_last4": "0000"}
    )

    response = Client(REMOTE_ADDR="192.0.2.2").post(
        PAGE, {"number": normal_order.number.lower(), "phone_last4": "5678"}
    )

    assert response.status_code == 429
    assert "too many wrong tries for this order number" in text(response)
    assert 'class="result-state' not in text(response)
