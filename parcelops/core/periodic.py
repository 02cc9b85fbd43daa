"""Periodic tasks that run once per cluster, however many workers there are.

Each Huey consumer has its own scheduler and queues every periodic task each minute it is
due, so with two workers every periodic run is queued twice. `periodic_task` wraps a task
so that the copy that first inserts the row (task, slot) into `PeriodicRun` runs it and
every other copy skips: the slot is the scheduled minute the run stands for, the latest
minute at or before the moment the copy starts that the task's schedule fires at.

A run whose worker dies keeps its claim: that slot is not run again, and the next slot's
run picks up what it left (every periodic task re-derives its work from the database; see
docs/operations.md, "Scaling out"). Work that is not the cluster's but the machine's (the
audit witness, a file on each node) asks for `each_node=True` and runs in every copy.
"""

import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from huey.contrib.djhuey import db_periodic_task

from parcelops.core.clock import now
from parcelops.core.models import PeriodicRun

logger = logging.getLogger(__name__)

# How far back a slot is looked for: a schedule that fires less than weekly has its slot
# taken as the current minute (none does today; the rarest is daily).
LOOKBACK = timedelta(days=7)
# Claims older than this are deleted by the next claim of the same task.
KEEP_CLAIMS = timedelta(days=7)


def scheduled_slot(is_due: Callable[[datetime], bool], moment: datetime) -> datetime:
    """The latest whole minute at or before `moment` (aware, returned in UTC) at which
    the schedule `is_due` (Huey's crontab, which reads naive UTC) fires."""
    minute = moment.astimezone(UTC).replace(second=0, microsecond=0)
    for back in range(int(LOOKBACK / timedelta(minutes=1)) + 1):
        candidate = minute - timedelta(minutes=back)
        if is_due(candidate.replace(tzinfo=None)):
            return candidate
    return minute


def claim_periodic_run(task: str, slot: datetime) -> bool:
    """True for the one caller, across every process, that claims `task`'s run at `slot`."""
    claimant = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    with transaction.atomic():
        # ignore_conflicts: ON CONFLICT DO NOTHING (INSERT OR IGNORE on SQLite). A
        # duplicate key caught as IntegrityError would log an ERROR in PostgreSQL's
        # server log for every losing worker, every minute.
        PeriodicRun.objects.bulk_create(
            [PeriodicRun(task=task, slot=slot, claimed_at=now(), claimed_by=claimant)],
            ignore_conflicts=True,
        )
        won = PeriodicRun.objects.filter(task=task, slot=slot, claimed_by=claimant).exists()
        if won:
            PeriodicRun.objects.filter(task=task, slot__lt=slot - KEEP_CLAIMS).delete()
    return won


def run_once_per_slot(
    func: Callable[..., Any], task: str, is_due: Callable[[datetime], bool]
) -> Callable[..., Any]:
    """`func`, run only by the copy that claims the current slot; the others return None."""

    @functools.wraps(func)
    def once(*args: Any, **kwargs: Any) -> Any:
        slot = scheduled_slot(is_due, now())
        if not claim_periodic_run(task, slot):
            logger.info("%s at %s: another worker has this run, skipped", task, slot.isoformat())
            return None
        logger.info("%s at %s: claimed, running", task, slot.isoformat())
        return func(*args, **kwargs)

    return once


def periodic_task(
    schedule: Callable[[datetime], bool], *, each_node: bool = False, **options: Any
) -> Callable[[Callable[..., Any]], Any]:
    """Huey's `db_periodic_task`, run once per cluster for each scheduled minute (or in
    every worker's copy with `each_node=True`). `.call_local()` claims as well."""

    def decorate(func: Callable[..., Any]) -> Any:
        if each_node:
            return db_periodic_task(schedule, **options)(func)
        task = f"{func.__module__}.{func.__name__}"
        return db_periodic_task(schedule, **options)(run_once_per_slot(func, task, schedule))

    return decorate
