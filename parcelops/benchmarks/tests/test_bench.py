"""`parcelops bench`: a user's mistake is one line on stderr and a non-zero exit."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def parcelops(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARCELOPS_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)  # a new SQLite data directory: a database never migrated
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "parcelops.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_ingest_on_a_database_never_migrated_says_so_in_one_line(tmp_path):
    finished = parcelops(tmp_path, "bench", "ingest", "--events", "10")

    assert finished.returncode == 1
    assert finished.stdout == ""
    assert finished.stderr == (
        "CommandError: the database is not migrated: run `parcelops migrate` first, "
        "then the benchmark\n"
    )


def test_ingest_refuses_too_few_events_before_touching_the_database(tmp_path):
    finished = parcelops(tmp_path, "bench", "ingest", "--events", "3")

    assert finished.returncode == 1
    assert finished.stderr == (
        "CommandError: --events must be at least 10 and --chunk-size at least 1\n"
    )


def test_picklist_refuses_no_orders_before_touching_the_database(tmp_path):
    finished = parcelops(tmp_path, "bench", "picklist", "--orders", "0")

    assert finished.returncode == 1
    assert finished.stderr == "CommandError: --orders must be positive\n"
