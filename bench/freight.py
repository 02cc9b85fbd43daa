"""Importing a carrier's monthly bill: `parcelops bench freight --lines N` (100,000).

Set-up, not timed: N parcels of ZTO sent from Zhejiang (raw inserts, as the sweep's
benchmark makes them), a tenth of them packed in our warehouse with their weight, ZTO's
price table, and a bill of N lines as CSV: most as quoted, every 20th over-billed, every
33rd an unknown waybill, every 50th a waybill billed again. Then ONE import of that file
(`import_freight_bill`, as `parcelops import-bill` runs it) is timed.
Target (issue 16): under 60 seconds for 100,000 lines.

Run it on an empty migrated database (a fresh PARCELOPS_DATA_DIR, or DATABASE_URL).
"""

import csv
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.sweep import DESTINATIONS, create_parcels

OVER_EVERY = 20
UNKNOWN_EVERY = 33
AGAIN_EVERY = 50
PACKED_EVERY = 10


def price_table() -> list[Any]:
    from parcelops.carriers.models import Carrier, PriceRule
    from parcelops.carriers.pricing import Rule

    zto = Carrier.objects.get(code="zto")
    rules = [Rule("浙江", "上海", 1000, 800, 1000, 300), Rule("浙江", "*", 1000, 1000, 1000, 500)]
    for rule in rules:
        PriceRule.objects.create(
            carrier=zto,
            origin_province=rule.origin_province,
            destination_province=rule.destination_province,
            first_weight_grams=rule.first_weight_grams,
            first_cents=rule.first_cents,
            additional_weight_grams=rule.additional_weight_grams,
            additional_cents=rule.additional_cents,
        )
    return rules


def packed_parcels(lines: int, weights: list[int]) -> None:
    """Every PACKED_EVERY-th parcel was packed in our warehouse and weighed there."""
    from parcelops.core.sqlsets import insert_objects
    from parcelops.warehouse.models import Parcel, Warehouse

    warehouse = Warehouse.objects.create(
        code="BENCH", name="压测仓", province="浙江", city="杭州", address="文三路 1 号",
        contact_name="压测", contact_phone="0571-88888888",
    )  # fmt: skip
    parcels = [
        Parcel(
            order_id=i + 1,
            warehouse_id=warehouse.pk,
            weight_grams=weights[i],
            carrier="zto",
            waybill_number=f"BS{i:012d}",
            materials=[],
            checklist={},
        )
        for i in range(0, lines, PACKED_EVERY)
    ]
    insert_objects(parcels)


def write_bill(path: Path, lines: int, rules: list[Any], weights: list[int]) -> dict[str, int]:
    from parcelops.carriers.pricing import best_rule, price_cents

    expected = {"over": 0, "unknown": 0, "duplicate": 0}
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["运单号", "运费", "计费重量", "目的省份", "寄件日期"])
        for i in range(lines):
            province = DESTINATIONS[i % len(DESTINATIONS)][0]
            number = i
            if i % AGAIN_EVERY == AGAIN_EVERY - 1:
                number = i - 10  # billed again, ten rows after its first billing
                if number % UNKNOWN_EVERY == 0:
                    number -= 1  # that row's waybill was replaced by an unknown one
                expected["duplicate"] += 1
                province = DESTINATIONS[number % len(DESTINATIONS)][0]
            rule = best_rule(rules, "浙江", province)
            assert rule is not None
            cents = price_cents(rule, weights[number])
            waybill = f"BS{number:012d}"
            if i % UNKNOWN_EVERY == 0 and number == i:
                waybill = f"ZZ{i:012d}"
                expected["unknown"] += 1
            elif i % OVER_EVERY == 0 and number == i:
                cents += 300
                expected["over"] += 1
            writer.writerow(
                [waybill, f"{cents // 100}.{cents % 100:02d}", f"{weights[number] / 1000:g}",
                 province, "2026-11-15"]
            )  # fmt: skip
    return expected


def main(lines: int = 100_000) -> dict[str, Any]:
    from django.db import connection

    from parcelops.warehouse.actions.freight import import_freight_bill
    from parcelops.warehouse.freight_files import load_bill_mapping

    rng = random.Random(16)
    started = time.perf_counter()
    create_parcels(lines, datetime.now(UTC), due_every=10**9, warm_up=False)
    with connection.cursor() as cursor:
        # All the benchmark's parcels are ZTO's (the sweep's set-up spreads them over six).
        cursor.execute("UPDATE tracking_shipment SET carrier = 'zto'")
    weights = [rng.randrange(200, 6000) for _ in range(lines)]
    rules = price_table()
    packed_parcels(lines, weights)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "zto-2026-11.csv"
        expected = write_bill(path, lines, rules, weights)
        setup = round(time.perf_counter() - started, 1)
        mapping = load_bill_mapping("generic")
        started = time.perf_counter()
        result = import_freight_bill(
            None, path=path, file_name=path.name, carrier="zto", month="2026-11", mapping=mapping
        )
        seconds = time.perf_counter() - started
    bill = result.bill
    return {
        "lines": bill.line_count,
        "setup_seconds": setup,
        "import_seconds": round(seconds, 2),
        "lines_per_second": round(bill.line_count / seconds),
        "target_seconds": 60,
        "met": seconds < 60,
        "verdicts": bill.verdict_counts,
        "expected": expected,
        "billed": bill.billed_cents / 100,
        "quoted": bill.quoted_cents / 100,
        "over_billed": bill.over_billed_cents / 100,
        "database": connection.vendor,
    }
