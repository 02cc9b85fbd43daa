"""A small warehouse for the picking and packing tests: zones walked A then B, bins with
stock, allocated orders with their reservations written directly (as the stock helper's
allocation writes them), and the packing-material catalogue."""

from datetime import timedelta
from typing import Any

from parcelops.core.clock import now
from parcelops.orders.models import Order, OrderLine
from parcelops.orders.states import OrderState
from parcelops.orders.tests.factories import place_order
from parcelops.warehouse.actions.picking import next_stop
from parcelops.warehouse.models import (
    Bin,
    PackingMaterial,
    PickLine,
    PickList,
    Reservation,
    SkuProfile,
    StockLevel,
    Warehouse,
    Zone,
)

# The order of conftest.VALID_ORDER: 2 x TEA-001 (250 g each), 1 x CUP-002 (300 g).
WEIGHTS = {"TEA-001": 250, "CUP-002": 300}


def warehouse() -> Warehouse:
    """Zone B is walked before zone A (its walk order is lower); tea lies in A-02, cups in
    B-01 and B-02 (B-02 walked first)."""
    house = Warehouse.objects.create(
        code="HZ1",
        name="杭州一号仓",
        province="浙江省",
        city="杭州市",
        address="余杭区仓前街道 1 号",
        contact_name="仓库",
        contact_phone="0571-88888888",
    )
    zone_a = Zone.objects.create(warehouse=house, code="A", walk_order=2)
    zone_b = Zone.objects.create(warehouse=house, code="B", walk_order=1)
    Bin.objects.create(warehouse=house, zone=zone_a, code="A-02", walk_order=1)
    Bin.objects.create(warehouse=house, zone=zone_b, code="B-01", walk_order=5)
    Bin.objects.create(warehouse=house, zone=zone_b, code="B-02", walk_order=1)
    return house


def allocated_order(
    house: Warehouse, external_id: str, bins: dict[str, str] | None = None, **changes: Any
) -> Order:
    """An order placed through intake, allocated: each line reserved in one bin (tea in
    A-02, cups in B-01 unless `bins` says otherwise), the bin's stock raised to hold it."""
    bins = {"TEA-001": "A-02", "CUP-002": "B-01", **(bins or {})}
    order = place_order(changes or None, external_id=external_id)
    Order.objects.filter(pk=order.pk).update(state=OrderState.ALLOCATED)
    order.refresh_from_db()
    for line in OrderLine.objects.filter(order=order).select_related("product"):
        assert line.product is not None
        SkuProfile.objects.get_or_create(
            product=line.product, defaults={"weight_grams": WEIGHTS.get(line.sku, 100)}
        )
        where = Bin.objects.get(warehouse=house, code=bins[line.sku])
        level, _created = StockLevel.objects.get_or_create(product=line.product, bin=where)
        level.on_hand += line.quantity + 5
        level.reserved += line.quantity
        level.save()
        Reservation.objects.create(
            order=order,
            line=line,
            product=line.product,
            bin=where,
            quantity=line.quantity,
            created_at=now() - timedelta(minutes=5),
        )
    return order


def materials() -> dict[str, PackingMaterial]:
    rows = [
        ("BOX-S", "小纸箱", "Small box", "box", (200, 150, 100), 120, 10),
        ("BOX-M", "中纸箱", "Medium box", "box", (300, 250, 200), 250, 10),
        ("BUBBLE", "气泡膜", "Bubble wrap", "filler", (0, 0, 0), 20, 2),
        ("TAPE", "胶带", "Tape", "tape", (0, 0, 0), 5, 100),
    ]
    return {
        code: PackingMaterial.objects.create(
            code=code,
            name_zh=zh,
            name_en=en,
            kind=kind,
            length_mm=size[0],
            width_mm=size[1],
            height_mm=size[2],
            weight_grams=weight,
            on_hand=on_hand,
        )
        for code, zh, en, kind, size, weight, on_hand in rows
    }


def stop(pick_list: PickList) -> PickLine:
    """The list's next stop, which the test knows is there."""
    line = next_stop(pick_list)
    assert line is not None
    return line
