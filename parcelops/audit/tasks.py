"""The audit chain's periodic work for the Huey worker (thin wrappers around actions)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from parcelops.audit.actions import write_witness


@db_periodic_task(crontab(minute="*"))
def witness_audit_head() -> None:
    """Each minute the chain's head goes to the witness file, even when no web process
    committed a record lately (decision 0023)."""
    write_witness()
