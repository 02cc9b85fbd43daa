"""Keyword rules on carriers' texts, with the negations that must not match."""

import pytest

from parcelops.tracking.keywords import classify_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("您的快件已签收，签收人：本人", ("delivered", "signed_by_recipient")),
        ("快件已在【丰巢智能柜】签收", ("delivered", "locker")),
        ("您的快件已由门卫代收", ("delivered", "signed_by_proxy")),
        ("派送不成功，客户拒收", ("exception", "refused")),
        ("快件已退回，寄件人已签收", ("returned", "")),
        ("快件退回中", ("returning", "return_initiated")),
        ("快件在【杭州转运中心】滞留", ("exception", "stranded")),
        ("外包装破损", ("exception", "damaged")),
        ("快件已到达【菜鸟驿站】，请凭取件码自提", ("available_for_pickup", "at_pickup_point")),
        ("快件已存放至【丰巢快递柜】", ("available_for_pickup", "in_locker")),
        ("派件员正在为您派件", ("out_for_delivery", "out_for_delivery")),
        ("【杭州】快递员已揽收", ("in_transit", "picked_up")),
        ("快件已从【杭州转运中心】发出", ("in_transit", "departed_facility")),
        ("快件已到达【上海转运中心】", ("in_transit", "arrived_facility")),
        ("海关清关中", ("in_transit", "customs_processing")),
        ("商家已下单，等待揽收", ("info_received", "label_created")),
        ("电话无人接听，将再次派送", ("attempt_failed", "recipient_unavailable")),
        ("收件地址不详", ("exception", "address_invalid")),
        ("快件遗失", ("lost", "")),
        ("Delivered, front door", ("delivered", "signed_by_recipient")),
        ("Out for delivery", ("out_for_delivery", "out_for_delivery")),
        ("Shipment information received", ("info_received", "label_created")),
        ("Returned to sender", ("returned", "")),
    ],
)
def test_keywords_read_the_text(text, expected):
    assert classify_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("快件未签收，正在派送", ("out_for_delivery", "out_for_delivery")),
        ("尚未签收", None),
        ("Not delivered: customer absent", None),
        ("Shipment information updated", None),
        ("", None),
    ],
)
def test_negations_do_not_read_as_the_positive_status(text, expected):
    assert classify_text(text) == expected
