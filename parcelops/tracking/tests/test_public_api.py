"""GET /api/v1/track/{number}: the customer's lookup, read with two SQL statements
(decision 0013), in the viewer's zone and language, never showing future events."""

from datetime import date

import pytest

from parcelops.tracking import actions
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.tests.conftest import carrier_event, packed_order

pytestmark = pytest.mark.django_db

NUMBER = "75123456789012"


@pytest.fixture
def shipment(packed, staff):
    return actions.create_shipment(
        packed, "zto", NUMBER, staff["warehouse"], promised_delivery_date=date(2026, 11, 27)
    )


def test_a_delivered_parcel_reads_in_the_viewers_zone_without_its_future_events(shipment, client):
    actions.record_tracking_events(
        [
            carrier_event(NUMBER, 1, T.IN_TRANSIT, "picked_up", text="已揽收 杭州"),
            carrier_event(NUMBER, 24, T.DELIVERED, "signed_by_recipient", text="已签收"),
            carrier_event(NUMBER, 27, T.IN_TRANSIT, text="扫描时间有误"),  # after now + skew
        ]
    )

    response = client.get(f"/api/v1/track/{NUMBER}?tz=America/New_York", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.json() == {
        "tracking_number": NUMBER,
        "carrier": "zto",
        "carrier_name": "ZTO Express",
        "status": "delivered",
        "status_label": "Delivered",
        "substatus": "signed_by_recipient",
        "estimated_delivery_date": "2026-11-27",  # none estimated: the promised date
        "delivered_at": "2026-11-24T19:00:00-05:00",
        "last_event_at": "2026-11-24T19:00:00-05:00",
        "time_zone": "America/New_York",
        "events": [
            {
                "at": "2026-11-24T19:00:00-05:00",
                "status": "delivered",
                "status_label": "Delivered",
                "text": "已签收",
                "location": "",
            },
            {
                "at": "2026-11-23T20:00:00-05:00",
                "status": "in_transit",
                "status_label": "In transit",
                "text": "已揽收 杭州",
                "location": "",
            },
        ],
    }


def test_a_parcel_without_events_has_an_empty_timeline(shipment, client):
    body = client.get(f"/api/v1/track/{NUMBER.lower()}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert (body["status"], body["status_label"], body["delivered_at"], body["events"]) == (
        "info_received",
        "待揽收",
        None,
        [],
    )
    assert body["time_zone"] == "Asia/Shanghai"


def test_a_number_two_carriers_use_needs_the_carrier(shipment, staff, client, english):
    actions.create_shipment(packed_order("W-2002"), "yto", NUMBER, staff["warehouse"])

    ambiguous = client.get(f"/api/v1/track/{NUMBER}")
    chosen = client.get(f"/api/v1/track/{NUMBER}?carrier=yto")
    unknown = client.get(f"/api/v1/track/{NUMBER}?carrier=sf")

    assert ambiguous.status_code == 409
    assert ambiguous.json() == {
        "errors": [
            {
                "field": "",
                "message": "Several carriers use this number: add ?carrier= to choose one.",
            }
        ]
    }
    assert (chosen.status_code, chosen.json()["carrier"]) == (200, "yto")
    assert unknown.status_code == 404
