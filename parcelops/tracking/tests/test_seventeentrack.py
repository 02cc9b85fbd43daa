"""The 17TRACK-style push: signature, parsing, status table, and every refusal."""

import copy
import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from parcelops.tracking.events import PayloadError, SignatureError
from parcelops.tracking.providers import seventeentrack
from parcelops.tracking.providers.seventeentrack import map_status, parse_push, verify_signature

PAYLOADS = Path(__file__).parent / "payloads"

pytestmark = pytest.mark.usefixtures("english")  # messages are asserted word for word
KEY = "17track-security-key"


def payload(name: str = "seventeentrack_updated.json") -> dict[str, Any]:
    return orjson.loads((PAYLOADS / name).read_bytes())


def body_of(data: dict[str, Any]) -> bytes:
    return orjson.dumps(data)


def events_of(data: dict[str, Any]) -> list[Any]:
    return data["data"]["track_info"]["tracking"]["providers"][0]["events"]


def sign(body: bytes, key: str = KEY) -> str:
    return hashlib.sha256(body + b"/" + key.encode()).hexdigest()


# --- signature ---------------------------------------------------------------------------


def test_it_accepts_the_sha256_of_body_slash_key():
    body = (PAYLOADS / "seventeentrack_updated.json").read_bytes()
    verify_signature(body, sign(body), KEY)  # accepted: no SignatureError


def test_it_accepts_the_signature_in_upper_case_hex_too():
    body = b'{"event":"TRACKING_STOPPED"}'
    verify_signature(body, sign(body).upper(), KEY)  # accepted: no SignatureError


def test_it_refuses_a_signature_made_with_another_key():
    body = b'{"event":"TRACKING_STOPPED"}'
    with pytest.raises(SignatureError, match=r"^the sign header does not match the body$"):
        verify_signature(body, sign(body, "other-key"), KEY)


def test_it_refuses_a_signature_of_another_body():
    with pytest.raises(SignatureError, match=r"^the sign header does not match the body$"):
        verify_signature(b'{"a":2}', sign(b'{"a":1}'), KEY)


@pytest.mark.parametrize("header", [None, ""])
def test_it_refuses_a_push_without_the_sign_header(header):
    with pytest.raises(SignatureError, match=r"^the sign header is missing$"):
        verify_signature(b"{}", header, KEY)


def test_it_refuses_every_push_while_no_key_is_configured():
    with pytest.raises(SignatureError, match=r"^no security key is configured$"):
        verify_signature(b"{}", sign(b"{}", ""), "")


# --- parsing -----------------------------------------------------------------------------


def test_it_reads_the_parcel_of_the_push():
    push = parse_push(body_of(payload()))

    assert push.event == "TRACKING_UPDATED"
    assert push.carrier == "zto"
    assert push.tracking_number == "78912345678901"
    assert push.estimated_delivery == date(2026, 11, 27)
    assert (push.latest_status, push.latest_substatus) == ("delivered", "")
    assert push.raw == payload()
    assert len(push.events) == 6


def test_it_maps_every_event_of_the_full_history():
    push = parse_push(body_of(payload()))

    assert [
        (e.occurred_at, e.offset_source, e.status, e.substatus, e.raw_code) for e in push.events
    ] == [
        (datetime(2026, 11, 25, 6, 5, tzinfo=UTC), "payload", "delivered", "", "Delivered_Other"),
        (
            datetime(2026, 11, 25, 0, 10, tzinfo=UTC),
            "payload",
            "out_for_delivery",
            "out_for_delivery",
            "OutForDelivery_Other",
        ),
        # time_raw without a zone: read in ZTO's zone (China).
        (
            datetime(2026, 11, 24, 14, 30, tzinfo=UTC),
            "carrier_zone",
            "in_transit",
            "departed_facility",
            "InTransit_Other",
        ),
        # An unknown sub-status maps by its main status; a naive time_iso is China time.
        (
            datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
            "carrier_zone",
            "in_transit",
            "",
            "InTransit_Sorting",
        ),
        (
            datetime(2026, 11, 24, 1, 30, tzinfo=UTC),
            "payload",
            "in_transit",
            "picked_up",
            "InTransit_PickedUp",
        ),
        (
            datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
            "payload",
            "info_received",
            "label_created",
            "InfoReceived",
        ),
    ]


def test_each_event_keeps_its_text_location_local_time_and_raw_item():
    push = parse_push(body_of(payload()))
    first = push.events[0]

    assert first.provider == "17track"
    assert first.carrier == "zto"
    assert first.tracking_number == "78912345678901"
    assert first.raw_text == "您的快件已签收，签收人：本人"
    assert first.location == "上海市"
    assert first.local_time == "2026-11-25 14:05:00"
    assert first.event_id == ""
    assert first.estimated_delivery == date(2026, 11, 27)
    assert first.raw == events_of(payload())[0]
    assert [e.local_time for e in push.events[1:4]] == [
        "2026-11-25 08:10:00",
        "2026-11-24 22:30:00",
        "2026-11-24 18:00:00",
    ]


def test_the_time_utc_wins_over_a_local_time_that_disagrees():
    data = payload()
    events_of(data)[0]["time_iso"] = "2026-11-25T15:05:00+08:00"  # an hour off

    push = parse_push(body_of(data))

    assert push.events[0].occurred_at == datetime(2026, 11, 25, 6, 5, tzinfo=UTC)
    assert push.events[0].offset_source == "payload"


def test_a_time_utc_without_z_is_still_utc():
    data = payload()
    events_of(data)[0]["time_utc"] = "2026-11-25T06:05:00"

    assert parse_push(body_of(data)).events[0].occurred_at == datetime(
        2026, 11, 25, 6, 5, tzinfo=UTC
    )


def test_a_time_raw_with_its_zone_is_taken_from_the_payload():
    data = payload()
    events_of(data)[2]["time_raw"] = {
        "date": "2026-11-24",
        "time": "22:30:00",
        "timezone": "+09:00",
    }

    event = parse_push(body_of(data)).events[2]

    assert (event.occurred_at, event.offset_source) == (
        datetime(2026, 11, 24, 13, 30, tzinfo=UTC),
        "payload",
    )


def test_a_naive_time_of_an_unknown_carrier_is_read_in_china_time():
    data = payload()
    data["data"]["carrier"] = 999999

    push = parse_push(body_of(data))

    assert push.carrier == ""
    assert push.events[2].occurred_at == datetime(2026, 11, 24, 14, 30, tzinfo=UTC)


def test_a_naive_time_is_read_in_the_zone_of_a_foreign_carrier():
    data = payload()
    data["data"]["carrier"] = 100002  # UPS, America/New_York

    push = parse_push(body_of(data))

    assert push.carrier == "ups"
    assert push.events[2].occurred_at == datetime(2026, 11, 25, 3, 30, tzinfo=UTC)


def test_the_estimated_delivery_falls_back_to_the_window_start():
    data = payload()
    data["data"]["track_info"]["time_metrics"]["estimated_delivery_date"]["to"] = None

    assert parse_push(body_of(data)).estimated_delivery == date(2026, 11, 26)


def test_there_is_no_estimated_delivery_without_a_window():
    data = payload()
    data["data"]["track_info"]["time_metrics"]["estimated_delivery_date"] = {
        "from": None,
        "to": None,
    }

    assert parse_push(body_of(data)).estimated_delivery is None


def test_a_stopped_push_without_track_info_has_no_events():
    push = parse_push(body_of(payload("seventeentrack_stopped.json")))

    assert (push.event, push.carrier, push.tracking_number) == (
        "TRACKING_STOPPED",
        "zto",
        "78912345678901",
    )
    assert push.events == []
    assert push.estimated_delivery is None
    assert push.latest_status == ""


def test_the_tracking_number_is_stored_as_shipments_are():
    data = payload("seventeentrack_stopped.json")
    data["data"]["number"] = " yt 7788 990011223 "

    assert parse_push(body_of(data)).tracking_number == "YT7788990011223"


def test_events_of_every_provider_of_the_parcel_are_read():
    data = payload()
    second = copy.deepcopy(data["data"]["track_info"]["tracking"]["providers"][0])
    second["events"] = second["events"][:1]
    second["events"][0]["description"] = "Delivered"
    data["data"]["track_info"]["tracking"]["providers"].append(second)

    push = parse_push(body_of(data))

    assert len(push.events) == 7
    assert push.events[6].raw_text == "Delivered"


def test_a_repeated_full_state_push_gives_the_same_dedupe_keys():
    first = parse_push(body_of(payload()))
    data = payload()
    events_of(data).insert(
        0,
        {
            "time_iso": "2026-11-25T15:00:00+08:00",
            "time_utc": "2026-11-25T07:00:00Z",
            "description": "Feedback received",
            "stage": "",
            "sub_status": "Delivered_Other",
        },
    )

    second = parse_push(body_of(data))

    assert [e.dedupe_key for e in second.events[1:]] == [e.dedupe_key for e in first.events]
    assert second.events[0].dedupe_key not in {e.dedupe_key for e in first.events}
    assert len({e.dedupe_key for e in first.events}) == 6


# --- the status table --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sub_status", "expected"),
    [
        ("NotFound_Other", ("pending", "not_found")),
        ("NotFound_InvalidCode", ("pending", "invalid_number")),
        ("InfoReceived", ("info_received", "label_created")),
        ("InTransit_PickedUp", ("in_transit", "picked_up")),
        ("InTransit_Departure", ("in_transit", "departed_facility")),
        ("InTransit_Arrival", ("in_transit", "arrived_facility")),
        ("InTransit_CustomsProcessing", ("in_transit", "customs_processing")),
        ("InTransit_CustomsReleased", ("in_transit", "customs_released")),
        ("InTransit_CustomsRequiringInformation", ("exception", "held_by_customs")),
        ("InTransit_Other", ("in_transit", "")),
        ("Expired_Other", ("expired", "no_update_timeout")),
        ("AvailableForPickup_Other", ("available_for_pickup", "at_pickup_point")),
        ("OutForDelivery_Other", ("out_for_delivery", "out_for_delivery")),
        ("DeliveryFailure_Other", ("attempt_failed", "")),
        ("DeliveryFailure_NoBody", ("attempt_failed", "recipient_unavailable")),
        ("DeliveryFailure_InvalidAddress", ("attempt_failed", "address_problem")),
        ("DeliveryFailure_Security", ("exception", "held_by_customs")),
        ("DeliveryFailure_Rejected", ("exception", "refused")),
        ("Delivered_Other", ("delivered", "")),
        ("Exception_Other", ("exception", "")),
        ("Exception_Returning", ("returning", "return_initiated")),
        ("Exception_Returned", ("returned", "")),
        ("Exception_NoBody", ("attempt_failed", "recipient_unavailable")),
        ("Exception_Security", ("exception", "held_by_customs")),
        ("Exception_Damage", ("exception", "damaged")),
        ("Exception_Rejected", ("exception", "refused")),
        ("Exception_Delayed", ("exception", "delayed_carrier")),
        ("Exception_Lost", ("lost", "")),
        ("Exception_Destroyed", ("disposed", "")),
        ("Exception_Cancel", ("cancelled", "")),
    ],
)
def test_each_sub_status_maps_to_its_canonical_status(sub_status, expected):
    assert map_status(sub_status, "", "") == expected


@pytest.mark.parametrize(
    ("main_status", "expected"),
    [
        ("NotFound", ("pending", "not_found")),
        ("InfoReceived", ("info_received", "label_created")),
        ("InTransit", ("in_transit", "")),
        ("Expired", ("expired", "no_update_timeout")),
        ("AvailableForPickup", ("available_for_pickup", "at_pickup_point")),
        ("OutForDelivery", ("out_for_delivery", "out_for_delivery")),
        ("DeliveryFailure", ("attempt_failed", "")),
        ("Delivered", ("delivered", "")),
        ("Exception", ("exception", "")),
    ],
)
def test_an_unknown_sub_status_maps_by_its_main_status(main_status, expected):
    assert map_status(f"{main_status}_SomethingNew", "", "包裹已破损") == expected


def test_every_mapped_status_is_a_canonical_one():
    from parcelops.tracking.status import TrackingStatus

    tables = (seventeentrack.MAIN_STATUSES, seventeentrack.SUB_STATUSES, seventeentrack.STAGES)
    assert {status for table in tables for status, _ in table.values()} <= set(
        TrackingStatus.values
    )


def test_the_stage_maps_an_event_without_a_sub_status():
    assert map_status("", "Returning", "") == ("returning", "return_initiated")


def test_a_specific_sub_status_wins_over_the_stage():
    assert map_status("InTransit_CustomsProcessing", "Arrival", "") == (
        "in_transit",
        "customs_processing",
    )


def test_an_event_without_any_code_is_mapped_by_the_keywords_of_its_text():
    assert map_status("", "", "您的快件已签收") == ("delivered", "signed_by_recipient")


def test_an_event_nothing_recognises_is_left_unmapped():
    assert map_status("Mystery_Code", "Warp", "Shipment information updated") == ("", "")


def test_an_unmapped_event_is_still_parsed_with_an_empty_status():
    data = payload()
    events_of(data)[0].update(
        {"sub_status": "", "stage": "", "description": "Shipment information updated"}
    )

    event = parse_push(body_of(data)).events[0]

    assert (event.status, event.substatus, event.raw_code) == ("", "", "")


# --- refusals ----------------------------------------------------------------------------


def refused(body: bytes) -> str:
    with pytest.raises(PayloadError) as error:
        parse_push(body)
    return str(error.value)


def test_it_refuses_a_body_that_is_not_json():
    assert refused(b"event=TRACKING_UPDATED").startswith("the body is not valid JSON: ")


def test_it_refuses_a_body_that_is_not_an_object():
    assert refused(b"[1, 2]") == "the body must be a JSON object"


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ("TRACKING_DELETED", "unknown event 'TRACKING_DELETED'"),
        (None, "unknown event None"),
        (7, "unknown event 7"),
    ],
)
def test_it_refuses_an_unknown_event_type(event, message):
    data = payload()
    data["event"] = event
    assert refused(body_of(data)) == message


def test_it_refuses_a_push_without_data():
    assert refused(b'{"event": "TRACKING_UPDATED"}') == "data is missing or not an object"


def test_it_refuses_data_that_is_not_an_object():
    assert (
        refused(b'{"event": "TRACKING_UPDATED", "data": []}') == "data is missing or not an object"
    )


@pytest.mark.parametrize("number", [None, "", "   ", ["78912345678901"]])
def test_it_refuses_a_push_without_a_number(number):
    data = payload()
    data["data"]["number"] = number
    assert refused(body_of(data)) == "data.number is missing"


def test_it_refuses_events_that_are_not_a_list():
    data = payload()
    data["data"]["track_info"]["tracking"]["providers"][0]["events"] = {"0": {}}
    assert refused(body_of(data)) == "data.track_info.tracking.providers[0].events must be a list"


def test_it_refuses_providers_that_are_not_a_list():
    data = payload()
    data["data"]["track_info"]["tracking"]["providers"] = "ZTO"
    assert refused(body_of(data)) == "data.track_info.tracking.providers must be a list"


def test_it_refuses_track_info_that_is_not_an_object():
    data = payload()
    data["data"]["track_info"] = "delivered"
    assert refused(body_of(data)) == "data.track_info must be an object"


EVENT_0 = "data.track_info.tracking.providers[0].events[0]"


def refused_alone(data: dict[str, Any]) -> list[str]:
    """The reasons of the parts refused alone; the rest of the push is read."""
    push = parse_push(body_of(data))
    assert len(push.events) == len(events_of(data)) - len(push.rejected)
    return push.rejected


def test_it_refuses_an_event_that_is_not_an_object_alone():
    data = payload()
    events_of(data)[1] = "delivered"
    assert refused_alone(data) == [
        "data.track_info.tracking.providers[0].events[1] must be an object"
    ]


def test_it_refuses_an_event_without_any_time_alone():
    data = payload()
    for key in ("time_iso", "time_utc", "time_raw"):
        events_of(data)[0].pop(key, None)
    assert refused_alone(data) == [f"{EVENT_0} has no time_utc, time_iso or time_raw"]


def test_it_refuses_an_event_whose_utc_time_is_garbage_alone():
    data = payload()
    events_of(data)[0]["time_utc"] = "soon"
    assert refused_alone(data) == [f"{EVENT_0}.time_utc is not a time: 'soon'"]


def test_it_refuses_an_event_whose_local_time_is_garbage_alone():
    data = payload()
    events_of(data)[1]["time_iso"] = "tomorrow morning"
    (reason,) = refused_alone(data)
    assert reason.startswith("data.track_info.tracking.providers[0].events[1]: ")


def test_it_ignores_an_estimated_delivery_that_is_not_a_date_with_the_reason():
    data = payload()
    data["data"]["track_info"]["time_metrics"]["estimated_delivery_date"]["to"] = "next week"
    push = parse_push(body_of(data))
    assert push.rejected == ["time_metrics.estimated_delivery_date is not a date: 'next week'"]
    assert push.estimated_delivery is None
    assert len(push.events) == len(events_of(data))
