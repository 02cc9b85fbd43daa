"""The carrier registry: our codes, provider codes, time zones, and carriers by any name.
Without a database: the built-in list (the table's seed) answers."""

from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from parcelops.carriers.registry import (
    CARRIERS,
    UnknownCarrierError,
    carrier,
    carrier_names,
    carrier_zone,
    carriers,
    from_provider_code,
    name_key,
    resolve_carrier,
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
    assert carriers() == CARRIERS  # no table here: the built-in list stands in


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


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("yto", "yto"),  # our code
        ("YTO", "yto"),  # in any case
        ("ＹＴＯ", "yto"),  # and width
        ("shunfeng", "sf-express"),  # Kuaidi100
        ("sf-express", "sf-express"),  # AfterShip (and ours)
        ("100012", "sf-express"),  # 17TRACK
        ("zto-express", "zto"),
        ("190456", "zto"),
        ("SF", "sf-express"),
        ("ZTO", "zto"),
        ("STO", "sto"),
        ("JD", "jd"),
        ("EMS", "ems"),
        ("J&T", "jtexpress"),
        ("j & t", "jtexpress"),
        ("DBL", "deppon"),
        ("YD", "yunda"),
        ("顺丰", "sf-express"),
        ("顺丰速运", "sf-express"),
        ("顺丰快递", "sf-express"),  # another usual suffix
        ("SF Express", "sf-express"),
        ("sf express", "sf-express"),
        ("中通", "zto"),
        ("J&T Express", "jtexpress"),
        ("极兔", "jtexpress"),
        ("德邦物流", "deppon"),
        ("debangwuliu", "deppon"),
        ("China Post", "china-post"),
        ("中国邮政", "china-post"),
        ("联邦快递", "fedex"),
        (" UPS ", "ups"),
    ],
)
def test_a_carrier_is_found_by_any_of_its_names(name, code):
    assert resolve_carrier(name) == code


def test_an_unknown_name_lists_the_closest_known_carriers():
    with pytest.raises(UnknownCarrierError) as raised:
        resolve_carrier("YTOO")

    assert raised.value.closest[0] == "yto"
    with translation.override("en"):
        assert raised.value.message == (
            "Unknown carrier “YTOO”. The closest known carriers: "
            "YTO Express (yto), ZTO Express (zto), STO Express (sto)."
        )


def test_no_name_means_two_carriers():
    owners: dict[str, str] = {}
    for info in CARRIERS:
        for name in carrier_names(info):
            owner = owners.setdefault(name_key(name), info.code)
            assert owner == info.code, name
