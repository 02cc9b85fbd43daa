"""Periodic order work for the Huey worker (thin wrappers around actions)."""

from huey import crontab

from parcelops.core.periodic import periodic_task
from parcelops.orders import actions


@periodic_task(crontab(minute="*/5"))
def assign_waiting_orders() -> int:
    """Orders that found nobody free at intake get a processor once someone is."""
    return actions.assign_unassigned_orders()


@periodic_task(crontab(minute="7", hour="*"))
def complete_delivered_orders() -> int:
    """Delivered orders complete after the configured days; after-sales starts then (R1.2)."""
    return actions.complete_delivered_orders()
