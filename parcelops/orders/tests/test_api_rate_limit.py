"""Authenticated API calls have a limit per token (and per signed-in user of the console),
counted over a sliding minute; the carriers' pushes and the public lookups are not counted
(issue 14, PARCELOPS_API_RATE_LIMIT)."""

from datetime import timedelta

import pytest
from django.test import Client

from conftest import api_client
from parcelops.accounts.actions import create_api_token

ORDERS = "/api/v1/orders"
TOO_MANY = {"errors": [{"field": "", "message": "Too many requests: try again in a minute."}]}


@pytest.fixture
def limit_of_five(settings, staff, frozen_now, english):
    """Five calls a minute; the clock at 02:00:00 UTC, the start of a counting window."""
    settings.PARCELOPS_API_RATE_LIMIT = 5
    return frozen_now


def statuses(client: Client, how_many: int, url: str = ORDERS) -> list[int]:
    return [client.get(url).status_code for _ in range(how_many)]


@pytest.mark.django_db
def test_a_token_past_its_limit_gets_429_with_retry_after_in_our_format(limit_of_five, staff):
    client = api_client(staff["analyst"])

    assert statuses(client, 5) == [200] * 5
    refused = client.get(ORDERS)

    assert refused.status_code == 429
    assert refused.json() == TOO_MANY
    # The count made now leaves the sliding minute by the end of the next window.
    assert refused["Retry-After"] == "121"


@pytest.mark.django_db
def test_every_authenticated_endpoint_counts_into_the_same_allowance(limit_of_five, staff):
    client = api_client(staff["admin"])

    answered = [
        client.get(ORDERS).status_code,
        client.get(f"{ORDERS}/PO-NONE").status_code,
        client.post(f"{ORDERS}/PO-NONE/confirm").status_code,
        client.get("/api/v1/shipments").status_code,
        client.get("/api/v1/carriers").status_code,
        client.get(ORDERS).status_code,
    ]

    assert answered == [200, 404, 404, 200, 200, 429]


@pytest.mark.django_db
def test_each_token_has_its_own_allowance(limit_of_five, staff):
    user = staff["analyst"]
    first = Client(headers={"Authorization": f"Bearer {create_api_token(user)}"})
    second = Client(headers={"Authorization": f"Bearer {create_api_token(user)}"})

    assert statuses(first, 6) == [200] * 5 + [429]
    assert statuses(second, 6) == [200] * 5 + [429]


@pytest.mark.django_db
def test_a_signed_in_console_user_is_counted_per_user(limit_of_five, staff):
    client = Client()
    client.force_login(staff["analyst"])

    assert statuses(client, 6) == [200] * 5 + [429]
    other = Client()
    other.force_login(staff["cs_agent"])
    assert statuses(other, 1) == [200]


@pytest.mark.django_db
def test_the_minute_slides(limit_of_five, staff):
    client = api_client(staff["analyst"])
    assert statuses(client, 5) == [200] * 5

    # 90 s on: half of the last window still counts (2.5 calls), so two more fit, not three.
    limit_of_five.shift(timedelta(seconds=90))
    assert statuses(client, 3) == [200, 200, 429]

    # Two minutes after those, nothing counts any more.
    limit_of_five.shift(timedelta(minutes=2))
    assert statuses(client, 5) == [200] * 5


@pytest.mark.django_db
def test_a_bad_token_is_401_not_counted_against_anyone(limit_of_five, staff):
    stranger = Client(headers={"Authorization": "Bearer pops_not-a-token"})

    assert statuses(stranger, 7) == [401] * 7
    assert statuses(api_client(staff["analyst"]), 5) == [200] * 5


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [0])
def test_a_limit_of_zero_switches_it_off(limit_of_five, settings, staff, limit):
    settings.PARCELOPS_API_RATE_LIMIT = limit

    assert statuses(api_client(staff["analyst"]), 20) == [200] * 20


@pytest.mark.django_db
def test_pushes_and_public_endpoints_are_not_counted(limit_of_five, settings, staff):
    settings.PARCELOPS_API_RATE_LIMIT = 1
    settings.PARCELOPS_PUBLIC_RATE_LIMIT = 1000
    token = f"Bearer {create_api_token(staff['analyst'])}"
    client = Client(headers={"Authorization": token})

    pushes = [
        client.post(
            "/api/v1/tracking/push/17track", b"{}", content_type="application/json"
        ).status_code
        for _ in range(3)
    ]
    health = statuses(client, 3, "/api/v1/health")
    public = statuses(client, 3, "/api/v1/public/orders/PO-NONE?phone_last4=1234")

    assert 429 not in pushes
    assert health == [200] * 3
    assert public == [404] * 3
    assert statuses(client, 2) == [200, 429]
