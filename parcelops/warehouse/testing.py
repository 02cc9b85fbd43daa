"""For tests across the apps: stock on the shelf for an order, so allocating it reserves.

Tests that walk an order to allocated, picking or packed call `stock_for(order)` first (or
the shared fixtures do); a test of the warehouse itself builds its own bins.
"""

from parcelops.accounts.permissions import Actor
from parcelops.orders.models import Order, OrderLine, Product
from parcelops.warehouse.actions import stock, stock_reservations
from parcelops.warehouse.models import Bin, Warehouse, Zone

TEST_WAREHOUSE = "TST"
TEST_BIN = "T-01"


def test_bin() -> Bin:
    """The one bin of the tests' warehouse (made on first use)."""
    warehouse, _created = Warehouse.objects.get_or_create(
        code=TEST_WAREHOUSE,
        defaults={
            "name": "Test warehouse",
            "province": "上海市",
            "city": "上海市",
            "address": "浦东新区 1 号",
            "contact_name": "Test",
            "contact_phone": "021-00000000",
        },
    )
    zone, _created = Zone.objects.get_or_create(warehouse=warehouse, code="T")
    bin, _created = Bin.objects.get_or_create(warehouse=warehouse, zone=zone, code=TEST_BIN)
    return bin


def stock_for(order: Order, *, extra: int = 0) -> Order:
    """Receive enough of every line of the order (plus `extra` each) into the test bin,
    as the system. The order, for chaining."""
    bin = test_bin()
    for line in OrderLine.objects.filter(order=order, product__isnull=False).select_related(
        "product"
    ):
        assert line.product is not None
        stock.receive_stock(
            None,
            sku=line.product.sku,
            bin_code=f"{TEST_WAREHOUSE}/{bin.code}",
            quantity=line.quantity + extra,
        )
    return order


def top_up(order: Order) -> None:
    """Receive what the order's lines lack on the shelves (nothing when they hold enough)."""
    from django.db.models import F, Sum

    from parcelops.warehouse.models import StockLevel

    wanted: dict[int, int] = {}
    for line in OrderLine.objects.filter(order=order, product__isnull=False):
        assert line.product_id is not None
        wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
    free = dict(
        StockLevel.objects.filter(product_id__in=wanted, bin__warehouse__code=TEST_WAREHOUSE)
        .values("product_id")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
        .values_list("product_id", "free")
    )
    bin = test_bin()
    skus = dict(Product.objects.filter(pk__in=wanted).values_list("pk", "sku"))
    for product_id, quantity in wanted.items():
        if quantity > free.get(product_id, 0):
            stock.receive_stock(
                None,
                sku=skus[product_id],
                bin_code=f"{TEST_WAREHOUSE}/{bin.code}",
                quantity=quantity - free.get(product_id, 0),
            )


class StockedShelvesKeeper(stock_reservations.Keeper):
    """The real keeper, after topping the order's stock up: for the tests of other apps,
    whose orders walk through allocation and are not about stock."""

    def reserve(self, order: Order, actor: Actor) -> None:
        top_up(order)
        super().reserve(order, actor)
