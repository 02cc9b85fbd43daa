"""One tracking-number rule at every entry: the same numbers are accepted (and stored the
same way) or refused (with the same message) by the shipments API, the hand-over form, the
public tracking page and API, the batch API, file imports, scans and pushes. And carriers
by any name wherever one is named."""

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from parcelops.carriers import registry
from parcelops.carriers.models import Carrier
from parcelops.core.errors import InputError
from parcelops.orders.models import Order
from parcelops.orders.tests.factories import intake_payload
from parcelops.orders.tests.pages import error_after, page_for, text
from parcelops.tracking import actions, scans
from parcelops.tracking.events import PayloadError
from parcelops.tracking.models import Shipment, TrackingEvent
from parcelops.tracking.providers import aftership
from parcelops.tracking.providers.files import iter_file_events

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

RULE = "A tracking number has 6 to 40 letters and digits."
PAYLOADS = Path(__file__).parent / "payloads"

ACCEPTED = [
    ("SF-1234 5678", "SF12345678"),  # the public page used to refuse this one
    ("ｓｆ１２３４５６７８", "SF12345678"),  # full width, as Chinese input methods type it
    (" yt 1234-5678 ", "YT12345678"),
    ("sf–1234—5678", "SF12345678"),  # dashes from a word processor
]
REFUSED = [
    "SF123",  # too short
    "SF" + "1" * 39,  # too long
    "SF1234/5678",
    "顺丰12345678",
]


# --- each entry, as a function of the raw number: the stored number, or the message ---


def through_shipments_api(packed, staff, api, raw):
    response = api(staff["warehouse"]).post(
        f"/api/v1/orders/{packed.number}/shipments",
        {"carrier": "sf-express", "tracking_number": raw},
        content_type="application/json",
    )
    if response.status_code == 422:
        (error,) = response.json()["errors"]
        assert error["field"] == "tracking_number"
        return error["message"]
    assert response.status_code == 201, response.content
    return Shipment.objects.get().tracking_number


def through_hand_over_form(packed, staff, api, raw):
    response = page_for(staff["warehouse"]).post(
        f"/tracking/hand-over/{packed.number}/", {"carrier": "sf-express", "tracking_number": raw}
    )
    if response.status_code == 200:
        (message,) = error_after(text(response), "tracking_number")
        return message
    assert response.status_code == 302
    return Shipment.objects.get().tracking_number


def _existing(packed, staff, raw):
    """The lookups need a parcel; it is created with the number in its stored form."""
    stored = dict(ACCEPTED).get(raw, "SF12345678")
    return actions.create_shipment(packed, "sf-express", stored, staff["warehouse"])


def through_public_page(packed, staff, api, raw):
    shipment = _existing(packed, staff, raw)
    response = page_for(None).get("/track/parcel/", {"number": raw})
    if response.context["form"].errors:
        (message,) = response.context["form"].errors["number"]
        return message
    assert response.context["result"]["tracking_number"] == shipment.tracking_number
    return shipment.tracking_number


def through_public_api(packed, staff, api, raw):
    shipment = _existing(packed, staff, raw)
    response = page_for(None).get(f"/api/v1/track/{quote(raw, safe='')}")
    if response.status_code == 422:
        (error,) = response.json()["errors"]
        assert error["field"] == "tracking_number"
        return error["message"]
    assert response.status_code == 200, response.content
    assert response.json()["tracking_number"] == shipment.tracking_number
    return shipment.tracking_number


def through_batch_api(packed, staff, api, raw):
    _existing(packed, staff, raw)
    response = api(staff["warehouse"]).post(
        "/api/v1/tracking/events",
        [
            {
                "carrier": "SF",
                "tracking_number": raw,
                "occurred_at": "2026-11-25T09:00:00+08:00",
                "status": "in_transit",
            }
        ],
        content_type="application/json",
    )
    if response.status_code == 207:
        (error,) = response.json()["errors"]
        assert error["field"] == "events[0].tracking_number"
        return error["message"]
    assert response.status_code == 200, response.content
    return TrackingEvent.objects.get().shipment.tracking_number


def through_file_import(packed, staff, api, raw, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "carrier,tracking_number,occurred_at,status\n"
        f'顺丰,"{raw}",2026-11-25T09:00:00+08:00,in_transit\n',
        encoding="utf-8",
    )
    (row,) = iter_file_events(path)
    if row.errors:
        (message,) = row.errors
        assert message.startswith("tracking_number: ")
        return message.removeprefix("tracking_number: ")
    assert row.event is not None
    assert row.event.carrier == "sf-express"
    return row.event.tracking_number


def through_scan(packed, staff, api, raw):
    _existing(packed, staff, raw)
    response = page_for(staff["warehouse"]).post(
        "/tracking/scan/",
        {"scan_type": "handed_over", "location": "Dock 3", "number": raw},
        headers={"Accept": "application/json"},
    )
    if response.status_code == 422:
        (error,) = json.loads(response.content)["errors"]
        assert error["field"] == "number"
        return error["message"]
    assert json.loads(response.content)["outcome"] == scans.STORED
    return TrackingEvent.objects.get().shipment.tracking_number


def through_aftership_push(packed, staff, api, raw):
    document = json.loads((PAYLOADS / "aftership_webhook.json").read_text())
    document["msg"]["tracking_number"] = raw
    try:
        push = aftership.parse_webhook(json.dumps(document).encode())
    except PayloadError as refused:
        return str(refused).removeprefix("msg.tracking_number: ")  # the path, then the rule
    return push.tracking_number


ENTRIES = [
    through_shipments_api,
    through_hand_over_form,
    through_public_page,
    through_public_api,
    through_batch_api,
    through_file_import,
    through_scan,
    through_aftership_push,
]


def enter(entry, packed, staff, api, raw, tmp_path):
    if entry is through_file_import:
        return entry(packed, staff, api, raw, tmp_path)
    return entry(packed, staff, api, raw)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.__name__)
@pytest.mark.parametrize(("raw", "stored"), ACCEPTED)
def test_every_entry_accepts_a_number_and_stores_it_alike(
    entry, raw, stored, packed, staff, api, tmp_path
):
    assert enter(entry, packed, staff, api, raw, tmp_path) == stored


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.__name__)
@pytest.mark.parametrize("raw", REFUSED)
def test_every_entry_refuses_a_number_with_the_same_message(
    entry, raw, packed, staff, api, tmp_path
):
    assert enter(entry, packed, staff, api, raw, tmp_path) == RULE
    assert TrackingEvent.objects.count() == 0


# --- carriers by any name -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [("YTO", "yto"), ("shunfeng", "sf-express"), ("顺丰", "sf-express"), ("190456", "zto")],
)
def test_the_shipments_api_takes_a_carrier_by_any_name(name, code, packed, staff, api):
    response = api(staff["warehouse"]).post(
        f"/api/v1/orders/{packed.number}/shipments",
        {"carrier": name, "tracking_number": "75123456789012"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert Shipment.objects.get().carrier == code


def test_an_unknown_carrier_is_refused_with_the_closest_ones(packed, staff, api):
    response = api(staff["warehouse"]).post(
        f"/api/v1/orders/{packed.number}/shipments",
        {"carrier": "YTOO", "tracking_number": "75123456789012"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {
                "field": "carrier",
                "message": "Unknown carrier “YTOO”. The closest known carriers: "
                "YTO Express (yto), ZTO Express (zto), STO Express (sto).",
            }
        ]
    }
    assert Shipment.objects.count() == 0


def test_the_hand_over_form_takes_a_carrier_by_any_name(packed, staff):
    response = page_for(staff["warehouse"]).post(
        f"/tracking/hand-over/{packed.number}/",
        {"carrier": "中通", "tracking_number": "75123456789012"},
    )

    assert response.status_code == 302
    assert Shipment.objects.get().carrier == "zto"


def test_a_scan_can_name_the_carrier_when_two_share_a_number(packed, staff):
    actions.create_shipment(packed, "zto", "75123456789012", staff["warehouse"])
    actions.create_shipment(packed, "yto", "75123456789012", staff["warehouse"])

    ambiguous = scans.record_scan("75123456789012", "handed_over", "", _now(), "dock")
    named = scans.record_scan("75123456789012", "handed_over", "", _now(), "dock", carrier="圆通")

    assert (ambiguous.outcome, named.outcome) == (scans.AMBIGUOUS, scans.STORED)
    assert TrackingEvent.objects.get().shipment.carrier == "yto"
    with pytest.raises(InputError) as refused:
        scans.record_scan("75123456789012", "handed_over", "", _now(), "dock", carrier="pigeon")
    assert refused.value.errors[0].field == "carrier"


def _now():
    from parcelops.core.clock import now

    return now()


@pytest.mark.parametrize(
    ("name", "code"), [("shunfeng", "sf-express"), ("YTO", "yto"), ("顺丰速运", "sf-express")]
)
def test_an_order_asks_for_a_carrier_by_any_name_and_keeps_our_code(
    name, code, staff, api, channel, frozen_now
):
    response = api(staff["order_processor"]).post(
        "/api/v1/orders",
        intake_payload(requested_carrier=name),
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert Order.objects.get().requested_carrier == code


def test_an_order_asking_for_an_unknown_carrier_is_refused(staff, api, channel, frozen_now):
    response = api(staff["order_processor"]).post(
        "/api/v1/orders",
        intake_payload(requested_carrier="pigeon-post"),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "requested_carrier",
            "message": "Unknown carrier “pigeon-post”. The closest known carriers: "
            "China Post (china-post), Deppon (deppon), STO Express (sto).",
        }
    ]
    assert Order.objects.count() == 0


def test_a_carrier_no_longer_in_use_takes_no_new_parcels(packed, staff):
    Carrier.objects.filter(code="ems").update(is_active=False)
    registry.forget_loaded_carriers()

    with pytest.raises(InputError) as refused:
        actions.create_shipment(packed, "EMS", "EA123456785CN", staff["warehouse"])

    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("carrier", "This carrier is no longer in use.")
    ]
    assert registry.from_provider_code("kuaidi100", "ems") == "ems"  # its parcels still move
