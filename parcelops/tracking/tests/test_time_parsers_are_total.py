"""Properties: no input makes a parser raise anything but the documented PayloadError for a
payload unusable as a whole (decision 0024). A time field with any value at all (any text,
extreme datetimes with any offset, numbers, objects) gives an event or a rejection of that
event alone, and the good event beside it is kept: in every provider's parser, our batch
format, the file reader, the batch API and the import-events command."""

import json
from datetime import UTC, datetime, timedelta, timezone
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcelops.tracking.events import PayloadError
from parcelops.tracking.models import UnmatchedEvent
from parcelops.tracking.providers import aftership, batch, files, kuaidi100, seventeentrack
from parcelops.tracking.providers.common import parse_carrier_time

PAYLOADS = Path(__file__).parent / "payloads"
GOOD_TIME = "2026-11-24T08:00:00+08:00"

offsets = st.builds(
    timezone,
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ),
)
extreme_datetimes = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999)
)
# A time as a carrier might write one: ISO with or without an offset, with either separator.
time_texts = st.one_of(
    st.builds(
        lambda moment, zone, separator: moment.replace(tzinfo=zone).isoformat(separator),
        extreme_datetimes,
        st.none() | offsets,
        st.sampled_from([" ", "T"]),
    ),
    st.builds(lambda moment: moment.strftime("%Y/%m/%d %H:%M"), extreme_datetimes),
    st.sampled_from(
        PLACEHOLDERS := [
            "0001-01-01T00:00:00",
            "0001-01-01 00:00:00",
            "9999-12-31T23:59:59-12:00",
            "9999-12-31 23:59:59",
            "1970-01-01T00:00:00Z",
            "2026-02-30 10:00:00",
            "2026-11-25",
            "",
            " ",
            "Z",
        ]
    ),
    st.text(),
)
# Anything a JSON payload can carry in a time field.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | time_texts,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def no_surrogates(text: str) -> bool:
    return not any("\ud800" <= c <= "\udfff" for c in text)


# Text a file cell can hold (files are UTF-8: no lone surrogates).
cell_texts = time_texts.filter(no_surrogates)

TOTAL = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def as_json(document: Any) -> str:
    # json, not orjson: it writes lone surrogates as escapes, which the parsers must refuse.
    return (
        json.dumps(document, ensure_ascii=False)
        if no_surrogates(str(document))
        else json.dumps(document)
    )


@TOTAL
@given(value=st.one_of(time_texts, json_values), carrier=st.sampled_from(["zto", "usps", "", "x"]))
def test_the_time_reader_gives_a_time_in_range_or_a_payload_error(value, carrier):
    try:
        moment = parse_carrier_time(value, carrier)
    except PayloadError:
        return
    assert datetime(2000, 1, 1, tzinfo=UTC) <= moment.at


def kuaidi100_document(value: Any) -> dict[str, Any]:
    return {
        "status": "polling",
        "lastResult": {
            "com": "zhongtong",
            "nu": "75123456789012",
            "data": [
                {"ftime": "2026-11-24 08:00:00", "context": "已揽收", "statusCode": "103"},
                {"ftime": value, "context": "在途"},
            ],
        },
    }


def aftership_document(value: Any) -> dict[str, Any]:
    return {
        "event": "tracking_update",
        "msg": {
            "slug": "zto-express",
            "tracking_number": "75123456789012",
            "expected_delivery": value,
            "checkpoints": [
                {"checkpoint_time": GOOD_TIME, "tag": "InTransit", "message": "a"},
                {"checkpoint_time": value, "tag": "InTransit", "message": "b"},
            ],
        },
    }


def seventeentrack_document(utc: Any, iso: Any, raw: Any, estimate: Any) -> dict[str, Any]:
    return {
        "event": "TRACKING_UPDATED",
        "data": {
            "number": "75123456789012",
            "carrier": 190456,
            "track_info": {
                "time_metrics": {"estimated_delivery_date": {"to": estimate}},
                "tracking": {
                    "providers": [
                        {
                            "events": [
                                {"time_iso": GOOD_TIME, "description": "a"},
                                {"time_utc": utc, "time_iso": iso, "time_raw": raw},
                            ]
                        }
                    ]
                },
            },
        },
    }


def read_or_refused(parse, raw: Any) -> Any:
    """The parsed push, or None when the payload as a whole was refused (PayloadError)."""
    try:
        return parse(raw)
    except PayloadError:
        return None


EVENT_PATHS = ("lastResult.data[", "msg.checkpoints[", "providers[0].events[")


def assert_each_event_read_or_refused(push: Any, sent: int) -> None:
    """Every event is an event or a rejection, and the good first one is an event."""
    time_rejections = [r for r in push.rejected if any(k in r for k in EVENT_PATHS)]
    assert len(push.events) + len(time_rejections) == sent
    assert push.events[0].raw_text == "a" or push.events[0].raw_text == "已揽收"


@TOTAL
@given(value=json_values)
def test_kuaidi100_reads_or_refuses_each_node_alone(value):
    push = read_or_refused(kuaidi100.parse_push, as_json(kuaidi100_document(value)))
    if push is not None or no_surrogates(str(value)):
        assert push is not None
        assert_each_event_read_or_refused(push, 2)


@TOTAL
@given(value=json_values)
def test_aftership_reads_or_refuses_each_checkpoint_alone(value):
    push = read_or_refused(aftership.parse_webhook, as_json(aftership_document(value)).encode())
    if push is not None or no_surrogates(str(value)):
        assert push is not None
        assert_each_event_read_or_refused(push, 2)


@TOTAL
@given(utc=json_values, iso=json_values, raw=json_values, estimate=json_values)
def test_17track_reads_or_refuses_each_event_alone(utc, iso, raw, estimate):
    document = seventeentrack_document(utc, iso, raw, estimate)
    push = read_or_refused(seventeentrack.parse_push, as_json(document).encode())
    if push is not None or no_surrogates(str(document)):
        assert push is not None
        assert_each_event_read_or_refused(push, 2)


@TOTAL
@given(
    body=st.binary(max_size=200)
    | st.text(max_size=200).map(str.encode)
    | json_values.map(lambda value: as_json(value).encode())
)
def test_any_body_at_all_is_read_or_refused_as_a_whole(body):
    for parse in (seventeentrack.parse_push, aftership.parse_webhook):
        read_or_refused(parse, body)
    read_or_refused(kuaidi100.parse_push, body.decode(errors="replace"))
    read_or_refused(batch.parse_batch, json.loads(body) if _is_json(body) else body)


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


@TOTAL
@given(value=json_values)
def test_the_batch_format_reads_or_refuses_each_event_alone(value):
    body = {
        "events": [
            {"carrier": "zto", "tracking_number": "75123456789012", "occurred_at": GOOD_TIME},
            {"carrier": "zto", "tracking_number": "75123456789012", "occurred_at": value},
        ]
    }
    events, errors = batch.parse_batch(body)
    assert len(events) + len({error.index for error in errors}) == 2
    assert events[0].occurred_at.isoformat() == "2026-11-24T00:00:00+00:00"


@TOTAL
@given(value=cell_texts, kind=st.sampled_from(["csv", "jsonl"]))
def test_the_file_reader_reads_or_refuses_each_row_alone(tmp_path_factory, value, kind):
    path = tmp_path_factory.mktemp("files") / f"events.{kind}"
    rows = [
        {"carrier": "zto", "tracking_number": "75123456789012", "occurred_at": GOOD_TIME},
        {"carrier": "zto", "tracking_number": "75123456789013", "occurred_at": value},
        {"carrier": "zto", "tracking_number": "75123456789014", "occurred_at": GOOD_TIME},
    ]
    if kind == "csv":
        import csv

        with path.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n")
    read = list(files.iter_file_events(path))
    assert len(read) in (2, 3)  # the middle row may be blank (an empty time in CSV is not)
    assert read[0].event is not None
    assert read[-1].event is not None
    assert all(row.event is not None or row.errors for row in read)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.sampled_from(PLACEHOLDERS) | json_values)
def test_the_batch_api_stores_the_good_event_whatever_the_other_time(staff, api, value):
    UnmatchedEvent.objects.all().delete()
    body = {
        "events": [
            {"carrier": "zto", "tracking_number": "75123456789012", "occurred_at": GOOD_TIME},
            {"carrier": "zto", "tracking_number": "75123456789013", "occurred_at": value},
        ]
    }
    response = api(staff["logistics_staff"]).post(
        "/api/v1/tracking/events", as_json(body), content_type="application/json"
    )
    if response.status_code == 400:  # a lone surrogate: not JSON as a whole
        assert not no_surrogates(str(value))
        return
    assert response.status_code in (200, 207)
    assert response.json()["outcomes"][0] == "unmatched"
    assert UnmatchedEvent.objects.filter(tracking_number="75123456789012").count() == 1


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=cell_texts)
def test_import_events_stores_the_good_rows_whatever_the_other_time(tmp_path_factory, value):
    UnmatchedEvent.objects.all().delete()
    path = tmp_path_factory.mktemp("import") / "events.jsonl"
    rows = [
        {"carrier": "zto", "tracking_number": "75123456789012", "occurred_at": GOOD_TIME},
        {"carrier": "zto", "tracking_number": "75123456789013", "occurred_at": value},
        {"carrier": "zto", "tracking_number": "75123456789014", "occurred_at": GOOD_TIME},
    ]
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n")
    exit_status: str | int | None = 0
    try:
        call_command("import_events", str(path), "--quiet", stdout=StringIO(), stderr=StringIO())
    except SystemExit as leaving:
        exit_status = leaving.code
    assert exit_status in (0, 3)
    assert set(UnmatchedEvent.objects.values_list("tracking_number", flat=True)) >= {
        "75123456789012",
        "75123456789014",
    }


# --- real pushes with any of their fields damaged -----------------------------------------


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document: each key of each object, each item of each list."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*path, index))
    return found


def _damaged(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(document))
    node = copy
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return copy


DOCUMENTS = [
    ("kuaidi100_push.json", lambda d: kuaidi100.parse_push(as_json(d))),
    ("kuaidi100_carrier_corrected.json", lambda d: kuaidi100.parse_push(as_json(d))),
    ("aftership_webhook.json", lambda d: aftership.parse_webhook(as_json(d).encode())),
    ("aftership_tracking_update.json", lambda d: aftership.parse_webhook(as_json(d).encode())),
    ("seventeentrack_updated.json", lambda d: seventeentrack.parse_push(as_json(d).encode())),
    ("batch_mixed.json", batch.parse_batch),
]


@pytest.mark.parametrize(("name", "parse"), DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
@TOTAL
@given(data=st.data())
def test_a_real_payload_with_any_field_damaged_is_read_or_refused_as_a_whole(name, parse, data):
    document = json.loads((PAYLOADS / name).read_text())
    damage = st.lists(st.tuples(st.sampled_from(_paths(document)), json_values), max_size=3)
    for path, value in data.draw(damage):
        try:
            document = _damaged(document, path, value)
        except (KeyError, IndexError, TypeError):  # an earlier damage removed the place
            continue
    read_or_refused(parse, document)
