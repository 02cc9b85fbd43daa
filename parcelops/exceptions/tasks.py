"""Periodic work of the exception desk for the Huey worker (thin wrappers)."""

import logging

from huey import crontab

from parcelops.core.clock import now
from parcelops.core.periodic import periodic_task
from parcelops.exceptions import actions, thresholds

logger = logging.getLogger(__name__)


@periodic_task(crontab())  # every minute
def sweep() -> dict[str, int]:
    """The desk's clock: due parcels, late orders, warnings, breaches, escalations. Its
    rows are claimed (decision 0028), so overlapping runs never handle one twice."""
    counts = actions.sweep().as_dict()
    if any(counts[k] for k in ("opened", "warned", "breached", "escalated")):
        logger.info("sweep: %s", counts)
    return counts


@periodic_task(crontab(minute="10", hour="4"))
def learn_thresholds() -> int:
    """Each night (04:10 UTC) the lanes' learned thresholds are measured again from 90
    days of history."""
    return thresholds.learn_thresholds(now())
