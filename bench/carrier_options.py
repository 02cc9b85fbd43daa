"""Carrier choice at scale: `parcelops bench carrier-options --shipments N`.

Creates a year of tracking history (N parcels from Zhejiang to the 31 mainland provinces
over ten carriers, raw inserts in big batches: about 95 % delivered, 1 % lost, 1 %
damaged, the rest still moving), the demo carriers' price tables, one warehouse and 1,000
allocated orders to choose for. Then it times the nightly refresh of the carriers' scores
once, and 1,000 carrier-option requests: in this process (the order's lookup, the ranking
and its explanation) and through the API of a real `parcelops serve` on 127.0.0.1.

Run it on an empty migrated database (a fresh PARCELOPS_DATA_DIR, or DATABASE_URL).
"""

import http.client
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import Server, free_port, percentile
from bench.sweep import BATCH, ORDER_COLUMNS, SHIPMENT_COLUMNS, _adapters

# Each carrier's usual transit hours from Zhejiang: the history spreads around them.
CARRIERS = {
    "sf-express": 28, "jd": 30, "zto": 50, "yto": 52, "sto": 56, "yunda": 54,
    "jtexpress": 58, "ems": 60, "china-post": 80, "deppon": 56,
}  # fmt: skip
REQUESTS = 1000
HISTORY_COLUMNS = (*SHIPMENT_COLUMNS, "delivered_at", "promised_delivery_date")


def _spread(i: int) -> float:
    """A fixed pseudo-random number in [0, 1) for parcel i (Knuth's multiplicative hash)."""
    return ((i * 2654435761) % 4294967296) / 4294967296


def create_history(count: int, moment: datetime) -> dict[str, int]:
    """Set-up, not timed: `count` parcels handed over in the year before `moment`."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from parcelops.core import crypto
    from parcelops.core.sqlsets import insert_rows
    from parcelops.demo.carrier_prices import MAINLAND
    from parcelops.orders.models import Channel, Customer, Order
    from parcelops.orders.states import CustomerTier, OrderState, OrderType, ReviewState
    from parcelops.tracking.models import Shipment

    at, day = _adapters()
    channel, _ = Channel.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    customer = Customer.objects.create(
        name="压测", phone="13900000000", phone_index=crypto.phone_index("13900000000")
    )
    field = Order._meta.get_field("shipping_address")
    addresses = [
        field.get_db_prep_value({"province": p, "city": "某市", "street": "1 号"}, connection)
        for p in MAINLAND
    ]
    carriers = list(CARRIERS)
    # The history's parcels share one completed order: scoring never reads it.
    history_order = (
        1, "BH000000000000", "H0", CustomerTier.REGULAR, addresses[0], at(moment), at(moment),
        "CNY", 16_800, 0, 0, 16_800, "", "[]", OrderState.COMPLETED, ReviewState.NOT_REQUIRED,
        False, False, "", at(moment), channel.pk, customer.pk, OrderType.NORMAL,
    )  # fmt: skip
    choosable = [
        (2 + i, f"BC{i:012d}", f"C{i}", CustomerTier.REGULAR, addresses[i % len(addresses)],
         at(moment), at(moment), "CNY", 16_800 if i % 10 else 268_000, 0, 0,
         16_800 if i % 10 else 268_000, carriers[i % 7] if i % 5 == 0 else "", "[]",
         OrderState.ALLOCATED, ReviewState.NOT_REQUIRED, False, False, "", at(moment),
         channel.pk, customer.pk, OrderType.NORMAL)
        for i in range(REQUESTS)
    ]  # fmt: skip
    with transaction.atomic():
        insert_rows("orders_order", ORDER_COLUMNS, [history_order, *choosable])
    counts = {"delivered": 0, "lost": 0, "damaged": 0, "moving": 0}
    year = timedelta(days=365).total_seconds()
    for start in range(0, count, BATCH):
        rows = []
        for i in range(start, min(start + BATCH, count)):
            carrier = carriers[i % len(carriers)]
            destination = MAINLAND[(i // len(carriers)) % len(MAINLAND)]
            created = moment - timedelta(seconds=int(year * _spread(i + 7)))
            base = CARRIERS[carrier] * (
                1.6 if destination in ("新疆维吾尔自治区", "西藏自治区") else 1
            )
            hours = base * (0.6 + 0.9 * _spread(i)) + (48 if i % 37 == 0 else 0)  # a slow tail
            delivered = created + timedelta(hours=hours)
            promised = day((created + timedelta(hours=base * 1.3 + 8)).date())
            status, substatus, rank, delivered_at = (
                "delivered",
                "signed_by_recipient",
                5,
                at(delivered),
            )
            if i % 100 == 0:
                status, substatus, rank, delivered_at = "lost", "", 5, None
            elif i % 100 == 1:
                status, substatus, rank, delivered_at = "exception", "damaged", 2, None
            elif delivered > moment:
                status, substatus, rank, delivered_at = "in_transit", "arrived_facility", 2, None
            counts[
                {"delivered": "delivered", "lost": "lost", "exception": "damaged"}.get(
                    status, "moving"
                )
            ] += 1
            rows.append(
                (i + 1, 1, carrier, "", f"BH{i:012d}", True, status, substatus, rank, "events",
                 "", "", at(min(delivered, moment)), None, 1, at(created), at(created), "浙江省",
                 destination, "某市", at(created), None, False, delivered_at, promised)
            )  # fmt: skip
        with transaction.atomic():
            insert_rows("tracking_shipment", HISTORY_COLUMNS, rows)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Order, Shipment]):
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE orders_order, tracking_shipment")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return counts


def prepare_choice() -> str:
    """The warehouse, the demo price tables, products with weights on the orders, and a
    packer's API token."""
    from django.contrib.auth.models import User

    from parcelops.accounts import roles
    from parcelops.accounts.actions import create_api_token, set_staff_roles
    from parcelops.demo.carrier_prices import load_carrier_prices
    from parcelops.orders.models import Order, OrderLine, Product
    from parcelops.warehouse.models import SkuProfile, Warehouse, WarehouseSettings

    load_carrier_prices()
    Warehouse.objects.create(
        code="HZ1", name="杭州仓", province="浙江省", city="杭州市", address="文一西路 1 号",
        contact_name="仓管", contact_phone="0571-88888888",
    )  # fmt: skip
    WarehouseSettings.current()
    tea = Product.objects.create(sku="TEA-001", name="西湖龙井 250g", unit_price_cents=16_800)
    SkuProfile.objects.create(product=tea, weight_grams=450)
    OrderLine.objects.bulk_create(
        OrderLine(order_id=pk, product=tea, sku=tea.sku, name=tea.name,
                  product_type="standard", quantity=1 + pk % 4, unit_price_cents=16_800)
        for pk in Order.objects.filter(number__startswith="BC").values_list("pk", flat=True)
    )  # fmt: skip
    packer = User.objects.create_user(username="bench_packer")
    set_staff_roles(packer, [roles.WAREHOUSE])
    return create_api_token(packer)


def _timings(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 0.50) * 1000, 2),
        "p99_ms": round(percentile(values, 0.99) * 1000, 2),
        "max_ms": round(max(values) * 1000, 2),
    }


def time_in_process(numbers: list[str]) -> tuple[dict[str, float], dict[str, Any]]:
    from parcelops.orders.models import Order
    from parcelops.warehouse.choice_presentation import present
    from parcelops.warehouse.choice_queries import carrier_options

    present(carrier_options(Order.objects.get(number=numbers[0])))  # warm: imports, caches
    spent, last = [], {}
    for number in numbers:
        started = time.perf_counter()
        last = present(carrier_options(Order.objects.get(number=number)))
        spent.append(time.perf_counter() - started)
    return _timings(spent), last


def time_over_http(numbers: list[str], token: str) -> dict[str, Any]:
    import os
    import tempfile

    # The server reads this process's database: its data directory, or DATABASE_URL.
    data_dir = os.environ.get("PARCELOPS_DATA_DIR") or tempfile.mkdtemp(prefix="parcelops-")
    port = free_port()
    server = Server(data_dir, port)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}"}
        spent, statuses = [], set()
        for round_ in range(2):  # the first round warms the workers
            for number in numbers:
                started = time.perf_counter()
                connection.request(
                    "GET", f"/api/v1/orders/{number}/carrier-options", headers=headers
                )
                response = connection.getresponse()
                response.read()
                if round_:
                    spent.append(time.perf_counter() - started)
                    statuses.add(response.status)
        return {**_timings(spent), "statuses": sorted(statuses)}
    finally:
        server.stop()


def main(shipments: int = 1_000_000) -> dict[str, Any]:
    from django.db import connection

    from parcelops.warehouse.actions.choice import refresh_carrier_scores
    from parcelops.warehouse.models import CarrierScore

    moment = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    counts = create_history(shipments, moment)
    token = prepare_choice()
    setup = round(time.perf_counter() - started, 1)

    started, cpu_started = time.perf_counter(), time.process_time()
    lanes = refresh_carrier_scores(None, moment)
    refresh = round(time.perf_counter() - started, 2)
    refresh_cpu = round(time.process_time() - cpu_started, 2)

    numbers = [f"BC{i:012d}" for i in range(REQUESTS)]
    in_process, sample = time_in_process(numbers)
    over_http = time_over_http(numbers, token)
    return {
        "database": connection.vendor,
        "shipments": shipments,
        "history": counts,
        "setup_seconds": setup,
        "refresh_seconds": refresh,
        "refresh_process_cpu_seconds": refresh_cpu,
        "lanes": lanes,
        "lanes_with_enough_history": CarrierScore.objects.filter(delivered__gte=30).count(),
        "requests": REQUESTS,
        "in_process": in_process,
        "api": over_http,
        "sample": {
            "order": sample["order"],
            "destination": sample["destination_province"],
            "ranking": [(o["carrier"], o["total"], o["uses_history"]) for o in sample["options"]],
            "excluded": [e["carrier"] for e in sample["excluded"]],
        },
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2, ensure_ascii=False))
