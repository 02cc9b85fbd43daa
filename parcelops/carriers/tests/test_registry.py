"""The carrier registry: our codes, provider codes, time zones."""

from zoneinfo import ZoneInfo

import pytest

from parcelops.carriers.registry import (
    BY_CODE,
    CARRIERS,
    UnknownCarrierError,
    carrier,
    carrier_zone,
    from_provider_code,
)

OUR_CODES = [
    "sf-express",
    "zto",
    "yto",
    "sto",
    "yunda",
    "jd",
    "ems",
    "jtexpress",
    "deppon",
    "china-post",
    "dhl",
    "fedex",
    "ups",
    "usps",
]


def test_the_registry_holds_each_carrier_once_under_our_code():
    assert [info.code for info in CARRIERS] == OUR_CODES
    assert len(BY_CODE) == len(CARRIERS)


@pytest.mark.parametrize(
    ("provider", "provider_code", "code"),
    [
        ("kuaidi100", "shunfeng", "sf-express"),
        ("kuaidi100", " ZhongTong ", "zto"),
        ("kuaidi100", "debangwuliu", "deppon"),
        ("kuaidi100", "debangkuaidi", "deppon"),
        ("kuaidi100", "youzhengguoji", "china-post"),
        ("aftership", "china-ems", "ems"),
        ("aftership", "jet", "jtexpress"),
        ("17track", "3011", "china-post"),
        ("17track", "100003", "fedex"),
        ("kuaidi100", "ups", "ups"),
        ("aftership", "usps", "usps"),
        ("kuaidi100", "sf-express", "sf-express"),  # our own code is understood too
        ("kuaidi100", "no-such-carrier", None),
        ("aftership", "shunfeng", None),  # another provider's code
        ("nobody", "zto-express", None),
    ],
)
def test_a_provider_code_maps_onto_our_code(provider, provider_code, code):
    assert from_provider_code(provider, provider_code) == code


def test_no_provider_code_means_two_carriers():
    for provider in ("kuaidi100", "aftership", "17track"):
        codes = [
            provider_code.lower()
            for info in CARRIERS
            for provider_code in info.provider_codes.get(provider, ())
        ]
        assert len(codes) == len(set(codes)), provider


def test_every_carrier_has_a_code_at_each_provider():
    assert all(
        set(info.provider_codes) == {"kuaidi100", "aftership", "17track"} for info in CARRIERS
    )


def test_a_carrier_is_found_by_our_code_and_an_unknown_code_is_an_error():
    assert carrier("ups").name_en == "UPS"
    with pytest.raises(UnknownCarrierError):
        carrier("acme-freight")


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("sf-express", "Asia/Shanghai"),
        ("dhl", "Europe/Berlin"),
        ("fedex", "America/Chicago"),
        ("usps", "America/New_York"),
        ("acme-freight", "Asia/Shanghai"),  # unknown carriers read in China's time
    ],
)
def test_a_carriers_local_times_are_read_in_its_zone(code, zone):
    assert carrier_zone(code) == ZoneInfo(zone)
