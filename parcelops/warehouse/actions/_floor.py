"""What the picking and packing actions share: the acting user and the operation rows
that time each step (R3.1.5)."""

from datetime import datetime
from typing import Any

from parcelops.accounts.permissions import Actor
from parcelops.warehouse.models import Operation, OperationKind


def user_of(actor: Actor) -> Any:
    """The user to store as who did it; None for the system itself."""
    return actor if actor is not None and actor.is_authenticated else None


def time_operation(
    kind: OperationKind,
    actor: Actor,
    order_id: int,
    started_at: datetime,
    finished_at: datetime,
    units: int,
) -> Operation:
    """One timed step of a person (a pick, a pack). Started no later than it finished."""
    return Operation.objects.create(
        kind=kind,
        actor=user_of(actor),
        order_id=order_id,
        started_at=min(started_at, finished_at),
        finished_at=finished_at,
        units=units,
    )
