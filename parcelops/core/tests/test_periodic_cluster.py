"""Two real Huey consumers on PostgreSQL and Redis run each periodic run once.

Each worker's scheduler queues every periodic task when it is due; here the queueing is
driven directly (as if four schedulers had fired at once) instead of waiting for minutes,
and two `parcelops worker` processes take the copies off the Redis queue (db 14, which
`make deploy-test` uses too: never run both at once)."""

import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from django.db import connection

from parcelops.core.models import PeriodicRun
from parcelops.core.tests.production import ROOT, production_env

REDIS_URL = "redis://127.0.0.1:6379/14"  # this suite's own Redis database
COPIES = 4  # of each periodic task, as if four schedulers had queued it


def _redis_is_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (set DATABASE_URL=postgres://...): SQLite is one machine's",
    ),
    pytest.mark.skipif(not _redis_is_up(), reason="needs Redis on 127.0.0.1:6379"),
]


QUEUE_EVERY_PERIODIC_TASK = f"""
import django
django.setup()
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY
autodiscover_modules("tasks")
for _ in range({COPIES}):
    for task in HUEY._registry.periodic_tasks:
        HUEY.enqueue(task)
print(len(HUEY._registry.periodic_tasks))
"""


EXECUTED = re.compile(r"^([\w.]+): \S+ executed in ")
RAN = re.compile(r"^([\w.]+) at \S+: claimed, running$")
SKIPPED = re.compile(r"^([\w.]+) at \S+: another worker has this run, skipped$")


def messages(logs: list[Path]) -> list[str]:
    """The consumers' log messages (JSON lines, parcelops.core.logs; anything else, such
    as a traceback, as it is)."""
    found = []
    for log in logs:
        for line in log.read_text().splitlines():
            try:
                found.append(str(json.loads(line)["message"]))
            except (ValueError, KeyError, TypeError):
                found.append(line)
    return found


def matching(pattern: re.Pattern[str], logs: list[Path]) -> Counter[str]:
    return Counter(m.group(1) for line in messages(logs) if (m := pattern.match(line)))


def executed(logs: list[Path]) -> Counter[str]:
    """How many copies the consumers finished, by task name, from Huey's own log lines."""
    return matching(EXECUTED, logs)


@pytest.mark.django_db(transaction=True)
def test_two_workers_run_each_periodic_run_once(tmp_path):
    redis.Redis.from_url(REDIS_URL).flushdb()
    logs = [tmp_path / f"worker{n}.log" for n in (1, 2)]
    workers = []
    for n, log in enumerate(logs, start=1):
        data_dir = tmp_path / f"node{n}"  # each worker its own machine
        data_dir.mkdir()
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "parcelops.cli", "worker", "--no-periodic"],
                cwd=ROOT,
                env=production_env(
                    data_dir, REDIS_URL=REDIS_URL, LOG_LEVEL="INFO", HUEY_WORKERS="2"
                ),
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
        )
    try:
        # Both consumers listening before anything is queued, or the first drains it all.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
            any(m.startswith("Huey consumer started") for m in messages([log])) for log in logs
        ):
            time.sleep(0.2)
        queued = subprocess.run(
            [sys.executable, "-c", QUEUE_EVERY_PERIODIC_TASK],
            cwd=ROOT,
            env=production_env(tmp_path, REDIS_URL=REDIS_URL),
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        kinds = int(queued.stdout.strip().splitlines()[-1])
        deadline = time.monotonic() + 90
        # Polling real processes: nothing here can be frozen or called directly.
        while sum(executed(logs).values()) < kinds * COPIES and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    text = "\n".join(log.read_text() for log in logs)
    done = executed(logs)
    assert sum(done.values()) == kinds * COPIES, text
    assert all(executed([log]) for log in logs), text  # both consumers took some copies

    claims = Counter(PeriodicRun.objects.values_list("task", flat=True))
    ran = matching(RAN, logs)
    skipped = matching(SKIPPED, logs)
    cluster_tasks = {name for name in done if not name.endswith("witness_audit_head")}
    assert set(claims) == cluster_tasks, text
    for task in cluster_tasks:
        # One run per scheduled minute: two only if the copies straddled a minute's end.
        assert ran[task] == claims[task] <= 2, (task, text)
        assert ran[task] + skipped[task] == COPIES, (task, text)
    assert done["parcelops.audit.tasks.witness_audit_head"] == COPIES  # each node's, every copy
