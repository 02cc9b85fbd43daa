"""The demo's warehouse: Shanghai SH1 with three zones of shelves, every product's profile
(weight, size, minimum and maximum) and its stock, received before the orders come in so
their stories allocate as they always did; and, once the orders are told, two orders
backordered behind a SKU found damp and written off (so the backorder and alert lists
have something to show), and one SKU over its maximum.

Repeatable like the rest of the demo: a second run with the same seed adds nothing.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import F, Sum

from parcelops.core.clock import frozen_at
from parcelops.core.errors import ActionError
from parcelops.demo.data import CATALOGUE, CLOTHING, ELECTRONICS, FURNITURE, TEA
from parcelops.demo.plan import PlannedOrder
from parcelops.orders import actions as order_actions
from parcelops.orders.models import Order, OrderLine, Product
from parcelops.orders.states import OrderState
from parcelops.warehouse.actions import stock
from parcelops.warehouse.models import (
    Bin,
    SkuProfile,
    StockLevel,
    Warehouse,
    Zone,
)

CODE = "SH1"
WAREHOUSE = {
    "name": "上海青浦仓",
    "province": "上海市",
    "city": "上海市",
    "address": "青浦区华新镇华志路 1688 号 3 号库",
    "contact_name": "周建国",
    "contact_phone": "021-59761234",
}
# (code, name, walk order, shelves, levels): small goods first, the bulky ones by the dock.
ZONES = (
    ("A", "A 区 茶叶与小件", 1, 4, 3),
    ("B", "B 区 数码与服装", 2, 4, 3),
    ("C", "C 区 大件家具", 3, 4, 3),
)
ZONE_OF_CATEGORY = {TEA: "A", ELECTRONICS: "B", CLOTHING: "B", FURNITURE: "C"}
# (weight g, length, width, height mm) of a typical item of the category.
SIZE_OF_CATEGORY = {
    TEA: (450, 220, 150, 90),
    ELECTRONICS: (1200, 320, 230, 80),
    CLOTHING: (900, 400, 300, 100),
    FURNITURE: (45000, 2000, 900, 600),
}
SPARE_UNITS = 12  # beyond what the demo's orders take, so the shelves never run dry
MIN_STOCK = 5
SUPPLIER_NOTE = "PO-SH1-2026-11"
# A pallet the buyer over-ordered: this SKU stands above its maximum.
OVERSTOCKED = ("TEA-CUP-01", 200, 120)  # sku, extra units, maximum
DAMP_REASON = "C 区屋顶漏水，受潮报损（盘点确认）"
BACKORDERS_WANTED = 2


def set_up_warehouse(plan: Iterable[PlannedOrder], receiver: User, started: datetime) -> None:
    """The warehouse, its bins and profiles, and enough stock for every planned order,
    received a month before the oldest order (the demo's history starts there)."""
    warehouse = _warehouse()
    bins = _bins(warehouse)
    wanted = _demand_of_new_orders(plan)
    free = dict(
        StockLevel.objects.filter(bin__warehouse=warehouse)
        .values("product__sku")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
        .values_list("product__sku", "free")
    )
    products = {p.sku: p for p in Product.objects.filter(sku__in=[i.sku for i in CATALOGUE])}
    with frozen_at(started - timedelta(days=35)):
        for index, item in enumerate(CATALOGUE):
            product = products[item.sku]
            extra = OVERSTOCKED[1] if item.sku == OVERSTOCKED[0] else 0
            demand = wanted.get(item.sku, 0)
            _profile(product, item.category, demand + SPARE_UNITS + extra)
            if demand == 0 and item.sku in free:
                continue  # no new order wants it: a second run adds nothing
            missing = demand + SPARE_UNITS + extra - free.get(item.sku, 0)
            if missing <= 0:
                continue
            shelves = bins[ZONE_OF_CATEGORY[item.category]]
            first = shelves[index % len(shelves)]
            # Every third SKU lies in two bins, so some orders are served from both.
            if index % 3 == 0 and missing > 1:
                second = shelves[(index + 1) % len(shelves)]
                _receive(receiver, product, first, missing // 2)
                _receive(receiver, product, second, missing - missing // 2)
            else:
                _receive(receiver, product, first, missing)


def _demand_of_new_orders(plan: Iterable[PlannedOrder]) -> dict[str, int]:
    """The units each SKU's planned orders want, of the orders not loaded yet."""
    planned = list(plan)
    loaded = set(
        Order.all_objects.filter(external_id__in=[p.external_id for p in planned]).values_list(
            "channel__code", "external_id"
        )
    )
    wanted: dict[str, int] = defaultdict(int)
    for order in planned:
        if (order.channel, order.external_id) in loaded:
            continue
        for item, quantity in order.lines:
            wanted[item.sku] += quantity
    return wanted


def _warehouse() -> Warehouse:
    warehouse, _created = Warehouse.objects.get_or_create(code=CODE, defaults=WAREHOUSE)
    return warehouse


def _bins(warehouse: Warehouse) -> dict[str, list[Bin]]:
    """The shelves of each zone, in walk order: A-01-1, A-01-2, ... (shelf, then level)."""
    found: dict[str, list[Bin]] = {}
    for code, name, walk, shelves, levels in ZONES:
        zone, _created = Zone.objects.get_or_create(
            warehouse=warehouse, code=code, defaults={"name": name, "walk_order": walk}
        )
        found[code] = []
        for shelf in range(1, shelves + 1):
            for level in range(1, levels + 1):
                bin, _created = Bin.objects.get_or_create(
                    warehouse=warehouse,
                    code=f"{code}-{shelf:02d}-{level}",
                    defaults={"zone": zone, "walk_order": shelf * 10 + level},
                )
                found[code].append(bin)
    return found


def _profile(product: Product, category: str, target: int) -> None:
    weight, length, width, height = SIZE_OF_CATEGORY[category]
    maximum = OVERSTOCKED[2] if product.sku == OVERSTOCKED[0] else max(target * 3, 100)
    SkuProfile.objects.get_or_create(
        product=product,
        defaults={
            "weight_grams": weight,
            "length_mm": length,
            "width_mm": width,
            "height_mm": height,
            "min_stock": MIN_STOCK,
            "max_stock": maximum,
        },
    )


def _receive(receiver: User, product: Product, bin: Bin, quantity: int) -> None:
    stock.receive_stock(
        receiver,
        sku=product.sku,
        bin_code=f"{CODE}/{bin.code}",
        quantity=quantity,
        reference=SUPPLIER_NOTE,
        reason="供应商到货",
    )


def backorder_some(warehouse_person: User) -> list[str]:
    """Two approved orders meet a SKU written off as damp: they are backordered, and the
    SKU's free stock falls below its minimum (its managers get the alert). Nothing when
    an earlier run did it. The numbers backordered."""
    if Order.objects.filter(is_backordered=True).exists():
        return []
    waiting = list(
        Order.objects.filter(state=OrderState.APPROVED, lines__product__isnull=False)
        .distinct()
        .order_by("received_at", "pk")[:BACKORDERS_WANTED]
    )
    backordered = []
    for order in waiting:
        line = OrderLine.objects.filter(order=order, product__isnull=False).order_by("id")[0]
        assert line.product is not None
        for level in StockLevel.objects.filter(product=line.product, bin__warehouse__code=CODE):
            free = level.on_hand - level.reserved
            if free > 0:
                stock.adjust_stock(
                    warehouse_person,
                    sku=line.product.sku,
                    bin_code=f"{CODE}/{level.bin.code}",
                    quantity=-free,
                    reason=DAMP_REASON,
                )
        try:
            order_actions.advance_order(order, OrderState.ALLOCATED, warehouse_person)
        except ActionError:
            backordered.append(order.number)
    return backordered
