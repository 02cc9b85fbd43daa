"""The audit chain's periodic work for the Huey worker (thin wrappers around actions)."""

from huey import crontab

from parcelops.audit.actions import write_witness
from parcelops.core.periodic import periodic_task


# Each node: the witness is a file on this machine, and every worker's copy must be whole.
@periodic_task(crontab(minute="*"), each_node=True)
def witness_audit_head() -> None:
    """Each minute the chain's head goes to the witness file, even when no web process
    committed a record lately (decision 0023)."""
    write_witness()
