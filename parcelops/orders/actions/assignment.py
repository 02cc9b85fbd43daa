"""Assignment (R2.2.2): who processes an order, automatically or by a reviewer's choice."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.models import StaffProfile
from parcelops.accounts.permissions import Actor
from parcelops.accounts.shifts import on_shift_user_ids
from parcelops.core.clock import now
from parcelops.core.errors import FieldError, InputError
from parcelops.orders import guards, rules
from parcelops.orders.actions._common import locked, log_event, order_snapshot, save
from parcelops.orders.guards import enforce
from parcelops.orders.models import Order
from parcelops.orders.states import (
    OPEN_PROCESSING_STATES,
    OrderEventType,
)


def processor_candidates() -> list[rules.Candidate]:
    open_states = [str(s) for s in OPEN_PROCESSING_STATES]
    profiles = list(
        StaffProfile.objects.filter(user__is_active=True, user__groups__name=roles.ORDER_PROCESSOR)
        .annotate(
            open_orders=Count(
                "user__assigned_orders",
                filter=Q(
                    user__assigned_orders__state__in=open_states,
                    user__assigned_orders__is_deleted=False,
                ),
            )
        )
        .distinct()
    )
    # On shift by the weekly schedule, now (a person without one: while available).
    on_shift = on_shift_user_ids([p.user_id for p in profiles], now())
    return [
        rules.Candidate(
            user_id=p.user_id,
            skills=tuple(p.skills),
            workload=p.open_orders,  # type: ignore[attr-defined]
            workload_limit=p.workload_limit,
            is_on_shift=p.user_id in on_shift,
        )
        for p in profiles
    ]


def assign_automatically(order: Order) -> Order:
    """Give the order to the best processor now; it stays unassigned when nobody fits."""
    if order.assignee_id is not None or order.state not in OPEN_PROCESSING_STATES:
        return order
    user_id = rules.choose_assignee(order.order_type, processor_candidates())
    if user_id is None:
        return order
    with transaction.atomic():
        order = locked(order)
        # Re-read under the lock: it may have been assigned, cancelled or moved on since.
        if order.assignee_id is not None or order.state not in OPEN_PROCESSING_STATES:
            return order
        before = order_snapshot(order)
        order.assignee_id = user_id
        log_event(
            order, OrderEventType.ASSIGNED, None, data={"assignee": user_id, "automatic": True}
        )
        save(order, None, "order.assigned", before, automatic=True)
    return order


def assign_unassigned_orders() -> int:
    """Hand out every open, unassigned order (run when people come on shift)."""
    count = 0
    for order in Order.objects.filter(
        assignee__isnull=True, state__in=list(OPEN_PROCESSING_STATES)
    ).order_by("received_at"):
        if assign_automatically(order).assignee_id is not None:
            count += 1
    return count


@transaction.atomic
def reassign_order(order: Order, assignee_username: str, actor: Actor) -> Order:
    order = locked(order)
    enforce(guards.reassign_refusal(order, actor))
    assignee = get_user_model().objects.filter(username=assignee_username, is_active=True).first()
    if assignee is None or not assignee.has_perm(roles.PROCESS_ORDER):  # type: ignore[union-attr]
        raise InputError(
            [FieldError("assignee", _("No active order processor with this username."))]
        )
    before = order_snapshot(order)
    previous = order.assignee.get_username() if order.assignee else ""
    order.assignee = assignee  # type: ignore[assignment]
    log_event(
        order,
        OrderEventType.ASSIGNED,
        actor,
        data={"assignee": assignee.pk, "from": previous, "automatic": False},
    )
    save(order, actor, "order.reassigned", before)
    return order
