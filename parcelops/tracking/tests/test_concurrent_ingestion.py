"""Two processes ingesting the same parcels at once, in opposite orders, end exactly where
one process ingesting everything in order ends (decision 0015: chunks read outside the
write lock are written with a compare-and-set, and read again when a parcel changed).

Both processes send either every event (their inserts collide) or alternate chunks
(no insert collides; only the parcels' versions can tell a chunk it read stale rows).
This is the end-to-end check: nothing lost, nothing twice, the same final state. Each
individual check is pinned, and mutation-tested, in test_ingest_checked_writes.py; the
final state here is robust enough that races in a run this size rarely corrupt it even
without them.

It runs on a SQLite file always, and on PostgreSQL in the suite's PostgreSQL pass
(DATABASE_URL set), there on databases of its own that it drops afterwards: the
processes must see each other's commits, which the test database's transaction hides.
"""

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from parcelops.core import startup
from parcelops.tracking.tests.test_import_crash import ROOT

SHIPMENTS = 300
CHUNK = 100

INGEST = (
    "import django, sys; django.setup(); sys.path.insert(0, '.');"
    "from datetime import datetime; from bench import ingest;"
    "from parcelops.tracking.actions import record_tracking_events;"
    "from parcelops.tracking.providers.batch import parse_batch;"
    f"events = list(ingest.generate_events({SHIPMENTS}, datetime(2026, 11, 20, 8, 0)));"
    f"chunks = [events[i:i + {CHUNK}] for i in range(0, len(events), {CHUNK})];"
    "share, direction = sys.argv[1], sys.argv[2];"
    "chunks = chunks if share == 'all' else chunks[int(share)::2];"
    "chunks.reverse() if direction == 'backwards' else None;"
    "rereads = 0\n"
    "for chunk in chunks:\n"
    "    parsed, errors = parse_batch({'events': chunk}); assert not errors\n"
    "    rereads += record_tracking_events(parsed).rereads\n"
    "print(rereads)"
)
OUTCOME = (
    "SELECT id, status, substatus, status_rank, last_event_at, delivered_at "
    "FROM tracking_shipment ORDER BY id",
    "SELECT id, state FROM orders_order ORDER BY id",
    "SELECT shipment_id, dedupe_key, is_regression FROM tracking_trackingevent "
    "ORDER BY shipment_id, dedupe_key",
)
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
SHARES = pytest.mark.parametrize(
    "shares", [("all", "all"), ("0", "1")], ids=["same-events", "alternate-chunks"]
)

Query = Callable[[str], list[tuple[Any, ...]]]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )


def prepare(env: dict[str, str]) -> None:
    run(env, "manage.py", "migrate", "-v0")
    run(
        env,
        "-c",
        "import django, sys; django.setup(); sys.path.insert(0, '.');"
        f"from bench import ingest; ingest.create_shipments({SHIPMENTS})",
    )


def ingest_alone_and_together(
    alone: dict[str, str], together: dict[str, str], shares: tuple[str, str]
) -> None:
    prepare(alone)
    prepare(together)
    run(alone, "-c", INGEST, "all", "forwards")
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", INGEST, share, direction],
            cwd=ROOT,
            env=together,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for share, direction in zip(shares, ("forwards", "backwards"), strict=True)
    ]
    for process in processes:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err


def assert_same_outcome(alone: Query, together: Query) -> None:
    expected = [alone(sql) for sql in OUTCOME]
    got = [together(sql) for sql in OUTCOME]
    assert len(got[2]) == SHIPMENTS * 10  # every event once
    assert got == expected
    assert {state for _id, state in got[1]} == {"delivered"}


def sqlite_environment(data_dir: Path) -> dict[str, str]:
    data_dir.mkdir()
    env = {
        **os.environ,
        "PARCELOPS_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_URL", None)  # the file database the processes share
    return env


def sqlite_query(data_dir: Path) -> Query:
    def query(sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(data_dir / "parcelops.sqlite3") as db:
            return db.execute(sql).fetchall()

    return query


@SHARES
def test_two_processes_on_the_same_parcels_end_as_one_in_order(tmp_path, shares):
    alone, together = tmp_path / "alone", tmp_path / "together"
    ingest_alone_and_together(sqlite_environment(alone), sqlite_environment(together), shares)

    assert_same_outcome(sqlite_query(alone), sqlite_query(together))


@contextmanager
def scratch_databases(*names: str) -> Iterator[list[str]]:
    """New databases of these names on the suite's PostgreSQL server (their URLs), dropped
    afterwards: processes of a test must see each other's commits, which the test
    database's transaction hides."""
    server = POSTGRES_URL.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
        try:
            yield [f"{server}/{name}" for name in names]
        finally:
            for name in names:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def postgres_databases(tmp_path) -> Iterator[tuple[str, str]]:
    """Two new databases on the suite's PostgreSQL server, dropped afterwards."""
    names = [f"parcelops_concurrent_{os.getpid()}_{which}" for which in ("alone", "together")]
    with scratch_databases(*names) as (alone, together):
        yield alone, together


def postgres_environment(tmp_path: Path, url: str) -> dict[str, str]:
    env = sqlite_environment(tmp_path / url.rsplit("/", 1)[1])  # its own data directory
    env["DATABASE_URL"] = url
    # A server database is production: its processes start only with a full set of keys.
    env.update(startup.generate_secrets())
    return env


def postgres_query(url: str) -> Query:
    def query(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(url) as db:
            return db.execute(sql).fetchall()

    return query


@pytest.mark.skipif(
    not POSTGRES_URL.startswith("postgres"), reason="the suite's PostgreSQL pass runs this"
)
@SHARES
def test_two_processes_on_postgresql_end_as_one_in_order(tmp_path, postgres_databases, shares):
    alone, together = postgres_databases
    ingest_alone_and_together(
        postgres_environment(tmp_path, alone), postgres_environment(tmp_path, together), shares
    )

    assert_same_outcome(postgres_query(alone), postgres_query(together))
