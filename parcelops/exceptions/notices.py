"""The words the desk sends: a notice to the customer for each case type, and the one-line
alerts staff get. Pure (no database, no request): format strings in the customer's
language, not gettext's request language, filled with the order's and parcel's facts.

Facts a notice knows: order_number, tracking_number, carrier_name, customer_name,
status_label, expected_date, shop_name, extra (the agent's own words). A fact that is
missing or empty renders as an empty string; a paragraph whose facts are all empty is
left out (no "Expected delivery: ." line when nobody knows the date)."""

import string
from collections.abc import Mapping

from parcelops.exceptions.kinds import CaseType

ZH = "zh-hans"
EN = "en"

# (subject, the case's own paragraphs); greeting, status, extra and closing wrap them.
_NOTICES: dict[str, dict[str, tuple[str, str]]] = {
    CaseType.DELAYED: {
        ZH: (
            "订单 {order_number}：包裹配送延误",
            "您订单 {order_number} 的包裹{parcel}未能按预期时间送达，给您带来不便，深表歉意。"
            "我们已联系承运商跟进。\n\n预计送达日期：{expected_date}。",
        ),
        EN: (
            "Order {order_number}: your parcel is delayed",
            "The parcel of your order {order_number}{parcel} has not arrived when expected, "
            "and we are sorry for the wait. We have asked the carrier to follow it up.\n\n"
            "Expected delivery date: {expected_date}.",
        ),
    },
    CaseType.STALLED: {
        ZH: (
            "订单 {order_number}：包裹物流信息暂未更新",
            "您订单 {order_number} 的包裹{parcel}近期没有新的物流更新。我们已联系承运商核实"
            "包裹的位置，有进展会第一时间通知您。",
        ),
        EN: (
            "Order {order_number}: no tracking updates for your parcel",
            "The parcel of your order {order_number}{parcel} has had no tracking update for a "
            "while. We have asked the carrier where it is and will tell you as soon as we know.",
        ),
    },
    CaseType.NO_FIRST_SCAN: {
        ZH: (
            "订单 {order_number}：包裹尚未被承运商揽收",
            "您订单 {order_number} 的包裹{parcel}已打包交付，但承运商尚未扫描揽收。"
            "我们正在与承运商确认，揽收后您即可查看物流信息。",
        ),
        EN: (
            "Order {order_number}: the carrier has not scanned your parcel yet",
            "The parcel of your order {order_number}{parcel} is packed and handed over, but "
            "the carrier has not scanned it yet. We are checking with the carrier; once it is "
            "scanned you can follow it.",
        ),
    },
    CaseType.LOST: {
        ZH: (
            "订单 {order_number}：包裹可能已丢失",
            "很抱歉，您订单 {order_number} 的包裹{parcel}长时间没有物流更新，可能已在运输途中"
            "丢失。我们正在与承运商核查，并会为您补发或退款，稍后与您确认处理方式。",
        ),
        EN: (
            "Order {order_number}: your parcel may be lost",
            "We are sorry: the parcel of your order {order_number}{parcel} has had no tracking "
            "update for a long time and may have been lost in transit. We are checking with "
            "the carrier and will reship or refund it; we will confirm which with you shortly.",
        ),
    },
    CaseType.DAMAGED: {
        ZH: (
            "订单 {order_number}：包裹在运输中受损",
            "很抱歉，承运商报告您订单 {order_number} 的包裹{parcel}在运输途中受损。我们会为您"
            "补发或退款。如您已签收受损的包裹，请保留包装，拍照后回复本邮件。",
        ),
        EN: (
            "Order {order_number}: your parcel was damaged in transit",
            "We are sorry: the carrier reports that the parcel of your order "
            "{order_number}{parcel} was damaged in transit. We will reship or refund it. If "
            "you have received the damaged parcel, please keep the packaging and reply to "
            "this email with a photo.",
        ),
    },
    CaseType.REFUSED: {
        ZH: (
            "订单 {order_number}：包裹被拒收",
            "承运商报告您订单 {order_number} 的包裹{parcel}被拒收。如果并非您本人拒收，"
            "或您仍需要这些商品，请回复本邮件，我们会为您重新安排配送。",
        ),
        EN: (
            "Order {order_number}: the parcel was refused",
            "The carrier reports that the parcel of your order {order_number}{parcel} was "
            "refused. If you did not refuse it, or still want the goods, reply to this email "
            "and we will arrange a new delivery.",
        ),
    },
    CaseType.ADDRESS_PROBLEM: {
        ZH: (
            "订单 {order_number}：请确认收货地址",
            "承运商无法按收货地址投递您订单 {order_number} 的包裹{parcel}。请回复本邮件，"
            "确认或补充完整地址（省、市、区、街道门牌号）和联系电话，我们会尽快安排重新投递。",
        ),
        EN: (
            "Order {order_number}: please confirm your delivery address",
            "The carrier could not deliver the parcel of your order {order_number}{parcel} to "
            "its address. Please reply to this email to confirm or complete the address "
            "(province, city, district, street and number) and a phone number, and we will "
            "arrange a new delivery.",
        ),
    },
    CaseType.FAILED_DELIVERY: {
        ZH: (
            "订单 {order_number}：包裹投递未成功",
            "承运商尝试投递您订单 {order_number} 的包裹{parcel}，但未能成功。请保持电话畅通，"
            "或回复本邮件告诉我们方便收货的时间和地点。",
        ),
        EN: (
            "Order {order_number}: the delivery attempt failed",
            "The carrier tried to deliver the parcel of your order {order_number}{parcel} but "
            "could not. Please keep your phone at hand, or reply to this email with a time and "
            "place that suit you.",
        ),
    },
    CaseType.RETURNING: {
        ZH: (
            "订单 {order_number}：包裹正在退回",
            "您订单 {order_number} 的包裹{parcel}正被承运商退回我们的仓库。我们正在核实原因，"
            "会与您联系，为您重新发货或退款。",
        ),
        EN: (
            "Order {order_number}: your parcel is on its way back to us",
            "The carrier is returning the parcel of your order {order_number}{parcel} to our "
            "warehouse. We are finding out why and will contact you to reship or refund it.",
        ),
    },
    CaseType.MISDELIVERED: {
        ZH: (
            "订单 {order_number}：包裹可能被误投",
            "您订单 {order_number} 的包裹{parcel}的签收信息与您的收货地址不符，可能被误投。"
            "我们已要求承运商核查；如您没有收到包裹，我们会为您妥善处理。",
        ),
        EN: (
            "Order {order_number}: your parcel may have been delivered to the wrong place",
            "The delivery record of the parcel of your order {order_number}{parcel} does not "
            "match your address. We have asked the carrier to check; if you did not receive "
            "it, we will put it right.",
        ),
    },
    CaseType.WRONG_INFO: {
        ZH: (
            "订单 {order_number}：物流信息正在核实",
            "您订单 {order_number} 的包裹{parcel}的物流信息出现异常，我们正在与承运商核实。"
            "您看到的物流状态可能暂时不准确，核实后我们会告知您。",
        ),
        EN: (
            "Order {order_number}: we are checking your parcel's tracking",
            "The tracking of the parcel of your order {order_number}{parcel} shows something "
            "that cannot be right, and we are checking it with the carrier. The status you see "
            "may be wrong for now; we will tell you once it is clear.",
        ),
    },
    CaseType.CUSTOMS_HOLD: {
        ZH: (
            "订单 {order_number}：包裹正在清关",
            "您订单 {order_number} 的包裹{parcel}目前在海关清关。如海关需要补充资料"
            "（例如身份证明），我们或承运商会与您联系，请留意。",
        ),
        EN: (
            "Order {order_number}: your parcel is held in customs",
            "The parcel of your order {order_number}{parcel} is being cleared by customs. If "
            "customs need more documents (such as proof of identity), we or the carrier will "
            "contact you.",
        ),
    },
    CaseType.PICKUP_EXPIRING: {
        ZH: (
            "订单 {order_number}：请尽快取件",
            "您订单 {order_number} 的包裹{parcel}已到达自提点或快递柜，保管期即将结束。"
            "请尽快取件，逾期未取的包裹将被退回。\n\n请在 {expected_date} 前取件。",
        ),
        EN: (
            "Order {order_number}: please collect your parcel soon",
            "The parcel of your order {order_number}{parcel} is waiting at a pickup point or "
            "locker, and its holding time ends soon. Please collect it: an uncollected parcel "
            "is sent back.\n\nPlease collect it by {expected_date}.",
        ),
    },
    CaseType.NOT_SHIPPED: {
        ZH: (
            "订单 {order_number}：发货延迟",
            "很抱歉，您的订单 {order_number} 未能按时发货。我们正在加紧处理，发货后会告知您"
            "运单号。\n\n预计送达日期：{expected_date}。",
        ),
        EN: (
            "Order {order_number}: your order ships late",
            "We are sorry: your order {order_number} did not ship on time. We are on it and "
            "will send you the tracking number once it ships.\n\n"
            "Expected delivery date: {expected_date}.",
        ),
    },
    CaseType.OTHER: {
        ZH: (
            "订单 {order_number}：配送情况说明",
            "我们正在处理您订单 {order_number} 的包裹{parcel}的配送问题，有进展会及时通知您。",
        ),
        EN: (
            "Order {order_number}: an update on your delivery",
            "We are looking into the delivery of the parcel of your order "
            "{order_number}{parcel} and will keep you posted.",
        ),
    },
}

# Around each notice: the greeting (with a name, without one), the parcel's status, the
# agent's words, the closing and the signature.
_GREETING = {ZH: ("{customer_name}，您好：", "您好："), EN: ("Dear {customer_name},", "Hello,")}
_STATUS = {ZH: "当前物流状态：{status_label}", EN: "Current tracking status: {status_label}"}
_CLOSING = {
    ZH: "如有任何疑问，请直接回复本邮件。\n\n{shop_name} 客服",
    EN: "If you have any questions, just reply to this email.\n\n{shop_name} customer service",
}

_STAFF_ALERTS = {
    "case.assigned": {
        ZH: "异常 #{case_id}（{type_label}，订单 {order_number}）已分派给您，请在 {due_at} 前处理。",
        EN: "Case #{case_id} ({type_label}, order {order_number}) is assigned to you: handle it by {due_at}.",
    },
    "case.warned": {
        ZH: "异常 #{case_id}（{type_label}，订单 {order_number}）即将到期：处理期限 {due_at}。",
        EN: "Case #{case_id} ({type_label}, order {order_number}) is nearing its deadline of {due_at}.",
    },
    "case.breached": {
        ZH: "异常 #{case_id}（{type_label}，订单 {order_number}）已超过处理期限 {due_at}。",
        EN: "Case #{case_id} ({type_label}, order {order_number}) is past its deadline of {due_at}.",
    },
    "case.escalated": {
        ZH: "异常 #{case_id}（{type_label}，订单 {order_number}）已超时并升级给您，新的处理期限 {due_at}。",
        EN: "Case #{case_id} ({type_label}, order {order_number}) was escalated to you: new deadline {due_at}.",
    },
}

STAFF_ALERT_KINDS = tuple(_STAFF_ALERTS)


def notice_language(language: str) -> str:
    """The template language for a language code: English for en*, else Chinese (the
    shop's default)."""
    return EN if language.lower().startswith("en") else ZH


class _Facts(dict[str, str]):
    """Facts as format_map reads them: a missing one is an empty string."""

    def __missing__(self, key: str) -> str:
        return ""


def _facts(facts: Mapping[str, object], language: str) -> _Facts:
    filled = _Facts(
        {key: "" if value is None else str(value).strip() for key, value in facts.items()}
    )
    filled["parcel"] = _parcel_phrase(filled["carrier_name"], filled["tracking_number"], language)
    return filled


def _parcel_phrase(carrier: str, number: str, language: str) -> str:
    """ "(SF Express, tracking number SF1234)" after "the parcel", with what is known."""
    if language == ZH:
        parts = [carrier, f"运单号 {number}" if number else ""]
        inner = "，".join(part for part in parts if part)
        return f"（{inner}）" if inner else ""
    parts = [carrier, f"tracking number {number}" if number else ""]
    inner = ", ".join(part for part in parts if part)
    return f" ({inner})" if inner else ""


def _fields_of(text: str) -> list[str]:
    return [field for _text, field, _spec, _conv in string.Formatter().parse(text) if field]


def _render(text: str, facts: _Facts) -> str:
    """The text filled in, leaving out each paragraph whose facts are all empty."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        fields = _fields_of(paragraph)
        if fields and not any(facts[field] for field in fields):
            continue
        paragraphs.append(paragraph.format_map(facts))
    return "\n\n".join(paragraphs)


def customer_notice(case_type: str, language: str, facts: Mapping[str, object]) -> tuple[str, str]:
    """(subject, body) of the notice for a case of this type, in the customer's language."""
    templates = _NOTICES.get(case_type)
    if templates is None:
        raise ValueError(f"no customer notice for case type {case_type!r}")
    language = notice_language(language)
    filled = _facts(facts, language)
    subject, middle = templates[language]
    with_name, without_name = _GREETING[language]
    greeting = with_name if filled["customer_name"] else without_name
    body = "\n\n".join([greeting, middle, _STATUS[language], "{extra}", _CLOSING[language]])
    return " ".join(subject.format_map(filled).split()), _render(body, filled)


def staff_alert_text(kind: str, language: str, facts: Mapping[str, object]) -> str:
    """One line for a staff alert ("case.assigned", "case.warned", "case.breached",
    "case.escalated"); facts: case_id, type_label, order_number, due_at."""
    templates = _STAFF_ALERTS.get(kind)
    if templates is None:
        raise ValueError(f"no staff alert text for {kind!r}")
    filled = _facts(facts, notice_language(language))
    return templates[notice_language(language)].format_map(filled)
