"""Tracking ingestion throughput: `parcelops bench ingest --events N`.

Generates realistic events for N/10 shipments (ten scans each, Chinese texts, carrier-local
times), pushes them through the batch path (parse, normalise, dedupe, store, update
shipments, order states) in chunks of one request body each, in one ingesting process per
CPU as a server's web workers would take concurrent batches (--workers 1: one process),
then measures the raw limit of the same machine:
plain sqlite3 executemany of the same rows into a copy of the same table in one
transaction. Re-ingesting the same events must be at least as fast and add nothing.

The exception desk listens to every chunk unless PARCELOPS_DETECTION=false; the report
says which ("detection"), and its cost is the ratio of two runs, one each way.
"""

import multiprocessing
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

STEPS = [
    ("103", "【{city}】{courier}已揽收", "picked_up"),
    ("0", "快件已到达【{city}转运中心】", "arrived"),
    ("0", "快件已从【{city}转运中心】发出，发往【{dest}】", "departed"),
    ("0", "快件已到达【{dest}转运中心】", "arrived"),
    ("0", "快件已从【{dest}转运中心】发出", "departed"),
    ("1001", "快件已到达【{dest}{district}营业部】", "arrived"),
    ("5", "【{dest}{district}营业部】派件员：{courier} 正在为您派件", "out"),
    ("2", "快件派送不成功，客户电话无人接听，将再次派送", "attempt"),
    ("5", "【{dest}{district}营业部】再次派送中", "out"),
    ("3", "已签收，签收人：本人，感谢使用", "delivered"),
]
CITIES = ["杭州", "上海", "广州", "深圳", "北京", "成都", "武汉", "西安", "南京", "重庆"]
DISTRICTS = ["西湖区", "浦东新区", "天河区", "南山区", "朝阳区", "武侯区"]
CARRIERS = ["zto", "yto", "sto", "yunda", "sf-express", "jtexpress"]


def tracking_number(index: int) -> str:
    return f"BN{index:012d}"


def generate_events(shipments: int, start: datetime, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Batch-format events, in the order carriers push them: step by step across parcels."""
    rng = random.Random(seed)
    plans = [
        (
            CARRIERS[i % len(CARRIERS)],
            rng.choice(CITIES),
            rng.choice(CITIES),
            rng.choice(DISTRICTS),
            rng.randint(0, 3600),
        )
        for i in range(shipments)
    ]
    for step, (code, text, _kind) in enumerate(STEPS):
        for index, (carrier, city, dest, district, jitter) in enumerate(plans):
            local = start + timedelta(hours=step * 6, seconds=jitter)
            yield {
                "carrier": carrier,
                "tracking_number": tracking_number(index),
                "occurred_at": local.strftime("%Y-%m-%d %H:%M:%S"),  # naive: carrier-local
                "raw_code": code,
                "text": text.format(city=city, dest=dest, district=district, courier="快递员"),
                "location": dest if step >= 3 else city,
            }


def chunks(iterable: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def create_shipments(count: int) -> None:
    """Set-up, not measured: orders already shipped and their shipments, in bulk."""
    from parcelops.core import crypto
    from parcelops.orders.models import Channel, Customer, Order
    from parcelops.orders.states import OrderState, OrderType, ReviewState
    from parcelops.tracking.models import Shipment

    channel, _ = Channel.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    customer = Customer.objects.create(
        name="压测", phone="13900000000", phone_index=crypto.phone_index("13900000000")
    )
    moment = datetime.now(UTC)
    address = {"province": "浙江省", "city": "杭州市", "street": "文三路 1 号"}
    for start in range(0, count, 5000):
        orders = Order.objects.bulk_create(
            Order(
                number=f"BO{i:012d}",
                channel=channel,
                external_id=f"B{i}",
                customer=customer,
                customer_tier="regular",
                shipping_address=address,
                placed_at=moment,  # type: ignore[misc]
                received_at=moment,
                subtotal_cents=1000,
                total_cents=1000,
                order_type=OrderType.NORMAL,
                state=OrderState.SHIPPED,
                review_state=ReviewState.NOT_REQUIRED,
            )
            for i in range(start, min(start + 5000, count))
        )
        Shipment.objects.bulk_create(
            Shipment(
                order=order,
                carrier=CARRIERS[i % len(CARRIERS)],
                tracking_number=tracking_number(i),
                status="info_received",
                substatus="label_created",
                status_rank=1,
                created_at=moment,
            )
            for i, order in zip(range(start, start + len(orders)), orders, strict=True)
        )


# The chunks' request bodies, made before the clock starts; forked workers inherit them.
_BODIES: list[bytes] = []


def _ingest_body(index: int) -> tuple[int, int, int, int, int, float]:
    """One batch request's work, as the endpoint does it: decode, parse, store, follow."""
    from parcelops.tracking.actions import record_tracking_events
    from parcelops.tracking.providers.batch import parse_batch

    cpu_started = time.process_time()
    parsed, errors = parse_batch(orjson.loads(_BODIES[index]))
    result = record_tracking_events(parsed, chunk_size=len(parsed) or 1)
    cpu = time.process_time() - cpu_started
    return result.stored, result.duplicates, result.unmatched, len(errors), result.rereads, cpu


def ingest(events: int, chunk_size: int, start: datetime, workers: int) -> dict[str, float]:
    """The batch path over every chunk, in `workers` processes at once (each as a web
    worker would take concurrent batch requests), timed from the first chunk to the last."""
    from django.db import connections

    _BODIES[:] = [
        orjson.dumps({"events": chunk})
        for chunk in chunks(generate_events(events // len(STEPS), start), chunk_size)
    ]  # generating the carriers' events is not timed
    totals = {"stored": 0, "duplicates": 0, "unmatched": 0, "rejected": 0, "chunks_reread": 0}
    cpu = 0.0  # the workers' CPU time (SQLite's included; not PostgreSQL's server's)
    if workers == 1:
        started = time.perf_counter()
        results = [_ingest_body(index) for index in range(len(_BODIES))]
        elapsed = time.perf_counter() - started
    else:
        connections.close_all()  # each worker opens its own
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.map(abs, range(workers))  # the workers are up before the clock starts
            started = time.perf_counter()
            results = list(pool.imap(_ingest_body, range(len(_BODIES))))
            elapsed = time.perf_counter() - started
    _BODIES.clear()
    for stored, duplicates, unmatched, rejected, rereads, chunk_cpu in results:
        totals["stored"] += stored
        totals["duplicates"] += duplicates
        totals["unmatched"] += unmatched
        totals["rejected"] += rejected
        totals["chunks_reread"] += rereads
        cpu += chunk_cpu
    return {
        **totals,
        "seconds": round(elapsed, 1),
        "events_per_second": round(events / elapsed),
        # A machine shared with other work slows the wall clock, not this figure.
        "process_cpu_seconds": round(cpu, 1),
        "events_per_process_cpu_second": round(events / cpu),
    }


def raw_sqlite_limit(events: int, start: datetime) -> dict[str, float]:
    """Plain sqlite3 executemany of the same rows into a copy of the event table."""
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'tracking_trackingevent' AND sql IS NOT NULL"
        )
        ddl = [row[0] for row in cursor.fetchall()]
    path = os.path.join(tempfile.mkdtemp(prefix="parcelops-raw-"), "raw.sqlite3")
    raw = sqlite3.connect(path)
    # The same settings as the product's connections (WAL, synchronous=NORMAL, page cache).
    raw.executescript(settings.DATABASES["default"]["OPTIONS"]["init_command"])
    raw.execute("CREATE TABLE tracking_shipment (id integer PRIMARY KEY)")
    with raw:  # the parents the events' foreign key is checked against, as in the product
        raw.executemany(
            "INSERT INTO tracking_shipment (id) VALUES (?)",
            ((i,) for i in range(1, events // len(STEPS) + 1)),
        )
    for statement in ddl:
        raw.execute(statement)
    now_text = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    rows = [
        (1 + i % (events // len(STEPS)), e["occurred_at"], e["occurred_at"], "carrier_zone", now_text, "batch",
         e["raw_code"], e["text"], e["location"], "in_transit", "", 0, 0, f"{i:032x}",
         orjson.dumps(e).decode())
        for i, e in enumerate(generate_events(events // len(STEPS), start))
    ]  # fmt: skip
    started, cpu_started = time.perf_counter(), time.process_time()
    with raw:
        raw.executemany(
            "INSERT INTO tracking_trackingevent (shipment_id, occurred_at, local_time, offset_source, "
            "received_at, provider, raw_code, raw_text, location, status, substatus, is_regression, "
            "is_future, dedupe_key, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    raw.close()
    return {
        "seconds": round(elapsed, 1),
        "rows_per_second": round(len(rows) / elapsed),
        "rows_per_process_cpu_second": round(len(rows) / cpu),
    }


def main(events: int = 1_000_000, chunk_size: int = 10_000, workers: int = 0) -> dict[str, Any]:
    """`workers`: ingesting processes, 0 for one per CPU."""
    from django.db import connection

    from parcelops.core.runtime import settle_after_startup
    from parcelops.tracking import transitions
    from parcelops.tracking.models import TrackingEvent

    shipments = events // len(STEPS)
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=5)
    setup_started = time.perf_counter()
    create_shipments(shipments)
    setup = round(time.perf_counter() - setup_started, 1)
    # Once, as each web worker does after its warm-up (config/wsgi.py); the ingesting
    # workers are forked from this process and inherit it.
    settle_after_startup()
    workers = workers or os.cpu_count() or 1
    first = ingest(events, chunk_size, start, workers)
    stored_after_first = TrackingEvent.objects.count()
    again = ingest(events, chunk_size, start, workers)
    report: dict[str, Any] = {
        "database": connection.vendor,
        # Whether the exception desk listened (PARCELOPS_DETECTION, its wiring): with it
        # off the engine builds no transitions (decision 0028), which is what it costs.
        "detection": transitions.is_on(),
        "events": events,
        "shipments": shipments,
        "chunk_size": chunk_size,
        "workers": workers,
        "setup_seconds": setup,
        "first_ingest": first,
        "re_ingest": again,
        "re_ingest_added": TrackingEvent.objects.count() - stored_after_first,
    }
    if connection.vendor == "sqlite":
        limit = raw_sqlite_limit(events, start)
        report["raw_sqlite_executemany"] = limit
        report["fraction_of_raw_limit"] = round(
            first["events_per_second"] / limit["rows_per_second"], 2
        )
        report["fraction_of_raw_limit_by_cpu"] = round(
            first["events_per_process_cpu_second"] / limit["rows_per_process_cpu_second"], 2
        )
    return report
