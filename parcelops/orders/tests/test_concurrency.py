"""Racing intakes of the same order: the unique constraint decides, every caller gets the one
order (R2.1.1). Only PostgreSQL runs requests truly in parallel; SQLite serialises writers."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from parcelops.accounts.actions import create_api_token
from parcelops.orders.models import Customer, Order, OrderEvent, Product
from parcelops.orders.tests.factories import intake_payload

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so requests never race there "
        "(CI runs the suite on both; set DATABASE_URL=postgres://... to run it)",
    ),
    pytest.mark.usefixtures("english", "channel", "frozen_now"),
]

JSON = "application/json"
RACERS = 8


def race(how_many: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(i) in threads that all start together; each closes its own connection."""
    barrier = threading.Barrier(how_many)
    results: list[Any] = [None] * how_many

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # kept and asserted on below, never lost in the thread
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(how_many)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.django_db(transaction=True)
def test_the_same_order_posted_at_once_is_stored_once(staff):
    from django.test import Client

    token = create_api_token(staff["order_processor"])

    def post(_index: int) -> tuple[int, dict[str, Any]]:
        client = Client(headers={"Authorization": f"Bearer {token}"})
        response = client.post("/api/v1/orders", intake_payload(), content_type=JSON)
        return response.status_code, response.json()

    answers = race(RACERS, post)

    assert all(isinstance(answer, tuple) for answer in answers), answers
    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] * (RACERS - 1) + [201]
    assert len({body["number"] for _status, body in answers}) == 1
    assert Order.all_objects.count() == 1
    assert Customer.objects.count() == 1
    assert OrderEvent.objects.filter(type="placed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_different_orders_of_a_new_customer_with_new_products_posted_at_once_are_all_stored(
    staff,
):
    from django.test import Client

    token = create_api_token(staff["order_processor"])

    def post(index: int) -> tuple[int, dict[str, Any]]:
        client = Client(headers={"Authorization": f"Bearer {token}"})
        payload = intake_payload(external_id=f"W-RACE-{index}")
        response = client.post("/api/v1/orders", payload, content_type=JSON)
        return response.status_code, response.json()

    answers = race(RACERS, post)

    assert all(isinstance(answer, tuple) for answer in answers), answers
    assert [status for status, _body in answers] == [201] * RACERS, answers
    assert Order.all_objects.count() == RACERS
    assert Product.objects.count() == 2
    assert len({body["number"] for _status, body in answers}) == RACERS
