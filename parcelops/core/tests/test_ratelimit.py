"""The public endpoints' rate limit: counted in the shared cache when it is a server, in a
SQLite file next to a file cache otherwise (docs/decisions/0011-request-costs.md)."""

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import RequestFactory

from parcelops.core import ratelimit
from parcelops.core.ratelimit import (
    CounterFile,
    counter_file,
    is_rate_limited,
    seconds_until_clear,
    tally,
)

MINUTE = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def request_from(address: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return RequestFactory(REMOTE_ADDR=address).get("/api/v1/track/X")


@pytest.fixture
def file_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    return tmp_path / "cache"


def test_without_a_file_cache_the_cache_counts():
    assert counter_file() is None
    with time_machine.travel(MINUTE, tick=False):
        assert [is_rate_limited(request_from(), "scope", 2) for _ in range(3)] == [
            False,
            False,
            True,
        ]


def test_with_a_file_cache_one_sqlite_file_counts_and_no_cache_file_is_written(file_cache):
    assert counter_file() == file_cache / "ratelimit.sqlite3"
    with time_machine.travel(MINUTE, tick=False):
        outcomes = [is_rate_limited(request_from(), "scope", 3) for _ in range(5)]

    assert outcomes == [False, False, False, True, True]
    assert sorted(path.name for path in file_cache.iterdir() if path.suffix == ".djcache") == []
    assert (file_cache / "ratelimit.sqlite3").exists()


def test_each_address_and_scope_has_its_own_count(file_cache):
    with time_machine.travel(MINUTE, tick=False):
        assert is_rate_limited(request_from("10.0.0.1"), "track", 1) is False
        assert is_rate_limited(request_from("10.0.0.1"), "track", 1) is True
        assert is_rate_limited(request_from("10.0.0.2"), "track", 1) is False
        assert is_rate_limited(request_from("10.0.0.1"), "order", 1) is False


@pytest.mark.parametrize("cache_kind", ["file", "server"])
def test_the_count_slides_the_last_minute_has_weight_by_how_much_of_it_is_left(cache_kind, request):
    if cache_kind == "file":
        request.getfixturevalue("file_cache")
    with time_machine.travel(MINUTE, tick=False) as traveller:
        assert [is_rate_limited(request_from(), "scope", 3) for _ in range(4)] == [
            False,
            False,
            False,
            True,
        ]
        # No burst of twice the limit at the edge of the window: 1 + 4 x 0.75 = 4 > 3.
        traveller.shift(timedelta(seconds=75))
        assert is_rate_limited(request_from(), "scope", 3) is True
        # 45 s into the second minute a quarter of the first still counts: 1 + 4 x 0.25.
        traveller.shift(timedelta(seconds=30))
        assert tally("ratelimit:scope:10.0.0.1", 60, add=False) == 1 + 4 * 0.25
        assert is_rate_limited(request_from(), "scope", 3) is False  # 3, not past 3
        traveller.shift(timedelta(minutes=2))
        assert tally("ratelimit:scope:10.0.0.1", 60, add=False) == 0


def test_a_long_window_keeps_its_rows_while_short_windows_are_cleaned(file_cache):
    with time_machine.travel(MINUTE, tick=False) as traveller:
        tally("guesses:ORDER-1", 3600, add=True)
        traveller.shift(timedelta(minutes=5))
        is_rate_limited(request_from(), "scope", 5)  # cleans the one-minute rows
        assert tally("guesses:ORDER-1", 3600, add=False) == 1
        assert seconds_until_clear(3600) == 3600 * 2 - 300 + 1


def test_workers_share_the_count(file_cache):
    """A second connection to the file stands for another gunicorn worker."""
    path = file_cache / "ratelimit.sqlite3"
    other_worker = CounterFile(path)
    with time_machine.travel(MINUTE, tick=False):
        window = int(MINUTE.timestamp() // 60)
        assert is_rate_limited(request_from(), "scope", 2) is False
        assert other_worker.count("ratelimit:scope:10.0.0.1", window) == (2, 0)
        assert is_rate_limited(request_from(), "scope", 2) is True


def test_rows_of_old_windows_are_removed(file_cache):
    path = file_cache / "ratelimit.sqlite3"
    with time_machine.travel(MINUTE, tick=False) as traveller:
        for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
            is_rate_limited(request_from(address), "scope", 5)
        traveller.shift(timedelta(minutes=2))
        is_rate_limited(request_from("10.0.0.4"), "scope", 5)

    rows = sqlite3.connect(path).execute("SELECT key, count FROM sliding_hits").fetchall()
    assert rows == [("ratelimit:scope:10.0.0.4", 1)]


def test_an_unusable_counter_file_lets_the_request_through(file_cache, monkeypatch, caplog):
    def locked(self, key, window, seconds):  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(ratelimit.CounterFile, "count", locked)

    assert is_rate_limited(request_from(), "scope", 0) is False
    assert "rate-limit counters unavailable" in caplog.text


@pytest.mark.django_db
def test_the_public_tracking_api_is_limited_with_the_file_counters(file_cache, settings, client):
    settings.PARCELOPS_PUBLIC_RATE_LIMIT = 2
    with time_machine.travel(MINUTE, tick=False):
        statuses = [client.get("/api/v1/track/NOPE123").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


def test_a_counter_file_that_cannot_be_created_lets_the_request_through(settings, tmp_path):
    (tmp_path / "not-a-directory").write_text("")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "not-a-directory"),
        }
    }

    assert is_rate_limited(request_from(), "scope", 0) is False
