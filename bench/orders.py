"""Order intake and query speed: in-process through the actions, and over HTTP against a
real `parcelops serve` (gunicorn + SQLite) on 127.0.0.1. Bounded in count and time."""

import http.client
import json
import os
import random
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from bench.common import Server, percentile, setup_django


def order_document(index: int, rng: random.Random, placed_at: datetime) -> dict:
    quantity = rng.randint(1, 3)
    price_cents = rng.randint(1_000, 90_000)
    total = quantity * price_cents + 1_000
    return {
        "channel": "bench",
        "external_id": f"B-{index:08d}",
        "placed_at": placed_at.isoformat(),
        "customer": {
            "name": f"顾客{index % 5000}",
            "phone": f"139{index % 5000:08d}",
            "tier": "regular",
        },
        "shipping_address": {
            "province": "浙江省",
            "city": "杭州市",
            "street": f"文三路 {index % 300} 号",
        },
        "lines": [
            {
                "sku": f"SKU-{index % 200}",
                "name": "测试商品",
                "quantity": quantity,
                "unit_price": f"{price_cents / 100:.2f}",
            }
        ],
        "shipping_fee": "10.00",
        "total": f"{total / 100:.2f}",
    }


def bench_in_process(count: int) -> dict:
    """Intake through parcelops.orders.actions in this process (no HTTP)."""
    from parcelops.orders.actions import intake_order
    from parcelops.orders.models import Channel

    Channel.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    rng = random.Random(1)
    now = datetime.now(UTC) - timedelta(minutes=1)
    documents = [order_document(i, rng, now) for i in range(count)]
    started = time.perf_counter()
    for document in documents:
        intake_order(document)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    for document in documents[:500]:
        intake_order(document)  # idempotent repeat: returns the stored order
    repeat_elapsed = time.perf_counter() - started
    return {
        "orders": count,
        "orders_per_second": round(count / elapsed),
        "repeat_per_second": round(500 / repeat_elapsed),
    }


def load(
    port: int,
    requests: list[tuple[str, str, bytes | None]],
    headers: dict,
    threads: int,
    seconds: float,
) -> dict:
    """Send the requests from `threads` keep-alive connections; stop after `seconds`."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    cursor = iter(range(len(requests)))
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            method, path, body = requests[index]
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            spent = time.perf_counter() - started
            with lock:
                latencies.append(spent)
                statuses[response.status] = statuses.get(response.status, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):
            pool.submit(worker)
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "statuses": statuses,
    }


def bench_http(data_dir: str, count: int, seconds: float) -> dict:
    from django.contrib.auth.models import Group, User

    from parcelops.accounts.actions import create_api_token
    from parcelops.orders.models import Order

    user, _ = User.objects.get_or_create(username="bench_admin")
    user.groups.add(Group.objects.get(name="admin"))
    token = create_api_token(user, "bench")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    rng = random.Random(2)
    now = datetime.now(UTC) - timedelta(minutes=1)
    posts = [
        ("POST", "/api/v1/orders", json.dumps(order_document(10_000_000 + i, rng, now)).encode())
        for i in range(count)
    ]
    port = 18000 + os.getpid() % 1000
    server = Server(data_dir, port)
    try:
        intake = load(port, posts, headers, threads=4, seconds=seconds)
        numbers = list(Order.objects.values_list("number", flat=True)[:500])
        gets = [("GET", f"/api/v1/orders/{numbers[i % len(numbers)]}", None) for i in range(count)]
        detail = load(port, gets, headers, threads=4, seconds=seconds)
    finally:
        server.stop()
    return {"intake": intake, "detail": detail}


def main() -> dict:
    data_dir = tempfile.mkdtemp(prefix="parcelops-bench-")
    setup_django(data_dir)
    results = {"in_process_intake": bench_in_process(int(os.environ.get("BENCH_ORDERS", "2000")))}
    results["http"] = bench_http(
        data_dir, count=int(os.environ.get("BENCH_HTTP_REQUESTS", "4000")), seconds=20
    )
    return results
