"""Sliding-window rate limits for the public (unauthenticated) endpoints and for guesses.

A count over the last N seconds is estimated from two fixed windows, the current one and
the one before it weighted by how much of it still lies inside the last N seconds: one
counter row per key, no list of hits, and no burst of twice the limit at a window's edge.

The counters live in the shared cache when it is a server (Redis): every gunicorn
worker, on every machine, counts into the same key. Without one, the cache is a
directory of files, which costs a file write and a rename per request; the counters
then live in one small SQLite file in that directory instead, shared by the workers of
this machine (docs/decisions/0011-request-costs.md).
"""

import logging
import os
import sqlite3
import threading
from pathlib import Path

import orjson
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from parcelops.core.clock import now

logger = logging.getLogger(__name__)

FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"
COUNTER_FILE = "ratelimit.sqlite3"
WINDOW_SECONDS = 60
# A worker waits at most this long for another's write; past it the request is let through.
LOCK_TIMEOUT_SECONDS = 1.0


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def is_rate_limited(request: HttpRequest, scope: str, limit_per_minute: int) -> bool:
    """Count this request; True when the caller has gone past the limit over the last minute."""
    key = f"ratelimit:{scope}:{client_address(request)}"
    return tally(key, WINDOW_SECONDS, add=True) > limit_per_minute


def tally(key: str, window_seconds: int, *, add: bool) -> float:
    """The count of ``key`` over the last ``window_seconds``, this one included when ``add``."""
    moment = now().timestamp()
    window = int(moment // window_seconds)
    still_inside = 1 - (moment % window_seconds) / window_seconds
    counters = counter_file()
    if counters is None:
        current, previous = _tally_in_cache(key, window, window_seconds, add=add)
    else:
        current, previous = _tally_in_file(counters, key, window, window_seconds, add=add)
    return current + previous * still_inside


def seconds_until_clear(window_seconds: int) -> int:
    """An upper bound on how long until a count made now has left the sliding window."""
    moment = now().timestamp()
    end_of_next_window = (int(moment // window_seconds) + 2) * window_seconds
    return int(end_of_next_window - moment) + 1


def counter_file() -> Path | None:
    """The SQLite file of the counters, or None when the cache itself counts."""
    default = settings.CACHES["default"]
    if default["BACKEND"] != FILE_CACHE:
        return None
    location = default["LOCATION"]
    path = _paths.get(location)
    if path is None:  # one Path per directory: building it cost a fifth of a count
        path = _paths[location] = Path(location) / COUNTER_FILE
    return path


_paths: dict[str, Path] = {}


def _tally_in_cache(key: str, window: int, window_seconds: int, *, add: bool) -> tuple[int, int]:
    current_key, previous_key = f"{key}:{window}", f"{key}:{window - 1}"
    previous = int(cache.get(previous_key) or 0)
    if not add:
        return int(cache.get(current_key) or 0), previous
    if cache.add(current_key, 1, timeout=window_seconds * 2):
        return 1, previous
    try:
        return int(cache.incr(current_key)), previous
    except ValueError:  # the key expired between add and incr
        cache.set(current_key, 1, timeout=window_seconds * 2)
        return 1, previous


class CounterFile:
    """One connection per process and file. A row per key holds the count of its current
    window and of the one before; a hit in a later window shifts them along."""

    # The statements are SQL because they live in their own file outside Django's
    # databases: one UPSERT per request, atomic across processes. In the UPDATE every
    # column on the right is the row's old value.
    CREATE = (
        "CREATE TABLE IF NOT EXISTS sliding_hits ("
        " key TEXT PRIMARY KEY, seconds INTEGER NOT NULL, window INTEGER NOT NULL,"
        " count INTEGER NOT NULL, previous INTEGER NOT NULL"
        ") WITHOUT ROWID"
    )
    COUNT = (
        "INSERT INTO sliding_hits (key, seconds, window, count, previous) "
        "VALUES (?, ?, ?, 1, 0) "
        "ON CONFLICT (key) DO UPDATE SET "
        " previous = CASE WHEN window = excluded.window THEN previous"
        "  WHEN window = excluded.window - 1 THEN count ELSE 0 END,"
        " count = CASE WHEN window = excluded.window THEN count + 1 ELSE 1 END,"
        " window = excluded.window "
        "RETURNING count, previous"
    )
    READ = "SELECT window, count, previous FROM sliding_hits WHERE key = ?"
    FORGET = "DELETE FROM sliding_hits WHERE seconds = ? AND window < ?"

    def __init__(self, path: Path):
        self.path = path
        self.pid = os.getpid()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: each UPSERT is its own short write transaction.
        self.connection = sqlite3.connect(
            path, timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        # Counters may be lost in a power cut (they restart at 0): no fsync per request.
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.execute(self.CREATE)
        self.lock = threading.Lock()  # one statement at a time on the shared connection
        self.last_window: dict[int, int] = {}  # window length -> the window last cleaned

    def count(self, key: str, window: int, seconds: int = WINDOW_SECONDS) -> tuple[int, int]:
        """Add a hit; the counts of the current window and the one before."""
        with self.lock:
            if self.last_window.get(seconds) != window:
                # Rows older than the previous window count for nothing: drop them once
                # a window per process and window length.
                self.connection.execute(self.FORGET, (seconds, window - 1))
                self.last_window[seconds] = window
            row = self.connection.execute(self.COUNT, (key, seconds, window)).fetchone()
        return int(row[0]), int(row[1])

    def read(self, key: str, window: int) -> tuple[int, int]:
        """The counts of the current window and the one before, adding nothing."""
        with self.lock:
            row = self.connection.execute(self.READ, (key,)).fetchone()
        if row is None:
            return 0, 0
        stored_window, count, previous = row
        if stored_window == window:
            return int(count), int(previous)
        return (0, int(count)) if stored_window == window - 1 else (0, 0)


_files: dict[Path, CounterFile] = {}


def _tally_in_file(
    path: Path, key: str, window: int, window_seconds: int, *, add: bool
) -> tuple[int, int]:
    try:
        counters = _files.get(path)
        if counters is None or counters.pid != os.getpid():  # not inherited across a fork
            counters = _files[path] = CounterFile(path)
        if add:
            return counters.count(key, window, window_seconds)
        return counters.read(key, window)
    except (sqlite3.DatabaseError, OSError):
        # Locked past the timeout, unwritable or damaged: serving the request beats
        # failing it; the limit is a brake on scraping, not an access control.
        logger.warning("rate-limit counters unavailable in %s", path, exc_info=True)
        return 0, 0


def too_many_requests_response(
    retry_after: int = WINDOW_SECONDS, message: str = ""
) -> HttpResponse:
    """The API's 429 answer, in the project's error format, with the wait in Retry-After."""
    text = message or _("Too many requests: try again in a minute.")
    body = {"errors": [{"field": "", "message": text}]}
    response = HttpResponse(orjson.dumps(body), status=429, content_type="application/json")
    response["Retry-After"] = str(retry_after)
    return response
