"""Two sweeps at once on PostgreSQL share the due parcels out between them (decision 0028:
each batch claims its rows with FOR UPDATE SKIP LOCKED): no parcel is handled twice, none
is left, and no case is opened twice.

Two processes sweep the same moment, in small batches so that their claims interleave,
on a database of its own that the test creates and drops (they must see each other's
commits, which the test database's transaction hides), as
parcelops/tracking/tests/test_concurrent_ingestion.py does. It runs in the suite's
PostgreSQL pass (DATABASE_URL set); SQLite's writers take turns by design (decision 0012).
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest

from parcelops.tracking.tests.test_concurrent_ingestion import (
    POSTGRES_URL,
    postgres_environment,
    run,
    scratch_databases,
)
from parcelops.tracking.tests.test_import_crash import ROOT

PARCELS = 400  # all due at MOMENT, every other one stalled (a case each)
BATCH = 10  # rows a sweep claims at a time: forty claims between the two
MOMENT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)

PREPARE = (
    "import django, sys; django.setup(); sys.path.insert(0, '.');"
    "from datetime import datetime; from bench import sweep;"
    "sweep.staff();"
    f"sweep.create_parcels({PARCELS}, datetime.fromisoformat(sys.argv[1]), due_every=1,"
    " warm_up=False)"
)
# Waits for a line on its input, so that both start at once, then sweeps.
SWEEP = (
    "import django, sys, json; django.setup();"
    "from datetime import datetime; from parcelops.exceptions.actions import sweep;"
    "sys.stdin.readline();"
    f"report = sweep(datetime.fromisoformat(sys.argv[1]), batch={BATCH});"
    "print(json.dumps({'checked': report.checked, 'opened': report.opened}))"
)

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL.startswith("postgres"), reason="the suite's PostgreSQL pass runs this"
)


@pytest.fixture
def database() -> Iterator[str]:
    """A new database on the suite's PostgreSQL server, dropped afterwards."""
    with scratch_databases(f"parcelops_sweeps_{os.getpid()}") as (url,):
        yield url


def test_two_sweeps_at_once_handle_each_due_parcel_once(tmp_path, database):
    env = postgres_environment(tmp_path, database)
    run(env, "manage.py", "migrate", "-v0")
    run(env, "-c", PREPARE, MOMENT.isoformat())

    sweepers = [
        subprocess.Popen(
            [sys.executable, "-c", SWEEP, MOMENT.isoformat()],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for sweeper in sweepers:  # both are set up and waiting: go
        assert sweeper.stdin is not None
        sweeper.stdin.write("go\n")
        sweeper.stdin.flush()
    reports = []
    for sweeper in sweepers:
        out, err = sweeper.communicate(timeout=300)
        assert sweeper.returncode == 0, err
        reports.append(json.loads(out))

    with psycopg.connect(database) as db:
        stalled = {
            row[0] for row in db.execute("SELECT id FROM tracking_shipment WHERE id % 2 = 1")
        }
        flagged = {
            row[0] for row in db.execute("SELECT id FROM tracking_shipment WHERE has_open_case")
        }
        cases = db.execute(
            "SELECT id, shipment_id, type, state FROM exceptions_case ORDER BY id"
        ).fetchall()
        (still_due,) = db.execute(
            "SELECT count(*) FROM tracking_shipment WHERE next_check_at <= %s", [MOMENT]
        ).fetchall()[0]
        entries = db.execute(
            "SELECT case_id, kind, count(*) FROM exceptions_caseevent GROUP BY case_id, kind"
        ).fetchall()
        evidence = db.execute(
            "SELECT case_id, count(*) FROM exceptions_caseevidence GROUP BY case_id"
        ).fetchall()

    # Each due parcel was claimed by one sweep: together they checked each once.
    assert sorted(report["checked"] > 0 for report in reports) == [True, True]
    assert sum(report["checked"] for report in reports) == PARCELS
    assert still_due == 0
    # One stalled case for each stalled parcel (ids 1, 3, ...: index 0, 2, ...), opened
    # by one sweep and added to by neither.
    assert sorted((shipment, kind, state) for _id, shipment, kind, state in cases) == [
        (shipment, "stalled", "open") for shipment in sorted(stalled)
    ]
    assert flagged == stalled
    first, second = (set(report["opened"]) for report in reports)
    assert not first & second
    assert first | second == {case[0] for case in cases}
    assert sorted({kind for _case, kind, _count in entries}) == ["assigned", "opened"]
    assert {count for _case, _kind, count in entries} == {1}
    assert {count for _case, count in evidence} == {1}
