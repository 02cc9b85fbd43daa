"""The carrier-local time reader's fast path (a memo per carrier and wall minute) gives
exactly what the general path gives, and the UTC text it hands the engine is the
stored form of the same moment (decision 0014)."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcelops.carriers import registry
from parcelops.tracking.events import (
    OFFSET_FROM_CARRIER_ZONE,
    OFFSET_FROM_PAYLOAD,
    ParsedEvent,
    PayloadError,
    as_utc_text,
)
from parcelops.tracking.providers import common
from parcelops.tracking.providers.common import CarrierTime, parse_carrier_time

CARRIERS = [info.code for info in registry.CARRIERS] + ["", "no-such-carrier"]


def test_a_naive_china_time_is_read_in_shanghai_and_given_as_utc_text():
    assert parse_carrier_time("2026-11-25 10:00:07", "zto") == CarrierTime(
        datetime(2026, 11, 25, 2, 0, 7, tzinfo=UTC),
        "2026-11-25 10:00:07",
        OFFSET_FROM_CARRIER_ZONE,
        "2026-11-25 02:00:07",
    )


def test_a_t_separated_naive_time_keeps_a_space_in_the_local_text():
    assert parse_carrier_time("2026-11-25T10:00:07", "zto").local == "2026-11-25 10:00:07"


def test_a_time_in_a_new_york_dst_gap_is_read_as_the_general_path_reads_it():
    # 2026-03-08 02:30 does not exist in New York; both paths take the offset before the jump.
    fast = parse_carrier_time("2026-03-08 02:30:00", "usps")
    assert fast.at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert fast[:3] == common._parse_local_time("2026-03-08 02:30:00", "usps")


def test_a_time_with_an_offset_takes_the_general_path_and_keeps_its_offset():
    assert parse_carrier_time("2026-11-25T10:00:07+01:00", "dhl") == CarrierTime(
        datetime(2026, 11, 25, 9, 0, 7, tzinfo=UTC),
        "2026-11-25 10:00:07",
        OFFSET_FROM_PAYLOAD,
        "2026-11-25 09:00:07",
    )


@pytest.mark.parametrize(
    "value", ["2026-11-25 10:00:7x", "2026-13-25 10:00:00", "2026-11-25 24:00:00", "2026-11-25"]
)
def test_a_bad_time_is_refused_with_the_general_message(value, english):
    with pytest.raises(PayloadError, match=f"^Not a time: {value!r}.$"):
        parse_carrier_time(value, "zto")


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31)),
    carrier=st.sampled_from(CARRIERS),
    separator=st.sampled_from([" ", "T"]),
)
def test_the_fast_path_agrees_with_the_general_path(moment, carrier, separator):
    value = moment.replace(microsecond=0).isoformat(separator)
    fast = common.read_carrier_time(value, carrier)  # unchecked: the range is another test's
    assert fast[:3] == common._parse_local_time(value, carrier)
    assert fast.utc_text == as_utc_text(fast.at)


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2040, 12, 31),
        timezones=st.just(UTC),
    )
)
def test_utc_text_sorts_as_the_times_do_and_reads_back_as_the_same_time(moment):
    text = as_utc_text(moment)
    later = moment + timedelta(microseconds=1)
    assert as_utc_text(later) > text
    assert as_utc_text(moment + timedelta(seconds=1)) > text
    assert datetime.fromisoformat(text + "+00:00") == moment


def _event(**changes):
    values = {
        "provider": "batch",
        "carrier": "zto",
        "tracking_number": "ZT1234567890",
        "occurred_at": datetime(2026, 11, 25, 2, 0, 7, 250000, tzinfo=UTC),
        "local_time": "2026-11-25 10:00:07",
        "offset_source": OFFSET_FROM_CARRIER_ZONE,
        "status": "in_transit",
        "substatus": "arrived_facility",
        "raw_code": "0",
        "raw_text": "快件已到达  【杭州转运中心】",
    }
    return ParsedEvent(**{**values, **changes})


def test_the_dedupe_key_reads_the_time_as_isoformat_writes_it():
    event = _event()
    basis = "zto|ZT1234567890|2026-11-25T02:00:07.250000+00:00|0|快件已到达 【杭州转运中心】"
    assert event.dedupe_key == hashlib.sha256(basis.encode()).hexdigest()[:32]


def test_an_event_given_its_utc_text_has_the_same_key_as_one_without():
    assert _event(utc_text="2026-11-25 02:00:07.250000").dedupe_key == _event().dedupe_key
    assert _event().occurred_text == "2026-11-25 02:00:07.250000"
