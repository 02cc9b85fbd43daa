"""/api/v1/pick-lists: a wave made and read back, refusals with the field named."""

import pytest

from parcelops.accounts import roles
from parcelops.warehouse.models import PickList
from parcelops.warehouse.tests import packing_floor

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def floor(db, channel, staff, frozen_now):
    return packing_floor.warehouse()


def test_a_wave_made_and_read_back(floor, staff, api):
    order = packing_floor.allocated_order(floor, "W-1")
    client = api(staff[roles.WAREHOUSE])

    made = client.post(
        "/api/v1/pick-lists", {"warehouse": "HZ1", "oldest": 5}, content_type="application/json"
    )

    assert made.status_code == 201
    body = made.json()
    number = PickList.objects.get().number
    assert (body["number"], body["state"], body["orders"], body["skipped"]) == (
        number,
        "open",
        1,
        [],
    )
    assert [
        (s["sequence"], s["zone"], s["bin"], s["sku"], s["quantity"], s["order"])
        for s in body["lines"]
    ] == [
        (1, "B", "B-01", "CUP-002", 1, order.number),
        (2, "A", "A-02", "TEA-001", 2, order.number),
    ]
    read = client.get(f"/api/v1/pick-lists/{number}")
    assert read.status_code == 200
    assert read.json()["lines"] == body["lines"]


def test_an_unknown_warehouse_is_a_bad_field(floor, staff, api):
    made = api(staff[roles.WAREHOUSE]).post(
        "/api/v1/pick-lists", {"warehouse": "NOPE", "oldest": 5}, content_type="application/json"
    )

    assert made.status_code == 422
    assert made.json() == {
        "errors": [{"field": "warehouse", "message": "No warehouse in use has this code."}]
    }


def test_nothing_to_pick_is_a_bad_field_and_makes_no_list(floor, staff, api):
    made = api(staff[roles.WAREHOUSE]).post(
        "/api/v1/pick-lists",
        {"warehouse": "HZ1", "orders": ["PO1"]},
        content_type="application/json",
    )

    assert made.status_code == 422
    assert made.json()["errors"][0]["field"] == "orders"
    assert not PickList.objects.exists()


def test_a_role_without_picking_is_refused(floor, staff, api):
    made = api(staff[roles.ANALYST]).post(
        "/api/v1/pick-lists", {"warehouse": "HZ1", "oldest": 5}, content_type="application/json"
    )
    assert made.status_code == 403
