"""The carriers ParcelOps knows: our code, names, time zone, and each provider's code.

Provider codes map what Kuaidi100, AfterShip and 17TRACK call a carrier onto our code.
Tracking-number patterns and check digits live in parcelops.carriers.detection.
"""

from dataclasses import dataclass, field
from functools import cache, lru_cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class CarrierInfo:
    code: str
    name_zh: str
    name_en: str
    time_zone: str
    country: str
    provider_codes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


SHANGHAI = "Asia/Shanghai"

# Provider codes, as checked against public client code and lists (2026): the Kuaidi100 codes
# (shunfeng, zhongtong, yuantong, shentong, yunda, jd, ems, jtexpress, debangkuaidi,
# debangwuliu, youzhengguonei, dhl, usps) are in wide use; of the 17TRACK numbers 3011 (China
# Post), 3013 (China EMS) and 100003 (FedEx) are confirmed. UNCONFIRMED: the other 17TRACK
# numbers, every AfterShip slug of a Chinese carrier (jd, jtexpress-cn, jet, deppon, sto, yto,
# yunda, zto-express), and Kuaidi100's youzhengguoji, fedex and ups; check them against the
# providers' current lists before relying on them.

CARRIERS: tuple[CarrierInfo, ...] = (
    CarrierInfo("sf-express", "顺丰速运", "SF Express", SHANGHAI, "CN",
                {"kuaidi100": ("shunfeng",), "aftership": ("sf-express",), "17track": ("100012",)}),
    CarrierInfo("zto", "中通快递", "ZTO Express", SHANGHAI, "CN",
                {"kuaidi100": ("zhongtong",), "aftership": ("zto-express",), "17track": ("190456",)}),
    CarrierInfo("yto", "圆通速递", "YTO Express", SHANGHAI, "CN",
                {"kuaidi100": ("yuantong",), "aftership": ("yto",), "17track": ("190157",)}),
    CarrierInfo("sto", "申通快递", "STO Express", SHANGHAI, "CN",
                {"kuaidi100": ("shentong",), "aftership": ("sto",), "17track": ("190151",)}),
    CarrierInfo("yunda", "韵达快递", "Yunda Express", SHANGHAI, "CN",
                {"kuaidi100": ("yunda",), "aftership": ("yunda",), "17track": ("190131",)}),
    CarrierInfo("jd", "京东物流", "JD Logistics", SHANGHAI, "CN",
                {"kuaidi100": ("jd",), "aftership": ("jd",), "17track": ("190365",)}),
    CarrierInfo("ems", "EMS", "China EMS", SHANGHAI, "CN",
                {"kuaidi100": ("ems",), "aftership": ("china-ems",), "17track": ("3013",)}),
    CarrierInfo("jtexpress", "极兔速递", "J&T Express", SHANGHAI, "CN",
                {"kuaidi100": ("jtexpress",), "aftership": ("jtexpress-cn", "jet"), "17track": ("191228",)}),
    CarrierInfo("deppon", "德邦快递", "Deppon", SHANGHAI, "CN",
                {"kuaidi100": ("debangkuaidi", "debangwuliu"), "aftership": ("deppon",), "17track": ("190284",)}),
    CarrierInfo("china-post", "中国邮政", "China Post", SHANGHAI, "CN",
                {"kuaidi100": ("youzhengguonei", "youzhengguoji"), "aftership": ("china-post",), "17track": ("3011",)}),
    CarrierInfo("dhl", "DHL", "DHL Express", "Europe/Berlin", "DE",
                {"kuaidi100": ("dhl",), "aftership": ("dhl",), "17track": ("100001",)}),
    CarrierInfo("fedex", "联邦快递", "FedEx", "America/Chicago", "US",
                {"kuaidi100": ("fedex",), "aftership": ("fedex",), "17track": ("100003",)}),
    CarrierInfo("ups", "UPS", "UPS", "America/New_York", "US",
                {"kuaidi100": ("ups",), "aftership": ("ups",), "17track": ("100002",)}),
    CarrierInfo("usps", "美国邮政", "USPS", "America/New_York", "US",
                {"kuaidi100": ("usps",), "aftership": ("usps",), "17track": ("21051",)}),
)  # fmt: skip

BY_CODE = {carrier.code: carrier for carrier in CARRIERS}


class UnknownCarrierError(KeyError):
    pass


def carrier(code: str) -> CarrierInfo:
    try:
        return BY_CODE[code]
    except KeyError:
        raise UnknownCarrierError(code) from None


@cache
def _provider_index(provider: str) -> dict[str, str]:
    return {
        provider_code.lower(): info.code
        for info in CARRIERS
        for provider_code in info.provider_codes.get(provider, ())
    }


def from_provider_code(provider: str, provider_code: str) -> str | None:
    """Our carrier code for a provider's carrier code ('kuaidi100', 'shunfeng' -> 'sf-express')."""
    code = provider_code.strip().lower()
    return _provider_index(provider).get(code) or (code if code in BY_CODE else None)


@lru_cache(maxsize=256)  # every event with a naive time asks; ZoneInfo() itself is slower
def carrier_zone(code: str) -> ZoneInfo:
    """The zone a carrier's naive local times are read in (China's for unknown carriers)."""
    info = BY_CODE.get(code)
    return info.zone if info else ZoneInfo(SHANGHAI)
