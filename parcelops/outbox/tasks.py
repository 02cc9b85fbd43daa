"""The outbox's work for the Huey worker (thin wrappers around actions): sending right
after a commit, and a run every minute that sends what those calls missed."""

from huey import crontab
from huey.contrib.djhuey import db_task

from parcelops.core.periodic import periodic_task
from parcelops.outbox import actions


@db_task()
def send_outbox() -> None:
    """Asked for after each commit that queued a message. Returns nothing: Huey would keep
    a returned value in its store until someone read it."""
    actions.send_due()


@periodic_task(crontab(minute="*"))
def send_due_outbox() -> None:
    """Each minute: retries that came due, and messages whose after-commit call was lost
    (a worker restart, a queue that was down)."""
    actions.send_due()
