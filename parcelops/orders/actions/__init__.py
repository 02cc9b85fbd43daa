"""Every change to an order: one transaction, one timeline event, one audit record.

Views, the API, importers and tasks call these functions; nothing else writes an
order's state. ``actor`` None means the system itself (intake, sweeps). One module per
step of the manual; this package names them all, so callers write ``actions.approve_order``.
"""

from parcelops.orders.actions._common import order_snapshot
from parcelops.orders.actions.assignment import (
    assign_automatically,
    assign_unassigned_orders,
    processor_candidates,
    reassign_order,
)
from parcelops.orders.actions.channels import add_channel
from parcelops.orders.actions.edits import (
    LineChange,
    cancel_order,
    delete_invalid_order,
    edit_order,
)
from parcelops.orders.actions.following import follow_tracking, mark_open_exceptions
from parcelops.orders.actions.fulfilment import (
    MANUAL_CORRECTION,
    RESHIPPABLE_STATES,
    BatchOutcome,
    advance_order,
    advance_orders,
    complete_delivered_orders,
    complete_order,
    reship_order,
    ship_order,
)
from parcelops.orders.actions.intake import (
    IntakeResult,
    find_customer,
    intake_order,
    unknown_channel_message,
)
from parcelops.orders.actions.review import (
    approve_order,
    confirm_order,
    mark_paid,
    reject_order,
    submit_for_review,
)
from parcelops.orders.actions.waves import start_picking_orders
from parcelops.orders.guards import FULFILMENT_PERMISSIONS, PARCEL_STEPS

__all__ = [
    "FULFILMENT_PERMISSIONS",
    "MANUAL_CORRECTION",
    "PARCEL_STEPS",
    "RESHIPPABLE_STATES",
    "BatchOutcome",
    "IntakeResult",
    "LineChange",
    "add_channel",
    "advance_order",
    "advance_orders",
    "approve_order",
    "assign_automatically",
    "assign_unassigned_orders",
    "cancel_order",
    "complete_delivered_orders",
    "complete_order",
    "confirm_order",
    "delete_invalid_order",
    "edit_order",
    "find_customer",
    "follow_tracking",
    "intake_order",
    "mark_open_exceptions",
    "mark_paid",
    "order_snapshot",
    "processor_candidates",
    "reassign_order",
    "reject_order",
    "reship_order",
    "ship_order",
    "start_picking_orders",
    "submit_for_review",
    "unknown_channel_message",
]
