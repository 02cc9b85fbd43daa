"""A wave's pick list at scale: `parcelops bench picklist --orders N` (R3.2: 1,000 orders
in under a second).

Set-up, not timed: a warehouse of 4 zones x 25 bins, 100 SKUs, and N + 1 allocated orders
of two lines each, every line reserved in a bin (the stock levels hold the reservations).
A warm-up list takes the oldest order (the process's first audit record, translations
and query compilation), then ONE `make_pick_list(oldest=N)` is timed: it claims the N
orders, reads their 2N reservations and writes 2N lines in walk order.

Run it on an empty migrated database (a fresh PARCELOPS_DATA_DIR, or DATABASE_URL).
"""

import time
from datetime import UTC, datetime, timedelta
from typing import Any

ZONES, BINS_PER_ZONE, SKUS = 4, 25, 100


def create_floor(orders: int) -> tuple[Any, Any]:
    """The warehouse, its stock and `orders` allocated orders; (warehouse, picker)."""
    from django.contrib.auth.models import User
    from django.db import transaction

    from parcelops.accounts import roles
    from parcelops.accounts.actions import set_staff_roles
    from parcelops.core import crypto
    from parcelops.orders.models import Channel, Customer, Order, OrderLine, Product
    from parcelops.orders.states import CustomerTier, OrderState, OrderType, ReviewState
    from parcelops.warehouse.models import Bin, Reservation, StockLevel, Warehouse, Zone

    picker = User.objects.create_user(username="bench_picker", email="picker@example.com")
    set_staff_roles(picker, [roles.WAREHOUSE])
    moment = datetime.now(UTC).replace(microsecond=0)
    with transaction.atomic():
        house = Warehouse.objects.create(
            code="BENCH", name="压测仓", province="浙江省", city="杭州市", address="1 号",
            contact_name="仓库", contact_phone="0571-00000000",
        )  # fmt: skip
        zones = Zone.objects.bulk_create(
            # Walked in the reverse of their codes, so the sort has work to do.
            Zone(warehouse=house, code=f"Z{z}", walk_order=ZONES - z)
            for z in range(ZONES)
        )
        bins = Bin.objects.bulk_create(
            Bin(warehouse=house, zone=zone, code=f"{zone.code}-{b:02d}", walk_order=(b * 7) % 25)
            for zone in zones
            for b in range(BINS_PER_ZONE)
        )
        products = Product.objects.bulk_create(
            Product(sku=f"BENCH-{s:03d}", name=f"压测商品 {s}", unit_price_cents=1000)
            for s in range(SKUS)
        )
        channel, _ = Channel.objects.get_or_create(code="bench", defaults={"name": "Bench"})
        customer = Customer.objects.create(
            name="压测", phone="13900000000", phone_index=crypto.phone_index("13900000000")
        )
        address = {"province": "浙江省", "city": "杭州市", "street": "文三路 1 号"}
        placed = Order.objects.bulk_create(
            Order(
                number=f"BP{i:010d}",
                channel=channel,
                external_id=f"P{i}",
                customer=customer,
                customer_tier=CustomerTier.REGULAR,
                shipping_address=address,  # type: ignore[misc]  # an encrypted JSON field
                placed_at=moment - timedelta(hours=2),
                received_at=moment - timedelta(seconds=orders - i),
                subtotal_cents=2000,
                total_cents=2000,
                order_type=OrderType.NORMAL,
                state=OrderState.ALLOCATED,
                review_state=ReviewState.NOT_REQUIRED,
            )
            for i in range(orders)
        )
        lines = OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=products[(i * 2 + k * 37) % SKUS],
                sku=products[(i * 2 + k * 37) % SKUS].sku,
                name="压测商品",
                product_type="standard",
                quantity=1 + k,
                unit_price_cents=1000,
            )
            for i, order in enumerate(placed)
            for k in range(2)
        )
        # Each SKU lies in one bin, enough of it for every reservation.
        home = {product.pk: bins[s % len(bins)] for s, product in enumerate(products)}
        StockLevel.objects.bulk_create(
            StockLevel(product=product, bin=home[product.pk], on_hand=10 * orders, reserved=0)
            for product in products
        )
        Reservation.objects.bulk_create(
            Reservation(
                order=line.order,
                line=line,
                product=line.product,
                bin=home[line.product.pk],
                quantity=line.quantity,
                created_at=moment,
            )
            for line in lines
            if line.product is not None
        )
        for product in products:
            reserved = sum(line.quantity for line in lines if line.product == product)
            StockLevel.objects.filter(product=product).update(reserved=reserved)
    return house, picker


def main(orders: int = 1000) -> dict[str, Any]:
    from django.db import connection

    from parcelops.warehouse.actions.picking import make_pick_list
    from parcelops.warehouse.models import PickLine

    started = time.perf_counter()
    house, picker = create_floor(orders + 1)
    setup = round(time.perf_counter() - started, 1)
    make_pick_list(picker, house, oldest=1)  # the warm-up: the oldest order

    started, cpu_started = time.perf_counter(), time.process_time()
    wave = make_pick_list(picker, house, oldest=orders)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    walk = list(
        PickLine.objects.filter(pick_list=wave.pick_list)
        .order_by("sequence")
        .values_list("bin__zone__walk_order", "bin__walk_order", "bin__code")
    )
    return {
        "database": connection.vendor,
        "orders": orders,
        "setup_seconds": setup,
        "pick_list_seconds": round(elapsed, 3),
        "pick_list_process_cpu_seconds": round(cpu, 3),
        "orders_on_list": wave.orders,
        "lines": wave.lines,
        "in_walk_order": walk == sorted(walk),
        "budget_seconds": 1.0,
        "within_budget": elapsed < 1.0,
    }
