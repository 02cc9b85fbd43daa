"""The signed push endpoints end to end: Kuaidi100, AfterShip and 17TRACK, and our batch."""

import base64
import dataclasses
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from parcelops.tracking.actions import set_provider_secret
from parcelops.tracking.models import InboundPush, TrackingEvent, UnmatchedEvent
from parcelops.tracking.providers import aftership, kuaidi100

pytestmark = pytest.mark.django_db
PAYLOADS = Path(__file__).parent / "payloads"
SALT = "kuaidi100-salt"
SECRET = "aftership-secret"


def kuaidi100_form(param: str, salt: str = SALT) -> dict[str, str]:
    return {
        "param": param,
        "sign": hashlib.md5((param + salt).encode(), usedforsecurity=False).hexdigest().upper(),
    }


@pytest.fixture
def secrets_set(db):
    set_provider_secret("kuaidi100", SALT)
    set_provider_secret("aftership", SECRET)


def test_kuaidi100_maps_codes_names_and_keywords_in_china_time():
    push = kuaidi100.parse_push((PAYLOADS / "kuaidi100_push.json").read_text())
    assert (push.carrier, push.tracking_number, push.is_signed) == ("zto", "75123456789012", True)
    assert [(e.status, e.substatus, e.raw_code) for e in push.events] == [
        ("delivered", "signed_by_recipient", "301"),
        ("available_for_pickup", "in_locker", "501"),
        ("in_transit", "departed_facility", "0"),  # state 0, the text names the step
        ("in_transit", "picked_up", "103"),
        ("", "", "999"),
    ]
    first = push.events[0]
    assert first.occurred_at == datetime(2026, 11, 24, 7, 2, 11, tzinfo=UTC)
    assert (first.local_time, first.offset_source, first.location) == (
        "2026-11-24 15:02:11",
        "carrier_zone",
        "浙江,杭州市,西湖区",
    )


def test_aftership_maps_subtags_falls_back_to_tags_and_reads_naive_times_locally():
    push = aftership.parse_webhook((PAYLOADS / "aftership_webhook.json").read_bytes())
    assert push.expected_delivery is not None
    assert (push.carrier, push.event_id, push.expected_delivery.isoformat()) == (
        "zto",
        "4c6bd4a0-1f0b-4e7a-9d0b-7d0f5a0f1c11",
        "2026-11-26",
    )
    assert [(e.status, e.substatus, e.offset_source) for e in push.events] == [
        ("in_transit", "picked_up", "payload"),
        ("in_transit", "departed_facility", "carrier_zone"),
        ("lost", "", "payload"),
    ]
    assert push.events[1].occurred_at == datetime(2026, 11, 23, 14, 10, 5, tzinfo=UTC)


def test_a_kuaidi100_push_is_stored_and_acknowledged_in_its_format(secrets_set, client):
    param = (PAYLOADS / "kuaidi100_push.json").read_text()
    response = client.post("/api/v1/tracking/push/kuaidi100", kuaidi100_form(param))
    assert response.status_code == 200
    assert response.json() == {"result": True, "returnCode": "200", "message": "成功"}
    assert UnmatchedEvent.objects.count() == 5  # no shipment yet: parked, not lost
    assert InboundPush.objects.get().outcome == "processed"
    again = client.post("/api/v1/tracking/push/kuaidi100", kuaidi100_form(param))
    assert again.status_code == 200
    assert UnmatchedEvent.objects.count() == 5


@pytest.mark.parametrize("form", [{"param": "{}"}, {"param": "{}", "sign": "ABC"}])
def test_a_kuaidi100_push_with_a_bad_or_missing_sign_is_refused_and_stores_nothing(
    secrets_set, client, form
):
    response = client.post("/api/v1/tracking/push/kuaidi100", form)
    assert response.status_code == 401
    assert response.json()["result"] is False
    assert InboundPush.objects.count() == 0
    assert UnmatchedEvent.objects.count() == 0


def test_pushes_are_refused_until_a_secret_is_configured(db, client):
    param = (PAYLOADS / "kuaidi100_push.json").read_text()
    response = client.post("/api/v1/tracking/push/kuaidi100", kuaidi100_form(param))
    assert response.status_code == 401
    assert response.json()["message"] == "signature: no secret is configured for kuaidi100"


def test_a_malformed_kuaidi100_param_gets_400_with_the_reason(secrets_set, client, english):
    response = client.post(
        "/api/v1/tracking/push/kuaidi100", kuaidi100_form('{"lastResult": {"com": "zhongtong"}}')
    )
    assert response.status_code == 400
    assert response.json() == {
        "result": False,
        "returnCode": "500",
        "message": "lastResult.nu (the tracking number) is missing.",
    }
    assert InboundPush.objects.count() == 0


def sign_aftership(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_an_aftership_webhook_is_stored_once_even_when_redelivered(secrets_set, client):
    body = (PAYLOADS / "aftership_webhook.json").read_bytes()
    headers = {"aftership-hmac-sha256": sign_aftership(body)}
    first = client.post(
        "/api/v1/tracking/push/aftership", body, content_type="application/json", headers=headers
    )
    assert (first.status_code, first.json()) == (200, {"ok": True})
    replay = client.post(
        "/api/v1/tracking/push/aftership", body, content_type="application/json", headers=headers
    )
    assert (replay.status_code, replay.json()) == (200, {"ok": True})
    assert InboundPush.objects.count() == 1
    assert UnmatchedEvent.objects.count() == 3


def test_an_aftership_webhook_with_a_wrong_signature_is_refused(secrets_set, client):
    body = (PAYLOADS / "aftership_webhook.json").read_bytes()
    headers = {"aftership-hmac-sha256": sign_aftership(body, "wrong-secret")}
    response = client.post(
        "/api/v1/tracking/push/aftership", body, content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    assert InboundPush.objects.count() == 0


def test_a_malformed_aftership_body_gets_400(secrets_set, client, english):
    body = b'{"event": "tracking_update", "msg": {"slug": "zto-express"}}'
    response = client.post(
        "/api/v1/tracking/push/aftership",
        body,
        content_type="application/json",
        headers={"aftership-hmac-sha256": sign_aftership(body)},
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"field": "", "message": "msg.tracking_number is missing."}]
    }


def test_a_17track_push_is_verified_and_stored(db, client):
    set_provider_secret("17track", "seventeen-key")
    body = (PAYLOADS / "seventeentrack_updated.json").read_bytes()
    sign = hashlib.sha256(body + b"/seventeen-key").hexdigest()
    response = client.post(
        "/api/v1/tracking/push/17track",
        body,
        content_type="application/json",
        headers={"sign": sign},
    )
    assert response.status_code == 200
    assert UnmatchedEvent.objects.count() > 0
    bad = client.post(
        "/api/v1/tracking/push/17track",
        body,
        content_type="application/json",
        headers={"sign": "0" * 64},
    )
    assert bad.status_code == 401


def test_the_batch_endpoint_reports_every_event_and_every_rejection(packed, staff, api):
    from parcelops.tracking.actions import create_shipment

    create_shipment(packed, "zto", "75123456789012", None)
    client = api(staff["logistics_staff"])
    body = {
        "events": [
            {
                "carrier": "zto",
                "tracking_number": "75123456789012",
                "occurred_at": "2026-11-24T08:00:00+08:00",
                "text": "【上海】已揽收",
            },
            {
                "carrier": "zto",
                "tracking_number": "75123456789012",
                "occurred_at": "2026-11-24T08:00:00+08:00",
                "text": "【上海】已揽收",
            },
            {
                "carrier": "zto",
                "tracking_number": "75000000000000",
                "occurred_at": "2026-11-24T09:00:00+08:00",
                "text": "到达",
            },
            {"carrier": "nobody", "tracking_number": "x", "occurred_at": "soon"},
        ]
    }
    response = client.post(
        "/api/v1/tracking/events",
        json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 207
    answer = response.json()
    assert (answer["stored"], answer["duplicates"], answer["unmatched"], answer["rejected"]) == (
        1,
        1,
        1,
        1,
    )
    assert answer["outcomes"] == ["stored", "duplicate", "unmatched", "rejected"]
    assert {e["field"] for e in answer["errors"]} >= {"events[3].carrier", "events[3].occurred_at"}
    assert TrackingEvent.objects.count() == 1
    refused = api(staff["analyst"]).post(
        "/api/v1/tracking/events", json.dumps(body), content_type="application/json"
    )
    assert refused.status_code == 403
    assert (
        client.post(
            "/api/v1/tracking/events", "{not json", content_type="application/json"
        ).status_code
        == 400
    )


def test_an_edd_revise_webhook_moves_the_estimate_without_events(secrets_set, packed, client):
    from parcelops.tracking.actions import create_shipment
    from parcelops.tracking.models import Shipment

    create_shipment(packed, "zto", "75123456789012", None)
    body = json.dumps(
        {
            "event": "edd_revise",
            "event_id": "e-1",
            "msg": {
                "slug": "zto-express",
                "tracking_number": "75123456789012",
                "expected_delivery": "2026-11-28",
                "checkpoints": [],
            },
        }
    ).encode()
    response = client.post(
        "/api/v1/tracking/push/aftership",
        body,
        content_type="application/json",
        headers={"aftership-hmac-sha256": sign_aftership(body)},
    )
    assert response.status_code == 200
    assert str(Shipment.objects.get().estimated_delivery_date) == "2026-11-28"


def test_a_kuaidi100_node_recoded_in_a_later_push_keeps_its_dedupe_key():
    push = kuaidi100.parse_push((PAYLOADS / "kuaidi100_push.json").read_text())
    node = push.events[2]
    recoded = dataclasses.replace(node, raw_code="1002", substatus="departed_facility")
    assert recoded.dedupe_key == node.dedupe_key
    assert dataclasses.replace(node, raw_text=node.raw_text + "。").dedupe_key != node.dedupe_key
