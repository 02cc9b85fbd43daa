"""The demo's plan: which customer orders what through which channel, and where each
order's story stops. Pure: drawn from one seeded random stream, no database.

Orders are drawn one after another, so the first N orders of a seed are the same whatever
the total: a larger ``--orders`` with the same seed extends a smaller run.
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from parcelops.core.money import format_cents
from parcelops.demo.data import (
    CATALOGUE,
    CATEGORY_WEIGHTS,
    CHANNELS,
    EMAIL_DOMAINS,
    ESTATES,
    EXTERNAL_ID_SHAPES,
    GIVEN_NAMES,
    MOBILE_PREFIXES,
    REGIONS,
    STANDARD,
    STREETS,
    SURNAMES,
    CatalogueItem,
)
from parcelops.orders import rules
from parcelops.orders.states import CustomerTier

CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Story:
    """How far an order gets: ``parcelops.demo.loader`` plays it through the actions."""

    name: str
    weight: int  # share of the orders (of 100): more in early states than late ones
    hours_ago: tuple[float, float]  # when such an order was typically placed
    needs_review: bool = False
    is_paid_at_intake: bool = True


STORIES: tuple[Story, ...] = (
    Story("unpaid", 8, (0.2, 10), is_paid_at_intake=False),
    Story("paid", 12, (0.2, 20)),
    Story("paid_later", 4, (0.5, 20), is_paid_at_intake=False),
    Story("rejected", 4, (6, 48), needs_review=True),
    Story("in_review", 8, (2, 30), needs_review=True),
    Story("approved", 9, (4, 40)),
    Story("allocated", 6, (8, 48)),
    Story("picking", 5, (10, 50)),
    Story("packed", 5, (12, 60)),
    Story("shipped", 6, (20, 80)),
    Story("in_transit", 8, (30, 120)),
    Story("delivered", 7, (72, 150)),  # delivered within the auto-complete period
    Story("completed", 10, (260, 650)),
    Story("cancelled_unpaid", 3, (26, 400), is_paid_at_intake=False),
    Story("cancelled", 5, (12, 400)),
)
TIER_WEIGHTS = {
    CustomerTier.REGULAR.value: 70,
    CustomerTier.SILVER.value: 15,
    CustomerTier.GOLD.value: 10,
    CustomerTier.VIP.value: 5,
}


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    phone: str
    email: str
    tier: str
    address: dict[str, str]


@dataclass(frozen=True)
class PlannedOrder:
    key: str  # "seed:index": seeds the story's and the timeline's own random streams
    story: Story
    age: timedelta
    channel: str
    external_id: str
    customer: DemoCustomer
    lines: tuple[tuple[CatalogueItem, int], ...]
    discount_cents: int
    shipping_fee_cents: int
    is_paid: bool
    requested_carrier: str
    promised_in_days: int | None

    @property
    def total_cents(self) -> int:
        subtotal = sum(item.unit_price_cents * quantity for item, quantity in self.lines)
        return subtotal - self.discount_cents + self.shipping_fee_cents

    def placed_at(self, started: datetime) -> datetime:
        return (started - self.age).astimezone(CHINA).replace(microsecond=0)

    def payload(self, started: datetime) -> dict[str, Any]:
        """The intake document the channel would send."""
        placed_at = self.placed_at(started)
        promised = (
            (placed_at.date() + timedelta(days=self.promised_in_days)).isoformat()
            if self.promised_in_days is not None
            else None
        )
        return {
            "channel": self.channel,
            "external_id": self.external_id,
            "placed_at": placed_at.isoformat(),
            "customer": {
                "name": self.customer.name,
                "phone": self.customer.phone,
                "email": self.customer.email,
                "tier": self.customer.tier,
            },
            "shipping_address": self.customer.address,
            "lines": [
                {
                    "sku": item.sku,
                    "name": item.name,
                    "quantity": quantity,
                    "unit_price": format_cents(item.unit_price_cents),
                }
                for item, quantity in self.lines
            ],
            "discount": format_cents(self.discount_cents),
            "shipping_fee": format_cents(self.shipping_fee_cents),
            "total": format_cents(self.total_cents),
            "currency": "CNY",
            "requested_carrier": self.requested_carrier,
            "promised_delivery_date": promised,
            "is_paid": self.is_paid,
        }


class Planner:
    """Draws the orders one by one from a single seeded stream."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 (demo data must repeat for a seed; nothing here is secret)
        self.customers: list[DemoCustomer] = []
        self.phones: set[str] = set()
        self.external_ids: set[str] = set()
        self.max_age = timedelta(days=settings.PARCELOPS_MAX_ORDER_AGE_DAYS) - timedelta(hours=1)

    def plan(self, count: int) -> list[PlannedOrder]:
        # The first orders tell every story once, so even a small demo shows every state.
        opening = self.rng.sample(STORIES, len(STORIES))
        weights = [story.weight for story in STORIES]
        planned = []
        for index in range(count):
            story = (
                opening[index]
                if index < len(opening)
                else self.rng.choices(STORIES, weights=weights)[0]
            )
            planned.append(self._order(index, story))
        return planned

    def _order(self, index: int, story: Story) -> PlannedOrder:
        rng = self.rng
        channel = rng.choices([c[0] for c in CHANNELS], weights=[c[3] for c in CHANNELS])[0]
        tiers = list(TIER_WEIGHTS)
        if index < len(tiers):
            customer = self._new_customer(tiers[index])  # every tier appears at least once
        elif self.customers and rng.random() < 0.3:
            customer = rng.choice(self.customers)  # a returning customer
        else:
            customer = self._new_customer(
                rng.choices(tiers, weights=list(TIER_WEIGHTS.values()))[0]
            )
        lines = self._lines()
        if story.needs_review and not self._needs_review(customer, lines):
            customer, lines = self._make_reviewable(customer, lines)
        subtotal = sum(item.unit_price_cents * quantity for item, quantity in lines)
        hours = min(rng.uniform(*story.hours_ago), self.max_age / timedelta(hours=1))
        return PlannedOrder(
            key=f"{self.seed}:{index}",
            story=story,
            age=timedelta(hours=max(hours, 0.1)),
            channel=channel,
            external_id=self._external_id(channel),
            customer=customer,
            lines=tuple(lines),
            discount_cents=self._discount(subtotal),
            shipping_fee_cents=1000 if subtotal < 9900 else 0,
            is_paid=story.is_paid_at_intake and rng.random() >= 0.2,
            requested_carrier=self._carrier(channel, subtotal),
            promised_in_days=self._promise(channel, lines),
        )

    def _new_customer(self, tier: str) -> DemoCustomer:
        rng = self.rng
        surname, surname_pinyin = rng.choice(SURNAMES)
        given, given_pinyin = rng.choice(GIVEN_NAMES)
        phone = ""
        while not phone or phone in self.phones:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        self.phones.add(phone)
        email = ""
        if rng.random() < 0.75:
            email = (
                f"{given_pinyin}.{surname_pinyin}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"
            )
        region = rng.choice(REGIONS)
        district, postal_code = rng.choice(region.districts)
        street = (
            f"{rng.choice(STREETS)} {rng.randint(1, 999)} 号 {rng.choice(ESTATES)} "
            f"{rng.randint(1, 30)} 栋 {rng.randint(1, 4)} 单元 {rng.randint(1, 33)}{rng.randint(1, 4):02d}"
        )
        customer = DemoCustomer(
            name=surname + given,
            phone=phone,
            email=email,
            tier=tier,
            address={
                "province": region.province,
                "city": region.city,
                "district": district,
                "street": street,
                "postal_code": postal_code,
                "country": "CN",
            },
        )
        self.customers.append(customer)
        return customer

    def _lines(self) -> list[tuple[CatalogueItem, int]]:
        rng = self.rng
        categories = list(CATEGORY_WEIGHTS)
        main = rng.choices(categories, weights=list(CATEGORY_WEIGHTS.values()))[0]
        count = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
        chosen: list[CatalogueItem] = []
        while len(chosen) < count:
            category = main if rng.random() < 0.75 else rng.choice(categories)
            items = [i for i in CATALOGUE if i.category == category and i not in chosen]
            # Standard goods sell four times as often as custom-made, group-buy or pre-sale.
            weights = [4 if i.product_type == STANDARD else 1 for i in items]
            chosen.append(rng.choices(items, weights=weights)[0])
        return [(item, self._quantity(item)) for item in chosen]

    def _quantity(self, item: CatalogueItem) -> int:
        if item.unit_price_cents < 20000:
            return self.rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
        if item.unit_price_cents < 100000:
            return self.rng.choices((1, 2), weights=(8, 2))[0]
        return 1

    def _needs_review(
        self, customer: DemoCustomer, lines: Sequence[tuple[CatalogueItem, int]]
    ) -> bool:
        subtotal = sum(item.unit_price_cents * quantity for item, quantity in lines)
        return rules.classify_order(
            total_cents=subtotal - self._discount_bound(subtotal),
            customer_tier=customer.tier,
            product_types=[item.product_type for item, _quantity in lines],
            large_order_cents=settings.PARCELOPS_LARGE_ORDER_CENTS,
            review_tiers=settings.PARCELOPS_REVIEW_TIERS,
        ).needs_review

    @staticmethod
    def _discount_bound(subtotal: int) -> int:
        # The largest coupon _discount could give: a large order stays large after it.
        return max(_coupons(subtotal), default=0)

    def _make_reviewable(
        self, customer: DemoCustomer, lines: list[tuple[CatalogueItem, int]]
    ) -> tuple[DemoCustomer, list[tuple[CatalogueItem, int]]]:
        """Give an order a reason for review: a VIP buyer, a special product or a large sum."""
        rng = self.rng
        reason = rng.choice(("vip", "special", "large"))
        taken = {item for item, _quantity in lines}
        if reason == "vip":
            vips = [c for c in self.customers if c.tier == CustomerTier.VIP]
            customer = rng.choice(vips) if vips else self._new_customer(CustomerTier.VIP.value)
        elif reason == "large":
            expensive = sorted(
                (i for i in CATALOGUE if i.product_type == STANDARD and i not in taken),
                key=lambda i: -i.unit_price_cents,
            )[:5]
            item = rng.choice(expensive)
            needed = settings.PARCELOPS_LARGE_ORDER_CENTS * 1.2 / item.unit_price_cents
            lines = [*lines, (item, max(1, math.ceil(needed)))]
        if reason == "special" or not self._needs_review(customer, lines):
            specials = [i for i in CATALOGUE if i.product_type != STANDARD and i not in taken]
            lines = [*lines, (rng.choice(specials), 1)]
        return customer, lines

    def _discount(self, subtotal: int) -> int:
        coupons = _coupons(subtotal)
        if coupons and self.rng.random() < 0.35:
            return self.rng.choice(coupons)
        return 0

    def _external_id(self, channel: str) -> str:
        prefix, digits = EXTERNAL_ID_SHAPES[channel]
        external_id = ""
        while not external_id or external_id in self.external_ids:
            external_id = prefix + str(self.rng.randrange(10 ** (digits - 1), 10**digits))
        self.external_ids.add(external_id)
        return external_id

    def _carrier(self, channel: str, subtotal: int) -> str:
        if channel == "jd":
            return "jd"
        if subtotal >= 300000 and self.rng.random() < 0.5:
            return "sf-express"  # valuable goods go with a premium carrier
        return ""

    @staticmethod
    def _promise(channel: str, lines: Sequence[tuple[CatalogueItem, int]]) -> int | None:
        if any(item.product_type == "pre_sale" for item, _quantity in lines):
            return 30  # pre-sale goods ship when the batch arrives
        if channel == "jd":
            return 2
        return None


def _coupons(subtotal: int) -> tuple[int, ...]:
    """Store coupons that apply to a subtotal (满减), in cents."""
    if subtotal >= 500000:
        return (20000, 30000, 50000)
    if subtotal >= 100000:
        return (5000, 10000, 20000)
    if subtotal >= 30000:
        return (1000, 2000, 3000)
    return ()
