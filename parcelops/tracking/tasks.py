"""Periodic tracking work for the Huey worker (thin wrappers around actions)."""

from huey import crontab

from parcelops.core.periodic import periodic_task
from parcelops.tracking import actions


@periodic_task(crontab(minute="17", hour="3"))
def prune_inbound_pushes() -> int:
    """Stored push bodies go after PARCELOPS_PUSH_RETENTION_DAYS (decision 0025)."""
    return actions.prune_inbound_pushes()
