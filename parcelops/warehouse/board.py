"""The warehouse home page's figures, per warehouse: orders on their way through the
floor, open pick lists and manifests, inspections overdue or due soon, overdue follow-ups.
One grouped query per figure, whatever the number of warehouses or orders.

An approved order (waiting for stock, or backordered) counts for the shop: it is in no
warehouse yet. An allocated or picking order is in the warehouse of its reserved bins, a
packed one in its parcel's warehouse.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.warehouse import inspection_rules
from parcelops.warehouse.models import (
    FollowUp,
    InspectionSchedule,
    Manifest,
    ManifestState,
    Parcel,
    PickList,
    PickListState,
    Reservation,
    ReservationState,
    Warehouse,
)

FLOOR_STATES = (OrderState.APPROVED, OrderState.ALLOCATED, OrderState.PICKING, OrderState.PACKED)


@dataclass
class WarehouseFigures:
    warehouse: Warehouse
    orders: dict[str, int] = field(default_factory=dict)  # state -> count
    open_pick_lists: int = 0
    open_manifests: int = 0
    overdue_inspections: int = 0
    due_soon_inspections: int = 0
    overdue_follow_ups: int = 0


@dataclass
class Board:
    today: date
    approved: int  # waiting for stock to be allocated (the shop's, no warehouse yet)
    backordered: int  # approved, but short of stock
    warehouses: list[WarehouseFigures]


def _orders_by_warehouse() -> dict[int | None, dict[str, int]]:
    reserved_in = Reservation.objects.filter(
        order=OuterRef("pk"), state__in=[ReservationState.ACTIVE, ReservationState.PICKED]
    ).values("bin__warehouse")[:1]
    packed_in = Parcel.objects.filter(order=OuterRef("pk")).values("warehouse")[:1]
    rows = (
        Order.objects.filter(state__in=FLOOR_STATES)
        .annotate(
            warehouse_id=Coalesce(Subquery(packed_in), Subquery(reserved_in)),
            short=F("is_backordered"),
        )
        .values("warehouse_id", "state", "short")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = (
            "backordered" if row["state"] == OrderState.APPROVED and row["short"] else row["state"]
        )
        counts[row["warehouse_id"]][key] += row["count"]
    return counts


def warehouse_board(today: date) -> Board:
    """The home page's figures on the shop's date `today`."""
    warehouses = list(Warehouse.objects.filter(is_active=True))
    figures = {row.pk: WarehouseFigures(row) for row in warehouses}
    orders = _orders_by_warehouse()
    for warehouse_id, by_state in orders.items():
        if warehouse_id in figures:
            figures[warehouse_id].orders = dict(by_state)
    for warehouse_id, count in (
        PickList.objects.filter(state=PickListState.OPEN)
        .values_list("warehouse")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if warehouse_id in figures:
            figures[warehouse_id].open_pick_lists = count
    for warehouse_id, count in (
        Manifest.objects.filter(state=ManifestState.OPEN)
        .values_list("warehouse")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if warehouse_id in figures:
            figures[warehouse_id].open_manifests = count
    soon = today + timedelta(days=inspection_rules.DUE_SOON_DAYS)
    for warehouse_id, overdue, due_soon in (
        InspectionSchedule.objects.values_list("warehouse")
        .annotate(
            overdue=Count("id", filter=Q(next_due__lt=today)),
            due_soon=Count("id", filter=Q(next_due__gte=today, next_due__lt=soon)),
        )
        .order_by()
    ):
        if warehouse_id in figures:
            figures[warehouse_id].overdue_inspections = overdue
            figures[warehouse_id].due_soon_inspections = due_soon
    for warehouse_id, count in (
        FollowUp.objects.filter(done_at__isnull=True, due_on__lt=today)
        .values_list("inspection__schedule__warehouse")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if warehouse_id in figures:
            figures[warehouse_id].overdue_follow_ups = count
    return Board(
        today=today,
        approved=sum(by_state.get(OrderState.APPROVED, 0) for by_state in orders.values()),
        backordered=sum(by_state.get("backordered", 0) for by_state in orders.values()),
        warehouses=[figures[row.pk] for row in warehouses],
    )
