"""Small helpers the order tests share: an intake document with some paths changed, and
orders placed through the real intake action."""

import copy
import re
from typing import Any

from conftest import VALID_ORDER
from parcelops.orders import actions
from parcelops.orders.models import Order, Product


class _Missing:
    """As a value: remove this key. A stable repr keeps test ids equal across xdist workers."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def set_path(data: Any, path: str, value: Any) -> None:
    """Set (or with ``MISSING`` remove) a path written as in the error messages:
    ``customer.name``, ``lines[1].quantity``."""
    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        parts.append(int(index) if index else name)
    target = data
    for part in parts[:-1]:
        target = target[part]
    if value is MISSING:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value


def intake_payload(changes: dict[str, Any] | None = None, **more: Any) -> dict[str, Any]:
    """The valid order of conftest.VALID_ORDER with the given paths changed."""
    data = copy.deepcopy(VALID_ORDER)
    for path, value in {**(changes or {}), **more}.items():
        set_path(data, path, value)
    return data


def place_order(changes: dict[str, Any] | None = None, *, actor: Any = None, **more: Any) -> Order:
    """Take in an order through the intake action (time must be frozen near FIXED_NOW)."""
    return actions.intake_order(intake_payload(changes, **more), actor).order


def a_vip_order(actor: Any = None, external_id: str = "W-VIP") -> Order:
    return place_order({"customer.tier": "vip"}, actor=actor, external_id=external_id)


def a_special_product(sku: str = "CAKE-001", product_type: str = "custom_made") -> Product:
    return Product.objects.create(
        sku=sku, name="Birthday cake", product_type=product_type, unit_price_cents=16800
    )


def reload(order: Order) -> Order:
    return Order.all_objects.get(pk=order.pk)
