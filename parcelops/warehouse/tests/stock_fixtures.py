"""The stock tests' world: a warehouse of two zones and four bins, and approved orders."""

from typing import Any

import pytest

from parcelops.orders import actions as order_actions
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState, ReviewState
from parcelops.warehouse.models import Bin, StockLevel, Warehouse, Zone

# Zone A is walked first, then B; bins within a zone by their walk order.
BINS = (("A", 1, "A-01", 1), ("A", 1, "A-02", 2), ("B", 2, "B-01", 1), ("B", 2, "B-02", 2))


def make_warehouse(code: str = "SH1") -> Warehouse:
    warehouse = Warehouse.objects.create(
        code=code,
        name="上海仓",
        province="上海市",
        city="上海市",
        address="青浦区 1 号",
        contact_name="周",
        contact_phone="021-1",
    )
    for zone_code, zone_walk, bin_code, bin_walk in BINS:
        zone, _created = Zone.objects.get_or_create(
            warehouse=warehouse, code=zone_code, defaults={"walk_order": zone_walk}
        )
        Bin.objects.create(warehouse=warehouse, zone=zone, code=bin_code, walk_order=bin_walk)
    return warehouse


def place(order_payload: dict[str, Any], external_id: str, lines: list[tuple[str, int]]) -> Order:
    """An approved order with these (SKU, quantity) lines, as the processors leave it."""
    payload = {
        **order_payload,
        "external_id": external_id,
        "lines": [
            {"sku": sku, "name": sku, "quantity": quantity, "unit_price": "10.00"}
            for sku, quantity in lines
        ],
        "discount": "0.00",
        "shipping_fee": "0.00",
        "total": f"{sum(q for _s, q in lines) * 10}.00",
    }
    order = order_actions.intake_order(payload, None).order
    Order.objects.filter(pk=order.pk).update(
        state=OrderState.APPROVED, review_state=ReviewState.NOT_REQUIRED
    )
    return Order.objects.get(pk=order.pk)


def level(sku: str, bin_code: str) -> tuple[int, int]:
    """(on hand, reserved) of a SKU in a bin; (0, 0) without a row."""
    row = StockLevel.objects.filter(product__sku=sku, bin__code=bin_code).first()
    return (0, 0) if row is None else (row.on_hand, row.reserved)


@pytest.fixture
def warehouse(db) -> Warehouse:
    return make_warehouse()
