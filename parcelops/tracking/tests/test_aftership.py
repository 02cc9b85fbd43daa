"""The AfterShip-style tracking webhook: signature, parsing, the subtag table, refusals."""

import base64
import copy
import hashlib
import hmac
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from parcelops.tracking.events import (
    OFFSET_FROM_CARRIER_ZONE,
    OFFSET_FROM_PAYLOAD,
    PayloadError,
    SignatureError,
)
from parcelops.tracking.providers.aftership import (
    SUBTAGS,
    TAGS,
    map_checkpoint,
    parse_webhook,
    verify_signature,
)
from parcelops.tracking.status import SUBSTATUSES

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "aftership-webhook-secret"

pytestmark = pytest.mark.usefixtures("english")  # messages are asserted word for word


def raw(name: str = "aftership_tracking_update.json") -> bytes:
    return (PAYLOADS / name).read_bytes()


def document(name: str = "aftership_tracking_update.json") -> dict[str, Any]:
    return orjson.loads(raw(name))


def body_of(data: dict[str, Any]) -> bytes:
    return orjson.dumps(data)


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- signature ---------------------------------------------------------------------------


def test_a_body_signed_with_the_secret_is_accepted():
    verify_signature(raw(), sign(raw()), SECRET)


def test_a_known_signature_vector_is_accepted():
    # HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), base64.
    verify_signature(
        b"The quick brown fox jumps over the lazy dog",
        "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=",
        "key",
    )


@pytest.mark.parametrize(
    ("header", "secret", "message"),
    [
        (None, SECRET, "the aftership-hmac-sha256 header is missing"),
        ("", SECRET, "the aftership-hmac-sha256 header is missing"),
        ("not-base64", SECRET, "the aftership-hmac-sha256 header does not match the body"),
        ("SIGN", "another-secret", "the aftership-hmac-sha256 header does not match the body"),
        ("SIGN", "", "no webhook secret is configured"),
    ],
)
def test_a_push_with_a_missing_or_wrong_signature_is_refused(header, secret, message):
    header = sign(raw()) if header == "SIGN" else header
    with pytest.raises(SignatureError) as refused:
        verify_signature(raw(), header, secret)
    assert str(refused.value) == message


def test_a_body_changed_after_signing_is_refused():
    header = sign(raw())
    with pytest.raises(SignatureError):
        verify_signature(raw().replace(b"Picked up", b"Delivered"), header, SECRET)


# --- parsing -----------------------------------------------------------------------------


def test_the_push_describes_the_parcel_and_its_replay_guard():
    push = parse_webhook(raw())

    assert (push.event, push.event_id, push.carrier, push.tracking_number) == (
        "tracking_update",
        "2f1a7c0e-8b7d-4a53-9c8e-1d6f0b3e9a41",
        "fedex",
        "774912345678",
    )
    assert push.expected_delivery == date(2026, 11, 26)


def test_one_event_per_checkpoint_with_offsets_from_the_payload_or_the_carrier_zone():
    push = parse_webhook(raw())

    assert [
        (e.occurred_at, e.local_time, e.offset_source, e.status, e.substatus, e.raw_code)
        for e in push.events
    ] == [
        (utc(2026, 11, 20, 20, 5), "2026-11-20 14:05:00", OFFSET_FROM_PAYLOAD,
         "in_transit", "picked_up", "InTransit_002"),
        # No offset: FedEx local time, America/Chicago (UTC-6 in November).
        (utc(2026, 11, 21, 14, 30), "2026-11-21 08:30:00", OFFSET_FROM_CARRIER_ZONE,
         "in_transit", "departed_facility", "InTransit_007"),
        # An unknown subtag maps by its tag.
        (utc(2026, 11, 22, 17, 40), "2026-11-22 11:40:00", OFFSET_FROM_CARRIER_ZONE,
         "in_transit", "", "InTransit_042"),
        (utc(2026, 11, 24, 22, 0), "2026-11-24 16:00:00", OFFSET_FROM_PAYLOAD,
         "lost", "", "Exception_013"),
    ]  # fmt: skip


def test_every_event_keeps_its_text_place_raw_checkpoint_and_estimate():
    events = parse_webhook(raw()).events

    assert [(e.raw_text, e.location) for e in events] == [
        ("Picked up", "MEMPHIS, TN, USA"),
        ("Departed FedEx hub", "MEMPHIS, TN, USA"),  # no location: city, state, country
        ("At local FedEx facility", "INDIANAPOLIS, IN, USA"),
        ("Package not due for delivery; we are unable to locate the package", ""),
    ]
    assert [e.raw["raw_tag"] for e in events] == ["PU", "DP", "AR", "LP"]
    assert {(e.provider, e.carrier, e.tracking_number, e.event_id) for e in events} == {
        ("aftership", "fedex", "774912345678", "")
    }
    assert {e.estimated_delivery for e in events} == {date(2026, 11, 26)}


def test_an_edd_revise_push_needs_no_checkpoints_and_reads_the_estimate():
    push = parse_webhook(raw("aftership_edd_revise.json"))

    assert (push.event, push.carrier, push.tracking_number, push.expected_delivery) == (
        "edd_revise",
        "sf-express",
        "SF1234567890123",
        date(2026, 11, 28),
    )
    assert push.events == []


def test_a_tracking_pending_time_push_with_empty_checkpoints_has_no_events():
    data = document("aftership_edd_revise.json")
    data["event"] = "tracking_pending_time"
    data["msg"]["checkpoints"] = []
    del data["msg"]["courier_estimated_delivery_date"]

    push = parse_webhook(body_of(data))

    assert (push.event, push.events, push.expected_delivery) == (
        "tracking_pending_time",
        [],
        None,
    )


def test_the_latest_estimate_wins_over_the_expected_delivery():
    data = document()
    data["msg"]["latest_estimated_delivery"] = {
        "type": "specific",
        "source": "AfterShip",
        "datetime": "2026-11-27T12:00:00-06:00",
    }
    assert parse_webhook(body_of(data)).expected_delivery == date(2026, 11, 27)


def test_an_unknown_slug_gives_an_empty_carrier_read_in_china_time():
    data = document()
    data["msg"]["slug"] = "tiny-local-courier"

    push = parse_webhook(body_of(data))

    assert push.carrier == ""
    assert push.events[1].occurred_at == utc(2026, 11, 21, 0, 30)
    assert push.events[1].raw["slug"] == "tiny-local-courier"


# --- dedupe keys -------------------------------------------------------------------------


def test_the_same_checkpoint_in_another_push_gives_the_same_dedupe_key():
    first = parse_webhook(raw()).events
    data = document()
    data["event_id"] = "5d4c3b2a-0000-4000-8000-000000000001"  # a new push, same history
    data["msg"]["checkpoints"].reverse()  # ordering is not promised

    again = parse_webhook(body_of(data)).events

    assert {e.dedupe_key for e in first} == {e.dedupe_key for e in again}
    assert len({e.dedupe_key for e in first}) == 4


def test_a_checkpoint_with_another_message_gives_another_dedupe_key():
    original = parse_webhook(raw()).events[0].dedupe_key
    data = document()
    data["msg"]["checkpoints"][0]["message"] = "Picked up at the shipper"
    assert parse_webhook(body_of(data)).events[0].dedupe_key != original


def test_the_same_instant_written_with_another_offset_gives_the_same_dedupe_key():
    original = parse_webhook(raw()).events[0].dedupe_key
    data = document()
    data["msg"]["checkpoints"][0]["checkpoint_time"] = "2026-11-20T20:05:00Z"
    assert parse_webhook(body_of(data)).events[0].dedupe_key == original


# --- refusals ----------------------------------------------------------------------------


def broken(change) -> bytes:
    data = copy.deepcopy(document())
    change(data)
    return body_of(data)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "the body is not valid JSON: "),
        (b"[]", "the body must be a JSON object."),
        (b'{"event": "tracking_update"}', "msg (the tracking object) is missing or not an object."),
    ],
)
def test_a_body_that_is_not_a_webhook_is_refused(body, message):
    with pytest.raises(PayloadError) as refused:
        parse_webhook(body)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["msg"].pop("tracking_number"), "msg.tracking_number is missing."),
        (lambda d: d["msg"].update(slug=""), "msg.slug (the carrier) is missing."),
        (lambda d: d["msg"].update(checkpoints={}), "msg.checkpoints must be a list."),
    ],
)
def test_a_webhook_with_a_missing_or_bad_field_is_refused_with_the_reason(change, message):
    with pytest.raises(PayloadError) as refused:
        parse_webhook(broken(change))
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("change", "message", "kept"),
    [
        (
            lambda d: d["msg"]["checkpoints"].append(None),
            "msg.checkpoints[4] must be an object.",
            4,
        ),
        (
            lambda d: d["msg"]["checkpoints"][1].pop("checkpoint_time"),
            "msg.checkpoints[1] has no checkpoint_time.",
            3,
        ),
        (
            lambda d: d["msg"]["checkpoints"][2].update(checkpoint_time="yesterday"),
            "msg.checkpoints[2].checkpoint_time: Not a time: 'yesterday'.",
            3,
        ),
        (
            lambda d: d["msg"].update(expected_delivery="soon"),
            "msg.expected_delivery is not a date: 'soon'.",
            4,
        ),
    ],
)
def test_a_part_that_cannot_be_read_is_refused_alone_with_the_reason(change, message, kept):
    push = parse_webhook(broken(change))
    assert push.rejected == [message]
    assert len(push.events) == kept


# --- the subtag table --------------------------------------------------------------------


def test_every_mapped_substatus_belongs_to_its_status():
    for code, (status, substatus) in {**SUBTAGS, **TAGS}.items():
        assert not substatus or substatus in SUBSTATUSES[status], code


def test_every_subtag_belongs_to_a_known_tag():
    assert {subtag.split("_")[0] for subtag in SUBTAGS} <= set(TAGS)


@pytest.mark.parametrize(
    ("subtag", "expected"),
    [
        ("Exception_003", ("exception", "refused")),
        ("Exception_007", ("exception", "address_invalid")),
        ("Exception_010", ("returning", "return_initiated")),
        ("Exception_011", ("returned", "")),
        ("Exception_012", ("exception", "damaged")),
        ("Exception_013", ("lost", "")),
        ("AttemptFail_002", ("attempt_failed", "recipient_unavailable")),
        ("AttemptFail_003", ("attempt_failed", "business_closed")),
        ("Delivered_002", ("delivered", "locker")),
        ("Delivered_003", ("delivered", "signed_by_recipient")),
        ("Delivered_005", ("delivered", "neighbour")),
        ("InTransit_005", ("in_transit", "customs_released")),
        ("InTransit_006", ("in_transit", "customs_processing")),
        ("OutForDelivery_001", ("out_for_delivery", "out_for_delivery")),
        ("AvailableForPickup_001", ("available_for_pickup", "at_pickup_point")),
        ("InfoReceived_001", ("info_received", "label_created")),
        ("Pending_001", ("pending", "not_found")),
        ("Expired_001", ("expired", "no_update_timeout")),
    ],
)
def test_a_subtag_maps_to_its_status_whatever_the_message(subtag, expected):
    assert map_checkpoint(subtag, subtag.split("_")[0], "Arrived at facility") == expected


@pytest.mark.parametrize(
    ("subtag", "tag", "message", "expected"),
    [
        # Unknown subtags map by their tag ...
        ("Exception_099", "Exception", "Clearance delay", ("exception", "")),
        ("Pending_006", "Pending", "", ("pending", "not_found")),
        ("OutForDelivery_099", "", "", ("out_for_delivery", "out_for_delivery")),
        # ... refined by the message when it agrees on the status.
        ("Delivered_001", "Delivered", "Delivered to neighbour", ("delivered", "neighbour")),
        ("AttemptFail_001", "AttemptFail", "Recipient not available",
         ("attempt_failed", "recipient_unavailable")),
        ("InTransit_099", "InTransit", "Delivered", ("in_transit", "")),
        # Neither subtag nor tag: the message alone.
        ("", "", "Out for delivery", ("out_for_delivery", "out_for_delivery")),
        ("", "", "Label printed by shipper", ("", "")),
    ],
)  # fmt: skip
def test_the_tag_and_the_message_stand_in_for_an_unknown_subtag(subtag, tag, message, expected):
    assert map_checkpoint(subtag, tag, message) == expected
