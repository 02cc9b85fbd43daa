"""Stock moves (R3.1): receive into a bin, move between bins, adjust with a reason, return
to stock from an order. Each writes its StockMove rows and changes StockLevel.on_hand in
the same transaction, under a lock of the level's row, so on-hand always equals the sum of
its moves (`parcelops stock check` proves it). On-hand never falls below what is reserved.

Bins and SKUs come as codes, as a handheld scanner types them. Bad input is refused whole
(InputError naming the field) and nothing changes. Stock that arrives (received, adjusted
up, returned) allocates the backordered orders it can, oldest first, in the same
transaction; a SKU that falls below its minimum alerts the warehouse's managers once per
crossing.
"""

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.core.clock import now
from parcelops.core.errors import FieldError, InputError
from parcelops.orders.models import Order, OrderLine, Product
from parcelops.orders.states import OrderState
from parcelops.warehouse.actions import stock_alerts, stock_reservations
from parcelops.warehouse.actions._floor import user_of
from parcelops.warehouse.models import Bin, StockLevel, StockMove, StockMoveKind

# A scan or a typo of 1e9 units is no receipt; the bound keeps sums within integers.
MAX_QUANTITY = 1_000_000
REASON_LENGTH = 300
REFERENCE_LENGTH = 40
# An order returns stock only once its goods may have left the shelf.
NOT_YET_PICKED = frozenset(
    {
        OrderState.AWAITING_PAYMENT,
        OrderState.PAID,
        OrderState.IN_REVIEW,
        OrderState.APPROVED,
        OrderState.ALLOCATED,
    }
)


@dataclass(frozen=True)
class Found:
    """What a form's codes resolved to, or the errors naming the fields that did not."""

    product: Product | None
    bins: dict[str, Bin]
    errors: list[FieldError]


def find_product(sku: str, field: str, errors: list[FieldError]) -> Product | None:
    code = (sku or "").strip()
    if not code:
        errors.append(FieldError(field, _("Scan or type the SKU.")))
        return None
    product = (
        Product.objects.filter(sku=code).first() or Product.objects.filter(sku__iexact=code).first()
    )
    if product is None:
        errors.append(FieldError(field, _("No product has the SKU %(sku)s.") % {"sku": code}))
    return product


def find_bin(code: str, field: str, errors: list[FieldError], warehouse: str = "") -> Bin | None:
    """The bin a scanned code names: its own code, or WAREHOUSE/BIN where two warehouses
    use the same code (`warehouse` narrows it too)."""
    text = (code or "").strip()
    if not text:
        errors.append(FieldError(field, _("Scan or type the bin.")))
        return None
    if "/" in text and not warehouse:
        warehouse, text = (part.strip() for part in text.split("/", 1))
    bins = Bin.objects.select_related("warehouse", "zone").filter(
        Q(code=text) | Q(code__iexact=text), is_active=True, warehouse__is_active=True
    )
    if warehouse:
        bins = bins.filter(warehouse__code__iexact=warehouse.strip())
    found = list(bins[:2])
    if not found:
        errors.append(FieldError(field, _("No bin in use has the code %(code)s.") % {"code": text}))
        return None
    if len(found) > 1:
        errors.append(
            FieldError(
                field,
                _("Two warehouses have a bin %(code)s: write it as WAREHOUSE/%(code)s.")
                % {"code": text},
            )
        )
        return None
    return found[0]


def _quantity(value: object, errors: list[FieldError], *, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(FieldError("quantity", _("Enter a whole number of units.")))
        return 0
    if signed and value == 0:
        errors.append(FieldError("quantity", _("An adjustment adds or removes at least one unit.")))
    elif not signed and value <= 0:
        errors.append(FieldError("quantity", _("Enter at least one unit.")))
    elif abs(value) > MAX_QUANTITY:
        errors.append(
            FieldError("quantity", _("At most %(n)s units at a time.") % {"n": MAX_QUANTITY})
        )
    return value


def _text(
    value: str, field: str, limit: int, errors: list[FieldError], *, required: str = ""
) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.append(FieldError(field, required))
    elif len(text) > limit:
        errors.append(FieldError(field, _("At most %(n)s characters.") % {"n": limit}))
    return text


def locked_level(product: Product, bin: Bin) -> StockLevel:
    """The level's row, locked until the transaction ends (created at zero if new)."""
    level, _created = StockLevel.objects.select_for_update().get_or_create(product=product, bin=bin)
    return level


def write_move(
    level: StockLevel,
    kind: StockMoveKind,
    quantity: int,
    actor: Actor,
    *,
    reason: str = "",
    order: Order | None = None,
    reference: str = "",
) -> StockMove:
    """One move and its level's new on-hand, in the caller's transaction, the level locked
    by the caller (locked_level). The picking work writes its picks through this too."""
    free_before = stock_alerts.available_of(level.product_id) if quantity < 0 else 0
    move = StockMove.objects.create(
        product_id=level.product_id,
        bin_id=level.bin_id,
        kind=kind,
        quantity=quantity,
        actor=user_of(actor),
        at=now(),
        reason=reason,
        order=order,
        reference=reference,
    )
    StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
    level.on_hand += quantity
    if quantity < 0:
        stock_alerts.alert_if_below_minimum(
            level.product_id, free_before, free_before + quantity, f"m{move.pk}"
        )
    return move


def _audit(actor: Actor, action: str, moves: list[StockMove], **detail: Any) -> None:
    first = moves[0]
    record_audit(
        actor,
        action,
        first,
        after=[[m.kind, m.product_id, m.bin_id, m.quantity] for m in moves],
        detail={"reference": first.reference, "reason": first.reason, **detail},
    )


def _refuse_if(errors: list[FieldError]) -> None:
    if errors:
        raise InputError(errors)


@transaction.atomic
def receive_stock(
    actor: Actor,
    *,
    sku: str,
    bin_code: str,
    quantity: object,
    reference: str = "",
    reason: str = "",
    warehouse: str = "",
) -> StockMove:
    """Units arrive into a bin (a supplier's delivery: `reference` is its note number)."""
    require_permission(actor, roles.MANAGE_STOCK)
    errors: list[FieldError] = []
    product = find_product(sku, "sku", errors)
    bin = find_bin(bin_code, "bin", errors, warehouse)
    units = _quantity(quantity, errors)
    reference = _text(reference, "reference", REFERENCE_LENGTH, errors)
    reason = _text(reason, "reason", REASON_LENGTH, errors)
    if errors or product is None or bin is None:
        raise InputError(errors)
    move = write_move(
        locked_level(product, bin),
        StockMoveKind.RECEIVE,
        units,
        actor,
        reason=reason,
        reference=reference or new_reference("RCV"),
    )
    _audit(actor, "stock.received", [move])
    stock_reservations.allocate_backorders({product.pk})
    return move


@transaction.atomic
def move_stock(
    actor: Actor,
    *,
    sku: str,
    from_bin: str,
    to_bin: str,
    quantity: object,
    reason: str = "",
    warehouse: str = "",
) -> tuple[StockMove, StockMove]:
    """Units go from one bin to another of the same warehouse: a move_out and a move_in
    sharing a reference. Reserved units stay where they are reserved."""
    require_permission(actor, roles.MANAGE_STOCK)
    errors: list[FieldError] = []
    product = find_product(sku, "sku", errors)
    source = find_bin(from_bin, "from_bin", errors, warehouse)
    target = find_bin(to_bin, "to_bin", errors, warehouse)
    units = _quantity(quantity, errors)
    reason = _text(reason, "reason", REASON_LENGTH, errors)
    if source is not None and target is not None:
        if source.pk == target.pk:
            errors.append(FieldError("to_bin", _("Moving to the same bin changes nothing.")))
        elif source.warehouse_id != target.warehouse_id:
            errors.append(FieldError("to_bin", _("Both bins must be in the same warehouse.")))
    if errors or product is None or source is None or target is None:
        raise InputError(errors)
    # Lock both rows in one order (by bin id) so two opposite moves never deadlock.
    first, second = sorted((source, target), key=lambda b: b.pk)
    levels = {first.pk: locked_level(product, first), second.pk: locked_level(product, second)}
    _refuse_if(_short_of(levels[source.pk], units, product, source))
    reference = new_reference("MOV")
    out = write_move(
        levels[source.pk], StockMoveKind.MOVE_OUT, -units, actor, reason=reason, reference=reference
    )
    into = write_move(
        levels[target.pk], StockMoveKind.MOVE_IN, units, actor, reason=reason, reference=reference
    )
    _audit(actor, "stock.moved", [out, into])
    return out, into


@transaction.atomic
def adjust_stock(
    actor: Actor,
    *,
    sku: str,
    bin_code: str,
    quantity: object,
    reason: str,
    warehouse: str = "",
) -> StockMove:
    """A count found more (+) or fewer (-) units than the system holds: the reason is
    required (counted, damaged, lost, found)."""
    require_permission(actor, roles.MANAGE_STOCK)
    errors: list[FieldError] = []
    product = find_product(sku, "sku", errors)
    bin = find_bin(bin_code, "bin", errors, warehouse)
    units = _quantity(quantity, errors, signed=True)
    reason = _text(
        reason, "reason", REASON_LENGTH, errors, required=_("Say why the stock is adjusted.")
    )
    if errors or product is None or bin is None:
        raise InputError(errors)
    level = locked_level(product, bin)
    if units < 0:
        _refuse_if(_short_of(level, -units, product, bin))
    move = write_move(
        level, StockMoveKind.ADJUST, units, actor, reason=reason, reference=new_reference("ADJ")
    )
    _audit(actor, "stock.adjusted", [move])
    if units > 0:
        stock_reservations.allocate_backorders({product.pk})
    return move


@transaction.atomic
def return_to_stock(
    actor: Actor,
    *,
    order_number: str,
    sku: str,
    bin_code: str,
    quantity: object,
    reason: str,
    warehouse: str = "",
) -> StockMove:
    """Units of an order come back to a bin (a parcel returned, a pick put back): at most
    what the order had of the SKU, less what it returned already; the reason is required."""
    require_permission(actor, roles.MANAGE_STOCK)
    errors: list[FieldError] = []
    order = Order.objects.filter(number=(order_number or "").strip()).first()
    if order is None:
        errors.append(
            FieldError("order", _("No order has the number %(number)s.") % {"number": order_number})
        )
    elif order.state in NOT_YET_PICKED:
        errors.append(FieldError("order", _("Nothing of this order has left the shelf yet.")))
    product = find_product(sku, "sku", errors)
    bin = find_bin(bin_code, "bin", errors, warehouse)
    units = _quantity(quantity, errors)
    reason = _text(
        reason, "reason", REASON_LENGTH, errors, required=_("Say why the units come back.")
    )
    if order is not None and product is not None and units > 0:
        returnable = _returnable(order, product)
        if units > returnable:
            errors.append(
                FieldError(
                    "quantity",
                    _("The order can return at most %(n)s of %(sku)s.")
                    % {"n": returnable, "sku": product.sku},
                )
            )
    if errors or order is None or product is None or bin is None:
        raise InputError(errors)
    move = write_move(
        locked_level(product, bin),
        StockMoveKind.RETURN,
        units,
        actor,
        reason=reason,
        order=order,
        reference=order.number[:REFERENCE_LENGTH],
    )
    _audit(actor, "stock.returned", [move], order=order.number)
    stock_reservations.allocate_backorders({product.pk})
    return move


def _returnable(order: Order, product: Product) -> int:
    ordered = OrderLine.objects.filter(order=order, product=product).aggregate(n=Sum("quantity"))
    returned = StockMove.objects.filter(
        order=order, product=product, kind=StockMoveKind.RETURN
    ).aggregate(n=Sum("quantity"))
    return int(ordered["n"] or 0) - int(returned["n"] or 0)


def _short_of(level: StockLevel, units: int, product: Product, bin: Bin) -> list[FieldError]:
    """Taking `units` out would leave less on hand than is reserved (or below zero)."""
    available = level.on_hand - level.reserved
    if units <= available:
        return []
    return [
        FieldError(
            "quantity",
            _(
                "Only %(available)s of %(sku)s can leave bin %(bin)s "
                "(%(on_hand)s on hand, %(reserved)s reserved)."
            )
            % {
                "available": max(available, 0),
                "sku": product.sku,
                "bin": bin.code,
                "on_hand": level.on_hand,
                "reserved": level.reserved,
            },
        )
    ]


def new_reference(prefix: str) -> str:
    """Ties the rows of one action together: a prefix, the time and a random tail."""
    return f"{prefix}-{now():%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
