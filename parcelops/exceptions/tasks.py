"""Periodic work of the exception desk for the Huey worker (thin wrappers)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from parcelops.core.clock import now
from parcelops.exceptions import thresholds


@db_periodic_task(crontab(minute="10", hour="4"))
def learn_thresholds() -> int:
    """Each night the lanes' learned thresholds are measured again from 90 days of history."""
    return thresholds.learn_thresholds(now())
