"""Tracking over HTTP, and the memory of a streamed import:

- `parcelops bench push`: single-event pushes (our batch endpoint, one event per request,
  bearer token) from N concurrent clients against a real `parcelops serve` on 127.0.0.1,
  for a bounded time; then checks that every 2xx answer left exactly one stored event.
  Each parcel already has its first i % 10 events (set-up), so the pushes mix every step
  of a parcel's life, each parcel's in order.
- `parcelops bench track`: GET /api/v1/track/{number} at a constant rate (open loop:
  each request has a scheduled send time and its latency counts from that time, so a
  slow server cannot slow the generator down and hide its own queueing).
- `parcelops bench memory --events N`: writes N events as JSON Lines, streaming, and runs
  `parcelops import-events FILE` on them, sampling the importer's resident memory.

Each run uses its own temporary data directory, always on SQLite (DATABASE_URL and
REDIS_URL are removed from the children's environment), filled by a child process: the
calling process never opens that database through Django. It is removed afterwards
unless BENCH_KEEP is set. The server runs with PARCELOPS_PUBLIC_RATE_LIMIT raised to
10^9 a minute (BENCH_RATE_LIMIT sets another value), because all the load comes from one
address. The first WARM_UP_SECONDS of each HTTP run are sent but left out of the figures.

The load generator is a compact HTTP/1.1 client on one epoll loop in this process (see
Driver). It keeps connections alive when the server allows it (gunicorn's sync workers
close every connection, so each request opens a new one) and reports its own CPU time
next to the server's and the rest of the machine's: the machine is shared.
Environment: BENCH_SECONDS (20), BENCH_WORKERS (gunicorn workers: WEB_CONCURRENCY or 2),
BENCH_CLIENTS (push: 8), BENCH_RATE (track: 500), BENCH_SHIPMENTS, BENCH_KEEP.
"""

import errno
import itertools
import json
import os
import random
import selectors
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench.common import (
    ROOT,
    Server,
    free_port,
    machine_cpu,
    percentile,
    self_cpu_seconds,
    setup_django,
    tree_cpu_seconds,
)
from bench.ingest import STEPS, chunks, create_shipments, generate_events, tracking_number

PUSH_PATH = "/api/v1/tracking/events"
TRACK_PATH = "/api/v1/track/"
WARM_UP_SECONDS = 2.0  # requests in the first seconds are sent but left out of the figures


def _setting(name: str, default: int | float) -> float:
    return float(os.environ.get(name, default))


def _events_start() -> datetime:
    """Carrier-local (naive) time of the first scan: far enough back that all ten are past."""
    return datetime.now(UTC).replace(tzinfo=None) - timedelta(days=5)


# --- Set-up, in a child process pointed at the bench's own data directory ---------------


def _bench_env(data_dir: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(PARCELOPS_DATA_DIR=data_dir, **extra)
    return env


def history(shipments: int, start: datetime, kind: str) -> Iterator[dict[str, Any]]:
    """The events stored before the run: none, all ten per parcel ("all"), or parcel i's
    first i % 10 ("staggered": the pushes then start at every step of a parcel's life)."""
    if kind == "all":
        yield from generate_events(shipments, start)
    elif kind == "staggered":
        for position, event in enumerate(generate_events(shipments, start)):
            if position // shipments < position % shipments % len(STEPS):
                yield event


def _prepare_here(options: dict[str, Any]) -> dict[str, Any]:
    """Runs in the child: migrate, bulk shipments, optionally their history and a token."""
    setup_django(options["data_dir"])
    started = time.perf_counter()
    create_shipments(options["shipments"])
    report: dict[str, Any] = {}
    if options["events"] != "none":
        from parcelops.tracking.actions import record_tracking_events
        from parcelops.tracking.providers.batch import parse_batch

        start = datetime.fromisoformat(options["start"])
        stored = 0
        for chunk in chunks(history(options["shipments"], start, options["events"]), 5000):
            parsed, errors = parse_batch({"events": chunk})
            if errors:
                raise RuntimeError(f"the generator made bad events: {errors[:3]}")
            stored += record_tracking_events(parsed).stored
        report["events_stored_before"] = stored
        from django.conf import settings

        if settings.PARCELOPS_DETECTION:
            # The desk's clock has caught up before the run, as the worker's sweep each
            # minute keeps it in production: the history leaves thousands of parcels
            # silent past the stall threshold, and the worker's first sweep opening their
            # cases during the run was 3.3 ms of server CPU a push.
            from parcelops.exceptions.actions import sweep

            report["sweep_before"] = sweep().as_dict()
    if options["token"]:
        from django.contrib.auth.models import Group, User

        from parcelops.accounts.actions import create_api_token

        user = User.objects.create(username="bench_pusher")
        user.groups.add(Group.objects.get(name="admin"))
        report["token"] = create_api_token(user, "bench")
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def prepare(
    data_dir: str,
    shipments: int,
    events: str = "none",
    start: datetime | None = None,
    token: bool = False,
) -> dict[str, Any]:
    """Fill `data_dir` (in a child process): `shipments` shipped orders with shipments, the
    events `history` names for them, and an API token for a user of the admin role."""
    options = {
        "data_dir": data_dir,
        "shipments": shipments,
        "events": events,
        "start": (start or _events_start()).isoformat(),
        "token": token,
    }
    command = [sys.executable, "-m", "bench.http_tracking", "prepare", json.dumps(options)]
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        command, cwd=ROOT, env=_bench_env(data_dir), capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"bench set-up failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _clean_up(data_dir: str) -> str | None:
    """Remove the run's data directory unless BENCH_KEEP is set; where it is, if kept."""
    if os.environ.get("BENCH_KEEP"):
        return data_dir
    shutil.rmtree(data_dir, ignore_errors=True)
    return None


def _count(data_dir: str, table: str) -> int:
    database = sqlite3.connect(Path(data_dir) / "parcelops.sqlite3")
    try:
        return int(database.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608
    finally:
        database.close()


# --- The load generator ------------------------------------------------------------------


class Exchange:
    """One request on its way: the connection it uses, what came back so far, its tag."""

    __slots__ = ("buffer", "length", "request", "reused", "sock", "tag")

    def __init__(self, sock: socket.socket, request: bytes, tag: Any, reused: bool = False):
        self.sock = sock
        self.request = request
        self.tag = tag
        self.reused = reused  # sent on a kept-alive connection
        self.buffer = b""
        self.length = -1  # the whole answer's size once its head is in; -1: read to the end


class Driver:
    """A compact HTTP/1.1 client on one epoll loop: non-blocking sockets, no asyncio.

    asyncio's streams cost about 400 µs of CPU per request with a new connection on this
    machine, a plain blocking socket about 90 µs; this stays near the latter without a
    thread per connection. Connections are kept for the next request unless the server
    says `Connection: close` (gunicorn's sync workers always do).
    """

    def __init__(self, port: int):
        self.address = ("127.0.0.1", port)
        self.selector = selectors.DefaultSelector()
        self.idle: list[socket.socket] = []
        self.active = 0
        self.connects = 0
        self.done: list[tuple[Any, int | str, bytes]] = []

    def start(self, request: bytes, tag: Any) -> None:
        """Send `request`; its (tag, status, body) comes out of a later poll()."""
        self.active += 1
        if self.idle:
            sock = self.idle.pop()
            exchange = Exchange(sock, request, tag, reused=True)
            try:
                sock.send(request)
            except OSError:  # the server closed it meanwhile: start afresh
                sock.close()
                self.active -= 1
                self.start(request, tag)
                return
            self.selector.register(sock, selectors.EVENT_READ, exchange)
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
        self.connects += 1
        error = sock.connect_ex(self.address)
        if error not in (0, errno.EINPROGRESS):
            sock.close()
            self._finish(Exchange(sock, request, tag), errno.errorcode.get(error, str(error)))
            return
        self.selector.register(sock, selectors.EVENT_WRITE, Exchange(sock, request, tag))

    def poll(self, timeout: float) -> list[tuple[Any, int | str, bytes]]:
        """Wait up to `timeout` seconds; the exchanges finished meanwhile."""
        for key, events in self.selector.select(timeout):
            exchange: Exchange = key.data
            if events & selectors.EVENT_WRITE:
                self._send(exchange)
            else:
                self._receive(exchange)
        done, self.done = self.done, []
        return done

    def _send(self, exchange: Exchange) -> None:
        try:
            sent = exchange.sock.send(exchange.request)
        except OSError as error:
            self.selector.unregister(exchange.sock)
            exchange.sock.close()
            self._finish(exchange, type(error).__name__)
            return
        exchange.request = exchange.request[sent:]
        if not exchange.request:
            self.selector.modify(exchange.sock, selectors.EVENT_READ, exchange)

    def _receive(self, exchange: Exchange) -> None:
        try:
            chunk = exchange.sock.recv(65536)
        except OSError as error:
            chunk, failure = b"", type(error).__name__
        else:
            failure = "" if chunk or exchange.buffer else "closed without an answer"
        if failure and exchange.reused and not exchange.buffer:
            # The server had closed the kept-alive connection: send again on a new one.
            self.selector.unregister(exchange.sock)
            exchange.sock.close()
            self.active -= 1
            self.start(exchange.request, exchange.tag)
            return
        exchange.buffer += chunk
        if exchange.length < 0 and (end := exchange.buffer.find(b"\r\n\r\n")) >= 0:
            at = exchange.buffer.find(b"\r\ncontent-length:", 0, end)
            if at < 0:
                at = exchange.buffer.lower().find(b"\r\ncontent-length:", 0, end)
            if at >= 0:
                size = int(exchange.buffer[at + 17 : exchange.buffer.index(b"\r\n", at + 2)])
                exchange.length = end + 4 + size
        complete = 0 <= exchange.length <= len(exchange.buffer)
        if chunk and not complete:
            return
        self.selector.unregister(exchange.sock)
        head = exchange.buffer[: exchange.buffer.find(b"\r\n\r\n")].lower()
        if complete and b"\r\nconnection: close" not in head:
            self.idle.append(exchange.sock)
        else:
            exchange.sock.close()
        if failure or not exchange.buffer.startswith(b"HTTP/1."):
            self._finish(exchange, failure or "not HTTP")
            return
        body = exchange.buffer[exchange.buffer.find(b"\r\n\r\n") + 4 :]
        self._finish(exchange, int(exchange.buffer[9:12]), body)

    def abandon(self) -> list[Any]:
        """Close every connection still waiting for an answer; their tags."""
        tags = []
        for key in list(self.selector.get_map().values()):
            self.selector.unregister(key.fileobj)
            key.data.sock.close()
            tags.append(key.data.tag)
        self.active = 0
        return tags

    def _finish(self, exchange: Exchange, status: int | str, body: bytes = b"") -> None:
        self.active -= 1
        self.done.append((exchange.tag, status, body))


def _request(
    method: str, path: str, port: int, headers: dict[str, str], body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if method != "GET":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _latency_figures(latencies: list[float]) -> dict[str, float]:
    if not latencies:
        return {}
    return {
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p90_ms": round(percentile(latencies, 0.90) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
    }


class CpuMeter:
    """CPU used by this process (the generator), the server's process tree and the machine."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.wall = time.perf_counter()
        self.own = self_cpu_seconds()
        self.server = tree_cpu_seconds(server_pid)
        self.machine = machine_cpu()
        self.load = os.getloadavg()[0]

    def report(self, requests: int) -> dict[str, float]:
        """Since the meter started; per request over `requests` (warm-up included)."""
        wall = time.perf_counter() - self.wall
        own = self_cpu_seconds() - self.own
        server = tree_cpu_seconds(self.server_pid) - self.server
        busy, total = (
            now - before for now, before in zip(machine_cpu(), self.machine, strict=True)
        )
        return {
            "generator_cpu_s": round(own, 2),
            "generator_us_per_request": round(own / max(requests, 1) * 1e6),
            "generator_share_of_one_core": round(own / wall, 2),
            "server_cpu_s": round(server, 2),
            "server_cpu_ms_per_request": round(server / max(requests, 1) * 1000, 2),
            "machine_busy_cores": round(busy / wall, 2),
            "machine_cores": round(total / wall),
            "other_processes_busy_cores": round((busy - own - server) / wall, 2),
            "load_average_1min_at_start": round(self.load, 2),
        }


def closed_loop(
    port: int, requests: Iterator[bytes], clients: int, seconds: float
) -> dict[str, Any]:
    """`clients` connections, each sending its next request when the last one is answered.
    Requests sent during the warm-up are left out of the figures (not of the counts)."""
    driver = Driver(port)
    started = time.perf_counter()
    measure_from = started + WARM_UP_SECONDS
    deadline = measure_from + seconds
    latencies: list[float] = []
    statuses: Counter[int | str] = Counter()
    outcomes: Counter[str] = Counter()
    sent = answered_2xx = 0
    exhausted = False

    def launch() -> None:
        nonlocal sent, exhausted
        if time.perf_counter() >= deadline:
            return
        request = next(requests, None)
        if request is None:
            exhausted = True
            return
        sent += 1
        driver.start(request, time.perf_counter())

    for _ in range(clients):
        launch()
    while driver.active:
        for began, status, body in driver.poll(1.0):
            if isinstance(status, int) and 200 <= status < 300:
                answered_2xx += 1
                if body.startswith(b"{"):  # the batch endpoint: an outcome per event sent
                    outcomes.update(orjson.loads(body).get("outcomes", ()))
            if began >= measure_from:
                latencies.append(time.perf_counter() - began)
                statuses[status] += 1
            launch()
    return {
        "latencies": latencies,
        "elapsed": time.perf_counter() - measure_from,
        "statuses": dict(statuses),
        "sent_including_warm_up": sent,
        "answered_2xx_including_warm_up": answered_2xx,
        "outcomes_including_warm_up": dict(outcomes),
        "ran_out_of_events": exhausted,
        "connections_opened": driver.connects,
    }


def open_loop(
    port: int,
    request_for: Callable[[int], bytes],
    rate: float,
    seconds: float,
    max_open: int,
    grace: float = 10.0,
) -> dict[str, Any]:
    """Request i is due at start + i / rate whatever became of the earlier ones, and its
    latency counts from then. At most `max_open` are in flight; the rest wait (and that
    wait counts too). send_lag says how late the generator sent them (its own lateness
    while the limit was never reached). The run ends `grace` seconds after the last
    request was due: what is still unanswered then counts as "unfinished", with the time
    waited so far as its latency (a lower bound)."""
    driver = Driver(port)
    latencies: list[float] = []
    lags: list[float] = []
    statuses: Counter[int | str] = Counter()
    start = time.perf_counter() + 0.05
    warm_up = int(WARM_UP_SECONDS * rate)
    total = warm_up + int(seconds * rate)
    stop = start + total / rate + grace
    index = limit_reached = 0
    measure_from = last_answer = start + warm_up / rate
    while (index < total or driver.active) and time.perf_counter() < stop:
        now = time.perf_counter()
        while index < total and start + index / rate <= now:
            if driver.active >= max_open:
                limit_reached += 1
                break
            scheduled = start + index / rate
            if index >= warm_up:
                lags.append(now - scheduled)
            driver.start(request_for(index), (index, scheduled))
            index += 1
        if index < total and driver.active < max_open:
            timeout = max(0.0, start + index / rate - time.perf_counter())
        else:
            timeout = 0.5
        for (number, scheduled), status, _body in driver.poll(timeout):
            if number >= warm_up:
                last_answer = time.perf_counter()
                latencies.append(last_answer - scheduled)
                statuses[status] += 1
    now = time.perf_counter()
    unanswered = driver.abandon()
    unanswered += [(i, start + i / rate) for i in range(index, total)]
    for number, scheduled in unanswered:
        if number >= warm_up:
            latencies.append(now - scheduled)
            statuses["unfinished"] += 1
    return {
        "latencies": latencies,
        "elapsed": total / rate - warm_up / rate,
        "answered_per_second": round(
            (len(latencies) - statuses["unfinished"]) / max(last_answer - measure_from, 1e-9)
        ),
        "statuses": dict(statuses),
        "send_lag_p99_ms": round(percentile(lags, 0.99) * 1000, 1) if lags else None,
        "in_flight_limit_reached": limit_reached,
        "sent_including_warm_up": index,
        "connections_opened": driver.connects,
    }


def _against_server(
    data_dir: str, port: int, workers: int, load: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Start `parcelops serve` on data_dir, warm it up, run the load, stop it: the run's
    figures and the CPU it cost (the public rate limit is raised: one address sends all)."""
    env = _bench_env(
        data_dir,
        WEB_CONCURRENCY=str(workers),
        PARCELOPS_PUBLIC_RATE_LIMIT=os.environ.get("BENCH_RATE_LIMIT", str(10**9)),
    )
    server = Server(data_dir, port, env)
    try:
        _warm_up_tracks(port)
        meter = CpuMeter(server.process.pid)
        run = load()
        return run, meter.report(run["sent_including_warm_up"])
    finally:
        server.stop()


def _warm_up_tracks(port: int) -> None:
    """Load each worker's code paths once (URL resolvers, routers) before anything counts."""
    import http.client

    for _ in range(8):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", TRACK_PATH + tracking_number(0))
        connection.getresponse().read()
        connection.close()


# --- (a) pushes ----------------------------------------------------------------------------


def push_order(shipments: int, start: datetime) -> list[list[bytes]]:
    """The request bodies, by step then shipment (bench.ingest.generate_events)."""
    bodies: list[list[bytes]] = [[] for _ in STEPS]
    for position, event in enumerate(generate_events(shipments, start)):
        bodies[position // shipments].append(orjson.dumps({"events": [event]}))
    return bodies


def staggered(bodies: list[list[bytes]]) -> Iterator[bytes]:
    """The pushes after history(kind="staggered"): parcel i from its step i % 10 on, in
    order, a round over all parcels at a time. Every round mixes all steps (pick-ups,
    transits, deliveries); two events of one parcel are a round (up to len(bodies[0])
    pushes) apart."""
    steps, shipments = len(bodies), len(bodies[0])
    for round_number in range(steps):
        for index in range(shipments):
            step = index % steps + round_number
            if step < steps:
                yield bodies[step][index]


def bench_push(
    seconds: float | None = None,
    clients: int | None = None,
    workers: int | None = None,
    shipments: int | None = None,
) -> dict[str, Any]:
    seconds = seconds or _setting("BENCH_SECONDS", 20)
    clients = clients or int(_setting("BENCH_CLIENTS", 8))
    workers = workers or int(_setting("BENCH_WORKERS", int(os.environ.get("WEB_CONCURRENCY", 2))))
    # The first round (every parcel's next step, all steps mixed) lasts the whole run at
    # 500 pushes/s; the 5.5 pushes a parcel has left are enough for 2,500/s.
    shipments = shipments or int(_setting("BENCH_SHIPMENTS", 500 * (seconds + WARM_UP_SECONDS)))
    data_dir = tempfile.mkdtemp(prefix="parcelops-bench-push-")
    start = _events_start()
    setup = prepare(data_dir, shipments, "staggered", start, token=True)
    headers = {"Authorization": f"Bearer {setup['token']}", "Content-Type": "application/json"}
    port = free_port()
    requests = (
        _request("POST", PUSH_PATH, port, headers, body)
        for body in staggered(push_order(shipments, start))
    )
    run, cpu = _against_server(
        data_dir, port, workers, lambda: closed_loop(port, requests, clients, seconds)
    )
    stored = _count(data_dir, "tracking_trackingevent") - setup["events_stored_before"]
    latencies = run.pop("latencies")
    elapsed = run.pop("elapsed")
    return {
        "workers": workers,
        "clients": clients,
        "shipments": shipments,
        "events_stored_before": setup["events_stored_before"],
        "setup_seconds": setup["seconds"],
        "seconds": round(elapsed, 1),
        "pushes": len(latencies),
        "pushes_per_second": round(len(latencies) / elapsed),
        **_latency_figures(latencies),
        **run,
        "events_stored_by_the_pushes": stored,
        "unmatched_events": _count(data_dir, "tracking_unmatchedevent"),
        "nothing_lost": stored == run["answered_2xx_including_warm_up"],
        "cpu": cpu,
        "data_dir": _clean_up(data_dir),
    }


# --- (b) public tracking reads -------------------------------------------------------------


def bench_track(
    seconds: float | None = None,
    rate: float | None = None,
    workers: int | None = None,
    shipments: int | None = None,
) -> dict[str, Any]:
    seconds = seconds or _setting("BENCH_SECONDS", 20)
    rate = rate or _setting("BENCH_RATE", 500)
    workers = workers or int(_setting("BENCH_WORKERS", int(os.environ.get("WEB_CONCURRENCY", 2))))
    shipments = shipments or int(_setting("BENCH_SHIPMENTS", 2000))
    data_dir = tempfile.mkdtemp(prefix="parcelops-bench-track-")
    setup = prepare(data_dir, shipments, "all")
    port = free_port()
    rng = random.Random(3)
    numbers = [tracking_number(rng.randrange(shipments)) for _ in range(10_000)]
    requests = [_request("GET", TRACK_PATH + n, port, {}) for n in numbers]
    run, cpu = _against_server(
        data_dir,
        port,
        workers,
        lambda: open_loop(port, lambda i: requests[i % len(requests)], rate, seconds, max_open=256),
    )
    latencies = run.pop("latencies")
    elapsed = run.pop("elapsed")
    return {
        "workers": workers,
        "shipments": shipments,
        "events_per_shipment": len(STEPS),
        "setup_seconds": setup["seconds"],
        "target_rate": rate,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        **_latency_figures(latencies),
        **run,
        "cpu": cpu,
        "data_dir": _clean_up(data_dir),
    }


# --- (c) memory of a streamed import --------------------------------------------------------


def write_events_file(path: Path, events: int, start: datetime) -> int:
    """`events` events (ten per parcel) as JSON Lines, written as they are generated."""
    written = 0
    with path.open("wb") as stream:
        lines = (
            orjson.dumps(event) + b"\n" for event in generate_events(events // len(STEPS), start)
        )
        while batch := list(itertools.islice(lines, 10_000)):
            stream.write(b"".join(batch))
            written += len(batch)
    return written


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def bench_memory(events: int = 10_000_000, chunk_size: int = 5000) -> dict[str, Any]:
    data_dir = tempfile.mkdtemp(prefix="parcelops-bench-memory-")
    events -= events % len(STEPS)
    setup = prepare(data_dir, events // len(STEPS))
    path = Path(data_dir) / "events.jsonl"
    started = time.perf_counter()
    written = write_events_file(path, events, _events_start())
    write_seconds = time.perf_counter() - started

    out, err = Path(data_dir) / "import.out", Path(data_dir) / "import.err"
    command = [sys.executable, "-m", "parcelops.cli", "import-events", str(path), "--quiet"]
    command += ["--chunk-size", str(chunk_size)]
    with out.open("w") as stdout, err.open("w") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            command, cwd=ROOT, env=_bench_env(data_dir), stdout=stdout, stderr=stderr
        )
        samples: list[tuple[float, int]] = []
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            samples.append((time.perf_counter() - started, _rss_kb(process.pid)))
            time.sleep(0.25)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
    # Resident memory over the run, at each tenth of its duration: flat, or growing?
    timeline = [
        round(max((kb for t, kb in samples if t <= seconds * tenth / 10), default=0) / 1024)
        for tenth in range(1, 11)
    ]
    return {
        "events": written,
        "shipments": events // len(STEPS),
        "setup_seconds": setup["seconds"],
        "file_mb": round(path.stat().st_size / 2**20),
        "write_seconds": round(write_seconds, 1),
        "import_exit_status": process.returncode,
        "import_seconds": round(seconds, 1),
        "events_per_second": round(written / seconds),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),  # the kernel's high-water mark
        "peak_sampled_rss_mb": round(max((kb for _, kb in samples), default=0) / 1024),
        "rss_mb_at_each_tenth": timeline,
        "import_output": out.read_text().strip()[-500:],
        "import_errors": err.read_text().strip()[-1000:],
        "stored_events": _count(data_dir, "tracking_trackingevent"),
        "data_dir": _clean_up(data_dir),
    }


def main(argv: list[str]) -> None:
    if argv[:1] == ["prepare"]:
        print(json.dumps(_prepare_here(json.loads(argv[1]))))
        return
    benchmarks: dict[str, Callable[[], dict[str, Any]]] = {
        "push": bench_push,
        "track": bench_track,
        "memory": lambda: bench_memory(int(argv[1]) if len(argv) > 1 else 10_000_000),
    }
    if not argv or argv[0] not in benchmarks:
        raise SystemExit("usage: python -m bench.http_tracking push | track | memory [EVENTS]")
    print(json.dumps(benchmarks[argv[0]](), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
