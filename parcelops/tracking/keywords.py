"""Keyword rules on carriers' event texts, Chinese and English (FORMATS.md, "Mapping to the
canonical statuses"): the fallback when a provider's code is unknown.

Rules are tried in order, most specific first; a match preceded by a negation (未签收, not
delivered) or by a word that puts it in the future (待派送, will be delivered) does not
count, and the search goes on: "快件未签收，正在派送" reads as out for delivery.
"""

import re
from functools import lru_cache

from parcelops.tracking.status import TrackingStatus as S

# Words that, right before a keyword, say it did not (or not yet) happen.
_NEGATION = (
    r"(?:未能?|尚未|没有|没|无法|不能|不予|不|取消|撤销"
    r"|\bnot\s+(?:yet\s+|be\s+|been\s+)?|\bno\s+|\bnever\s+|\bunable\s+to\s+be\s+|\bcannot\s+be\s+)"
)
_FUTURE = (
    r"(?:(?:准备|即将|将|待)(?:再次|再)?|(?:将于|预计|计划于?)[^，,。；;]{0,6}"
    r"|\bwill\s+be\s+|\bto\s+be\s+|\bscheduled\s+to\s+be\s+)"
)
_GUARD = re.compile(f"(?:{_NEGATION}|{_FUTURE})\\s*$", re.IGNORECASE)

_LOCKER = r"快递柜|丰巢|智能柜|自提柜|储物柜|\blockers?\b|\bparcel\s?box"
_STATION = r"驿站|代收点|自提点|服务站|\bpick-?up (?:point|location)|\bservice point|\bparcel ?shop"
_PROXY = r"家人|亲属|同事|门卫|前台|物业|保安|收发室|传达室|门岗"

# (pattern, status, substatus); first match wins. Named groups "core"/"core2" mark the word
# the negation guard applies to when it is not the first word of the match.
RULES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(pattern, re.IGNORECASE), status, substatus)
    for pattern, status, substatus in [
        # Back with the sender: the return is over (before "签收" reads as delivered).
        (
            r"(?:退回|退件|退签|返回寄件人)[^。；;]*?(?P<core>签收|妥投)"
            r"|\breturned to (?:the )?(?:sender|shipper)\b|\breturn delivered\b",
            S.RETURNED,
            "",
        ),
        (r"拒收|拒签|拒绝签收|\brefused\b|\brejected by (?:the )?(?:recipient|consignee)\b",
         S.EXCEPTION, "refused"),
        (
            r"退回|退件|返回寄件人|退还寄件人|\breturn(?:ing)? to (?:the )?(?:sender|shipper)\b"
            r"|\breturn initiated\b",
            S.RETURNING,
            "return_initiated",
        ),
        (r"丢失|遗失|\blost\b", S.LOST, ""),
        (r"破损|损坏|\bdamaged?\b", S.EXCEPTION, "damaged"),
        (r"扣关|海关扣[留押]|查验异常|清关异常|\bheld (?:by|in|at) customs\b",
         S.EXCEPTION, "held_by_customs"),
        (
            r"地址不详|地址错误|地址有误|地址不全|地址不存在|\bincorrect address\b"
            r"|\baddress (?:invalid|incomplete|incorrect)\b|\binvalid address\b",
            S.EXCEPTION,
            "address_invalid",
        ),
        (r"(?:天气|暴雨|暴雪|大雪|台风|大雾)[^。；;]{0,12}?(?P<core>延误|延迟|滞留|停运)"
         r"|\b(?:weather|storm)\b[^.;]{0,30}?\bdelay",
         S.EXCEPTION, "delayed_weather"),
        (r"滞留|\bstranded\b", S.EXCEPTION, "stranded"),
        # Collected from a locker or a station: delivered, not merely waiting there.
        (
            f"(?:{_LOCKER}|{_STATION})[^。；;]*?(?P<core>签收|已取件|已取出|被取出|取件成功)"
            f"|(?:签收|已取件|已取出)[^。；;]*?(?:{_LOCKER}|{_STATION})"
            f"|已从[^。；;]*?(?:{_LOCKER}|{_STATION})[^。；;]*?(?P<core2>取出|取件)"
            r"|\bdelivered to (?:a |the )?(?:parcel )?lockers?\b"
            r"|\b(?:picked up|collected) by (?:the )?(?:customer|recipient|consignee|addressee)\b",
            S.DELIVERED,
            "locker",
        ),
        # "已被菜鸟驿站代收": the station took it in for the recipient, who has yet to come.
        (f"(?:{_STATION})[^。；;]*?(?P<core>代收|代签|到站|存放|暂存)", S.AVAILABLE_FOR_PICKUP,
         "at_pickup_point"),
        (r"邻居(?:代)?签收|签收人[是为：:]?\s*[【\[（(]?邻居|\b(?:delivered to|left with)"
         r" (?:a |your )?neighbou?r\b", S.DELIVERED, "neighbour"),
        (
            f"代收(?!点|货款|款)|代签|(?:{_PROXY})(?:代)?签收|签收人[是为：:]?\\s*[【\\[（(]?(?:{_PROXY}|他人)"
            r"|\bsigned (?:for )?by (?:a )?(?:proxy|front desk|reception|concierge)\b",
            S.DELIVERED,
            "signed_by_proxy",
        ),
        (r"签收|妥投|投递成功|\bdelivered\b", S.DELIVERED, "signed_by_recipient"),
        (_STATION + r"|自提|\bready for (?:pick-?up|collection)\b", S.AVAILABLE_FOR_PICKUP,
         "at_pickup_point"),
        (_LOCKER, S.AVAILABLE_FOR_PICKUP, "in_locker"),
        (
            r"无法联系|联系不上|电话无人接听|无人接听|电话(?:关机|停机)|收件人不在|家中无人"
            r"|\brecipient (?:not available|unavailable)\b|\bno one (?:home|available)\b",
            S.ATTEMPT_FAILED,
            "recipient_unavailable",
        ),
        (r"派送(?:不成功|失败)|投递(?:不成功|失败)|\bdelivery attempt(?:ed)?\b"
         r"|\battempted delivery\b", S.ATTEMPT_FAILED, ""),
        (r"派送|派件|正在为您派|\bout for delivery\b", S.OUT_FOR_DELIVERY, "out_for_delivery"),
        (r"清关完成|已清关|海关放行|已放行|\bcustoms (?:cleared|released)\b"
         r"|\bclearance (?:complete|completed)\b", S.IN_TRANSIT, "customs_released"),
        (r"清关|海关|\bcustoms\b", S.IN_TRANSIT, "customs_processing"),
        (r"等待揽收|待揽收|等待快递员上门|\bawaiting pick-?up\b", S.INFO_RECEIVED,
         "awaiting_pickup"),
        (r"揽收|揽件|已收件|已收寄|收寄|已收取|收取快件|\bpicked up\b|\bshipment picked\b|\bacceptance scan\b",
         S.IN_TRANSIT, "picked_up"),
        (r"发往|离开|已发出|发出|\bdeparted\b|\bleft (?:the )?facility\b|\bdeparture scan\b",
         S.IN_TRANSIT, "departed_facility"),
        (r"到达|已到|\barrived\b|\barrival scan\b", S.IN_TRANSIT, "arrived_facility"),
        (r"已下单|下单|电子面单|\blabel created\b|\bshipment information received\b"
         r"|\bshipping label\b", S.INFO_RECEIVED, "label_created"),
        (r"运输中|在途|转运中|\bin transit\b", S.IN_TRANSIT, ""),
    ]
]  # fmt: skip


def _is_guarded(text: str, position: int) -> bool:
    return _GUARD.search(text[max(0, position - 16) : position]) is not None


def _counts(text: str, match: re.Match[str]) -> bool:
    if _is_guarded(text, match.start()):
        return False
    return not any(
        match.start(name) >= 0 and _is_guarded(text, match.start(name))
        for name in ("core", "core2")
        if name in match.re.groupindex
    )


# Carriers write from templates (a facility name, a courier), so texts repeat massively
# within a feed; the rules are pure, so a bounded memo answers a repeated text at once.
@lru_cache(maxsize=100_000)
def classify_text(text: str) -> tuple[str, str] | None:
    """(status, substatus) the text says, or None when no rule reads it."""
    if not text:
        return None
    for pattern, status, substatus in RULES:
        if any(_counts(text, match) for match in pattern.finditer(text)):
            return str(status), substatus
    return None


def refine_by_text(mapped: tuple[str, str] | None, text: str) -> tuple[str, str]:
    """(status, substatus) of an event from its provider's code (`mapped`, None when the
    provider's table has no entry) and its text. A code without a substatus takes the
    text's when the keyword rules agree on the status ("在途" + "快件已到达【上海转运中心】"
    says which step); no code at all takes the text's alone; ("", "") when neither says
    anything (stored unmapped, for review)."""
    if mapped is not None and mapped[1]:
        return str(mapped[0]), mapped[1]
    by_text = classify_text(text)
    if mapped is None:
        return by_text or ("", "")
    if by_text and by_text[0] == mapped[0]:
        return by_text
    return str(mapped[0]), mapped[1]
