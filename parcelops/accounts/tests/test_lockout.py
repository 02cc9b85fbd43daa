"""Sign-in lock-out by (username, address), with a slower limit per username."""

from datetime import timedelta

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

GOOD = "correct-horse-battery"


def sign_in(address: str, password: str, username: str = "order_processor") -> int:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code


def test_five_failures_from_one_address_lock_that_address_only(staff, frozen_now):
    statuses = [sign_in("198.51.100.7", "wrong") for _ in range(5)]

    assert statuses == [200, 200, 200, 200, 429]
    assert sign_in("198.51.100.7", GOOD) == 429
    assert sign_in("203.0.113.9", GOOD) == 302  # the real person, elsewhere


def test_failures_for_one_user_do_not_lock_another_user_at_the_same_address(staff, frozen_now):
    for _ in range(5):
        sign_in("198.51.100.7", "wrong")

    assert sign_in("198.51.100.7", GOOD, username="order_reviewer") == 302


def test_failures_spread_over_many_addresses_lock_the_username_at_the_slower_limit(
    staff, frozen_now, settings
):
    settings.PARCELOPS_USERNAME_FAILURE_LIMIT = 12
    statuses = [  # four failures from each address: no pair reaches its limit of five
        sign_in(f"192.0.2.{host}", "wrong") for host in range(3) for _ in range(4)
    ]

    assert statuses == [200] * 11 + [429]
    assert sign_in("203.0.113.9", GOOD) == 429
    assert sign_in("203.0.113.9", GOOD, username="order_reviewer") == 302


def test_one_failure_below_the_username_limit_still_lets_the_person_in(staff, frozen_now, settings):
    settings.PARCELOPS_USERNAME_FAILURE_LIMIT = 12
    for host in range(3):
        for _ in range(4 if host < 2 else 3):
            sign_in(f"192.0.2.{host}", "wrong")

    assert sign_in("203.0.113.9", GOOD) == 302


def test_the_username_limit_counts_only_the_cool_off_window(staff, frozen_now, settings):
    settings.PARCELOPS_USERNAME_FAILURE_LIMIT = 8
    for host in range(2):
        for _ in range(4):
            sign_in(f"192.0.2.{host}", "wrong")
    frozen_now.shift(timedelta(minutes=31))

    assert sign_in("203.0.113.9", GOOD) == 302
