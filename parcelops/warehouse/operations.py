"""Recording who did one warehouse step and how long it took (R3.1.5).

The picking, packing and hand-over actions call `record_operation` inside their own
transaction when a step ends (they may also write Operation rows directly in bulk: the
row is all there is). The rates page reads them (parcelops.warehouse.operation_rates).
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from parcelops.warehouse.models import Operation, OperationKind


def record_operation(
    kind: OperationKind | str,
    actor: AbstractBaseUser | AnonymousUser | None,
    order_id: int | None,
    started_at: datetime,
    finished_at: datetime,
    units: int = 1,
) -> Operation:
    """One step done: `kind` pick (units picked), pack (parcels packed, usually 1) or
    hand_over (parcels scanned into a manifest), by `actor` (None or anonymous: the system,
    not counted for anyone), from `started_at` to `finished_at` (aware datetimes; a
    finish before the start is taken as an instant step). No permission check and no audit
    record: the calling action has made both."""
    return Operation.objects.create(
        kind=str(kind),
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        order_id=order_id,
        started_at=min(started_at, finished_at),
        finished_at=finished_at,
        units=units,
    )
