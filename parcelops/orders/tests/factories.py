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


PARCEL_NUMBER = "75123456789012"  # shaped like a ZTO number


def ship(order: Order, actor: Any, number: str = PARCEL_NUMBER, carrier: str = "zto") -> Order:
    """Hand a packed order's parcel to a carrier: the one way an order becomes shipped."""
    from parcelops.tracking.actions import create_shipment

    create_shipment(order, carrier, number, actor)
    return reload(order)


def carrier_reports(
    status: str,
    substatus: str = "",
    *,
    number: str = PARCEL_NUMBER,
    carrier: str = "zto",
    hours: float = 1,
) -> None:
    """The carrier's feed reports a status of the parcel; its order follows."""
    from parcelops.tracking.actions import record_tracking_events
    from parcelops.tracking.tests.conftest import carrier_event

    record_tracking_events([carrier_event(number, hours, status, substatus, carrier=carrier)])
