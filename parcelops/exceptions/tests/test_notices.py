"""Customer notices and staff alert lines: every case type in both languages, the facts
filled in, missing facts left out without errors. No database."""

import pytest

from parcelops.exceptions.kinds import CaseType
from parcelops.exceptions.notices import STAFF_ALERT_KINDS, customer_notice, staff_alert_text

FACTS = {
    "order_number": "PO-20261125-0007",
    "tracking_number": "SF1234567890123",
    "carrier_name": "顺丰速运",
    "customer_name": "王小明",
    "status_label": "运输中",
    "expected_date": "2026-11-28",
    "shop_name": "西湖茶庄",
    "extra": "我们已为您申请加急处理。",
}
WITH_EXPECTED_DATE = {CaseType.DELAYED, CaseType.PICKUP_EXPIRING, CaseType.NOT_SHIPPED}
WITH_PARCEL = set(CaseType) - {CaseType.NOT_SHIPPED}  # no parcel yet when not shipped


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("case_type", list(CaseType))
def test_every_type_has_a_notice_with_the_facts_filled_in(case_type, language):
    subject, body = customer_notice(case_type, language, FACTS)

    assert FACTS["order_number"] in subject
    assert "\n" not in subject
    for fact in ("order_number", "customer_name", "status_label", "shop_name", "extra"):
        assert FACTS[fact] in body, fact
    if case_type in WITH_PARCEL:
        assert FACTS["tracking_number"] in body
        assert FACTS["carrier_name"] in body
    if case_type in WITH_EXPECTED_DATE:
        assert FACTS["expected_date"] in body
    assert "{" not in subject + body
    assert "}" not in subject + body


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("case_type", list(CaseType))
def test_a_notice_without_facts_leaves_out_what_it_does_not_know(case_type, language):
    subject, body = customer_notice(case_type, language, {})

    assert subject
    assert body
    assert "{" not in subject + body
    assert "\n\n\n" not in body
    assert "：。" not in body
    assert ": ." not in body
    assert "()" not in body
    assert "（）" not in body


def test_the_chinese_notice_of_a_delay_reads_in_full():
    subject, body = customer_notice(CaseType.DELAYED, "zh-hans", FACTS)

    assert subject == "订单 PO-20261125-0007：包裹配送延误"
    assert body == (
        "王小明，您好：\n\n"
        "您订单 PO-20261125-0007 的包裹（顺丰速运，运单号 SF1234567890123）未能按预期时间送达，"
        "给您带来不便，深表歉意。我们已联系承运商跟进。\n\n"
        "预计送达日期：2026-11-28。\n\n"
        "当前物流状态：运输中\n\n"
        "我们已为您申请加急处理。\n\n"
        "如有任何疑问，请直接回复本邮件。\n\n"
        "西湖茶庄 客服"
    )


def test_the_english_notice_without_name_date_carrier_or_words_reads_in_full():
    facts = {"order_number": "PO-1", "tracking_number": "YT123", "status_label": "In transit"}

    subject, body = customer_notice(CaseType.DELAYED, "en-us", facts)

    assert subject == "Order PO-1: your parcel is delayed"
    assert body == (
        "Hello,\n\n"
        "The parcel of your order PO-1 (tracking number YT123) has not arrived when expected, "
        "and we are sorry for the wait. We have asked the carrier to follow it up.\n\n"
        "Current tracking status: In transit\n\n"
        "If you have any questions, just reply to this email."
    )


def test_a_language_other_than_english_gets_the_chinese_notice():
    assert customer_notice(CaseType.LOST, "zh", FACTS) == customer_notice(
        CaseType.LOST, "zh-hans", FACTS
    )
    assert customer_notice(CaseType.LOST, "fr", FACTS)[0] == "订单 PO-20261125-0007：包裹可能已丢失"


def test_facts_that_are_not_text_are_written_as_text_and_none_as_nothing():
    subject, body = customer_notice(
        CaseType.OTHER, "en", {"order_number": 42, "customer_name": None}
    )

    assert subject == "Order 42: an update on your delivery"
    assert body.startswith(
        "Hello,\n\nWe are looking into the delivery of the parcel of your order 42 "
    )


def test_an_unknown_case_type_has_no_notice():
    with pytest.raises(ValueError, match="no customer notice"):
        customer_notice("teleported", "en", FACTS)


ALERT_FACTS = {
    "case_id": 12,
    "type_label": "Lost",
    "order_number": "PO-1",
    "due_at": "2026-11-25 18:00",
}


@pytest.mark.parametrize(
    ("kind", "english", "chinese"),
    [
        (
            "case.assigned",
            "Case #12 (Lost, order PO-1) is assigned to you: handle it by 2026-11-25 18:00.",
            "异常 #12（Lost，订单 PO-1）已分派给您，请在 2026-11-25 18:00 前处理。",
        ),
        (
            "case.warned",
            "Case #12 (Lost, order PO-1) is nearing its deadline of 2026-11-25 18:00.",
            "异常 #12（Lost，订单 PO-1）即将到期：处理期限 2026-11-25 18:00。",
        ),
        (
            "case.breached",
            "Case #12 (Lost, order PO-1) is past its deadline of 2026-11-25 18:00.",
            "异常 #12（Lost，订单 PO-1）已超过处理期限 2026-11-25 18:00。",
        ),
        (
            "case.escalated",
            "Case #12 (Lost, order PO-1) was escalated to you: new deadline 2026-11-25 18:00.",
            "异常 #12（Lost，订单 PO-1）已超时并升级给您，新的处理期限 2026-11-25 18:00。",
        ),
    ],
)
def test_each_staff_alert_reads_in_both_languages(kind, english, chinese):
    assert staff_alert_text(kind, "en", ALERT_FACTS) == english
    assert staff_alert_text(kind, "zh-hans", ALERT_FACTS) == chinese


@pytest.mark.parametrize("kind", STAFF_ALERT_KINDS)
def test_a_staff_alert_without_facts_is_no_error(kind):
    assert "{" not in staff_alert_text(kind, "en", {})


def test_an_unknown_staff_alert_kind_is_refused():
    with pytest.raises(ValueError, match="no staff alert text"):
        staff_alert_text("case.forgotten", "en", ALERT_FACTS)
