"""Killing an import mid-file loses nothing and stores nothing twice: chunks commit
atomically and a re-run recognises stored events by their dedupe keys."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SHIPMENTS = 2000
EVENTS = SHIPMENTS * 10


def run(data_dir: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PARCELOPS_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_URL", None)  # this test needs the file database the subprocesses share
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


@pytest.fixture
def prepared(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    run(data_dir, "manage.py", "migrate", "-v0")
    events_file = tmp_path / "events.jsonl"
    script = (
        "import django, json, sys; django.setup(); sys.path.insert(0, '.');"
        "from bench import ingest; from datetime import datetime;"
        f"ingest.create_shipments({SHIPMENTS});"
        f"out = open({str(events_file)!r}, 'w');"
        f"[out.write(json.dumps(e, ensure_ascii=False) + '\\n') for e in ingest.generate_events({SHIPMENTS}, datetime(2026, 11, 20, 8, 0))];"
        "out.close()"
    )
    run(data_dir, "-c", script)
    return data_dir, events_file


def stored_events(data_dir: Path) -> tuple[int, int]:
    with sqlite3.connect(data_dir / "parcelops.sqlite3") as db:
        total = db.execute("SELECT COUNT(*) FROM tracking_trackingevent").fetchone()[0]
        distinct = db.execute(
            "SELECT COUNT(DISTINCT shipment_id || dedupe_key) FROM tracking_trackingevent"
        ).fetchone()[0]
    return total, distinct


def test_a_killed_import_rerun_stores_every_event_exactly_once(prepared):
    data_dir, events_file = prepared
    env = {
        **os.environ,
        "PARCELOPS_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_URL", None)
    command = [
        sys.executable,
        "manage.py",
        "import_events",
        str(events_file),
        "--chunk-size",
        "2000",
        "--quiet",
        "-v",
        "2",
    ]
    importer = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert importer.stdout is not None
    for line in importer.stdout:  # wait for the third committed chunk, then kill -9
        if line.startswith("chunk 3 committed"):
            importer.send_signal(signal.SIGKILL)
            break
    importer.wait()
    assert importer.returncode == -signal.SIGKILL
    partial, _ = stored_events(data_dir)
    assert 6000 <= partial < EVENTS

    finished = run(data_dir, "manage.py", "import_events", str(events_file), "--quiet")
    assert f"{EVENTS - partial} events stored, {partial} already present" in finished.stdout
    assert stored_events(data_dir) == (EVENTS, EVENTS)

    again = run(data_dir, "manage.py", "import_events", str(events_file), "--quiet")
    assert f"0 events stored, {EVENTS} already present" in again.stdout
    assert json.loads(json.dumps(stored_events(data_dir))) == [EVENTS, EVENTS]
