"""Shipments over the API: handing an order's parcel over (POST /orders/{number}/shipments,
with its hand-over and label times), the order's parcels, and the filtered list at
GET /api/v1/shipments."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import FIXED_NOW
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.tracking import actions
from parcelops.tracking.models import Shipment
from parcelops.tracking.rules import FUTURE_SKEW
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.tests.conftest import carrier_event, packed_order
from parcelops.tracking.tests.test_ingest import UNKNOWN_NOPE

pytestmark = pytest.mark.django_db

NUMBER = "75123456789012"


def hand_over(client, order, **body):
    return client.post(
        f"/api/v1/orders/{order.number}/shipments",
        {"carrier": "zto", "tracking_number": NUMBER, **body},
        content_type="application/json",
    )


def test_handing_over_answers_201_with_the_shipment_it_created(packed, staff, api):
    response = hand_over(api(staff["warehouse"]), packed, promised_delivery_date="2026-11-28")

    assert response.status_code == 201, response.content
    shipment = Shipment.objects.get()
    assert response.json() == {
        "id": shipment.pk,
        "order": packed.number,
        "carrier": "zto",
        "tracking_number": NUMBER,
        "service": "",
        "status": "info_received",
        "substatus": "label_created",
        "shipped_at": "2026-11-25T02:00:00Z",  # now: nothing said otherwise
        "label_created_at": None,
        "promised_delivery_date": "2026-11-28",
        "estimated_delivery_date": None,
        "last_event_at": None,
        "delivered_at": None,
        "open_cases": [],
    }
    assert Order.objects.get(pk=packed.pk).state == OrderState.SHIPPED


def test_a_hand_over_recorded_late_keeps_its_own_times(packed, staff, api):
    response = hand_over(
        api(staff["warehouse"]),
        packed,
        shipped_at="2026-11-24T18:30:00+08:00",
        label_created_at="2026-11-24T16:05:00+08:00",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["shipped_at"], body["label_created_at"]) == (
        "2026-11-24T10:30:00Z",
        "2026-11-24T08:05:00Z",
    )
    shipment = Shipment.objects.get()
    assert (shipment.created_at, shipment.label_created_at) == (
        FIXED_NOW - timedelta(hours=15, minutes=30),
        FIXED_NOW - timedelta(hours=17, minutes=55),
    )


PLACEHOLDER = "Lies before 2000-01-01, so it is a placeholder rather than a real time."


def test_a_hand_over_up_to_the_clock_skew_ahead_is_accepted(packed, staff, api):
    at_the_edge = (FIXED_NOW + FUTURE_SKEW).isoformat()
    response = hand_over(api(staff["warehouse"]), packed, shipped_at=at_the_edge)
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "shipped_at",
            (FIXED_NOW + FUTURE_SKEW + timedelta(seconds=1)).isoformat(),
            "Lies in the future.",
        ),
        ("label_created_at", "2026-11-26T10:00:00+08:00", "Lies in the future."),
        ("shipped_at", "2026-11-25T09:00:00", "Must carry a UTC offset, such as +08:00."),
        # Placeholders for "no date": shown west of UTC they would lie before year 1.
        ("shipped_at", "0001-01-01T00:00:00Z", PLACEHOLDER),
        ("label_created_at", "0001-01-01T00:00:00+14:00", PLACEHOLDER),
        ("label_created_at", "1999-12-31T23:59:59Z", PLACEHOLDER),
    ],
)
def test_a_time_ahead_of_the_clock_or_without_offset_is_refused_and_nothing_changes(
    packed, staff, api, english, field, value, message
):
    response = hand_over(api(staff["warehouse"]), packed, **{field: value})

    assert response.status_code == 422
    assert response.json() == {"errors": [{"field": field, "message": message}]}
    assert Shipment.objects.count() == 0
    assert Order.objects.get(pk=packed.pk).state == OrderState.PACKED


def test_a_time_that_is_not_a_time_is_refused_naming_the_field(packed, staff, api):
    response = hand_over(api(staff["warehouse"]), packed, shipped_at="yesterday")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["shipped_at"]
    assert Shipment.objects.count() == 0


def test_the_api_refuses_a_bad_shipment_and_writes_nothing(packed, staff, api, english):
    response = api(staff["warehouse"]).post(
        f"/api/v1/orders/{packed.number}/shipments",
        {"carrier": "nope", "tracking_number": NUMBER},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json() == {"errors": [{"field": "carrier", "message": UNKNOWN_NOPE}]}
    assert Shipment.objects.count() == 0


def test_roles_that_do_not_ship_get_403_and_nothing_changes(packed, staff, api):
    response = hand_over(api(staff["cs_agent"]), packed)
    assert response.status_code == 403
    assert Shipment.objects.count() == 0


def test_an_unknown_order_is_404(db, staff, api):
    response = api(staff["warehouse"]).post(
        "/api/v1/orders/NO-SUCH/shipments",
        {"carrier": "zto", "tracking_number": NUMBER},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_the_orders_parcels_show_the_staff_timeline(packed, staff, api):
    client = api(staff["warehouse"])
    assert hand_over(client, packed).status_code == 201
    actions.record_tracking_events(
        [carrier_event(NUMBER, 1, T.IN_TRANSIT, "picked_up", text="【杭州】已揽收")]
    )

    parcels = client.get(f"/api/v1/orders/{packed.number}/shipments").json()

    assert [(p["carrier"], p["tracking_number"], p["status"]) for p in parcels] == [
        ("zto", NUMBER, "in_transit")
    ]
    assert [
        (e["raw_code"], e["text"], e["provider"], e["offset_source"]) for e in parcels[0]["events"]
    ] == [("in_transit", "【杭州】已揽收", "batch", "payload")]


# --- GET /api/v1/shipments -----------------------------------------------------------------


@pytest.fixture
def three_parcels(db, channel, frozen_now, staff):
    """Three parcels on two orders: zto and yto on the first, zto on the second, in transit."""
    first, second = packed_order("W-1"), packed_order("W-2")
    warehouse = staff["warehouse"]
    shipments = [
        actions.create_shipment(first, "zto", "75100000000001", warehouse),
        actions.create_shipment(first, "yto", "YT1000000000001", warehouse),
        actions.create_shipment(second, "zto", "75100000000002", warehouse),
    ]
    actions.record_tracking_events([carrier_event("75100000000002", 1, T.IN_TRANSIT, "picked_up")])
    return first, second, shipments


def listed(client, **query):
    response = client.get("/api/v1/shipments", query)
    assert response.status_code == 200, response.content
    body = response.json()
    return body["count"], [s["tracking_number"] for s in body["results"]]


def test_the_list_shows_every_shipment_newest_first(three_parcels, staff, api):
    assert listed(api(staff["analyst"])) == (
        3,
        ["75100000000002", "YT1000000000001", "75100000000001"],
    )


def test_the_list_filters_by_number_order_carrier_and_status(three_parcels, staff, api):
    first, second, _ = three_parcels
    client = api(staff["cs_agent"])
    assert listed(client, tracking_number="7510 0000-0000 01") == (1, ["75100000000001"])
    assert listed(client, order=first.number) == (2, ["YT1000000000001", "75100000000001"])
    assert listed(client, carrier="zto") == (2, ["75100000000002", "75100000000001"])
    assert listed(client, status="in_transit") == (1, ["75100000000002"])
    assert listed(client, carrier="zto", order=second.number) == (1, ["75100000000002"])
    assert listed(client, order="NO-SUCH") == (0, [])


def test_the_list_pages_with_limit_and_offset_and_counts_them_all(three_parcels, staff, api):
    assert listed(api(staff["analyst"]), limit=1, offset=1) == (3, ["YT1000000000001"])


def test_each_listed_shipment_has_the_shape_of_a_created_one(three_parcels, staff, api):
    first, _, shipments = three_parcels
    result = api(staff["analyst"]).get("/api/v1/shipments", {"carrier": "yto"}).json()
    assert result["results"] == [
        {
            "id": shipments[1].pk,
            "order": first.number,
            "carrier": "yto",
            "tracking_number": "YT1000000000001",
            "service": "",
            "status": "info_received",
            "substatus": "label_created",
            "shipped_at": "2026-11-25T02:00:00Z",
            "label_created_at": None,
            "promised_delivery_date": None,
            "estimated_delivery_date": None,
            "last_event_at": None,
            "delivered_at": None,
            "open_cases": [],
        }
    ]


def test_an_unknown_status_or_bad_paging_is_a_422_naming_the_field(three_parcels, staff, api):
    client = api(staff["analyst"])
    unknown = client.get("/api/v1/shipments", {"status": "flying"})
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["status"]
    too_many = client.get("/api/v1/shipments", {"limit": 501})
    assert too_many.status_code == 422
    assert [e["field"] for e in too_many.json()["errors"]] == ["limit"]


def test_the_list_needs_a_login_and_the_right_to_see_orders(three_parcels, make_staff, api):
    assert api().get("/api/v1/shipments").status_code == 401
    assert api(make_staff("nobody")).get("/api/v1/shipments").status_code == 403


def test_the_list_needs_the_same_queries_however_many_shipments(three_parcels, staff, api):
    client = api(staff["analyst"])
    listed(client)  # the token's user and permissions are remembered after the first request
    with CaptureQueriesContext(connection) as few:
        listed(client)
    more = packed_order("W-3")
    for index in range(5):
        actions.create_shipment(more, "zto", f"7520000000000{index}", staff["warehouse"])
    with CaptureQueriesContext(connection) as many:
        assert listed(client)[0] == 8
    # The page of shipments with their orders' numbers, and the count.
    assert len(many.captured_queries) == len(few.captured_queries) == 2
