"""What the stock pages and `parcelops stock check` read: levels, the check that on-hand is
the sum of the moves, SKUs outside their minimum and maximum, backorders and turnover."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from parcelops.accounts import roles
from parcelops.orders.models import Order, Product
from parcelops.orders.states import OrderState
from parcelops.warehouse.models import (
    Bin,
    Reservation,
    ReservationState,
    SkuProfile,
    StockLevel,
    StockMove,
    StockMoveKind,
)

# Who reads stock: the floor that moves it, and those who read the warehouse's reports.
READERS = (roles.MANAGE_STOCK, roles.VIEW_WAREHOUSE_REPORTS, roles.MANAGE_WAREHOUSE)


def can_read_stock(user: Any) -> bool:
    return any(user.has_perm(permission) for permission in READERS)


@dataclass(frozen=True)
class Disagreement:
    sku: str
    warehouse: str
    bin: str
    what: str  # "on_hand" or "reserved"
    recorded: int  # StockLevel's column
    expected: int  # the sum of the moves, or of the active reservations


@dataclass(frozen=True)
class CheckResult:
    levels: int
    moves: int
    reservations: int
    disagreement: Disagreement | None

    @property
    def is_ok(self) -> bool:
        return self.disagreement is None


def check_stock() -> CheckResult:
    """Compare every level's on-hand with the sum of its moves, and its reserved units with
    its active reservations (less what was picked of them): three GROUP BY queries, however
    many levels. The first disagreement by SKU, warehouse and bin, or none."""
    moved = {
        (row["product_id"], row["bin_id"]): (row["total"], row["count"])
        for row in StockMove.objects.order_by()
        .values("product_id", "bin_id")
        .annotate(total=Sum("quantity"), count=Count("id"))
    }
    held = {
        (row["product_id"], row["bin_id"]): (row["total"], row["count"])
        for row in Reservation.objects.filter(state=ReservationState.ACTIVE)
        .order_by()
        .values("product_id", "bin_id")
        .annotate(
            total=Sum(F("quantity") - F("picked_quantity"), output_field=IntegerField()),
            count=Count("id"),
        )
    }
    levels = list(
        StockLevel.objects.values_list(
            "product_id",
            "bin_id",
            "on_hand",
            "reserved",
            "product__sku",
            "bin__warehouse__code",
            "bin__code",
        )
    )
    found: list[Disagreement] = []
    seen = set()
    for product_id, bin_id, on_hand, reserved, sku, warehouse, bin_code in levels:
        key = (product_id, bin_id)
        seen.add(key)
        moves_total = moved.get(key, (0, 0))[0]
        held_total = held.get(key, (0, 0))[0]
        if on_hand != moves_total:
            found.append(Disagreement(sku, warehouse, bin_code, "on_hand", on_hand, moves_total))
        elif reserved != held_total:
            found.append(Disagreement(sku, warehouse, bin_code, "reserved", reserved, held_total))
    for key in (set(moved) | set(held)) - seen:
        # Moves or reservations without a level row: the level says 0 of each.
        sku = Product.objects.values_list("sku", flat=True).get(pk=key[0])
        warehouse, bin_code = Bin.objects.values_list("warehouse__code", "code").get(pk=key[1])
        what, expected = ("on_hand", moved[key][0]) if key in moved else ("reserved", held[key][0])
        found.append(Disagreement(sku, warehouse, bin_code, what, 0, expected))
    first = min(found, key=lambda d: (d.sku, d.warehouse, d.bin), default=None)
    return CheckResult(
        levels=len(levels),
        moves=sum(count for _total, count in moved.values()),
        reservations=sum(count for _total, count in held.values()),
        disagreement=first,
    )


def levels(
    *,
    search: str = "",
    warehouse: str = "",
    zone: str = "",
    category: str = "",
    include_empty: bool = False,
) -> QuerySet[StockLevel]:
    """Stock by SKU and bin, filtered as the stock page asks, in SKU then walk order."""
    rows = StockLevel.objects.select_related("product", "bin__zone", "bin__warehouse")
    if not include_empty:
        rows = rows.filter(Q(on_hand__gt=0) | Q(reserved__gt=0))
    if search.strip():
        text = search.strip()
        rows = rows.filter(
            Q(product__sku__icontains=text)
            | Q(product__name__icontains=text)
            | Q(bin__code__iexact=text)
        )
    if warehouse:
        rows = rows.filter(bin__warehouse__code=warehouse)
    if zone:
        rows = rows.filter(bin__zone__code=zone)
    if category:
        rows = rows.filter(product__category=category)
    return rows.order_by(
        "product__sku",
        "bin__warehouse__code",
        "bin__zone__walk_order",
        "bin__walk_order",
        "bin__code",
    )


@dataclass(frozen=True)
class SkuTotal:
    product: Product
    on_hand: int
    reserved: int
    min_stock: int
    max_stock: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def sku_totals(products: QuerySet[Product] | None = None) -> list[SkuTotal]:
    """Each SKU with a profile: its units over every bin against its limits."""
    profiles = SkuProfile.objects.select_related("product").order_by("product__sku")
    if products is not None:
        profiles = profiles.filter(product__in=products)
    totals = {
        row["product_id"]: (row["on_hand"], row["reserved"])
        for row in StockLevel.objects.order_by()
        .values("product_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    }
    return [
        SkuTotal(
            profile.product,
            *totals.get(profile.product_id, (0, 0)),
            profile.min_stock,
            profile.max_stock,
        )
        for profile in profiles
    ]


def below_minimum() -> list[SkuTotal]:
    """SKUs whose free units (on hand less reserved) are below their minimum: reorder."""
    return [t for t in sku_totals() if t.min_stock and t.available < t.min_stock]


def above_maximum() -> list[SkuTotal]:
    """SKUs with more on hand than their maximum: over-stocked, capital on the shelf."""
    return [t for t in sku_totals() if t.max_stock and t.on_hand > t.max_stock]


def backorders() -> QuerySet[Order]:
    """Approved orders waiting for stock, oldest first (the order they will be allocated in)."""
    return (
        Order.objects.filter(is_backordered=True, state=OrderState.APPROVED)
        .select_related("channel")
        .prefetch_related("lines")
        .order_by("received_at", "pk")
    )


@dataclass(frozen=True)
class Turnover:
    """One SKU's or category's turnover over a period (see `turnover`)."""

    key: str  # the SKU or the category
    name: str
    picked: int
    opening: int
    closing: int

    @property
    def average_on_hand(self) -> float:
        return (self.opening + self.closing) / 2

    @property
    def turns(self) -> float | None:
        """Units picked divided by the average on hand; None when nothing was on hand."""
        average = self.average_on_hand
        return None if average <= 0 else self.picked / average


def turnover(start: datetime, end: datetime) -> tuple[list[Turnover], list[Turnover]]:
    """Stock turnover over [start, end), per SKU and per category.

    turnover = units picked in the period / average units on hand, where the average is
    the mean of the on-hand at the start and at the end of the period, both read from the
    moves (on-hand at a moment is the sum of the moves before it). A turnover of 4 over a
    quarter means the average stock left the shelves four times. One GROUP BY query.
    """
    rows = (
        StockMove.objects.filter(at__lt=end)
        .order_by()
        .values("product_id", "product__sku", "product__name", "product__category")
        .annotate(
            opening=Coalesce(Sum("quantity", filter=Q(at__lt=start)), 0),
            closing=Coalesce(Sum("quantity"), 0),
            picked=Coalesce(
                Sum(-F("quantity"), filter=Q(kind=StockMoveKind.PICK, at__gte=start)), 0
            ),
        )
        .order_by("product__sku")
    )
    per_sku = []
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        per_sku.append(
            Turnover(
                row["product__sku"],
                row["product__name"],
                row["picked"],
                row["opening"],
                row["closing"],
            )
        )
        sums = per_category[row["product__category"]]
        sums[0] += row["picked"]
        sums[1] += row["opening"]
        sums[2] += row["closing"]
    categories = [
        Turnover(category, category, *sums) for category, sums in sorted(per_category.items())
    ]
    return per_sku, categories
