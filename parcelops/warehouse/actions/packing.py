"""The packing station (R3.2): scan the order, verify its lines, choose the materials,
weigh, pass the integrity checklist, choose the carrier, and "Packed" (picking -> packed).

One function per step, shared by the station's page and the API. Each step is one
transaction, notes who took it and when on the parcel (Parcel.steps) and in the audit
trail; bad input (a SKU not in the order, a weight refused, an item of the checklist
missing) raises InputError naming the field and changes nothing.
"""

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.carriers import registry
from parcelops.carriers.models import CarrierService
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.orders import actions as order_actions
from parcelops.orders.models import Order, OrderLine
from parcelops.orders.states import OrderState
from parcelops.warehouse import packing_rules
from parcelops.warehouse.actions._floor import user_of
from parcelops.warehouse.actions.picking import same_code
from parcelops.warehouse.models import (
    MaterialMove,
    OperationKind,
    PackingMaterial,
    PackingMaterialKind,
    Parcel,
    PickLine,
    Reservation,
    SkuProfile,
    Warehouse,
    WarehouseSettings,
)
from parcelops.warehouse.operations import record_operation

REASON_LIMIT = 300
MAX_WEIGHT_GRAMS = 1_000_000  # a tonne: more is a typing mistake
MAX_MATERIAL_UNITS = 50
# Materials that give the parcel its size (the largest one used).
OUTER_KINDS = (PackingMaterialKind.BOX, PackingMaterialKind.BAG)


def _refuse(field: str, message: str) -> InputError:
    return InputError([FieldError(field, message)])


def _note_step(parcel: Parcel, actor: Actor, step: str, **facts: Any) -> None:
    user = user_of(actor)
    parcel.steps = [
        *parcel.steps,
        {"step": step, "by": None if user is None else user.pk, "at": now().isoformat(), **facts},
    ]


def _save(parcel: Parcel, actor: Actor, step: str, fields: list[str], **facts: Any) -> Parcel:
    _note_step(parcel, actor, step, **facts)
    parcel.save(update_fields=[*fields, "steps"])
    record_audit(actor, f"warehouse.packing.{step}", parcel, after=facts or None)
    return parcel


# --- starting --------------------------------------------------------------------------------


def pick_problems(order: Order) -> list[str]:
    """Why an order in picking cannot be packed yet: stops short or still to pick."""
    problems = []
    for line in PickLine.objects.filter(order=order).select_related("product", "bin"):
        if line.short_at is not None:
            problems.append(
                _("%(sku)s in bin %(bin)s was not picked: %(reason)s")
                % {"sku": line.product.sku, "bin": line.bin.code, "reason": line.short_reason}
            )
        elif line.picked_at is None:
            problems.append(
                _("%(sku)s in bin %(bin)s is still to be picked.")
                % {"sku": line.product.sku, "bin": line.bin.code}
            )
    return problems


def _warehouse_of(order: Order) -> Warehouse:
    """Where the order was picked (its pick list's or its reservations' warehouse); the
    first warehouse in use for an order that reached picking without a list."""
    line = PickLine.objects.filter(order=order).select_related("pick_list__warehouse").first()
    if line is not None:
        return line.pick_list.warehouse
    reservation = Reservation.objects.filter(order=order).select_related("bin__warehouse").first()
    if reservation is not None:
        return reservation.bin.warehouse
    warehouse = Warehouse.objects.filter(is_active=True).first()
    if warehouse is None:
        raise ActionError(_("No warehouse is set up yet."))
    return warehouse


def find_order(number: str) -> Order:
    """The order a scan names; InputError for a number no order has."""
    number = (number or "").strip()
    order = Order.objects.filter(number__iexact=number).first() if number else None
    if order is None:
        raise _refuse("order", _("No order has the number “%(number)s”.") % {"number": number})
    return order


@transaction.atomic
def start_packing(order: Order, actor: Actor) -> Parcel:
    """The packer scanned the order: its parcel (new, or the one begun before). Only for a
    picked order, every stop of its pick lists taken."""
    require_permission(actor, roles.PACK_ORDERS)
    order = Order.objects.select_for_update().get(pk=order.pk)
    parcel = Parcel.objects.filter(order=order).first()
    if parcel is not None and parcel.packed_at is not None:
        raise ActionError(_("Order %(number)s is packed already.") % {"number": order.number})
    if order.state != OrderState.PICKING:
        raise ActionError(
            _("Order %(number)s is “%(state)s”: only an order being picked can be packed.")
            % {"number": order.number, "state": OrderState(order.state).label}
        )
    if problems := pick_problems(order):
        raise ActionError(" ".join(problems))
    if parcel is not None:
        return parcel
    at = now()
    parcel = Parcel(
        order=order,
        warehouse=_warehouse_of(order),
        packed_by=user_of(actor),
        packing_started_at=at,
    )
    _note_step(parcel, actor, "started")
    parcel.save()
    record_audit(actor, "warehouse.packing.started", parcel, detail={"order": order.number})
    return parcel


def _open_parcel(parcel: Parcel) -> Parcel:
    parcel = (
        Parcel.objects.select_for_update(of=("self",)).select_related("order").get(pk=parcel.pk)
    )
    if parcel.packed_at is not None:
        raise ActionError(_("This parcel is packed already."))
    return parcel


# --- verifying the lines -----------------------------------------------------------------------


def order_lines(order: Order) -> list[OrderLine]:
    return list(OrderLine.objects.filter(order=order).order_by("id"))


def unverified_lines(parcel: Parcel, lines: list[OrderLine]) -> list[OrderLine]:
    return [line for line in lines if parcel.verified.get(str(line.pk), 0) < line.quantity]


@transaction.atomic
def verify_line(parcel: Parcel, actor: Actor, *, sku: str, quantity: int = 1) -> Parcel:
    """The packer scanned an item of the order (one scan, one unit; or counted units)."""
    require_permission(actor, roles.PACK_ORDERS)
    parcel = _open_parcel(parcel)
    if not 1 <= quantity <= 10_000:
        raise _refuse("quantity", _("Count at least one unit."))
    lines = [line for line in order_lines(parcel.order) if same_code(sku, line.sku)]
    if not lines:
        raise _refuse(
            "sku",
            _("“%(sku)s” is not in order %(number)s: put it aside.")
            % {"sku": sku.strip(), "number": parcel.order.number},
        )
    # A SKU on several lines fills them in turn.
    line = next(iter(unverified_lines(parcel, lines)), lines[-1])
    counted = parcel.verified.get(str(line.pk), 0) + quantity
    if counted > line.quantity:
        raise _refuse(
            "quantity",
            _("The order has %(ordered)d of %(sku)s; %(counted)d would be too many.")
            % {"ordered": line.quantity, "sku": line.sku, "counted": counted},
        )
    parcel.verified = {**parcel.verified, str(line.pk): counted}
    return _save(parcel, actor, "verified", ["verified"], sku=line.sku, units=quantity)


# --- materials -------------------------------------------------------------------------------


@transaction.atomic
def use_material(parcel: Parcel, actor: Actor, *, code: str, quantity: int = 1) -> Parcel:
    """A box, filler, tape or bag goes into the parcel: its stock falls (a MaterialMove).
    Refused when the store holds fewer. Weighing starts again: the expected weight changed."""
    require_permission(actor, roles.PACK_ORDERS)
    parcel = _open_parcel(parcel)
    material = PackingMaterial.objects.filter(code=(code or "").strip(), is_active=True).first()
    if material is None:
        raise _refuse("material", _("Choose a packing material of the catalogue."))
    if not 1 <= quantity <= MAX_MATERIAL_UNITS:
        message = _("Between 1 and %(max)d.") % {"max": MAX_MATERIAL_UNITS}
        raise _refuse("quantity", message)
    taken = PackingMaterial.objects.filter(pk=material.pk, on_hand__gte=quantity).update(
        on_hand=F("on_hand") - quantity
    )
    if not taken:
        material.refresh_from_db(fields=["on_hand"])
        raise _refuse(
            "material",
            _("%(name)s is out of stock: %(left)d left, %(wanted)d wanted.")
            % {"name": material_name(material), "left": material.on_hand, "wanted": quantity},
        )
    MaterialMove.objects.create(
        material=material,
        quantity=-quantity,
        actor=user_of(actor),
        at=now(),
        reason="packing",
        order=parcel.order,
    )
    used = {entry["code"]: entry["quantity"] for entry in parcel.materials}
    used[material.code] = used.get(material.code, 0) + quantity
    parcel.materials = [{"code": c, "quantity": q} for c, q in used.items()]
    parcel.weight_grams = parcel.expected_weight_grams = None
    parcel.weight_override_reason = ""
    return _save(
        parcel,
        actor,
        "material",
        ["materials", "weight_grams", "expected_weight_grams", "weight_override_reason"],
        code=material.code,
        quantity=quantity,
    )


def material_name(material: PackingMaterial) -> str:
    return material.name_en if (get_language() or "").startswith("en") else material.name_zh


# --- weighing --------------------------------------------------------------------------------


def expected_weight_grams(parcel: Parcel) -> int:
    """The goods' weights (their SKU profiles) and the materials' weights."""
    lines = order_lines(parcel.order)
    weights: dict[int | None, int] = dict(
        SkuProfile.objects.filter(
            product_id__in=[line.product_id for line in lines if line.product_id]
        ).values_list("product_id", "weight_grams")
    )
    goods = sum(weights.get(line.product_id, 0) * line.quantity for line in lines)
    used = {entry["code"]: entry["quantity"] for entry in parcel.materials}
    material_weights = dict(
        PackingMaterial.objects.filter(code__in=used).values_list("code", "weight_grams")
    )
    return goods + sum(material_weights.get(code, 0) * q for code, q in used.items())


def tolerance_for(expected: int) -> int:
    settings = WarehouseSettings.current()
    return packing_rules.weight_tolerance_grams(
        expected, settings.weight_tolerance_percent, settings.weight_tolerance_grams
    )


@transaction.atomic
def record_weight(
    parcel: Parcel, actor: Actor, *, weight_grams: int, override_reason: str = ""
) -> Parcel:
    """The scale's reading. Refused when far from the expected weight (the larger of the
    settings' percent and grams), unless the packer overrides it and says why."""
    require_permission(actor, roles.PACK_ORDERS)
    parcel = _open_parcel(parcel)
    reason = (override_reason or "").strip()
    if not 1 <= weight_grams <= MAX_WEIGHT_GRAMS:
        raise _refuse("weight_grams", _("Weigh the parcel: a weight in grams."))
    if len(reason) > REASON_LIMIT:
        message = _("At most %(n)d characters.") % {"n": REASON_LIMIT}
        raise _refuse("override_reason", message)
    expected = expected_weight_grams(parcel)
    tolerance = tolerance_for(expected)
    if packing_rules.is_weight_accepted(weight_grams, expected, tolerance):
        reason = ""  # nothing to override
    elif not reason:
        raise _refuse(
            "weight_grams",
            _(
                "The scale says %(weight)d g but %(expected)d g ± %(tolerance)d g is expected: "
                "check the parcel's contents, or override with a reason."
            )
            % {"weight": weight_grams, "expected": expected, "tolerance": tolerance},
        )
    parcel.weight_grams, parcel.expected_weight_grams = weight_grams, expected
    parcel.weight_override_reason = reason
    return _save(
        parcel,
        actor,
        "weighed",
        ["weight_grams", "expected_weight_grams", "weight_override_reason"],
        weight_grams=weight_grams,
        expected_grams=expected,
        override_reason=reason,
    )


# --- the integrity checklist -------------------------------------------------------------------


@transaction.atomic
def pass_checklist(parcel: Parcel, actor: Actor, *, ticked: set[str]) -> Parcel:
    """Every item of the integrity checklist, ticked by the packer."""
    require_permission(actor, roles.PACK_ORDERS)
    parcel = _open_parcel(parcel)
    unknown = sorted(set(ticked) - set(packing_rules.CHECKLIST))
    if unknown:
        raise _refuse("checklist", _("Unknown items: %(items)s.") % {"items": ", ".join(unknown)})
    missing = packing_rules.missing_checklist_items(set(ticked))
    if missing:
        raise InputError(
            [FieldError(f"checklist.{item}", _("Check this before packing.")) for item in missing]
        )
    parcel.checklist = dict.fromkeys(packing_rules.CHECKLIST, True)
    return _save(parcel, actor, "checklist", ["checklist"])


# --- packed ----------------------------------------------------------------------------------


def service_choices() -> list[tuple[str, str]]:
    return [
        ("", _("Standard service")),
        *((str(v), str(label)) for v, label in CarrierService.choices),
    ]


def what_is_missing(parcel: Parcel) -> list[FieldError]:
    """The steps still to take before "Packed", as the fields that say so."""
    missing = []
    if unverified_lines(parcel, order_lines(parcel.order)):
        missing.append(FieldError("lines", _("Scan every item of the order.")))
    used = {entry["code"] for entry in parcel.materials}
    if not PackingMaterial.objects.filter(code__in=used, kind__in=OUTER_KINDS).exists():
        missing.append(FieldError("material", pgettext("packing", "Choose a box or a bag.")))
    if parcel.weight_grams is None:
        missing.append(FieldError("weight_grams", pgettext("packing", "Weigh the parcel.")))
    if packing_rules.missing_checklist_items({k for k, v in parcel.checklist.items() if v}):
        missing.append(FieldError("checklist", _("Pass the integrity checklist.")))
    return missing


def _outer_size(parcel: Parcel) -> tuple[int, int, int]:
    """The largest box or bag used gives the parcel its size."""
    used = {entry["code"] for entry in parcel.materials}
    outer = PackingMaterial.objects.filter(code__in=used, kind__in=OUTER_KINDS)
    sizes = [(m.length_mm, m.width_mm, m.height_mm) for m in outer]
    return max(sizes, key=lambda s: s[0] * s[1] * max(s[2], 1), default=(0, 0, 0))


@transaction.atomic
def finish_packing(parcel: Parcel, actor: Actor, *, carrier: str, service: str = "") -> Parcel:
    """ "Packed": the carrier and service chosen, every step taken; the order moves picking
    -> packed (parcelops.orders.actions.advance_order) and the packing is timed."""
    require_permission(actor, roles.PACK_ORDERS)
    parcel = _open_parcel(parcel)
    errors = what_is_missing(parcel)
    carrier = (carrier or "").strip()
    if carrier not in {info.code for info in registry.active_carriers()}:
        errors.append(FieldError("carrier", _("Choose a carrier.")))
    if service not in {value for value, _label in service_choices()}:
        errors.append(FieldError("service", _("Choose a service of the list.")))
    if errors:
        raise InputError(errors)
    at = now()
    order_actions.advance_order(parcel.order, OrderState.PACKED, actor)
    parcel.length_mm, parcel.width_mm, parcel.height_mm = _outer_size(parcel)
    parcel.carrier, parcel.service = carrier, service
    parcel.packed_at, parcel.packed_by = at, user_of(actor)
    started = parcel.packing_started_at or at
    record_operation(OperationKind.PACK, actor, parcel.order_id, started, at, 1)
    return _save(
        parcel,
        actor,
        "packed",
        ["length_mm", "width_mm", "height_mm", "carrier", "service", "packed_at", "packed_by"],
        carrier=carrier,
        service=service,
    )
