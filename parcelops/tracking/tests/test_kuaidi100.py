"""The Kuaidi100 subscription push: signature, parsing, the code table, and every refusal."""

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from parcelops.tracking.events import OFFSET_FROM_CARRIER_ZONE, PayloadError, SignatureError
from parcelops.tracking.providers import kuaidi100
from parcelops.tracking.providers.kuaidi100 import (
    MAPPING,
    map_code,
    parse_push,
    reply_error,
    reply_ok,
    verify_signature,
)
from parcelops.tracking.status import SUBSTATUSES

PAYLOADS = Path(__file__).parent / "payloads"
SALT = "k100-salt-2026"
# Upper-case MD5 of kuaidi100_param.txt + SALT, worked out once outside the code under test.
PARAM_SIGN = "792A640F8F57A359A84AB496E3468FB7"

pytestmark = pytest.mark.usefixtures("english")  # messages are asserted word for word


def param_of(name: str) -> str:
    return (PAYLOADS / name).read_text(encoding="utf-8")


def document(name: str = "kuaidi100_polling_delivered.json") -> dict[str, Any]:
    return orjson.loads(param_of(name))


def parsed(data: dict[str, Any]) -> kuaidi100.Kuaidi100Push:
    return parse_push(orjson.dumps(data).decode())


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- signature ---------------------------------------------------------------------------


def test_a_push_signed_with_the_salt_is_accepted():
    verify_signature(param_of("kuaidi100_param.txt"), PARAM_SIGN, SALT)


def test_a_lower_case_sign_is_accepted():
    verify_signature(param_of("kuaidi100_param.txt"), PARAM_SIGN.lower(), SALT)


@pytest.mark.parametrize(
    ("param", "sign", "salt", "message"),
    [
        ("kuaidi100_param.txt", "", SALT, "the sign field is missing"),
        ("kuaidi100_param.txt", "   ", SALT, "the sign field is missing"),
        ("kuaidi100_param.txt", PARAM_SIGN, "another-salt", "the sign field does not match param"),
        ("kuaidi100_param.txt", PARAM_SIGN[:-1] + "8", SALT, "the sign field does not match param"),
        ("kuaidi100_param.txt", PARAM_SIGN, "", "no salt is configured"),
    ],
)
def test_a_push_with_a_missing_or_wrong_sign_is_refused(param, sign, salt, message):
    with pytest.raises(SignatureError) as refused:
        verify_signature(param_of(param), sign, salt)
    assert str(refused.value) == message


def test_a_param_changed_after_signing_is_refused():
    changed = param_of("kuaidi100_param.txt").replace("本人", "门卫")
    with pytest.raises(SignatureError):
        verify_signature(changed, PARAM_SIGN, SALT)


# --- replies -----------------------------------------------------------------------------


def test_the_replies_are_in_kuaidi100s_exact_format():
    assert reply_ok() == {"result": True, "returnCode": "200", "message": "成功"}
    assert reply_error("param is not valid JSON") == {
        "result": False,
        "returnCode": "500",
        "message": "param is not valid JSON",
    }


# --- parsing -----------------------------------------------------------------------------


def test_a_delivered_parcel_gives_one_event_per_node_newest_first():
    push = parse_push(param_of("kuaidi100_param.txt"))

    assert (push.status, push.message, push.carrier, push.tracking_number, push.is_signed) == (
        "polling",
        "",
        "zto",
        "78912345678901",
        True,
    )
    assert push.is_final is False
    assert [
        (e.status, e.substatus, e.raw_code, e.occurred_at, e.local_time) for e in push.events
    ] == [
        ("delivered", "signed_by_recipient", "301", utc(2026, 11, 24, 7, 42, 10),
         "2026-11-24 15:42:10"),
        ("out_for_delivery", "out_for_delivery", "5", utc(2026, 11, 24, 0, 5, 31),
         "2026-11-24 08:05:31"),
        ("in_transit", "arrived_facility", "0", utc(2026, 11, 23, 14, 17, 45),
         "2026-11-23 22:17:45"),
        ("in_transit", "departed_facility", "1002", utc(2026, 11, 22, 19, 2, 9),
         "2026-11-23 03:02:09"),
        ("in_transit", "picked_up", "103", utc(2026, 11, 22, 10, 30), "2026-11-22 18:30:00"),
    ]  # fmt: skip


def test_every_node_keeps_its_text_place_and_raw_item():
    first = parse_push(param_of("kuaidi100_param.txt")).events[0]

    assert (first.provider, first.carrier, first.tracking_number, first.event_id) == (
        "kuaidi100",
        "zto",
        "78912345678901",
        "",
    )
    assert first.offset_source == OFFSET_FROM_CARRIER_ZONE
    assert first.raw_text == (
        "【上海市】您的快件已签收，签收人：本人。如有疑问请电联快递员：王师傅【13800000000】。"
    )
    assert first.location == "上海,上海市,徐汇区"
    assert first.raw["areaCenter"] == "121.43676,31.18831"
    assert (first.raw["com"], first.raw["nu"]) == ("zhongtong", "78912345678901")


def test_the_location_falls_back_to_the_location_field():
    push = parse_push(param_of("kuaidi100_refused.json"))
    assert [event.location for event in push.events] == [
        "广东,深圳市,南山区",
        "深圳市南山区",
        "",
        "",
    ]


def test_a_refusal_an_unknown_code_a_bare_state_name_and_a_bare_text():
    push = parse_push(param_of("kuaidi100_refused.json"))

    assert [(e.status, e.substatus, e.raw_code) for e in push.events] == [
        ("exception", "refused", "203"),
        ("", "", "9999"),  # unknown code, text no rule reads: left for review
        ("in_transit", "", "在途"),  # no code: the state name
        ("exception", "stranded", ""),  # neither: the keyword rules on the text
    ]


def test_comnew_corrects_the_carrier_and_the_number_is_normalised():
    push = parse_push(param_of("kuaidi100_refused.json"))

    assert (push.carrier, push.tracking_number) == ("sf-express", "SF123456789012")
    assert {(e.carrier, e.tracking_number) for e in push.events} == {
        ("sf-express", "SF123456789012")
    }
    assert push.events[0].raw["com"] == "shunfeng"


def test_an_unknown_carrier_code_gives_an_empty_carrier_and_keeps_the_com():
    data = document()
    data["lastResult"]["com"] = "xiaoxiaokuaidi"

    push = parsed(data)

    assert push.carrier == ""
    assert push.events[0].carrier == ""
    assert push.events[0].raw["com"] == "xiaoxiaokuaidi"
    # Unknown carriers' naive times are read as China time.
    assert push.events[0].occurred_at == utc(2026, 11, 24, 7, 42, 10)


def test_an_abort_push_has_no_events_and_is_final():
    push = parse_push(param_of("kuaidi100_abort.json"))

    assert (push.status, push.message, push.carrier, push.events, push.is_final) == (
        "abort",
        "3天查询无记录",
        "yunda",
        [],
        True,
    )


def test_time_is_used_when_ftime_is_missing():
    data = document()
    del data["lastResult"]["data"][0]["ftime"]
    assert parsed(data).events[0].local_time == "2026-11-24 15:42:10"


def test_a_numeric_status_code_is_read_as_text():
    data = document()
    data["lastResult"]["data"][0]["statusCode"] = 303
    event = parsed(data).events[0]
    assert (event.status, event.substatus, event.raw_code) == (
        "delivered",
        "signed_by_proxy",
        "303",
    )


def test_destination_country_nodes_belong_to_the_same_shipment():
    data = document()
    data["destResult"] = {
        "com": "usps",
        "nu": "9400 1000 0000 0000 0000 00",
        "data": [
            {
                "context": "Delivered, In/At Mailbox",
                "ftime": "2026-11-26 14:03:00",
                "status": "签收",
                "statusCode": "3",
            }
        ],
    }

    last = parsed(data).events[-1]

    assert (last.carrier, last.tracking_number, last.status, last.substatus) == (
        "zto",
        "78912345678901",
        "delivered",
        "signed_by_recipient",
    )
    assert (last.raw["com"], last.raw["nu"]) == ("usps", "9400 1000 0000 0000 0000 00")


# --- dedupe keys -------------------------------------------------------------------------


def test_the_same_node_pushed_again_gives_the_same_dedupe_key():
    first = parse_push(param_of("kuaidi100_param.txt")).events
    again = parse_push(param_of("kuaidi100_polling_delivered.json")).events

    assert [e.dedupe_key for e in first] == [e.dedupe_key for e in again]
    assert len({e.dedupe_key for e in first}) == 5


def test_a_node_with_another_text_gives_another_dedupe_key():
    data = document()
    original = parsed(data).events[0].dedupe_key
    data["lastResult"]["data"][0]["context"] = "【上海市】您的快件已签收，签收人：门卫。"
    assert parsed(data).events[0].dedupe_key != original


def test_extra_spaces_in_the_text_do_not_change_the_dedupe_key():
    data = document()
    original = parsed(data).events[1].dedupe_key
    data["lastResult"]["data"][1]["context"] += "  "
    assert parsed(data).events[1].dedupe_key == original


# --- refusals ----------------------------------------------------------------------------


def broken(change) -> dict[str, Any]:
    data = copy.deepcopy(document())
    change(data)
    return data


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("{not json", "param is not valid JSON: "),
        ("[1, 2]", "param must be a JSON object."),
        ('{"status": "polling"}', "param has no lastResult object."),
        ('{"lastResult": "none"}', "param has no lastResult object."),
    ],
)
def test_a_param_that_is_not_a_push_is_refused(param, message):
    with pytest.raises(PayloadError) as refused:
        parse_push(param)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["lastResult"].pop("nu"),
            "lastResult.nu (the tracking number) is missing.",
        ),
        (
            lambda d: d["lastResult"].update(nu="  "),
            "lastResult.nu (the tracking number) is missing.",
        ),
        (lambda d: d["lastResult"].pop("com"), "lastResult.com (the carrier) is missing."),
        (lambda d: d["lastResult"].update(data={"0": {}}), "lastResult.data must be a list."),
        (
            lambda d: d.update(destResult={"data": "none"}),
            "destResult.data must be a list.",
        ),
    ],
)
def test_a_push_with_a_missing_or_bad_field_is_refused_with_the_reason(change, message):
    with pytest.raises(PayloadError) as refused:
        parsed(broken(change))
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("change", "message", "kept"),
    [
        (
            lambda d: d["lastResult"]["data"].append("签收"),
            "lastResult.data[5] must be an object.",
            5,
        ),
        (
            lambda d: [d["lastResult"]["data"][2].pop(k) for k in ("ftime", "time")],
            "lastResult.data[2] has no ftime or time.",
            4,
        ),
        (
            lambda d: d["lastResult"]["data"][0].update(ftime="昨天下午"),
            "lastResult.data[0].ftime: Not a time: '昨天下午'.",
            4,
        ),
    ],
)
def test_a_node_that_cannot_be_an_event_is_refused_alone_with_the_reason(change, message, kept):
    push = parsed(broken(change))
    assert push.rejected == [message]
    assert len(push.events) == kept


def test_comnew_stands_in_for_a_missing_com():
    data = broken(lambda d: d["lastResult"].pop("com"))
    data["comNew"] = "yuantong"
    assert parsed(data).carrier == "yto"


# --- the code table ----------------------------------------------------------------------

STATE_CODES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "10", "11", "12", "13", "14"]
SUB_CODES = ["1001", "1002", "1003", "101", "102", "103", "501", "301", "302", "303", "304",
             "401", *[str(code) for code in range(201, 211)]]  # fmt: skip


def test_every_documented_code_is_in_the_table():
    assert sorted(MAPPING) == sorted(STATE_CODES + SUB_CODES)


def test_every_mapped_substatus_belongs_to_its_status():
    for code, (status, substatus) in MAPPING.items():
        assert not substatus or substatus in SUBSTATUSES[status], code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("101", ("info_received", "label_created")),
        ("102", ("info_received", "awaiting_pickup")),
        ("103", ("in_transit", "picked_up")),
        ("1001", ("in_transit", "arrived_facility")),
        ("1003", ("in_transit", "rerouted")),
        ("501", ("available_for_pickup", "in_locker")),
        ("302", ("delivered", "signed_by_recipient")),
        ("303", ("delivered", "signed_by_proxy")),
        ("304", ("delivered", "locker")),
        ("6", ("returning", "return_initiated")),
        ("4", ("returned", "")),
        ("401", ("cancelled", "")),
        ("7", ("in_transit", "transferred")),
        ("201", ("exception", "delayed_carrier")),
        ("202", ("exception", "stranded")),
        ("203", ("exception", "refused")),
        ("205", ("exception", "pickup_unclaimed")),
        ("206", ("attempt_failed", "recipient_unavailable")),
        ("207", ("exception", "address_invalid")),
        ("208", ("exception", "stranded")),
        ("209", ("exception", "damaged")),
        ("210", ("cancelled", "")),
        ("10", ("in_transit", "customs_processing")),
        ("12", ("in_transit", "customs_released")),
        ("13", ("exception", "held_by_customs")),
        ("14", ("exception", "refused")),
    ],
)
def test_a_code_maps_to_its_status_whatever_the_text(code, expected):
    assert map_code(code, "", "快件已到达【上海转运中心】") == expected


@pytest.mark.parametrize(
    ("code", "name", "text", "expected"),
    [
        # A main state without a substatus takes the step the text names, if it agrees.
        ("0", "在途", "快件已到达【上海转运中心】", ("in_transit", "arrived_facility")),
        ("3", "签收", "您的快件已由门卫代收", ("delivered", "signed_by_proxy")),
        ("2", "疑难", "外包装破损，已联系寄件人", ("exception", "damaged")),
        # ... and keeps its own status when the text says something else.
        ("0", "在途", "您的快件已签收", ("in_transit", "")),
        # An unknown code falls back to the state name, then to the text.
        ("9999", "签收", "", ("delivered", "")),
        ("", "投柜或驿站", "", ("available_for_pickup", "in_locker")),
        ("", "清关异常", "", ("exception", "held_by_customs")),
        ("", "其他", "快件已到达【菜鸟驿站】，请凭取件码自提", ("available_for_pickup",
                                                             "at_pickup_point")),
        ("", "", "快件信息已更新", ("", "")),
    ],
)  # fmt: skip
def test_the_state_name_and_the_text_stand_in_for_a_missing_code(code, name, text, expected):
    assert map_code(code, name, text) == expected
