"""Pick lists (R3.2): a wave of allocated orders in one walk of the warehouse, and picking
it stop by stop by scanning the bin and the SKU.

Making a list is set-based (a 1,000-order wave in well under a second): one statement
claims the orders (allocated -> picking, parcelops.orders.actions.start_picking_orders),
one reads their reservations, one inserts the lines. A pick moves the stock out of the bin
(a StockMove of kind pick, on hand and reserved lowered together) and times the picker.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.core.sqlsets import values_in
from parcelops.orders import actions as order_actions
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.warehouse import packing_rules
from parcelops.warehouse.actions._floor import user_of
from parcelops.warehouse.models import (
    OperationKind,
    PickLine,
    PickList,
    PickListState,
    Reservation,
    ReservationState,
    StockLevel,
    StockMove,
    StockMoveKind,
    Warehouse,
)
from parcelops.warehouse.operations import record_operation

MAX_WAVE = 5000  # orders on one list: more is a typing mistake, and no one walks it
REASON_LIMIT = 300


@dataclass(frozen=True)
class Wave:
    """A pick list made, and the chosen orders left off it (not allocated, or already on
    an open list)."""

    pick_list: PickList
    orders: int
    lines: int
    skipped: list[str] = field(default_factory=list)


def _on_open_lists() -> Exists:
    return Exists(
        PickLine.objects.filter(order_id=OuterRef("pk"), pick_list__state=PickListState.OPEN)
    )


def _wave_candidates(
    warehouse: Warehouse, order_numbers: list[str] | None, oldest: int | None
) -> tuple[list[int], list[str]]:
    """The ids of the orders to put on the list, and the chosen numbers left off."""
    in_warehouse = Reservation.objects.filter(
        order_id=OuterRef("pk"), state=ReservationState.ACTIVE, bin__warehouse=warehouse
    )
    free = (
        Order.objects.filter(state=OrderState.ALLOCATED)
        .filter(Exists(in_warehouse))
        .exclude(_on_open_lists())
    )
    if order_numbers is None:
        ids = list(free.order_by("received_at", "id").values_list("id", flat=True)[:oldest])
        return ids, []
    found = dict(
        free.filter(number__in=values_in(order_numbers, "text")).values_list("number", "id")
    )
    return list(found.values()), [number for number in order_numbers if number not in found]


def _wave_input(order_numbers: list[str] | None, oldest: int | None) -> list[str] | None:
    """The chosen numbers cleaned (None for the oldest N); InputError when neither or both."""
    if (order_numbers is None) == (oldest is None):
        raise InputError([FieldError("orders", _("Choose the orders, or how many of the oldest."))])
    if oldest is not None and not 1 <= oldest <= MAX_WAVE:
        message = _("Between 1 and %(max)d orders.") % {"max": MAX_WAVE}
        raise InputError([FieldError("oldest", message)])
    if order_numbers is None:
        return None
    numbers = list(dict.fromkeys(n.strip() for n in order_numbers if n.strip()))
    if not numbers:
        raise InputError([FieldError("orders", pgettext("packing", "Choose at least one order."))])
    if len(numbers) > MAX_WAVE:
        message = _("At most %(max)d orders on one list.") % {"max": MAX_WAVE}
        raise InputError([FieldError("orders", message)])
    return numbers


@transaction.atomic
def make_pick_list(
    actor: Actor,
    warehouse: Warehouse,
    *,
    order_numbers: list[str] | None = None,
    oldest: int | None = None,
) -> Wave:
    """A pick list for the chosen allocated orders, or the `oldest` N of the warehouse: one
    line per active reservation, in walk order (zone, bin, code); the orders move to
    picking. An order on an open list already is left off. InputError when no order is
    left to pick."""
    require_permission(actor, roles.PICK_ORDERS)
    numbers = _wave_input(order_numbers, oldest)
    candidates, skipped = _wave_candidates(warehouse, numbers, oldest)
    if not candidates:
        raise InputError(
            [FieldError("orders", _("No allocated order of this warehouse is free to pick."))]
        )
    at = now()
    pick_list = PickList.objects.create(
        number=uuid.uuid4().hex[:24],  # until its id is known
        warehouse=warehouse,
        created_by=user_of(actor),
        created_at=at,
    )
    # Numbered by its id: unique without a counter to lock.
    pick_list.number = f"PL{at:%y%m%d}-{pick_list.pk:05d}"
    PickList.objects.filter(pk=pick_list.pk).update(number=pick_list.number)
    # The claim: orders another wave took meanwhile are not moved, and get no lines.
    moved = order_actions.start_picking_orders(candidates, actor, pick_list=pick_list.number)
    if not moved:  # another wave took them all meanwhile: no empty list (rolled back)
        raise InputError(
            [FieldError("orders", _("No allocated order of this warehouse is free to pick."))]
        )
    if numbers is not None:
        taken = set(moved)
        skipped += [n for n, pk in _numbers_of(candidates).items() if pk not in taken]
    lines = _lines_for(pick_list, warehouse, moved)
    PickLine.objects.bulk_create(lines, batch_size=2000)
    record_audit(
        actor,
        "warehouse.pick_list_made",
        pick_list,
        after={"orders": len(moved), "lines": len(lines)},
        detail={"warehouse": warehouse.code, "skipped": skipped},
    )
    return Wave(pick_list, len(moved), len(lines), skipped)


def _numbers_of(order_ids: list[int]) -> dict[str, int]:
    return dict(
        Order.objects.filter(pk__in=values_in(order_ids, "bigint")).values_list("number", "id")
    )


def _lines_for(pick_list: PickList, warehouse: Warehouse, order_ids: list[int]) -> list[PickLine]:
    """The list's lines in walk order, from one read of the reservations (as plain
    values: model instances for 2,000 rows and their bins cost a third of the budget)."""
    rows = (
        Reservation.objects.filter(
            order_id__in=values_in(order_ids, "bigint"),
            state=ReservationState.ACTIVE,
            bin__warehouse=warehouse,
        )
        .exclude(Exists(PickLine.objects.filter(reservation_id=OuterRef("pk"))))
        .values_list(
            "id",
            "order_id",
            "product_id",
            "bin_id",
            "quantity",
            "bin__zone__walk_order",
            "bin__zone__code",
            "bin__walk_order",
            "bin__code",
            "order__received_at",
        )
    )
    stops = sorted(
        rows,
        key=lambda r: packing_rules.walk_key(
            packing_rules.Stop(r[5], r[6], r[7], r[8], r[9], r[0])
        ),
    )
    return [
        PickLine(
            pick_list=pick_list,
            reservation_id=reservation_id,
            order_id=order_id,
            product_id=product_id,
            bin_id=bin_id,
            quantity=quantity,
            sequence=sequence,
        )
        for sequence, (reservation_id, order_id, product_id, bin_id, quantity, *_walk) in enumerate(
            stops, start=1
        )
    ]


# --- picking, stop by stop -------------------------------------------------------------------


def next_stop(pick_list: PickList) -> PickLine | None:
    """The first stop of the walk neither picked nor reported short."""
    return (
        PickLine.objects.filter(pick_list=pick_list, picked_at__isnull=True, short_at__isnull=True)
        .select_related("bin__zone", "product", "order")
        .order_by("sequence", "id")
        .first()
    )


def _locked_stop(line: PickLine) -> PickLine:
    line = (
        PickLine.objects.select_for_update(of=("self",))
        .select_related("bin", "product", "pick_list")
        .get(pk=line.pk)
    )
    if line.pick_list.state != PickListState.OPEN:
        raise ActionError(_("This pick list is done."))
    if line.picked_at is not None or line.short_at is not None:
        raise ActionError(_("This stop was already taken: go on to the next one."))
    return line


def same_code(scanned: str, code: str) -> bool:
    """A scan matches a printed code whatever its case and surrounding spaces."""
    return scanned.strip().casefold() == code.strip().casefold()


def check_scans(line: PickLine, bin_code: str | None, sku: str | None) -> None:
    """InputError unless the scanned bin (and SKU, when given) are this stop's."""
    if bin_code is not None and not same_code(bin_code, line.bin.code):
        message = _("Wrong bin: you scanned “%(scanned)s”, this stop is bin %(bin)s.") % {
            "scanned": bin_code.strip(),
            "bin": line.bin.code,
        }
        raise InputError([FieldError("bin", message)])
    if sku is not None and not same_code(sku, line.product.sku):
        message = _("Wrong item: you scanned “%(scanned)s”, this stop is %(sku)s.") % {
            "scanned": sku.strip(),
            "sku": line.product.sku,
        }
        raise InputError([FieldError("sku", message)])


def _started_at(line: PickLine, actor: Actor, shown_at: datetime | None, at: datetime) -> datetime:
    """When the picker started this stop: when it was shown, or else their previous step on
    this list (the list's making for the first), never before that step nor after now."""
    previous = (
        PickLine.objects.filter(pick_list_id=line.pick_list_id, picked_by=user_of(actor))
        .exclude(picked_at__isnull=True)
        .order_by("-picked_at")
        .values_list("picked_at", flat=True)
        .first()
    ) or line.pick_list.created_at
    if shown_at is None or not previous <= shown_at <= at:
        return previous
    return shown_at


@transaction.atomic
def confirm_pick(
    line: PickLine,
    actor: Actor,
    *,
    bin_code: str,
    sku: str,
    shown_at: datetime | None = None,
) -> PickLine:
    """The picker took the stop's units: scanned its bin and its SKU. The stock leaves the
    bin (a pick move; on hand and reserved lowered together), the reservation is picked,
    the step timed. A wrong scan is refused (InputError) and changes nothing."""
    require_permission(actor, roles.PICK_ORDERS)
    line = _locked_stop(line)
    check_scans(line, bin_code, sku)
    at = now()
    quantity = line.quantity
    # On hand and reserved fall together, so the level's constraint (reserved <= on hand)
    # holds; a level holding less than the reservation is a broken record, not a pick.
    lowered = StockLevel.objects.filter(
        product_id=line.product_id, bin_id=line.bin_id, reserved__gte=quantity
    ).update(on_hand=F("on_hand") - quantity, reserved=F("reserved") - quantity)
    if lowered != 1:
        raise ActionError(
            _(
                "The stock record of bin %(bin)s does not hold this reservation: tell the stock keeper."
            )
            % {"bin": line.bin.code}
        )
    StockMove.objects.create(
        product_id=line.product_id,
        bin_id=line.bin_id,
        kind=StockMoveKind.PICK,
        quantity=-quantity,
        actor=user_of(actor),
        at=at,
        order_id=line.order_id,
        reference=line.pick_list.number,
    )
    Reservation.objects.filter(pk=line.reservation_id).update(
        state=ReservationState.PICKED, picked_quantity=quantity
    )
    started_at = _started_at(line, actor, shown_at, at)
    line.picked_quantity, line.picked_by, line.picked_at = quantity, user_of(actor), at
    line.save(update_fields=["picked_quantity", "picked_by", "picked_at"])
    record_operation(OperationKind.PICK, actor, line.order_id, started_at, at, quantity)
    record_audit(
        actor,
        "warehouse.picked",
        line,
        after={"quantity": quantity, "bin": line.bin.code, "sku": line.product.sku},
        detail={"pick_list": line.pick_list.number, "order": line.order_id},
    )
    _finish_if_walked(line.pick_list, at)
    return line


@transaction.atomic
def report_short(line: PickLine, actor: Actor, *, reason: str) -> PickLine:
    """The stop cannot be taken (not found, damaged): the picker says why and walks on. The
    reservation stays, nothing leaves the bin, and the order cannot be packed until the
    problem is settled."""
    require_permission(actor, roles.PICK_ORDERS)
    reason = (reason or "").strip()
    if not reason:
        raise InputError([FieldError("reason", _("Say why this stop cannot be picked."))])
    if len(reason) > REASON_LIMIT:
        message = _("At most %(n)d characters.") % {"n": REASON_LIMIT}
        raise InputError([FieldError("reason", message)])
    line = _locked_stop(line)
    at = now()
    line.short_reason, line.short_at = reason, at
    line.picked_by = user_of(actor)
    line.save(update_fields=["short_reason", "short_at", "picked_by"])
    record_audit(
        actor,
        "warehouse.pick_short",
        line,
        after={"reason": reason},
        detail={"pick_list": line.pick_list.number, "order": line.order_id},
    )
    _finish_if_walked(line.pick_list, at)
    return line


def _finish_if_walked(pick_list: PickList, at: datetime) -> None:
    """The list is done when no stop is left: each picked or reported short."""
    if next_stop(pick_list) is None:
        pick_list.state, pick_list.finished_at = PickListState.DONE, at
        pick_list.save(update_fields=["state", "finished_at"])
