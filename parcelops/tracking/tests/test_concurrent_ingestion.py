"""Two processes ingesting the same parcels at once, in opposite orders, end exactly where
one process ingesting everything in order ends (decision 0015: chunks read outside the
write lock are written with a compare-and-set, and read again when a parcel changed).

Both processes send either every event (their inserts collide) or alternate chunks
(no insert collides; only the parcels' versions can tell a chunk it read stale rows).
This is the end-to-end check: nothing lost, nothing twice, the same final state. Each
individual check is pinned, and mutation-tested, in test_ingest_checked_writes.py; the
final state here is robust enough that races in a run this size rarely corrupt it even
without them."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from parcelops.tracking.tests.test_import_crash import ROOT, run

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


def prepare(data_dir: Path) -> None:
    data_dir.mkdir()
    run(data_dir, "manage.py", "migrate", "-v0")
    run(
        data_dir,
        "-c",
        "import django, sys; django.setup(); sys.path.insert(0, '.');"
        f"from bench import ingest; ingest.create_shipments({SHIPMENTS})",
    )


def outcome(data_dir: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    with sqlite3.connect(data_dir / "parcelops.sqlite3") as db:
        shipments = db.execute(
            "SELECT id, status, substatus, status_rank, last_event_at, delivered_at "
            "FROM tracking_shipment ORDER BY id"
        ).fetchall()
        orders = db.execute("SELECT id, state FROM orders_order ORDER BY id").fetchall()
        events = db.execute(
            "SELECT shipment_id, dedupe_key, is_regression FROM tracking_trackingevent "
            "ORDER BY shipment_id, dedupe_key"
        ).fetchall()
    return shipments, orders, events


@pytest.mark.parametrize(
    "shares", [("all", "all"), ("0", "1")], ids=["same-events", "alternate-chunks"]
)
def test_two_processes_on_the_same_parcels_end_as_one_in_order(tmp_path, shares):
    alone, together = tmp_path / "alone", tmp_path / "together"
    prepare(alone)
    prepare(together)
    run(alone, "-c", INGEST, "all", "forwards")

    processes = [
        subprocess.Popen(
            [sys.executable, "-c", INGEST, share, direction],
            cwd=ROOT,
            env=_environment(together),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for share, direction in zip(shares, ("forwards", "backwards"), strict=True)
    ]
    for process in processes:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err

    expected, got = outcome(alone), outcome(together)
    assert len(got[2]) == SHIPMENTS * 10  # every event once
    assert got == expected
    assert {state for _id, state in got[1]} == {"delivered"}


def _environment(data_dir: Path) -> dict[str, str]:
    """The environment run() gives its subprocesses: the file database, never PostgreSQL."""
    env = {
        **os.environ,
        "PARCELOPS_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_URL", None)
    return env
