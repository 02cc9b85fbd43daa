"""The providers' own verdicts on a whole parcel (AfterShip's tag, 17TRACK's latest status,
Kuaidi100's state) and Kuaidi100's carrier corrections, through the push endpoints
(decision 0020)."""

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from parcelops.tracking import actions
from parcelops.tracking.actions import create_shipment, set_provider_secret
from parcelops.tracking.events import ProviderSummary
from parcelops.tracking.models import Shipment, TrackingEvent, UnmatchedEvent
from parcelops.tracking.providers import aftership, kuaidi100, seventeentrack
from parcelops.tracking.rules import INITIAL_STATE, ShipmentState, apply_summary
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.tests.conftest import carrier_event, packed_order
from parcelops.tracking.tests.test_push_api import SALT, SECRET, kuaidi100_form, sign_aftership

PAYLOADS = Path(__file__).parent / "payloads"
NUMBER = "75123456789012"
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # conftest's FIXED_NOW
T1 = datetime(2026, 11, 24, tzinfo=UTC)


# --- the rule ---------------------------------------------------------------------------


def state(status: str, substatus: str, rank: int, last: datetime | None = T1) -> ShipmentState:
    return ShipmentState(status, substatus, rank, last, None)


def test_a_verdict_ahead_of_the_events_counts_and_keeps_the_event_times():
    assert apply_summary(state(T.INFO_RECEIVED, "label_created", 1), T.DELIVERED, "") == (
        state(T.DELIVERED, "", 5)
    )


def test_a_verdict_in_step_with_the_events_changes_nothing():
    assert apply_summary(state(T.DELIVERED, "locker", 5), T.DELIVERED, "") is None


def test_a_verdict_behind_the_events_changes_nothing():
    assert apply_summary(state(T.OUT_FOR_DELIVERY, "out_for_delivery", 3), T.IN_TRANSIT, "") is None
    assert apply_summary(state(T.IN_TRANSIT, "", 2), T.PENDING, "not_found") is None


def test_an_exception_verdict_of_the_same_rank_changes_nothing():
    assert apply_summary(state(T.IN_TRANSIT, "", 2), T.EXCEPTION, "refused") is None


def test_any_verdict_counts_on_a_parcel_no_event_moved_yet():
    assert apply_summary(INITIAL_STATE, T.PENDING, "not_found") == (
        ShipmentState(T.PENDING, "not_found", 0)
    )
    assert apply_summary(INITIAL_STATE, T.EXPIRED, "no_update_timeout") == (
        ShipmentState(T.EXPIRED, "no_update_timeout", 5)
    )
    assert apply_summary(INITIAL_STATE, T.EXCEPTION, "") == ShipmentState(T.EXCEPTION, "", 1)


def test_any_verdict_reopens_an_expired_parcel():
    assert apply_summary(state(T.EXPIRED, "no_update_timeout", 5), T.IN_TRANSIT, "") == (
        state(T.IN_TRANSIT, "", 2)
    )


def test_no_verdict_changes_nothing():
    assert apply_summary(INITIAL_STATE, "", "") is None


# --- what each provider's parser reads as its verdict -----------------------------------


def test_each_provider_gives_its_verdict_with_its_push():
    after = aftership.parse_webhook((PAYLOADS / "aftership_delivered_ahead.json").read_bytes())
    seventeen = seventeentrack.parse_push(
        (PAYLOADS / "seventeentrack_delivered_lagging.json").read_bytes()
    )
    kuaidi = kuaidi100.parse_push((PAYLOADS / "kuaidi100_carrier_corrected.json").read_text())

    assert after.summary == ProviderSummary("aftership", "zto", NUMBER, "delivered", "")
    assert seventeen.summary == ProviderSummary("17track", "zto", "78912345678901", "delivered", "")
    assert kuaidi.summary == ProviderSummary(
        "kuaidi100", "zto", NUMBER, "in_transit", "", provider_carrier="zhongtong"
    )


@pytest.mark.parametrize(
    ("status", "message", "state", "expected"),
    [
        ("polling", "", "3", ("delivered", "")),
        ("shutdown", "", "301", ("delivered", "signed_by_recipient")),
        ("abort", "3天查询无记录", "0", ("pending", "not_found")),
        ("abort", "60天无变化", "0", ("expired", "no_update_timeout")),
        ("abort", "其他原因", "0", ("", "")),  # stopped, reason unknown: no verdict
        ("polling", "", "99", ("", "")),
        ("polling", "", "", ("", "")),
    ],
)
def test_kuaidi100s_verdict_is_its_state_or_what_an_abort_says(status, message, state, expected):
    assert kuaidi100.verdict(status, message, state) == expected


# --- through the pushes -----------------------------------------------------------------


@pytest.fixture
def secrets_set(db):
    set_provider_secret("kuaidi100", SALT)
    set_provider_secret("aftership", SECRET)
    set_provider_secret("17track", "seventeen-key")


@pytest.fixture
def shipment(packed, secrets_set) -> Shipment:
    return create_shipment(packed, "zto", NUMBER, None)


def push_aftership(client: Any, name: str, change: Any = None) -> None:
    document = json.loads((PAYLOADS / name).read_text())
    if change is not None:
        change(document)
    body = json.dumps(document).encode()
    response = client.post(
        "/api/v1/tracking/push/aftership",
        body,
        content_type="application/json",
        headers={"aftership-hmac-sha256": sign_aftership(body)},
    )
    assert (response.status_code, response.json()) == (200, {"ok": True})


def push_kuaidi100(client: Any, name: str) -> None:
    response = client.post(
        "/api/v1/tracking/push/kuaidi100", kuaidi100_form((PAYLOADS / name).read_text())
    )
    assert (response.status_code, response.json()["result"]) == (200, True)


def push_17track(client: Any, name: str) -> None:
    body = (PAYLOADS / name).read_bytes()
    response = client.post(
        "/api/v1/tracking/push/17track",
        body,
        content_type="application/json",
        headers={"sign": hashlib.sha256(body + b"/seventeen-key").hexdigest()},
    )
    assert response.status_code == 200


def facts(shipment: Shipment) -> tuple[Any, ...]:
    shipment.refresh_from_db()
    return (
        shipment.status,
        shipment.substatus,
        shipment.status_rank,
        shipment.status_source,
        shipment.summary_provider,
        shipment.last_event_at,
        shipment.delivered_at,
    )


def event_statuses(shipment: Shipment) -> list[tuple[str, str, bool]]:
    return [
        (e.status, e.substatus, e.is_regression)
        for e in TrackingEvent.objects.filter(shipment=shipment).order_by("occurred_at")
    ]


def test_aftership_delivered_with_only_the_label_scan_takes_the_verdict(shipment, client):
    push_aftership(client, "aftership_delivered_ahead.json")

    assert facts(shipment) == (
        "delivered",
        "",
        5,
        "provider_summary",
        "aftership",
        datetime(2026, 11, 23, 0, 0, tzinfo=UTC),  # the checkpoint's time, not the push's
        None,  # no event says when
    )
    assert event_statuses(shipment) == [("info_received", "label_created", False)]
    assert shipment.order.state == "delivered"  # the order follows, as on a delivery scan


def test_aftership_expired_with_no_checkpoints_takes_the_verdict(shipment, client):
    push_aftership(client, "aftership_expired_no_checkpoints.json")

    assert facts(shipment) == (
        "expired",
        "no_update_timeout",
        5,
        "provider_summary",
        "aftership",
        None,
        None,
    )
    assert event_statuses(shipment) == []


def test_aftership_pending_with_no_checkpoints_takes_the_verdict(shipment, client):
    push_aftership(client, "aftership_pending_no_checkpoints.json")

    assert facts(shipment) == (
        "pending",
        "not_found",
        0,
        "provider_summary",
        "aftership",
        None,
        None,
    )


def test_17track_delivered_with_lagging_events_takes_the_verdict(packed, secrets_set, client):
    shipment = create_shipment(packed, "zto", "78912345678901", None)

    push_17track(client, "seventeentrack_delivered_lagging.json")

    assert facts(shipment) == (
        "delivered",
        "",
        5,
        "provider_summary",
        "17track",
        datetime(2026, 11, 24, 14, 30, tzinfo=UTC),
        None,
    )
    assert event_statuses(shipment) == [
        ("in_transit", "picked_up", False),
        ("in_transit", "departed_facility", False),
    ]


def test_kuaidi100_signed_state_with_a_lagging_last_node_takes_the_verdict(shipment, client):
    push_kuaidi100(client, "kuaidi100_signed_lagging.json")

    assert facts(shipment) == (
        "delivered",
        "",
        5,
        "provider_summary",
        "kuaidi100",
        datetime(2026, 11, 24, 0, 5, 31, tzinfo=UTC),
        None,
    )
    assert event_statuses(shipment)[-1] == ("out_for_delivery", "out_for_delivery", False)


def test_a_kuaidi100_abort_for_no_record_says_pending(shipment, client):
    param = json.loads((PAYLOADS / "kuaidi100_abort.json").read_text())
    param["lastResult"].update(com="zhongtong", nu=NUMBER)
    response = client.post("/api/v1/tracking/push/kuaidi100", kuaidi100_form(json.dumps(param)))

    assert response.status_code == 200
    assert facts(shipment)[:5] == ("pending", "not_found", 0, "provider_summary", "kuaidi100")


def test_a_later_real_delivery_folds_as_before_and_the_events_take_over(shipment, client):
    push_aftership(client, "aftership_delivered_ahead.json")

    actions.record_tracking_events(
        [carrier_event(NUMBER, 10, "delivered", "signed_by_recipient", text="签收")]
    )

    delivered = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert facts(shipment) == (
        "delivered",
        "signed_by_recipient",
        5,
        "event",
        "",
        delivered,
        delivered,
    )


def test_a_later_real_event_reopens_an_expired_verdict(shipment, client):
    push_aftership(client, "aftership_expired_no_checkpoints.json")

    actions.record_tracking_events([carrier_event(NUMBER, 5, "in_transit", "picked_up")])

    at = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert facts(shipment) == ("in_transit", "picked_up", 2, "event", "", at, None)


def test_a_later_real_event_moves_a_pending_verdict_on(shipment, client):
    push_aftership(client, "aftership_pending_no_checkpoints.json")

    actions.record_tracking_events([carrier_event(NUMBER, 5, "info_received", "label_created")])

    at = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert facts(shipment) == ("info_received", "label_created", 1, "event", "", at, None)


def test_events_behind_a_verdict_fold_among_themselves_and_keep_it(shipment, client):
    push_aftership(client, "aftership_delivered_ahead.json")

    # Later scans that the verdict had already seen (the history is folded again).
    actions.record_tracking_events(
        [
            carrier_event(NUMBER, -20, "in_transit", "picked_up"),
            carrier_event(NUMBER, 5, "in_transit", "departed_facility"),
        ]
    )

    assert facts(shipment)[:5] == ("delivered", "", 5, "provider_summary", "aftership")
    # Not regressions: they are behind the provider's verdict, not behind other events.
    assert event_statuses(shipment) == [
        ("info_received", "label_created", False),
        ("in_transit", "picked_up", False),
        ("in_transit", "departed_facility", False),
    ]


def test_an_older_verdict_arriving_late_changes_nothing(shipment, client):
    push_aftership(client, "aftership_delivered_ahead.json")
    push_aftership(
        client,
        "aftership_pending_no_checkpoints.json",
        lambda d: d["msg"].update(tag="InTransit", subtag="InTransit_001"),
    )

    assert facts(shipment)[:5] == ("delivered", "", 5, "provider_summary", "aftership")


def test_a_kuaidi100_verdict_in_step_with_its_nodes_gives_what_the_nodes_give(shipment, client):
    push_kuaidi100(client, "kuaidi100_push.json")  # state 3, newest node signed (301)
    with_verdict = facts(shipment)

    other = create_shipment(packed_order("W-1002"), "zto", "75123456789013", None)
    events = kuaidi100.parse_push((PAYLOADS / "kuaidi100_push.json").read_text()).events
    actions.record_tracking_events(
        [e.__class__(**{**_fields(e), "tracking_number": other.tracking_number}) for e in events]
    )

    assert with_verdict == facts(other)
    assert with_verdict[:5] == ("delivered", "signed_by_recipient", 5, "event", "")


def _fields(event: Any) -> dict[str, Any]:
    return {name: getattr(event, name) for name in event.__dataclass_fields__}


def test_an_aftership_verdict_in_step_changes_nothing(shipment, client):
    push_aftership(client, "aftership_webhook.json")  # tagged lost, last checkpoint lost

    assert facts(shipment)[:5] == ("lost", "", 5, "event", "")


def test_a_verdict_for_a_number_without_a_shipment_is_dropped_and_its_events_parked(
    secrets_set, client
):
    push_aftership(client, "aftership_delivered_ahead.json")

    assert UnmatchedEvent.objects.count() == 1
    assert Shipment.objects.count() == 0


# --- Kuaidi100's carrier corrections ----------------------------------------------------


def test_a_corrected_carrier_keeps_the_events_on_the_shipment_and_is_recorded(
    packed, secrets_set, client
):
    shipment = create_shipment(packed, "yto", NUMBER, None)  # we said YTO; Kuaidi100 says ZTO

    push_kuaidi100(client, "kuaidi100_carrier_corrected.json")

    shipment.refresh_from_db()
    assert (shipment.carrier, shipment.carrier_correction, shipment.carrier_corrected_at) == (
        "yto",
        "zhongtong",
        NOW,
    )
    assert UnmatchedEvent.objects.count() == 0
    assert event_statuses(shipment) == [
        ("in_transit", "picked_up", False),
        ("in_transit", "departed_facility", False),
    ]
    assert (shipment.status, shipment.status_source) == ("in_transit", "event")


def test_a_repeated_correction_keeps_the_time_it_was_first_made(packed, secrets_set, client):
    shipment = create_shipment(packed, "yto", NUMBER, None)
    push_kuaidi100(client, "kuaidi100_carrier_corrected.json")

    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        push_kuaidi100(client, "kuaidi100_signed_lagging.json")  # com zhongtong, no comNew

    shipment.refresh_from_db()
    assert (shipment.carrier_correction, shipment.carrier_corrected_at) == ("zhongtong", NOW)
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 3
    assert shipment.status == "delivered"


def test_a_com_other_than_the_shipments_carrier_is_a_correction(packed, secrets_set, client):
    shipment = create_shipment(packed, "sto", NUMBER, None)

    push_kuaidi100(client, "kuaidi100_push.json")  # com zhongtong

    shipment.refresh_from_db()
    assert (shipment.carrier_correction, shipment.status) == ("zhongtong", "delivered")
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 5
    assert UnmatchedEvent.objects.count() == 0


def test_a_com_of_the_shipments_own_carrier_records_no_correction(shipment, client):
    push_kuaidi100(client, "kuaidi100_carrier_corrected.json")  # comNew zhongtong = zto

    shipment.refresh_from_db()
    assert (shipment.carrier_correction, shipment.carrier_corrected_at) == ("", None)


def test_other_providers_still_match_by_carrier(packed, secrets_set, client):
    create_shipment(packed, "sto", NUMBER, None)

    push_aftership(client, "aftership_webhook.json")  # slug zto-express

    assert UnmatchedEvent.objects.count() == 3
    assert Shipment.objects.get().carrier_correction == ""


def test_the_parcel_card_shows_the_correction_and_the_verdict(packed, secrets_set, client, staff):
    shipment = create_shipment(packed, "yto", NUMBER, None)
    push_kuaidi100(client, "kuaidi100_carrier_corrected.json")
    Shipment.objects.filter(pk=shipment.pk).update(
        status_source="provider_summary", summary_provider="kuaidi100"
    )

    client.force_login(staff["admin"])
    page = client.get(f"/orders/{packed.number}/", headers={"accept-language": "en"})

    text = page.content.decode()
    assert page.status_code == 200
    assert "The tracking provider follows this parcel as carrier zhongtong since 2026-11-25" in text
    assert "This status is the tracking provider’s own summary of the parcel" in text

    chinese = client.get(f"/orders/{packed.number}/", headers={"accept-language": "zh-hans"})
    assert "跟踪服务商按承运商 zhongtong 跟踪此包裹" in chinese.content.decode()
    assert "此状态来自跟踪服务商对包裹的汇总判断" in chinese.content.decode()


def test_a_correction_between_two_shipments_of_the_number_is_not_guessed(
    packed, secrets_set, client
):
    create_shipment(packed, "yto", NUMBER, None)
    create_shipment(packed, "sto", NUMBER, None)

    push_kuaidi100(client, "kuaidi100_push.json")  # com zhongtong: neither of them

    assert UnmatchedEvent.objects.count() == 5
    assert set(Shipment.objects.values_list("carrier_correction", flat=True)) == {""}
