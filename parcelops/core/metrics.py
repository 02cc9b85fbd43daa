"""Prometheus metrics: the counters and histograms processes record, kept where every
process adds to the same totals, and the text exposition format they are served in.

Where the totals live: each web worker and each Huey worker is its own process, and a
scrape reaches one of them; counters kept in process memory would show that process's
share only, and vanish with it. So each process adds up what it records in memory and
adds it to shared totals at most once a second (`flush`): a Redis hash (HINCRBY, atomic,
one round trip) when REDIS_URL is set, else a JSON file beside the database under a file
lock (one machine, the default install). What can be read from the database or the
queue at scrape time (open cases, the queue's depth) is a gauge computed then, not
counted here (parcelops.metrics). A process that dies loses at most its last second.
"""

import atexit
import json
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from parcelops.core.datafiles import create_private_file
from parcelops.core.filelock import FileLock

COUNTER = "counter"
HISTOGRAM = "histogram"
GAUGE = "gauge"

# Seconds: a lookup answers in milliseconds, a large batch of events in seconds.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SWEEP_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


@dataclass(frozen=True)
class Family:
    name: str
    kind: str
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()


FAMILIES = {
    f.name: f
    for f in (
        Family(
            "parcelops_http_requests_total",
            COUNTER,
            "HTTP requests answered, by route pattern, method and status.",
            ("route", "method", "status"),
        ),
        Family(
            "parcelops_http_request_duration_seconds",
            HISTOGRAM,
            "Time to answer an HTTP request, by route pattern and method.",
            ("route", "method"),
            REQUEST_BUCKETS,
        ),
        Family(
            "parcelops_tracking_pushes_total",
            COUNTER,
            "Carrier pushes received, by provider and outcome (stored, already_stored, failed).",
            ("provider", "outcome"),
        ),
        Family(
            "parcelops_tracking_events_total",
            COUNTER,
            "Tracking events by outcome: ingested, duplicate, parked (no parcel yet), rejected.",
            ("outcome",),
        ),
        Family(
            "parcelops_sweep_duration_seconds",
            HISTOGRAM,
            "Duration of the exception desk's sweep.",
            (),
            SWEEP_BUCKETS,
        ),
    )
}

FLUSH_INTERVAL_SECONDS = 1.0
REDIS_HASH = "parcelops:metrics"
FILE_NAME = "metrics.json"

# A series in the shared totals: its family, its label values, and the part of it
# ("" for a counter; a histogram's bucket index, or "sum" in microseconds, since the
# totals are integers). Its text form is the hash field or JSON key.
Series = tuple[str, tuple[str, ...], str]


def _series_key(series: Series) -> str:
    return json.dumps([series[0], list(series[1]), series[2]], ensure_ascii=False)


def _series_from_key(key: str) -> Series | None:
    try:
        name, labels, part = json.loads(key)
    except (ValueError, TypeError):
        return None
    return (str(name), tuple(str(v) for v in labels), str(part))


@dataclass
class _Pending:
    deltas: dict[Series, int] = field(default_factory=dict)
    flushed_at: float = field(default_factory=time.monotonic)
    # A flush a second after the first delta, so an idle process's counts still arrive.
    timer: threading.Timer | None = None


_pending = _Pending()
_lock = threading.Lock()  # the Huey worker runs tasks in threads


def _start_afresh_in_child() -> None:
    """A forked process (a gunicorn worker) has none of its parent's threads: neither the
    timer nor a holder of the lock. Its parent's deltas are the parent's to flush."""
    global _pending, _lock  # the module's state, replaced whole
    _pending = _Pending()
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_start_afresh_in_child)


def _labels_of(family: Family, labels: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(str(labels.get(name, "")) for name in family.labels)


def _add(series: Series, amount: int) -> None:
    """Under _lock."""
    _pending.deltas[series] = _pending.deltas.get(series, 0) + amount
    if _pending.timer is None:
        _pending.timer = threading.Timer(FLUSH_INTERVAL_SECONDS, flush)
        _pending.timer.daemon = True
        _pending.timer.start()


def count(name: str, amount: int = 1, **labels: str) -> None:
    """Adds `amount` to a counter (flushed to the shared totals within a second)."""
    if amount <= 0:
        return
    family = FAMILIES[name]
    with _lock:
        _add((name, _labels_of(family, labels), ""), amount)
    flush_if_due()


def observe(name: str, seconds: float, **labels: str) -> None:
    """Records one observation of a histogram."""
    family = FAMILIES[name]
    with _lock:
        _add_observation(family, _labels_of(family, labels), seconds)
    flush_if_due()


def _add_observation(family: Family, values: tuple[str, ...], seconds: float) -> None:
    """Under _lock. Each observation counts in its own bucket only (the last one past the
    largest bound); the exposition adds them up into Prometheus's cumulative buckets."""
    bucket = next(
        (i for i, bound in enumerate(family.buckets) if seconds <= bound), len(family.buckets)
    )
    _add((family.name, values, str(bucket)), 1)
    _add((family.name, values, "sum"), round(max(seconds, 0.0) * 1_000_000))


def flush_if_due() -> None:
    if time.monotonic() - _pending.flushed_at >= FLUSH_INTERVAL_SECONDS:
        flush()


def flush() -> None:
    """Adds what this process recorded to the shared totals. A failure (Redis down) keeps
    the deltas for the next flush: metrics never fail a request or a task."""
    with _lock:
        deltas, _pending.deltas = _pending.deltas, {}
        _pending.flushed_at = time.monotonic()
        if _pending.timer is not None:
            _pending.timer.cancel()  # a no-op when the timer is what called
            _pending.timer = None
    if not deltas:
        return
    try:
        _store().add(deltas)
    except Exception:
        with _lock:
            for series, amount in deltas.items():
                _add(series, amount)


# A command (import-events) ends within its last second of counts: they are added then.
atexit.register(flush)


def shared_totals() -> dict[Series, int]:
    """Every process's flushed totals (this process's are flushed first)."""
    flush()
    return _store().read()


def forget_shared_totals() -> None:
    """For tests: drops this process's pending deltas and the shared totals."""
    with _lock:
        _pending.deltas = {}
        if _pending.timer is not None:
            _pending.timer.cancel()
            _pending.timer = None
    _store().clear()


class _RedisTotals:
    def __init__(self, url: str):
        from redis import Redis

        self.client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)

    def add(self, deltas: Mapping[Series, int]) -> None:
        pipeline = self.client.pipeline(transaction=False)
        for series, amount in deltas.items():
            pipeline.hincrby(REDIS_HASH, _series_key(series), amount)
        pipeline.execute()

    def read(self) -> dict[Series, int]:
        totals = {}
        for key, value in self.client.hgetall(REDIS_HASH).items():
            series = _series_from_key(key.decode() if isinstance(key, bytes) else key)
            if series is not None:
                totals[series] = int(value)
        return totals

    def clear(self) -> None:
        self.client.delete(REDIS_HASH)


class _FileTotals:
    def __init__(self, path: Path):
        self.path = path

    def _locked(self, change: Callable[[dict[str, int]], bool]) -> dict[str, int]:
        # The product's user only, as every file of the data directory (decision 0025).
        create_private_file(self.path.with_suffix(".lock"))
        lock = FileLock(self.path.with_suffix(".lock"))
        lock.acquire()
        try:
            try:
                totals = json.loads(self.path.read_text())
            except (FileNotFoundError, ValueError):
                totals = {}
            if change(totals):
                temporary = self.path.with_suffix(".tmp")
                create_private_file(temporary)
                temporary.write_text(json.dumps(totals, ensure_ascii=False))
                temporary.replace(self.path)
            return dict(totals)
        finally:
            lock.release()
            lock.close()

    def add(self, deltas: Mapping[Series, int]) -> None:
        def add_deltas(totals: dict[str, int]) -> bool:
            for series, amount in deltas.items():
                key = _series_key(series)
                totals[key] = int(totals.get(key, 0)) + amount
            return True

        self._locked(add_deltas)

    def read(self) -> dict[Series, int]:
        totals = {}
        for key, value in self._locked(lambda totals: False).items():
            series = _series_from_key(key)
            if series is not None:
                totals[series] = int(value)
        return totals

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


_stores: dict[str, Any] = {}


def _store() -> Any:
    redis_url = getattr(settings, "REDIS_URL", "")
    if redis_url:
        key = f"redis:{redis_url}"
        if key not in _stores:
            _stores[key] = _RedisTotals(redis_url)
        return _stores[key]
    return _FileTotals(Path(settings.DATA_DIR) / FILE_NAME)


# --- the text exposition format (version 0.0.4) ------------------------------------------

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


def _labels_text(pairs: Iterable[tuple[str, str]]) -> str:
    text = ",".join(f'{name}="{_escape_label(value)}"' for name, value in pairs)
    return "{" + text + "}" if text else ""


def family_header(family: Family) -> list[str]:
    return [
        f"# HELP {family.name} {_escape_help(family.help)}",
        f"# TYPE {family.name} {family.kind}",
    ]


def sample_line(name: str, labels: Iterable[tuple[str, str]], value: float) -> str:
    return f"{name}{_labels_text(labels)} {format_value(value)}"


def exposition(totals: Mapping[Series, int]) -> list[str]:
    """The recorded families' lines: every family's HELP and TYPE, even with no samples
    yet, so a dashboard finds each name from the first scrape."""
    lines: list[str] = []
    for family in FAMILIES.values():
        lines += family_header(family)
        mine = sorted((s, v) for s, v in totals.items() if s[0] == family.name)
        if family.kind != HISTOGRAM:
            for (_, values, _), value in mine:
                lines.append(
                    sample_line(family.name, zip(family.labels, values, strict=True), value)
                )
            continue
        by_labels: dict[tuple[str, ...], dict[str, int]] = {}
        for (_, values, part), value in mine:
            by_labels.setdefault(values, {})[part] = value
        for values, parts in sorted(by_labels.items()):
            pairs = list(zip(family.labels, values, strict=True))
            cumulative = 0
            bounds = [*family.buckets, math.inf]
            for index, bound in enumerate(bounds):
                cumulative += parts.get(str(index), 0)
                le = "+Inf" if math.isinf(bound) else format_value(bound)
                lines.append(sample_line(f"{family.name}_bucket", [*pairs, ("le", le)], cumulative))
            lines.append(sample_line(f"{family.name}_sum", pairs, parts.get("sum", 0) / 1_000_000))
            lines.append(sample_line(f"{family.name}_count", pairs, cumulative))
    return lines


# --- requests --------------------------------------------------------------------------

REQUEST_DURATION = FAMILIES["parcelops_http_request_duration_seconds"]
# Any other method is counted as "other": the label's values stay few whatever is sent.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"  # a path no route took (404s): one series, not one per path


def route_of(request: HttpRequest) -> str:
    """The route's pattern (`api/v1/orders/<str:number>`), never the path itself: a label
    per order number would grow without end."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return UNMATCHED_ROUTE
    return "/" + match.route.lstrip("^").rstrip("$")


class RequestMetricsMiddleware:
    """Counts each request by route, method and status, and times it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = route_of(request)
        method = request.method if request.method in KNOWN_METHODS else "other"
        with _lock:  # one lock for both families: this runs on every request
            _add(
                ("parcelops_http_requests_total", (route, method, str(response.status_code)), ""), 1
            )
            _add_observation(REQUEST_DURATION, (route, method), elapsed)
        flush_if_due()
        return response
