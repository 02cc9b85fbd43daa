"""Kuaidi100 (快递100) subscription push (FORMATS.md): form fields ``param`` (a JSON string)
and ``sign`` (upper-case MD5 of param + salt). Events come newest first, in China time.

A push carries the parcel's whole history and Kuaidi100 retries until it gets our "成功",
so the same nodes arrive many times: they have no id and are deduplicated by content.
"""

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.utils.translation import gettext as _

from parcelops.carriers import registry
from parcelops.tracking.events import ParsedEvent, PayloadError, ProviderSummary, SignatureError
from parcelops.tracking.keywords import refine_by_text
from parcelops.tracking.providers.common import (
    constant_time_equals,
    keep_unknown_carrier_code,
    local_time_at,
    payload_text,
    provider_event,
    tracking_number_at,
)
from parcelops.tracking.status import TrackingStatus as S

PROVIDER = "kuaidi100"

# Push statuses: still tracking, finished (signed for), stopped, or a full resend.
POLLING, SHUTDOWN, ABORT, UPDATEALL = "polling", "shutdown", "abort", "updateall"

# Kuaidi100 state codes and sub-state codes -> (status, substatus). A main state whose
# substatus is "" is refined by the keyword rules on the text when they agree on the status.
MAPPING: dict[str, tuple[str, str]] = {
    "0": (S.IN_TRANSIT, ""),  # 在途
    "1001": (S.IN_TRANSIT, "arrived_facility"),  # arrived in the destination city
    "1002": (S.IN_TRANSIT, ""),  # on the line-haul between cities
    "1003": (S.IN_TRANSIT, "rerouted"),  # forwarded to a new address
    "1": (S.IN_TRANSIT, "picked_up"),  # 揽收
    "101": (S.INFO_RECEIVED, "label_created"),  # ordered
    "102": (S.INFO_RECEIVED, "awaiting_pickup"),
    "103": (S.IN_TRANSIT, "picked_up"),
    "5": (S.OUT_FOR_DELIVERY, "out_for_delivery"),  # 派件
    "501": (S.AVAILABLE_FOR_PICKUP, "in_locker"),  # put in a locker or a pickup station
    "3": (S.DELIVERED, ""),  # 签收
    "301": (S.DELIVERED, "signed_by_recipient"),
    "302": (S.DELIVERED, "signed_by_recipient"),  # signed after an earlier exception
    "303": (S.DELIVERED, "signed_by_proxy"),
    "304": (S.DELIVERED, "locker"),  # collected from a locker or station
    "6": (S.RETURNING, "return_initiated"),  # 退回
    "4": (S.RETURNED, ""),  # 退签: back with the sender, who signed for it
    "401": (S.CANCELLED, ""),  # the shipment was cancelled (销单)
    "7": (S.IN_TRANSIT, "transferred"),  # 转投: handed to another carrier
    "2": (S.EXCEPTION, ""),  # 疑难
    "201": (S.EXCEPTION, "delayed_carrier"),  # out for delivery for too long
    # No scan for too long: the parcel sits somewhere, which is what "stranded" means here.
    "202": (S.EXCEPTION, "stranded"),
    "203": (S.EXCEPTION, "refused"),
    "204": (S.EXCEPTION, "delayed_carrier"),  # delivery exception, reason not given
    "205": (S.EXCEPTION, "pickup_unclaimed"),  # not collected from the locker or station
    "206": (S.ATTEMPT_FAILED, "recipient_unavailable"),
    "207": (S.EXCEPTION, "address_invalid"),  # outside the carrier's service area
    "208": (S.EXCEPTION, "stranded"),
    "209": (S.EXCEPTION, "damaged"),
    "210": (S.CANCELLED, ""),  # cancelled by the shipper
    "8": (S.IN_TRANSIT, "customs_processing"),  # 清关
    "10": (S.IN_TRANSIT, "customs_processing"),  # awaiting clearance
    "11": (S.IN_TRANSIT, "customs_processing"),
    "12": (S.IN_TRANSIT, "customs_released"),
    "13": (S.EXCEPTION, "held_by_customs"),
    "14": (S.EXCEPTION, "refused"),  # 拒签
}

# What an abort push says of the parcel: Kuaidi100 found no record of it ("3天查询无记录"),
# or saw no change for too long ("60天无变化").
ABORT_VERDICTS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("无记录", (S.PENDING, "not_found")),
    ("无变化", (S.EXPIRED, "no_update_timeout")),
)

# A node's state name, for nodes that carry a name but no code we know.
STATE_NAMES: dict[str, str] = {
    "在途": "0", "到达派件城市": "1001", "干线": "1002", "转递": "1003",
    "揽收": "1", "下单": "101", "已下单": "101", "待揽收": "102", "已揽收": "103",
    "派件": "5", "投柜或驿站": "501",
    "签收": "3", "本人签收": "301", "派件异常后签收": "302", "代签": "303",
    "投柜或站签收": "304",
    "退回": "6", "退签": "4", "销单": "401", "转投": "7",
    "疑难": "2", "派件超时": "201", "更新超时": "202", "拒收": "203", "派件异常": "204",
    "柜或驿站超时未取": "205", "无法联系": "206", "超区": "207", "滞留": "208",
    "破损": "209", "售后取消": "210",
    "清关": "8", "待清关": "10", "清关中": "11", "已清关": "12", "清关异常": "13",
    "拒签": "14",
}  # fmt: skip


@dataclass(frozen=True)
class Kuaidi100Push:
    status: str  # POLLING, SHUTDOWN, ABORT or UPDATEALL
    message: str  # e.g. "3天查询无记录" when Kuaidi100 gave up
    carrier: str  # our carrier code, "" when Kuaidi100's com is not one we know
    tracking_number: str
    events: list[ParsedEvent]
    is_signed: bool  # lastResult.ischeck == "1"
    raw: dict[str, Any] = field(repr=False)
    # lastResult.state (or what an abort says): Kuaidi100's verdict on the parcel, with the
    # carrier code it tracks with, which may correct ours (decision 0020).
    summary: ProviderSummary | None = None
    # Nodes that could not be events, each "where: why" (a time out of range, none at
    # all): refused alone, kept in the stored push with their reasons (decision 0024).
    rejected: list[str] = field(default_factory=list)

    @property
    def is_final(self) -> bool:
        """Kuaidi100 stopped tracking: finished, or gave up (no record, no change)."""
        return self.status in {SHUTDOWN, ABORT}


def verify_signature(param: str, sign: str, salt: str) -> None:
    """sign = upper-case hex MD5 of (param + salt); raises SignatureError otherwise."""
    if not salt:
        raise SignatureError(_("no salt is configured"))
    if not sign or not sign.strip():
        raise SignatureError(_("the sign field is missing"))
    # MD5 is Kuaidi100's choice, not ours: it authenticates the sender, nothing is stored.
    expected = hashlib.md5((param + salt).encode(), usedforsecurity=False).hexdigest().upper()
    if not constant_time_equals(expected, sign.strip().upper()):
        raise SignatureError(_("the sign field does not match param"))


def reply_ok() -> dict[str, Any]:
    """The answer Kuaidi100 waits for; anything else makes it push again later."""
    return {"result": True, "returnCode": "200", "message": "成功"}


def reply_error(message: str) -> dict[str, Any]:
    return {"result": False, "returnCode": "500", "message": message}


def map_code(code: str, state_name: str, text: str) -> tuple[str, str]:
    """(status, substatus) of a node: its code, else its state name, else the keyword rules
    on its text; ("", "") when nothing fits (stored unmapped, for review)."""
    mapped = MAPPING.get(code) or MAPPING.get(STATE_NAMES.get(state_name, ""))
    return refine_by_text(mapped, text)


def verdict(status: str, message: str, state: str) -> tuple[str, str]:
    """Kuaidi100's verdict on the whole parcel: lastResult.state, or what the message of an
    abort says (it stopped tracking, so its state means nothing more); ("", "") when
    neither says anything."""
    if status == ABORT:
        return next((said for words, said in ABORT_VERDICTS if words in message), ("", ""))
    mapped = MAPPING.get(state)
    return (str(mapped[0]), mapped[1]) if mapped else ("", "")


def _text(value: Any) -> str:
    return payload_text(value, floats=False)  # Kuaidi100 codes arrive as whole numbers


def _events(
    result: dict[str, Any],
    path: str,
    carrier: str,
    number: str,
    com: str,
    nu: str,
    rejected: list[str],
) -> list[ParsedEvent]:
    """The nodes of one result; a node that cannot be an event (no time, a time that is
    none or out of range) goes to `rejected` with its reason, and the others are kept."""
    data = result.get("data")
    if data is None:
        return []
    if not isinstance(data, list):
        raise PayloadError(_("%(path)s.data must be a list.") % {"path": path})
    events = []
    for index, item in enumerate(data):
        item_path = f"{path}.data[{index}]"
        try:
            events.append(_event(item, item_path, carrier, number, com, nu))
        except PayloadError as bad:
            rejected.append(str(bad))
    return events


def _event(item: Any, item_path: str, carrier: str, number: str, com: str, nu: str) -> ParsedEvent:
    if not isinstance(item, dict):
        raise PayloadError(_("%(path)s must be an object.") % {"path": item_path})
    when = _text(item.get("ftime")) or _text(item.get("time"))
    if not when:
        raise PayloadError(_("%(path)s has no ftime or time.") % {"path": item_path})
    code, state_name = _text(item.get("statusCode")), _text(item.get("status"))
    context = _text(item.get("context"))
    return provider_event(
        PROVIDER,
        carrier,
        number,
        local_time_at(when, carrier, f"{item_path}.ftime"),
        map_code(code, state_name, context),
        raw_code=code or state_name,
        raw_text=context,
        location=_text(item.get("areaName")) or _text(item.get("location")),
        # The node alone does not say whose it is: keep Kuaidi100's com and nu with it.
        raw={**item, "com": com, "nu": nu},
    )


def parse_push(param: str) -> Kuaidi100Push:
    """The push's parcel and one ParsedEvent per node of lastResult (and destResult, the
    destination country's carrier for international parcels)."""
    try:
        document = orjson.loads(param)
    except orjson.JSONDecodeError as error:
        raise PayloadError(
            _("param is not valid JSON: %(reason)s") % {"reason": str(error)}
        ) from None
    if not isinstance(document, dict):
        raise PayloadError(_("param must be a JSON object."))
    last = document.get("lastResult")
    if not isinstance(last, dict):
        raise PayloadError(_("param has no lastResult object."))
    number = tracking_number_at(_text(last.get("nu")), "lastResult.nu")
    if not number:
        raise PayloadError(_("lastResult.nu (the tracking number) is missing."))
    # comNew: Kuaidi100 found the carrier code it was given (comOld) to be wrong.
    com = (_text(document.get("comNew")) or _text(last.get("com"))).lower()
    if not com:
        raise PayloadError(_("lastResult.com (the carrier) is missing."))

    carrier = registry.from_provider_code(PROVIDER, com) or ""
    rejected: list[str] = []
    events = _events(last, "lastResult", carrier, number, com, number, rejected)
    destination = document.get("destResult")
    if isinstance(destination, dict):
        # The destination country's carrier moves the same parcel: its nodes belong to our
        # shipment, with its own com and nu kept in raw.
        dest_com = _text(destination.get("com")).lower() or com
        dest_nu = _text(destination.get("nu")) or number
        events += _events(destination, "destResult", carrier, number, dest_com, dest_nu, rejected)
    keep_unknown_carrier_code(events, carrier, com)

    status, message = _text(document.get("status")), _text(document.get("message"))
    return Kuaidi100Push(
        status=status,
        message=message,
        carrier=carrier,
        tracking_number=number,
        events=events,
        is_signed=_text(last.get("ischeck")) == "1",
        raw=document,
        summary=ProviderSummary(
            PROVIDER,
            carrier,
            number,
            *verdict(status, message, _text(last.get("state"))),
            provider_carrier=com,
        ),
        rejected=rejected,
    )
