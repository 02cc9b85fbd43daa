"""Keyword rules on carriers' texts, with the negations that must not match."""

import pytest

from parcelops.tracking.keywords import RULES, classify_text
from parcelops.tracking.status import SUBSTATUSES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # delivered
        ("您的快件已签收，签收人：本人", ("delivered", "signed_by_recipient")),
        ("【上海市】已签收，感谢使用中通快递，期待再次为您服务", ("delivered", "signed_by_recipient")),
        ("您的邮件已妥投，投递员：张三", ("delivered", "signed_by_recipient")),
        ("Delivered, front door", ("delivered", "signed_by_recipient")),
        ("Your parcel has been delivered", ("delivered", "signed_by_recipient")),
        ("您的快件已由门卫代收", ("delivered", "signed_by_proxy")),
        ("快件已签收，签收人：前台", ("delivered", "signed_by_proxy")),
        ("已签收，签收人是【家人】", ("delivered", "signed_by_proxy")),
        ("您的快件已由同事代签", ("delivered", "signed_by_proxy")),
        ("Signed for by front desk", ("delivered", "signed_by_proxy")),
        ("快件已由邻居代签收", ("delivered", "neighbour")),
        ("Delivered to neighbour at No. 12", ("delivered", "neighbour")),
        ("快件已在【丰巢智能柜】签收", ("delivered", "locker")),
        ("您的快件已从【菜鸟驿站】取出", ("delivered", "locker")),
        ("已签收，签收人凭取货码签收（丰巢快递柜）", ("delivered", "locker")),
        ("Picked up by the customer", ("delivered", "locker")),
        # refused, returning, returned
        ("派送不成功，客户拒收", ("exception", "refused")),
        ("收件人拒签，原因：商品与描述不符", ("exception", "refused")),
        ("Delivery refused by recipient", ("exception", "refused")),
        ("快件退回中", ("returning", "return_initiated")),
        ("快件已退件，正在返回寄件人", ("returning", "return_initiated")),
        ("Return to sender initiated", ("returning", "return_initiated")),
        ("快件已退回，寄件人已签收", ("returned", "")),
        ("退回件已妥投", ("returned", "")),
        ("Returned to sender", ("returned", "")),
        # exceptions
        ("快件在【杭州转运中心】滞留", ("exception", "stranded")),
        ("Shipment stranded at hub", ("exception", "stranded")),
        ("外包装破损", ("exception", "damaged")),
        ("Package damaged in transit", ("exception", "damaged")),
        ("受台风天气影响，快件延误", ("exception", "delayed_weather")),
        ("Weather conditions caused a delay", ("exception", "delayed_weather")),
        ("收件地址不详", ("exception", "address_invalid")),
        ("收件人地址错误，请联系寄件人", ("exception", "address_invalid")),
        ("Incorrect address - contact sender", ("exception", "address_invalid")),
        ("快件被海关扣留", ("exception", "held_by_customs")),
        ("海关查验异常，等待处理", ("exception", "held_by_customs")),
        ("Held by customs", ("exception", "held_by_customs")),
        ("快件遗失", ("lost", "")),
        ("快件丢失，已启动理赔", ("lost", "")),
        ("Shipment lost", ("lost", "")),
        # pickup points and lockers
        ("快件已到达【菜鸟驿站】，请凭取件码自提", ("available_for_pickup", "at_pickup_point")),
        ("您的快件已被【菜鸟驿站】代收，请及时取件", ("available_for_pickup", "at_pickup_point")),
        ("快件已送达【XX小区代收点】", ("available_for_pickup", "at_pickup_point")),
        ("Ready for pickup at UPS Access Point", ("available_for_pickup", "at_pickup_point")),
        ("快件已存放至【丰巢快递柜】", ("available_for_pickup", "in_locker")),
        ("您的快件已放入丰巢快递柜，请凭取件码取件", ("available_for_pickup", "in_locker")),
        ("Delivered to parcel locker", ("delivered", "locker")),
        ("Placed in locker 14", ("available_for_pickup", "in_locker")),
        # attempts
        ("电话无人接听，将再次派送", ("attempt_failed", "recipient_unavailable")),
        ("收件人电话无法联系，快件暂存网点", ("attempt_failed", "recipient_unavailable")),
        ("Recipient unavailable, notice left", ("attempt_failed", "recipient_unavailable")),
        ("派送不成功，改日再派", ("attempt_failed", "")),
        ("Delivery attempted", ("attempt_failed", "")),
        # movement
        ("派件员正在为您派件", ("out_for_delivery", "out_for_delivery")),
        ("【上海市】快递员正在派送中", ("out_for_delivery", "out_for_delivery")),
        ("Out for delivery", ("out_for_delivery", "out_for_delivery")),
        ("【杭州】快递员已揽收", ("in_transit", "picked_up")),
        ("顺丰速运 已收取快件", ("in_transit", "picked_up")),
        ("Picked up", ("in_transit", "picked_up")),
        ("快件已从【杭州转运中心】发出", ("in_transit", "departed_facility")),
        ("快件离开【杭州中转部】已发往【上海】", ("in_transit", "departed_facility")),
        ("Departed FedEx hub", ("in_transit", "departed_facility")),
        ("快件已到达【上海转运中心】", ("in_transit", "arrived_facility")),
        ("快件已到达【杭州中转部】，准备发往【上海】", ("in_transit", "arrived_facility")),
        ("快件已到达【徐汇营业部】，待派送", ("in_transit", "arrived_facility")),
        ("Arrived at FedEx location", ("in_transit", "arrived_facility")),
        ("海关清关中", ("in_transit", "customs_processing")),
        ("Customs clearance in progress", ("in_transit", "customs_processing")),
        ("清关完成，已放行", ("in_transit", "customs_released")),
        ("International shipment release - customs cleared", ("in_transit", "customs_released")),
        ("快件运输中", ("in_transit", "")),
        ("In transit", ("in_transit", "")),
        # before pickup
        ("已下单", ("info_received", "label_created")),
        ("商家已打印电子面单", ("info_received", "label_created")),
        ("Shipment information received", ("info_received", "label_created")),
        ("Label created", ("info_received", "label_created")),
        # "Ordered, awaiting pickup": the later, more specific step wins.
        ("商家已下单，等待揽收", ("info_received", "awaiting_pickup")),
    ],
)  # fmt: skip
def test_keywords_read_the_text(text, expected):
    assert classify_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("快件未签收，正在派送", ("out_for_delivery", "out_for_delivery")),
        ("尚未签收", None),
        ("没有签收", None),
        ("快件待签收", None),
        ("邮件未妥投", None),
        ("客户取消拒收，重新派送", ("out_for_delivery", "out_for_delivery")),
        ("快件已退回，原因：收件人未签收", ("returning", "return_initiated")),
        ("快件取消退回，继续派送", ("out_for_delivery", "out_for_delivery")),
        ("无法派送", None),
        ("快件将于明日派送", None),
        ("Not delivered: customer absent", None),
        ("Package has not been delivered", None),
        ("Undelivered", None),
        ("Will be delivered tomorrow", None),
        ("Scheduled to be delivered on Friday", None),
        ("Package not yet delivered, out for delivery", ("out_for_delivery", "out_for_delivery")),
        ("Shipment information updated", None),
        ("No damage found at inspection", None),
        ("代收货款50元，快件已到达【徐汇营业部】", ("in_transit", "arrived_facility")),
        ("快件信息已更新", None),
        ("", None),
    ],
)
def test_negations_do_not_read_as_the_positive_status(text, expected):
    assert classify_text(text) == expected


def test_every_rule_gives_a_substatus_of_its_status():
    for pattern, status, substatus in RULES:
        assert not substatus or substatus in SUBSTATUSES[status], pattern.pattern
