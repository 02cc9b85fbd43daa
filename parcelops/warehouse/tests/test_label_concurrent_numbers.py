"""Two processes numbering parcels from one range at once on PostgreSQL never give the same
number twice (decision 0032: the range's row is locked while its serials are taken), a
parcel numbered by both keeps one number, and no serial is lost.

As parcelops/exceptions/tests/test_concurrent_sweeps.py: a database of its own that the
test creates and drops (the processes must see each other's commits), both processes set
up and waiting on their input, then started together. One numbers in waves of 25 (the
first print of a wave), the other one parcel at a time (a packer's single label). It runs
in the suite's PostgreSQL pass (DATABASE_URL set); SQLite's writers take turns by design.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest

from parcelops.tracking.tests.test_concurrent_ingestion import (
    POSTGRES_URL,
    postgres_environment,
    run,
    scratch_databases,
)
from parcelops.tracking.tests.test_import_crash import ROOT

PARCELS = 200
FIRST_SERIAL = 731_000_000_000  # bench.labels' ZTO range
WAVE = 25

PREPARE = (
    "import django, sys; django.setup(); sys.path.insert(0, '.');"
    f"from bench import labels; labels.set_up({PARCELS})"
)
# argv: "waves" or "single", then "all" (every parcel) or "0"/"1" (every other one).
# Waits for a line on its input, so that both start at once, then numbers its share.
NUMBER = (
    "import django, sys, json; django.setup();"
    "from django.contrib.auth.models import User;"
    "from parcelops.warehouse.actions import waybills;"
    "from parcelops.warehouse.models import Parcel;"
    "packer = User.objects.get(username='bench_packer');"
    "parcels = list(Parcel.objects.order_by('id'));"
    "share = sys.argv[2];"
    "mine = parcels if share == 'all' else parcels[int(share)::2];"
    "sys.stdin.readline();"
    f"waves = [mine[i:i + {WAVE}] for i in range(0, len(mine), {WAVE})]"
    " if sys.argv[1] == 'waves' else [[parcel] for parcel in mine];"
    "got = {p.pk: p.waybill_number for wave in waves"
    " for p in waybills.assign_waybills(wave, packer)};"
    "print(json.dumps(got))"
)

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL.startswith("postgres"), reason="the suite's PostgreSQL pass runs this"
)


@pytest.fixture
def database() -> Iterator[str]:
    """A new database on the suite's PostgreSQL server, dropped afterwards."""
    with scratch_databases(f"parcelops_waybills_{os.getpid()}") as (url,):
        yield url


@pytest.mark.parametrize(
    "shares", [("all", "all"), ("0", "1")], ids=["same-parcels", "alternate-parcels"]
)
def test_two_processes_numbering_at_once_never_share_a_number(tmp_path, database, shares):
    env = postgres_environment(tmp_path, database)
    run(env, "manage.py", "migrate", "-v0")
    run(env, "-c", PREPARE)

    numberers = [
        subprocess.Popen(
            [sys.executable, "-c", NUMBER, how, share],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for how, share in zip(("waves", "single"), shares, strict=True)
    ]
    for numberer in numberers:  # both are set up and waiting: go
        assert numberer.stdin is not None
        numberer.stdin.write("go\n")
        numberer.stdin.flush()
    answers = []
    for numberer in numberers:
        out, err = numberer.communicate(timeout=300)
        assert numberer.returncode == 0, err
        answers.append({int(pk): number for pk, number in json.loads(out).items()})

    with psycopg.connect(database) as db:
        stored: dict[int, str] = dict(
            db.execute("SELECT id, waybill_number FROM warehouse_parcel").fetchall()
        )
        ((next_serial,),) = db.execute("SELECT next_serial FROM warehouse_numberrange").fetchall()

    # Every parcel has one number, each number is on one parcel, and they are the range's
    # first serials: none given twice, none lost.
    assert len(stored) == PARCELS
    assert sorted(stored.values()) == [str(FIRST_SERIAL + i) for i in range(PARCELS)]
    assert next_serial == FIRST_SERIAL + PARCELS
    # What each process was answered is what the parcel keeps (a parcel numbered by both
    # is answered its one number twice).
    for answer in answers:
        assert {pk: stored[pk] for pk in answer} == answer
    assert set(answers[0]) | set(answers[1]) == set(stored)
