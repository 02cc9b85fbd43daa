"""A fixed-window rate limit for the public (unauthenticated) endpoints.

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
    """Count this request; True when the caller has gone past the limit this minute."""
    window = int(now().timestamp() // WINDOW_SECONDS)
    key = f"ratelimit:{scope}:{client_address(request)}"
    counters = counter_file()
    if counters is None:
        count = _count_in_cache(f"{key}:{window}")
    else:
        count = _count_in_file(counters, key, window)
    return count > limit_per_minute


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


def _count_in_cache(key: str) -> int:
    if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        return 1


class CounterFile:
    """One connection per process and file. A row per scope and address holds the count
    of its current window; a request in a newer window starts the row again at 1."""

    # The statements are SQL because they live in their own file outside Django's
    # databases: one UPSERT per request, atomic across processes.
    CREATE = (
        "CREATE TABLE IF NOT EXISTS hits ("
        " key TEXT PRIMARY KEY, window INTEGER NOT NULL, count INTEGER NOT NULL"
        ") WITHOUT ROWID"
    )
    COUNT = (
        "INSERT INTO hits (key, window, count) VALUES (?, ?, 1) "
        "ON CONFLICT (key) DO UPDATE SET "
        " count = CASE WHEN window = excluded.window THEN count + 1 ELSE 1 END,"
        " window = excluded.window "
        "RETURNING count"
    )
    FORGET = "DELETE FROM hits WHERE window < ?"

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
        self.last_window = 0

    def count(self, key: str, window: int) -> int:
        with self.lock:
            if window != self.last_window:
                # Rows of earlier windows are dead: drop them once a window per process.
                self.connection.execute(self.FORGET, (window - 1,))
                self.last_window = window
            row = self.connection.execute(self.COUNT, (key, window)).fetchone()
        return int(row[0])


_files: dict[Path, CounterFile] = {}


def _count_in_file(path: Path, key: str, window: int) -> int:
    try:
        counters = _files.get(path)
        if counters is None or counters.pid != os.getpid():  # not inherited across a fork
            counters = _files[path] = CounterFile(path)
        return counters.count(key, window)
    except (sqlite3.DatabaseError, OSError):
        # Locked past the timeout, unwritable or damaged: serving the request beats
        # failing it; the limit is a brake on scraping, not an access control.
        logger.warning("rate-limit counters unavailable in %s", path, exc_info=True)
        return 0


def too_many_requests_response() -> HttpResponse:
    """The API's 429 answer, in the project's error format, with the wait in Retry-After."""
    body = {"errors": [{"field": "", "message": _("Too many requests: try again in a minute.")}]}
    response = HttpResponse(orjson.dumps(body), status=429, content_type="application/json")
    response["Retry-After"] = "60"
    return response
