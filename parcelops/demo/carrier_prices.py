"""The demo shop's carrier contracts (R4.1): where each built-in carrier delivers, what it
offers, its usual transit times, and its price table in the Chinese form (首重 + 续重: the
first kilogram, then each further kilogram) per zone from the shop's warehouse in
Zhejiang: the same province, the neighbouring ones, the far ones and the remote west.

Figures like an e-commerce shop's contract prices in 2026 (yuan): the Tongda carriers
(ZTO, YTO, STO, Yunda, J&T) cheapest, China Post and EMS between, SF and JD dearest and
fastest. Demo data, not a migration: they are the shop's own contracts, which differ per
shop. Idempotent: a carrier whose coverage was already set (by the demo or by hand) is
left as it is, and a zone that has a price keeps it.
"""

from dataclasses import dataclass

from django.db import transaction

from parcelops.carriers import actions
from parcelops.carriers.models import Carrier, PriceRule

ORIGIN = "浙江省"  # the demo warehouse's province (Hangzhou)
MAINLAND = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
)  # fmt: skip
NEIGHBOURS = ("上海市", "江苏省", "安徽省", "江西省", "福建省")
REMOTE = ("新疆维吾尔自治区", "西藏自治区", "青海省", "内蒙古自治区")


@dataclass(frozen=True)
class Contract:
    coverage: tuple[str, ...]
    services: tuple[str, ...]
    transit_hours: tuple[int, int]  # usual (p50), slow (p90)
    # (first kg, each further kg) in yuan: same province, neighbouring, far, remote.
    same: tuple[float, float] | None = None
    near: tuple[float, float] | None = None
    far: tuple[float, float] | None = None
    remote: tuple[float, float] | None = None


def _without(*places: str) -> tuple[str, ...]:
    return tuple(place for place in MAINLAND if place not in places)


TONGDA = ("insurance",)
CONTRACTS = {
    "zto": Contract(MAINLAND, TONGDA, (48, 84), (3.2, 1.0), (4.0, 1.5), (5.5, 4.0), (12.0, 10.0)),
    "yto": Contract(MAINLAND, TONGDA, (48, 90), (3.0, 1.0), (3.8, 1.5), (5.3, 4.0), (12.0, 10.0)),
    "sto": Contract(MAINLAND, TONGDA, (52, 96), (3.0, 1.0), (3.6, 1.5), (5.0, 4.5), (13.0, 10.0)),
    "yunda": Contract(MAINLAND, TONGDA, (50, 92), (3.1, 1.0), (3.8, 1.5), (5.2, 4.0), (12.0, 10.0)),
    "jtexpress": Contract(
        _without("西藏自治区", "新疆维吾尔自治区"), ("cod",), (56, 100),
        (2.8, 1.0), (3.5, 1.5), (4.8, 4.5),
    ),
    "sf-express": Contract(
        (*MAINLAND, "HK", "MO"), ("insurance", "cod", "door_delivery", "cold_chain"), (24, 40),
        (12.0, 2.0), (13.0, 3.0), (20.0, 8.0), (23.0, 15.0),
    ),
    "jd": Contract(
        MAINLAND, ("insurance", "cod", "door_delivery", "cold_chain", "bulky"), (26, 48),
        (10.0, 2.0), (12.0, 3.0), (16.0, 6.0), (22.0, 12.0),
    ),
    "ems": Contract(
        ("*",), ("insurance", "cod", "door_delivery"), (48, 96),
        (10.0, 3.0), (12.0, 5.0), (16.0, 8.0), (20.0, 12.0),
    ),
    "china-post": Contract(
        ("*",), ("insurance", "cod"), (72, 144), (6.0, 2.0), (8.0, 3.0), (10.0, 5.0), (15.0, 8.0),
    ),
    "deppon": Contract(
        _without("西藏自治区"), ("insurance", "door_delivery", "bulky"), (48, 96),
        (10.0, 2.0), (12.0, 3.0), (15.0, 5.0), (25.0, 12.0),
    ),
    # The international carriers deliver abroad only: Chinese parcels list them as excluded.
    "dhl": Contract(("HK", "MO", "TW", "JP", "KR", "SG", "US", "DE", "GB", "AU"), ("insurance",), (96, 168)),
    "fedex": Contract(("HK", "JP", "KR", "SG", "US", "CA", "AU"), ("insurance",), (96, 168)),
    "ups": Contract(("HK", "JP", "US", "CA", "DE", "GB"), ("insurance",), (96, 168)),
    "usps": Contract(("US",), (), (120, 240)),
}  # fmt: skip


def _cents(yuan: float) -> int:
    return round(yuan * 100)


def price_rows(contract: Contract) -> list[tuple[str, str, float, float]]:
    """(origin, destination, first kg yuan, further kg yuan) of a contract: the same
    province, each neighbour, each remote province, and any other lane at the far price."""
    rows = []
    if contract.same:
        rows.append((ORIGIN, ORIGIN, *contract.same))
    if contract.near:
        rows += [(ORIGIN, place, *contract.near) for place in NEIGHBOURS]
    if contract.remote:
        rows += [("*", place, *contract.remote) for place in REMOTE]
    if contract.far:
        rows.append(("*", "*", *contract.far))
    return rows


def load_carrier_prices() -> tuple[int, int]:
    """Give the built-in carriers their demo coverage, services and price tables; the
    numbers of carriers set up and of price rules added by this run."""
    carriers_set = rules_added = 0
    with transaction.atomic():
        for code, contract in CONTRACTS.items():
            carrier = Carrier.objects.filter(code=code).first()
            if carrier is None:
                continue
            if not carrier.coverage:
                carrier.coverage = list(contract.coverage)
                carrier.services = list(contract.services)
                carrier.default_transit_hours_p50, carrier.default_transit_hours_p90 = (
                    contract.transit_hours
                )
                actions.save_carrier(carrier, None)
                carriers_set += 1
            priced = set(
                PriceRule.objects.filter(carrier=carrier, service="").values_list(
                    "origin_province", "destination_province"
                )
            )
            for origin, destination, first, further in price_rows(contract):
                if (origin, destination) in priced:
                    continue
                actions.save_price_rule(
                    PriceRule(
                        carrier=carrier,
                        origin_province=origin,
                        destination_province=destination,
                        first_weight_grams=1000,
                        first_cents=_cents(first),
                        additional_weight_grams=1000,
                        additional_cents=_cents(further),
                    ),
                    None,
                )
                rules_added += 1
    return carriers_set, rules_added
