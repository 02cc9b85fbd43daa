"""Periodic work of the exception desk for the Huey worker (thin wrappers)."""

import logging
import time

from huey import crontab

from parcelops.core import metrics
from parcelops.core.clock import now
from parcelops.core.periodic import periodic_task
from parcelops.exceptions import actions, thresholds

logger = logging.getLogger(__name__)


@periodic_task(crontab())  # every minute
def sweep() -> dict[str, int]:
    """The desk's clock: due parcels, late orders, warnings, breaches, escalations. Its
    rows are claimed (decision 0028), so overlapping runs never handle one twice."""
    started = time.perf_counter()
    counts = actions.sweep().as_dict()
    metrics.observe("parcelops_sweep_duration_seconds", time.perf_counter() - started)
    metrics.flush()  # the worker may sit idle till the next minute: counted now
    if any(counts[k] for k in ("opened", "warned", "breached", "escalated")):
        logger.info("sweep: %s", counts)
    return counts


@periodic_task(crontab(minute="10", hour="4"))
def learn_thresholds() -> int:
    """Each night (04:10 UTC) the lanes' learned thresholds are measured again from 90
    days of history."""
    return thresholds.learn_thresholds(now())
