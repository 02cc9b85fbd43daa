"""Reserving stock for orders (R2.2.3): the keeper the orders app calls when an approved
order is allocated, and when an allocated order goes back to approved or is cancelled.

An order is reserved whole or not at all, from one warehouse (the first by code that holds
every line): each line from the first bin in walk order that holds all of it, else split
over the bins in walk order. The StockLevel rows are locked (SELECT ... FOR UPDATE on
PostgreSQL, the writers' lock of the IMMEDIATE transaction on SQLite), so two orders racing
for the last unit never both get it; the check constraint reserved <= on_hand stands behind.

A picked reservation is never released: its units left the bin (the packing work's pick
move); putting them back is a return to stock.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F
from django.utils.translation import gettext as _

from parcelops.accounts.permissions import Actor
from parcelops.audit.actions import record_audit
from parcelops.core.clock import now
from parcelops.core.errors import ActionError
from parcelops.orders import actions as order_actions
from parcelops.orders.models import Order, OrderLine
from parcelops.orders.states import OrderState
from parcelops.orders.stock_hooks import StockShortageError
from parcelops.warehouse.actions import stock_alerts
from parcelops.warehouse.models import (
    Reservation,
    ReservationState,
    StockLevel,
    StockMove,
    StockMoveKind,
)

HELD = (ReservationState.ACTIVE, ReservationState.PICKED)


@dataclass
class _Need:
    line: OrderLine
    quantity: int


def _needs(order: Order) -> list[_Need]:
    """Each line's units not yet reserved (a re-allocated order keeps what it holds)."""
    lines = list(OrderLine.objects.filter(order=order).order_by("id"))
    held: dict[int, int] = defaultdict(int)
    for line_id, quantity in Reservation.objects.filter(order=order, state__in=HELD).values_list(
        "line_id", "quantity"
    ):
        held[line_id] += quantity
    needs = []
    for line in lines:
        if line.product_id is None:
            raise StockShortageError(
                _("Line %(sku)s is not a product of the catalogue: its stock cannot be reserved.")
                % {"sku": line.sku}
            )
        if line.quantity > held[line.pk]:
            needs.append(_Need(line, line.quantity - held[line.pk]))
    return needs


def _walk_key(level: StockLevel) -> tuple[int, int, str]:
    return (level.bin.zone.walk_order, level.bin.walk_order, level.bin.code)


def reserve_order(order: Order, actor: Actor) -> list[Reservation]:
    """Reserve every unreserved unit of the order's lines, or raise StockShortageError."""
    needs = _needs(order)
    if not needs:
        return []
    product_ids = sorted({need.line.product_id for need in needs if need.line.product_id})
    # Locked in one order (by id) so two orders sharing SKUs never deadlock each other.
    levels = list(
        StockLevel.objects.select_for_update(of=("self",))
        .filter(
            product_id__in=product_ids,
            bin__is_active=True,
            bin__warehouse__is_active=True,
            on_hand__gt=F("reserved"),
        )
        .select_related("bin__zone", "bin__warehouse")
        .order_by("pk")
    )
    by_warehouse: dict[str, list[StockLevel]] = defaultdict(list)
    for level in levels:
        by_warehouse[level.bin.warehouse.code].append(level)
    for code in sorted(by_warehouse):
        plan = _plan(needs, sorted(by_warehouse[code], key=_walk_key))
        if plan is not None:
            return _hold(order, plan, actor)
    raise StockShortageError(_shortage_message(needs, levels))


def _plan(
    needs: list[_Need], levels: list[StockLevel]
) -> list[tuple[_Need, StockLevel, int]] | None:
    """Which bins serve which line, in walk order; None when the warehouse lacks a unit."""
    available = {level.pk: level.on_hand - level.reserved for level in levels}
    plan: list[tuple[_Need, StockLevel, int]] = []
    for need in needs:
        own = [level for level in levels if level.product_id == need.line.product_id]
        whole = next((lv for lv in own if available[lv.pk] >= need.quantity), None)
        if whole is not None:
            plan.append((need, whole, need.quantity))
            available[whole.pk] -= need.quantity
            continue
        left = need.quantity
        for level in own:
            take = min(left, available[level.pk])
            if take > 0:
                plan.append((need, level, take))
                available[level.pk] -= take
                left -= take
            if left == 0:
                break
        if left > 0:
            return None
    return plan


def _shortage_message(needs: list[_Need], levels: list[StockLevel]) -> str:
    wanted: dict[int, int] = defaultdict(int)
    for need in needs:
        wanted[need.line.product_id or 0] += need.quantity
    available: dict[int, int] = defaultdict(int)
    for level in levels:
        available[level.product_id] += level.on_hand - level.reserved
    for need in needs:
        product_id = need.line.product_id or 0
        if available[product_id] < wanted[product_id]:
            return _(
                "Not enough stock for SKU %(sku)s: %(wanted)s wanted, %(available)s available."
            ) % {
                "sku": need.line.sku,
                "wanted": wanted[product_id],
                "available": available[product_id],
            }
    return _("No one warehouse holds every line of this order: move stock together first.")


def _hold(
    order: Order, plan: list[tuple[_Need, StockLevel, int]], actor: Actor
) -> list[Reservation]:
    moment = now()
    reservations = []
    products = sorted({level.product_id for _need, level, _quantity in plan})
    free_before = {product_id: stock_alerts.available_of(product_id) for product_id in products}
    for need, level, quantity in plan:
        StockLevel.objects.filter(pk=level.pk).update(reserved=F("reserved") + quantity)
        level.reserved += quantity
        reservations.append(
            Reservation.objects.create(
                order=order,
                line=need.line,
                product_id=level.product_id,
                bin=level.bin,
                quantity=quantity,
                created_at=moment,
            )
        )
    for product_id in products:
        taken = sum(r.quantity for r in reservations if r.product_id == product_id)
        first = next(r for r in reservations if r.product_id == product_id)
        before = free_before[product_id]
        stock_alerts.alert_if_below_minimum(product_id, before, before - taken, f"r{first.pk}")
    record_audit(
        actor,
        "stock.reserved",
        order,
        after=[[r.product_id, r.bin_id, r.quantity] for r in reservations],
    )
    return reservations


def release_order(order: Order, actor: Actor) -> int:
    """Give back the order's active reservations (the units not picked yet); picked ones
    stay. Then backorders of the freed SKUs may take the units. The units released."""
    active = list(
        Reservation.objects.select_for_update().filter(order=order, state=ReservationState.ACTIVE)
    )
    if not active:
        return 0
    released = 0
    for reservation in sorted(active, key=lambda r: (r.product_id, r.bin_id)):
        units = reservation.quantity - reservation.picked_quantity
        StockLevel.objects.select_for_update().filter(
            product_id=reservation.product_id, bin_id=reservation.bin_id
        ).update(reserved=F("reserved") - units)
        released += units
    Reservation.objects.filter(pk__in=[r.pk for r in active]).update(
        state=ReservationState.RELEASED
    )
    record_audit(
        actor,
        "stock.released",
        order,
        before=[[r.product_id, r.bin_id, r.quantity - r.picked_quantity] for r in active],
    )
    allocate_backorders({r.product_id for r in active}, exclude=order.pk)
    return released


def allocate_backorders(product_ids: Iterable[int], *, exclude: int | None = None) -> list[str]:
    """Allocate the backordered orders that wait for these SKUs and can now be reserved,
    oldest first (by the time they came in), as the system. The numbers allocated."""
    ids = set(product_ids)
    if not ids:
        return []
    waiting = (
        Order.objects.filter(
            is_backordered=True, state=OrderState.APPROVED, lines__product_id__in=ids
        )
        .distinct()
        .order_by("received_at", "pk")
    )
    if exclude is not None:
        waiting = waiting.exclude(pk=exclude)
    allocated = []
    for order in list(waiting):
        try:
            order_actions.advance_order(order, OrderState.ALLOCATED, None)
        except ActionError:
            continue  # still short: it waits for the next arrival
        allocated.append(order.number)
    return allocated


def take_out_order(order: Order, actor: Actor) -> int:
    """The order's parcel left the warehouse (handed over) with units still reserved, not
    picked on a pick list: an order moved along by hand. Those units leave their bins as
    picks now (on hand and reserved lowered together, a pick move each, the reservation
    picked), so stock stays the sum of its moves and no shipped order holds stock. The
    units taken out; none for an order picked from a list."""
    active = list(
        Reservation.objects.select_for_update()
        .filter(order=order, state=ReservationState.ACTIVE)
        .order_by("product_id", "bin_id", "pk")
    )
    if not active:
        return 0
    at = now()
    moves = []
    for reservation in active:
        units = reservation.quantity - reservation.picked_quantity
        StockLevel.objects.filter(
            product_id=reservation.product_id, bin_id=reservation.bin_id
        ).update(on_hand=F("on_hand") - units, reserved=F("reserved") - units)
        moves.append(
            StockMove(
                product_id=reservation.product_id,
                bin_id=reservation.bin_id,
                kind=StockMoveKind.PICK,
                quantity=-units,
                actor=actor if actor is not None and actor.is_authenticated else None,
                at=at,
                reason=_("Handed over without a pick list"),
                order=order,
            )
        )
    StockMove.objects.bulk_create(moves)
    Reservation.objects.filter(pk__in=[r.pk for r in active]).update(
        state=ReservationState.PICKED, picked_quantity=F("quantity")
    )
    record_audit(
        actor,
        "stock.taken_out",
        order,
        after=[[move.product_id, move.bin_id, move.quantity] for move in moves],
    )
    return -sum(move.quantity for move in moves)


class Keeper:
    """The warehouse's stock keeper, registered with parcelops.orders.stock_hooks."""

    def take_out(self, order: Order, actor: Actor) -> None:
        take_out_order(order, actor)

    def reserve(self, order: Order, actor: Actor) -> None:
        reserve_order(order, actor)

    def release(self, order: Order, actor: Actor) -> None:
        release_order(order, actor)
