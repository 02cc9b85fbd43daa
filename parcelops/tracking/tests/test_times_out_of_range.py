"""Every time parser is total (decision 0024): a time that is no time, a placeholder such as
0001-01-01 or 9999-12-31, or any text at all refuses that event alone with its reason; the
other events of the push, batch or file are stored, and a push row is kept."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from parcelops.tracking.actions import set_provider_secret
from parcelops.tracking.events import PayloadError
from parcelops.tracking.models import InboundPush, TrackingEvent, UnmatchedEvent
from parcelops.tracking.providers import aftership
from parcelops.tracking.providers.common import (
    EARLIEST_EVENT_TIME,
    LATEST_AHEAD,
    parse_carrier_time,
)

PAYLOADS = Path(__file__).parent / "payloads"
SALT, SECRET, KEY = "kuaidi100-salt", "aftership-secret", "seventeen-key"

# The placeholders of the issue, and their neighbours on both sides of the range.
BEFORE = "0001-01-01T00:00:00"
AHEAD = "9999-12-31T23:59:59-12:00"


def before(value: str) -> str:
    return f"Lies before 2000-01-01, so it is a placeholder rather than a real time: {value!r}."


def ahead(value: str) -> str:
    return (
        f"Lies more than a year ahead, so it is a placeholder rather than a real time: {value!r}."
    )


REASONS = {BEFORE: before(BEFORE), AHEAD: ahead(AHEAD)}


# --- the one reader every provider uses ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (BEFORE, before(BEFORE)),  # naive: in China's zone it would be before year 1
        ("0001-01-01 00:00:00", before("0001-01-01 00:00:00")),  # the fast path's form
        ("0001-01-01T00:00:00+14:00", before("0001-01-01T00:00:00+14:00")),
        ("1999-12-31T23:59:59Z", before("1999-12-31T23:59:59Z")),
        ("1970-01-01 08:00:00", before("1970-01-01 08:00:00")),  # a zeroed Unix clock
        (AHEAD, ahead(AHEAD)),  # after 9999 in UTC
        ("9999-12-31 23:59:59", ahead("9999-12-31 23:59:59")),
        ("2027-11-26T02:00:01Z", ahead("2027-11-26T02:00:01Z")),  # a year and a second
    ],
)
def test_a_time_out_of_range_is_refused_with_its_reason(frozen_now, english, value, reason):
    with pytest.raises(PayloadError) as refused:
        parse_carrier_time(value, "zto")
    assert str(refused.value) == reason


@pytest.mark.parametrize(
    ("value", "at"),
    [
        ("2000-01-01T00:00:00Z", EARLIEST_EVENT_TIME),
        ("2000-01-01 08:00:00", EARLIEST_EVENT_TIME),  # midnight UTC in China's zone
        ("2027-11-26T02:00:00Z", datetime(2027, 11, 26, 2, 0, tzinfo=UTC)),  # the last second
    ],
)
def test_the_bounds_themselves_are_times(frozen_now, value, at):
    assert parse_carrier_time(value, "zto").at == at


def test_the_upper_bound_moves_with_the_clock(frozen_now):
    value = "2028-01-01T00:00:00Z"
    with pytest.raises(PayloadError):
        parse_carrier_time(value, "zto")
    frozen_now.move_to(datetime(2027, 1, 1, tzinfo=UTC))
    assert datetime(2027, 1, 1, tzinfo=UTC) + LATEST_AHEAD > datetime(2028, 1, 1, tzinfo=UTC)
    assert parse_carrier_time(value, "zto").at == datetime(2028, 1, 1, tzinfo=UTC)


# --- each push endpoint, signed -------------------------------------------------------------


@pytest.fixture
def secrets_set(db):
    set_provider_secret("kuaidi100", SALT)
    set_provider_secret("aftership", SECRET)
    set_provider_secret("17track", KEY)


def post_kuaidi100(client, document):
    param = json.dumps(document, ensure_ascii=False)
    sign = hashlib.md5((param + SALT).encode(), usedforsecurity=False).hexdigest().upper()
    return client.post("/api/v1/tracking/push/kuaidi100", {"param": param, "sign": sign})


def post_aftership(client, document):
    body = json.dumps(document).encode()
    sign = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return client.post(
        "/api/v1/tracking/push/aftership",
        body,
        content_type="application/json",
        headers={"aftership-hmac-sha256": sign},
    )


def post_17track(client, document):
    body = json.dumps(document).encode()
    sign = hashlib.sha256(body + b"/" + KEY.encode()).hexdigest()
    return client.post(
        "/api/v1/tracking/push/17track",
        body,
        content_type="application/json",
        headers={"sign": sign},
    )


def kuaidi100_push(value):
    document = json.loads((PAYLOADS / "kuaidi100_push.json").read_text())
    document["lastResult"]["data"][1]["ftime"] = document["lastResult"]["data"][1]["time"] = value
    return document


def aftership_push(value):
    document = json.loads((PAYLOADS / "aftership_webhook.json").read_text())
    document["msg"]["checkpoints"][1]["checkpoint_time"] = value
    return document


def seventeentrack_push(value):
    document = json.loads((PAYLOADS / "seventeentrack_updated.json").read_text())
    events = document["data"]["track_info"]["tracking"]["providers"][0]["events"]
    events[0]["time_utc"] = events[0]["time_iso"] = value
    return document


_17TRACK_EVENT = "data.track_info.tracking.providers[0].events[0]"
PUSHES = [
    # (post, payload, events in the file, where the bad time is)
    (post_kuaidi100, kuaidi100_push, 5, "lastResult.data[1].ftime"),
    (post_aftership, aftership_push, 3, "msg.checkpoints[1].checkpoint_time"),
    (post_17track, seventeentrack_push, 6, _17TRACK_EVENT),
]


@pytest.mark.parametrize("value", [BEFORE, AHEAD])
@pytest.mark.parametrize(("post", "payload", "sent", "where"), PUSHES)
def test_a_push_with_a_placeholder_time_keeps_the_push_and_its_other_events(
    secrets_set, frozen_now, client, english, post, payload, sent, where, value
):
    response = post(client, payload(value))
    assert response.status_code == 200
    push = InboundPush.objects.get()
    assert push.outcome == InboundPush.Outcome.PROCESSED
    assert push.error == f"{where}: {REASONS[value]}"
    assert value in push.body or json.dumps(value) in push.body  # the bad event is kept
    # No parcel has the number yet: the good events wait in the inbox, all of them.
    assert UnmatchedEvent.objects.count() == sent - 1
    assert not UnmatchedEvent.objects.filter(occurred_at__year__lt=2000).exists()


def test_a_17track_event_with_a_placeholder_utc_time_and_a_good_local_one_is_refused(
    secrets_set, frozen_now, client, english
):
    document = seventeentrack_push("2026-11-25T14:05:00+08:00")
    events = document["data"]["track_info"]["tracking"]["providers"][0]["events"]
    events[0]["time_utc"] = BEFORE
    assert post_17track(client, document).status_code == 200
    assert InboundPush.objects.get().error == f"{_17TRACK_EVENT}.time_utc: {before(BEFORE)}"
    assert UnmatchedEvent.objects.count() == 5


def test_a_push_whose_estimate_is_a_placeholder_keeps_its_events(
    secrets_set, frozen_now, client, english
):
    document = aftership_push("2026-11-23T22:10:05")
    document["msg"]["expected_delivery"] = "9999-12-31"
    assert post_aftership(client, document).status_code == 200
    assert InboundPush.objects.get().error == f"msg.expected_delivery: {ahead('9999-12-31')}"
    assert UnmatchedEvent.objects.count() == 3
    assert aftership.parse_webhook(json.dumps(document).encode()).expected_delivery is None


def test_a_push_whose_every_event_is_out_of_range_is_still_kept(
    secrets_set, frozen_now, client, english
):
    document = kuaidi100_push(BEFORE)
    for node in document["lastResult"]["data"]:
        node["ftime"] = node["time"] = BEFORE
    assert post_kuaidi100(client, document).status_code == 200
    assert InboundPush.objects.get().error.count("Lies before 2000-01-01") == 5
    assert UnmatchedEvent.objects.count() == 0


# --- our batch format and the file import -------------------------------------------------


def event(number: str, occurred_at: str) -> dict[str, str]:
    return {"carrier": "zto", "tracking_number": number, "occurred_at": occurred_at}


@pytest.mark.parametrize("value", [BEFORE, AHEAD])
def test_a_batch_with_a_placeholder_time_stores_the_other_events(
    packed, staff, api, english, value
):
    body = {
        "events": [
            event("75000000000001", "2026-11-24T08:00:00+08:00"),
            event("75000000000002", value),
            event("75000000000003", "2026-11-24T09:00:00+08:00"),
        ]
    }
    response = api(staff["logistics_staff"]).post(
        "/api/v1/tracking/events", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 207
    answer = response.json()
    assert answer["outcomes"] == ["unmatched", "rejected", "unmatched"]
    assert answer["errors"] == [{"field": "events[1].occurred_at", "message": REASONS[value]}]
    assert sorted(UnmatchedEvent.objects.values_list("tracking_number", flat=True)) == [
        "75000000000001",
        "75000000000003",
    ]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
@pytest.mark.parametrize("value", [BEFORE, AHEAD])
def test_import_events_refuses_the_row_and_stores_the_rest_of_its_chunk(
    db, frozen_now, english, tmp_path, capsys, suffix, value
):
    rows = [
        event("75000000000001", "2026-11-24 08:00:00"),
        event("75000000000002", value),
        event("75000000000003", "2026-11-24 09:00:00"),
    ]
    path = tmp_path / f"events{suffix}"
    if suffix == ".csv":
        lines = ["carrier,tracking_number,occurred_at"] + [",".join(r.values()) for r in rows]
        bad_row = 3
    else:
        lines = [json.dumps(r) for r in rows]
        bad_row = 2
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SystemExit) as exit_status:
        call_command("import_events", str(path), "--quiet")
    assert exit_status.value.code == 3
    out, err = capsys.readouterr()
    assert err == f"row {bad_row}: occurred_at: {REASONS[value]}\n"
    assert out == (
        "3 rows read: 0 events stored, 0 already present, 2 parked for unknown tracking "
        "numbers, 1 rows rejected (0 regressions, 0 in the future, 0 unmapped flagged)\n"
    )
    assert UnmatchedEvent.objects.count() == 2
    assert TrackingEvent.objects.count() == 0


def test_a_file_mapping_zone_that_moves_a_time_out_of_range_refuses_it(
    db, frozen_now, english, tmp_path
):
    from parcelops.tracking.providers.files import _mapping_from_json, iter_file_events

    mapping = _mapping_from_json(
        {
            "columns": {"tracking_number": "n", "occurred_at": "t"},
            "defaults": {"carrier": "zto"},
            "time_zone": "Pacific/Kiritimati",  # UTC+14: its midnight is the day before in UTC
        },
        "kiribati",
    )
    path = tmp_path / "events.csv"
    path.write_text("n,t\n75000000000001,2000-01-01 08:00:00\n75000000000002,2026-11-24 08:00\n")
    rows = list(iter_file_events(path, mapping))
    assert rows[0].errors == ["t: " + before("2000-01-01 08:00:00")]
    assert rows[1].event is not None
    assert rows[1].event.occurred_at == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
