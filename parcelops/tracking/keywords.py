"""Keyword rules on carriers' event texts, Chinese and English (FORMATS.md, "Mapping to the
canonical statuses"): the fallback when a provider's code is unknown.

Rules are tried in order, most specific first; a negation (未签收, not delivered) stops a
rule from matching, so "尚未签收" never reads as delivered.
"""

import re

from parcelops.tracking.status import TrackingStatus as S

NEGATION = r"(?:未|尚未|没有|无法|不能|取消|not\s+(?:yet\s+)?|unable\s+to\s+be\s+)"

# (pattern, status, substatus); first match wins.
RULES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(p, re.IGNORECASE), status, substatus)
    for p, status, substatus in [
        (
            r"已退回.*签收|退回.*已签收|returned to (?:the )?sender|return(?:ed)? delivered",
            S.RETURNED,
            "",
        ),
        (r"拒收|拒签|refused|rejected by (?:the )?recipient", S.EXCEPTION, "refused"),
        (
            r"退回|退件|返回寄件人|退还|return(?:ing)? to sender|return initiated",
            S.RETURNING,
            "return_initiated",
        ),
        (r"丢失|遗失|lost", S.LOST, ""),
        (r"破损|损坏|damaged", S.EXCEPTION, "damaged"),
        (r"扣关|海关查验异常|held (?:by|in) customs", S.EXCEPTION, "held_by_customs"),
        (
            r"地址不详|地址错误|地址有误|incorrect address|address (?:problem|invalid|incomplete)",
            S.EXCEPTION,
            "address_invalid",
        ),
        (r"滞留|stranded", S.EXCEPTION, "stranded"),
        (
            r"(?:快递柜|丰巢|智能柜|locker).*(?:签收|取件|取出)|(?:签收|取出).*(?:快递柜|丰巢|智能柜)",
            S.DELIVERED,
            "locker",
        ),
        (
            r"代收|代签|(?:家人|同事|门卫|前台|物业|邻居)(?:代)?签收|signed by (?:a )?(?:proxy|neighbou?r|front desk)",
            S.DELIVERED,
            "signed_by_proxy",
        ),
        (r"签收|妥投|delivered", S.DELIVERED, "signed_by_recipient"),
        (
            r"驿站|自提|代收点|pick ?up point|ready for pickup",
            S.AVAILABLE_FOR_PICKUP,
            "at_pickup_point",
        ),
        (r"快递柜|丰巢|智能柜|locker", S.AVAILABLE_FOR_PICKUP, "in_locker"),
        (
            r"无法联系|电话无人接听|无人接听|联系不上|recipient (?:not available|unavailable)|no one (?:home|available)",
            S.ATTEMPT_FAILED,
            "recipient_unavailable",
        ),
        (r"派送|派件|正在为您派|out for delivery", S.OUT_FOR_DELIVERY, "out_for_delivery"),
        (
            r"清关完成|已放行|customs (?:cleared|released)|clearance complete",
            S.IN_TRANSIT,
            "customs_released",
        ),
        (r"清关|海关|customs", S.IN_TRANSIT, "customs_processing"),
        (
            r"等待揽收|待揽收|已下单|电子面单|label created|shipment information received",
            S.INFO_RECEIVED,
            "label_created",
        ),
        (r"揽收|揽件|已收件|收寄|picked up|shipment picked", S.IN_TRANSIT, "picked_up"),
        (r"发往|离开|发出|departed|left (?:the )?facility", S.IN_TRANSIT, "departed_facility"),
        (r"到达|arrived|arrival", S.IN_TRANSIT, "arrived_facility"),
        (
            r"已下单|下单|电子面单|label created|shipment information received",
            S.INFO_RECEIVED,
            "label_created",
        ),
    ]
]


def _is_negated(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 12) : match.start()]
    return re.search(NEGATION + r"\s*$", before, re.IGNORECASE) is not None


def classify_text(text: str) -> tuple[str, str] | None:
    """(status, substatus) the text says, or None when no rule reads it."""
    if not text:
        return None
    for pattern, status, substatus in RULES:
        for match in pattern.finditer(text):
            if not _is_negated(text, match):
                return str(status), substatus
    return None
