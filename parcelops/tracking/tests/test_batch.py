"""Our batch JSON format: good events out, every bad field of the bad ones reported."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from parcelops.carriers.registry import resolve_carrier
from parcelops.tracking.events import PayloadError
from parcelops.tracking.providers.batch import MAX_EVENTS, BatchError, parse_batch

PAYLOADS = Path(__file__).parent / "payloads"

pytestmark = pytest.mark.usefixtures("english")  # messages are asserted word for word


def mixed() -> dict[str, Any]:
    return orjson.loads((PAYLOADS / "batch_mixed.json").read_bytes())


def good(**fields: Any) -> dict[str, Any]:
    return {
        "carrier": "zto",
        "tracking_number": "78912345678901",
        "occurred_at": "2026-11-24T09:30:00+08:00",
        **fields,
    }


def only_event(**fields: Any):
    events, errors = parse_batch([good(**fields)])
    assert errors == []
    return events[0]


def errors_of(**fields: Any) -> list[BatchError]:
    events, errors = parse_batch([good(**fields)])
    assert events == []
    return errors


def test_it_returns_the_good_events_and_reports_each_bad_field_by_index():
    events, errors = parse_batch(mixed())

    assert [(e.carrier, e.tracking_number) for e in events] == [
        ("zto", "78912345678901"),
        ("sf-express", "SF123456789012"),
        ("ups", "1Z999AA10123456784"),
    ]
    # In the order the fields are documented, whatever order the checks run in.
    assert errors == [
        BatchError(2, "tracking_number", "This field is required."),
        BatchError(
            2,
            "occurred_at",
            "Must be an ISO 8601 time such as 2026-11-25T10:00:00+08:00 "
            "(without an offset it is read in the carrier's time zone).",
        ),
        BatchError(
            2,
            "status",
            "Must be one of: pending, info_received, in_transit, out_for_delivery, "
            "available_for_pickup, attempt_failed, exception, returning, delivered, "
            "returned, lost, disposed, cancelled, expired.",
        ),
        BatchError(2, "location", "Must be text."),
        BatchError(3, "", "Must be an object."),
    ]


def test_a_complete_event_keeps_every_field():
    event = parse_batch(mixed())[0][0]

    assert event.provider == "batch"
    assert event.occurred_at == datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    assert event.local_time == "2026-11-24 09:30:00"
    assert event.offset_source == "payload"
    assert (event.status, event.substatus) == ("in_transit", "picked_up")
    assert event.raw_code == "in_transit"  # no code of its own: the status sent is the code
    assert event.raw_text == "快递员已揽件"
    assert event.location == "杭州市"
    assert event.event_id == "wms-1"
    assert event.raw == mixed()["events"][0]


def test_a_naive_time_is_read_in_the_carriers_zone():
    events, _ = parse_batch(mixed())

    assert (events[1].occurred_at, events[1].offset_source) == (
        datetime(2026, 11, 24, 14, 30, tzinfo=UTC),
        "carrier_zone",
    )
    assert events[1].local_time == "2026-11-24 22:30:00"
    # UPS: America/New_York, UTC-5 in November.
    assert events[2].occurred_at == datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def test_a_bare_list_is_read_like_the_events_object():
    as_object = parse_batch(mixed())
    as_list = parse_batch(mixed()["events"])

    assert [e.dedupe_key for e in as_list[0]] == [e.dedupe_key for e in as_object[0]]
    assert as_list[1] == as_object[1]


def test_an_empty_batch_is_no_error():
    assert parse_batch({"events": []}) == ([], [])


def test_the_tracking_number_is_stored_as_shipments_are():
    assert only_event(tracking_number=" 7891 2345 6789 01 ").tracking_number == "78912345678901"
    assert only_event(tracking_number="yt7788990011223").tracking_number == "YT7788990011223"
    assert only_event(tracking_number=78912345678901).tracking_number == "78912345678901"


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("zto", "zto"),
        ("ZTO", "zto"),
        ("zhongtong", "zto"),  # Kuaidi100
        ("zto-express", "zto"),  # AfterShip
        ("190456", "zto"),  # 17TRACK
        ("中通快递", "zto"),
        ("中通", "zto"),
        ("ZTO Express", "zto"),
        ("顺丰", "sf-express"),
        ("jet", "jtexpress"),
    ],
)
def test_the_carrier_may_be_our_code_a_provider_code_or_its_name(given, code):
    assert resolve_carrier(given) == code
    assert only_event(carrier=given).carrier == code


def test_an_unknown_carrier_is_refused():
    assert errors_of(carrier="pigeon-post") == [
        BatchError(
            0,
            "carrier",
            "Unknown carrier “pigeon-post”. The closest known carriers: "
            "China Post (china-post), Deppon (deppon), STO Express (sto).",
        )
    ]


@pytest.mark.parametrize("number", ["12345", "A" * 41, "7891_2345_6789"])
def test_a_tracking_number_no_shipment_can_have_is_refused(number):
    assert errors_of(tracking_number=number) == [
        BatchError(0, "tracking_number", "A tracking number has 6 to 40 letters and digits.")
    ]


def test_every_missing_required_field_is_reported():
    events, errors = parse_batch([{"text": "已签收"}])

    assert events == []
    assert errors == [
        BatchError(0, "carrier", "This field is required."),
        BatchError(0, "tracking_number", "This field is required."),
        BatchError(0, "occurred_at", "This field is required."),
    ]


@pytest.mark.parametrize("name", ["carrier", "tracking_number", "occurred_at"])
def test_a_required_field_of_blanks_is_reported_as_missing(name):
    # It used to pass the field check and then vanish: neither an event nor an error.
    assert errors_of(**{name: "   "}) == [BatchError(0, name, "This field is required.")]


@pytest.mark.parametrize("name", ["carrier", "occurred_at", "status", "substatus", "text"])
def test_a_field_of_the_wrong_type_is_refused(name):
    fields: dict[str, Any] = {name: ["in_transit"]}
    if name == "substatus":
        fields["status"] = "in_transit"
    assert errors_of(**fields) == [BatchError(0, name, "Must be text.")]


@pytest.mark.parametrize(
    ("name", "limit"), [("raw_code", 60), ("location", 200), ("event_id", 100)]
)
def test_a_value_longer_than_its_column_is_refused(name, limit):
    assert only_event(**{name: "x" * limit}) is not None
    assert errors_of(**{name: "x" * (limit + 1)}) == [
        BatchError(0, name, f"At most {limit} characters.")
    ]


def test_a_substatus_without_a_status_is_refused():
    assert errors_of(substatus="picked_up") == [
        BatchError(0, "substatus", "A substatus needs a status.")
    ]


def test_any_substatus_text_is_kept_with_a_valid_status():
    event = only_event(status="exception", substatus="carrier:held_at_gate")
    assert (event.status, event.substatus) == ("exception", "carrier:held_at_gate")


def test_without_a_status_the_text_goes_through_the_keywords():
    event = only_event(text="您的快件已签收", raw_code="3")

    assert (event.status, event.substatus, event.raw_code) == (
        "delivered",
        "signed_by_recipient",
        "3",
    )


def test_without_a_status_or_recognised_text_the_event_is_kept_unmapped():
    event = only_event(raw_code="X17", text="Shipment information updated")

    assert (event.status, event.substatus) == ("", "")


def test_a_given_status_is_not_second_guessed_by_the_keywords():
    event = only_event(status="in_transit", text="您的快件已签收")
    assert (event.status, event.substatus) == ("in_transit", "")


def test_the_event_id_decides_the_dedupe_key():
    first = only_event(event_id="wms-1", text="picked up")
    again = only_event(event_id="wms-1", text="Picked up (corrected)")
    other = only_event(event_id="wms-2", text="picked up")

    assert first.dedupe_key == again.dedupe_key
    assert first.dedupe_key != other.dedupe_key


def test_without_an_event_id_the_same_event_gives_the_same_dedupe_key():
    first = only_event(text="快递员已揽件", raw_code="103")
    # Same instant written in another offset, extra spaces in the text.
    again = only_event(
        occurred_at="2026-11-24T01:30:00+00:00", text=" 快递员已揽件 ", raw_code="103"
    )

    assert first.dedupe_key == again.dedupe_key
    assert only_event(text="快递员已揽件", raw_code="104").dedupe_key != first.dedupe_key


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"items": []}, "events: This field is required."),
        ({"events": {"0": {}}}, "events: Must be a list of events."),
        ("events", "events: Must be a list of events."),
        (None, "events: Must be a list of events."),
    ],
)
def test_a_body_without_a_list_of_events_is_refused(body, message):
    with pytest.raises(PayloadError, match=f"^{message}$"):
        parse_batch(body)


def test_a_batch_over_the_limit_is_refused_as_a_whole():
    assert len(parse_batch([good()] * MAX_EVENTS)[0]) == MAX_EVENTS

    with pytest.raises(
        PayloadError, match=r"^events: At most 10000 events per request; split the batch\.$"
    ):
        parse_batch([good()] * (MAX_EVENTS + 1))


def test_dashes_in_a_tracking_number_are_dropped_as_on_shipments():
    assert only_event(tracking_number="7512-3456-7890-12").tracking_number == "75123456789012"
