"""Carrier choice's fields of the carrier table: coverage and services refused in a wrong
shape with a clear message, coverage compared across the spellings of a province, and the
price table edited in the admin with every change audited."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client

from parcelops.audit.models import AuditRecord
from parcelops.carriers.coverage import covers, province_key
from parcelops.carriers.models import Carrier, PriceRule, carrier_field_errors

pytestmark = pytest.mark.usefixtures("english")


def errors_of(**changes) -> dict[str, str]:
    row = Carrier(code="acme", name_zh="极速达", name_en="Acme", country="CN", **changes)
    return {field: str(message) for field, message in carrier_field_errors(row).items()}


@pytest.mark.parametrize(
    ("coverage", "message"),
    [
        ("广东省", 'A list of provinces or countries, such as ["广东省", "上海市", "HK"].'),
        ({"广东省": True}, 'A list of provinces or countries, such as ["广东省", "上海市", "HK"].'),
        (["广东省", 3], "Each place is a name in quotes; “3” is not."),
        (["广东省", ""], "Each place is a name in quotes; “” is not."),
        ([" 广东省"], "“ 广东省”: a place has no spaces around it and at most 40 characters."),
        (["*", "广东省"], '["*"] means everywhere: write it alone, without other places.'),
        (["广东省", "广东省"], "A place is listed twice."),
    ],
)
def test_a_coverage_of_the_wrong_shape_is_refused_with_why(coverage, message):
    assert errors_of(coverage=coverage) == {"coverage": message}


KNOWN = "“insurance”, “cod”, “door_delivery”, “cold_chain”, “bulky”"


@pytest.mark.parametrize(
    ("services", "message"),
    [
        ("insurance", f"A list of services, any of {KNOWN}."),
        (["insurance", "teleport"], f"“teleport” is not a service; use any of {KNOWN}."),
        (["cod", "cod"], "A service is listed twice."),
    ],
)
def test_services_of_the_wrong_shape_are_refused_with_why(services, message):
    assert errors_of(services=services) == {"services": message}


@pytest.mark.parametrize("coverage", [[], ["*"], ["广东省", "上海市", "HK"], ["新疆维吾尔自治区"]])
def test_good_coverage_and_services_pass(coverage):
    assert errors_of(coverage=coverage, services=["insurance", "cold_chain"]) == {}


def test_slow_transit_may_not_be_faster_than_usual():
    assert errors_of(default_transit_hours_p50=48, default_transit_hours_p90=24) == {
        "default_transit_hours_p90": "The slow transit time cannot be shorter than the usual one."
    }


@pytest.mark.parametrize(
    ("name", "key"),
    [("浙江省", "浙江"), ("浙江", "浙江"), (" 浙江省 ", "浙江"), ("上海市", "上海"),
     ("广西壮族自治区", "广西"), ("新疆维吾尔自治区", "新疆"), ("香港特别行政区", "香港"),
     ("Zhejiang Province", "zhejiang"), ("HK", "hk"), ("*", "*")],
)  # fmt: skip
def test_provinces_compare_without_their_suffix(name, key):
    assert province_key(name) == key


def test_coverage_reaches_a_province_however_it_is_spelled():
    assert covers(["浙江省", "上海市"], "浙江") is True
    assert covers(["浙江"], "浙江省") is True
    assert covers(["浙江省"], "江苏省") is False
    assert covers(["*"], "西藏自治区") is True
    assert covers(["*"], "") is True
    assert covers(["浙江省"], "") is False
    assert covers([], "浙江省") is False


@pytest.mark.django_db
def test_a_negative_price_is_refused():
    rule = PriceRule(carrier=Carrier.objects.get(code="zto"), first_cents=-1, additional_cents=100)
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert refused.value.message_dict == {"first_cents": ["A price cannot be negative."]}


@pytest.mark.django_db
def test_price_rules_are_edited_in_the_admin_and_audited():
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-root-123"))
    zto = Carrier.objects.get(code="zto")

    response = client.post(
        "/admin/carriers/pricerule/add/",
        {
            "carrier": zto.pk,
            "service": "",
            "origin_province": "浙江省",
            "destination_province": "四川省",
            "first_weight_grams": 1000,
            "first_cents": 550,
            "additional_weight_grams": 1000,
            "additional_cents": 400,
            "currency": "CNY",
        },
    )

    assert response.status_code == 302
    rule = PriceRule.objects.get(carrier=zto)
    assert (rule.first_cents, rule.additional_cents) == (550, 400)
    record = AuditRecord.objects.get(action="carrier.price_added")
    assert record.object_id == str(rule.pk)
    assert client.get(f"/admin/carriers/pricerule/?carrier__id__exact={zto.pk}").status_code == 200
    assert client.get(f"/admin/carriers/carrier/{zto.pk}/change/").status_code == 200
