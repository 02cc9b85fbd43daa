"""The floor's picking and packing pages: the pick lists (make a wave), picking one list
stop by stop with a scanner, the packing station and packing one order.

Thin: a page reads its form, calls one function of parcelops.warehouse.actions.picking or
.packing, and renders; what an action refuses is said next to the field. Built for a
handheld scanner that types and presses Enter: the field to scan next has the focus."""

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods

from parcelops.accounts import roles
from parcelops.accounts.permissions import ViewFunction, staff_page
from parcelops.carriers import registry
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError, NotPermittedError
from parcelops.orders.models import Order
from parcelops.warehouse import packing_rules
from parcelops.warehouse.actions import packing, picking
from parcelops.warehouse.choice_presentation import present
from parcelops.warehouse.choice_queries import carrier_options
from parcelops.warehouse.models import (
    PackingMaterial,
    PackingMaterialKind,
    Parcel,
    PickLine,
    PickList,
    Warehouse,
)


def _floor_page(permission: str) -> Any:
    def decorate(view: ViewFunction) -> ViewFunction:
        return staff_page(permission_required(permission, raise_exception=True)(view))

    return decorate


def _errors(error: InputError) -> dict[str, str]:
    found: dict[str, str] = {}
    for field_error in error.errors:
        found.setdefault(field_error.field, field_error.message)
    return found


def _whole_number(value: str | None, field: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise InputError([FieldError(field, pgettext("packing", "A whole number."))]) from None


# --- pick lists --------------------------------------------------------------------------------


@_floor_page(roles.PICK_ORDERS)
@require_http_methods(["GET", "POST"])
def pick_lists(request: HttpRequest) -> HttpResponse:
    """The open lists and the latest done ones, and a new wave: the oldest N allocated
    orders of a warehouse, or the orders typed or scanned one a line."""
    warehouses = list(Warehouse.objects.filter(is_active=True))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            house = next(
                (w for w in warehouses if str(w.pk) == request.POST.get("warehouse")), None
            )
            if house is None:
                raise InputError(
                    [FieldError("warehouse", pgettext("packing", "Choose a warehouse."))]
                )
            numbers = request.POST.get("orders", "").split()
            oldest = None if numbers else _whole_number(request.POST.get("oldest"), "oldest")
            wave = picking.make_pick_list(
                request.user, house, order_numbers=numbers or None, oldest=oldest
            )
        except InputError as error:
            errors, status = _errors(error), 422
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(
                request,
                _("Pick list %(number)s: %(orders)d orders, %(lines)d stops.")
                % {"number": wave.pick_list.number, "orders": wave.orders, "lines": wave.lines},
            )
            if wave.skipped:
                messages.warning(
                    request,
                    _("Not allocated or on another open list, left off: %(numbers)s")
                    % {"numbers": ", ".join(wave.skipped)},
                )
            return redirect("warehouse:pick_list", number=wave.pick_list.number)
    lists = (
        PickList.objects.select_related("warehouse", "created_by")
        .annotate(
            stops=Count("lines"),
            done=Count("lines", filter=Q(lines__picked_at__isnull=False)),
            short=Count("lines", filter=Q(lines__short_at__isnull=False)),
            orders=Count("lines__order", distinct=True),
        )
        .order_by("-state", "-created_at", "-id")[:30]  # "open" before "done"
    )
    return render(
        request,
        "warehouse/packing_pick_lists.html",
        {
            "lists": lists,
            "warehouses": warehouses,
            "errors": errors,
            "posted": request.POST,
            "max_wave": picking.MAX_WAVE,
        },
        status=status,
    )


def _shown_at(value: str | None) -> datetime | None:
    parsed = parse_datetime(value or "")
    return parsed if parsed is not None and parsed.tzinfo is not None else None


@_floor_page(roles.PICK_ORDERS)
@require_http_methods(["GET", "POST"])
def pick_list(request: HttpRequest, number: str) -> HttpResponse:
    """One list, one stop at a time: scan the bin, then the SKU; or report the stop short."""
    the_list = get_object_or_404(PickList.objects.select_related("warehouse"), number=number)
    stop = picking.next_stop(the_list)
    errors: dict[str, str] = {}
    bin_confirmed = ""
    status = 200
    if request.method == "POST" and stop is not None:
        if request.POST.get("line") != str(stop.pk):
            messages.warning(request, _("That stop was taken meanwhile: here is the next one."))
            return redirect("warehouse:pick_list", number=number)
        try:
            if request.POST.get("action") == "short":
                picking.report_short(stop, request.user, reason=request.POST.get("reason", ""))
                messages.warning(
                    request,
                    _("Stop %(sequence)d reported short: order %(order)s waits.")
                    % {"sequence": stop.sequence, "order": stop.order.number},
                )
                return redirect("warehouse:pick_list", number=number)
            bin_code = request.POST.get("bin", "")
            sku = request.POST.get("sku", "").strip()
            picking.check_scans(stop, bin_code, None)
            bin_confirmed = bin_code.strip()
            if sku:
                picking.confirm_pick(
                    stop,
                    request.user,
                    bin_code=bin_code,
                    sku=sku,
                    shown_at=_shown_at(request.POST.get("shown_at")),
                )
                messages.success(
                    request,
                    _("Picked %(quantity)d × %(sku)s for order %(order)s.")
                    % {
                        "quantity": stop.quantity,
                        "sku": stop.product.sku,
                        "order": stop.order.number,
                    },
                )
                return redirect("warehouse:pick_list", number=number)
        except InputError as error:
            errors, status = _errors(error), 422
        except ActionError as error:
            messages.error(request, str(error))
            return redirect("warehouse:pick_list", number=number)
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
    lines = list(
        PickLine.objects.filter(pick_list=the_list)
        .select_related("bin__zone", "product", "order")
        .order_by("sequence", "id")
    )
    return render(
        request,
        "warehouse/packing_pick_list.html",
        {
            "pick_list": the_list,
            "stop": stop,
            "lines": lines,
            "picked": sum(1 for line in lines if line.picked_at is not None),
            "short": [line for line in lines if line.short_at is not None],
            "errors": errors,
            "bin_confirmed": bin_confirmed,
            "shown_at": request.POST.get("shown_at") if bin_confirmed else now().isoformat(),
            "reason": request.POST.get("reason", "") if request.method == "POST" else "",
        },
        status=status,
    )


# --- the packing station -----------------------------------------------------------------------


@_floor_page(roles.PACK_ORDERS)
@require_http_methods(["GET", "POST"])
def station(request: HttpRequest) -> HttpResponse:
    """Scan an order to pack it; the parcels begun and not yet packed."""
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            order = packing.find_order(request.POST.get("order", ""))
            packing.start_packing(order, request.user)
        except InputError as error:
            errors, status = _errors(error), 422
        except ActionError as error:
            errors, status = {"order": str(error)}, 409
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            return redirect("warehouse:packing_order", number=order.number)
    begun = Parcel.objects.filter(packed_at__isnull=True).select_related("order", "packed_by")
    waiting = (
        Order.objects.filter(state="picking")
        .exclude(parcel__isnull=False)
        .exclude(pk__in=PickLine.objects.filter(picked_at__isnull=True).values("order_id"))
        .order_by("received_at")[:20]
    )
    return render(
        request,
        "warehouse/packing_station.html",
        {
            "errors": errors,
            "scanned": request.POST.get("order", ""),
            "begun": begun[:20],
            "waiting": waiting,
        },
        status=status,
    )


def _ranking(parcel: Parcel) -> dict[str, Any] | None:
    """Carrier choice's ranking for the parcel, explained, while it is being packed; None
    once packed (its carrier is chosen) or when the order cannot be ranked."""
    if parcel.packed_at:
        return None
    try:
        return present(carrier_options(parcel.order))
    except ActionError:
        return None


def _next_step(parcel: Parcel) -> str:
    missing = {error.field for error in packing.what_is_missing(parcel)}
    for step, field in (
        ("verify", "lines"),
        ("material", "material"),
        ("weight", "weight_grams"),
        ("checklist", "checklist"),
    ):
        if field in missing:
            return step
    return "packed"


def _perform(parcel: Parcel, request: HttpRequest) -> str:
    """The step the form posted; the message to show after it."""
    data, step = request.POST, request.POST.get("step", "")
    if step == "verify":
        quantity = _whole_number(data.get("quantity") or "1", "quantity")
        packing.verify_line(parcel, request.user, sku=data.get("sku", ""), quantity=quantity)
        return _("Counted %(n)d × %(sku)s.") % {"n": quantity, "sku": data.get("sku", "").strip()}
    if step == "material":
        quantity = _whole_number(data.get("quantity") or "1", "quantity")
        packing.use_material(parcel, request.user, code=data.get("material", ""), quantity=quantity)
        return _("Material taken from stock.")
    if step == "weight":
        weight = _whole_number(data.get("weight_grams"), "weight_grams")
        packing.record_weight(
            parcel,
            request.user,
            weight_grams=weight,
            override_reason=data.get("override_reason", ""),
        )
        return _("Weight recorded: %(weight)d g.") % {"weight": weight}
    if step == "checklist":
        packing.pass_checklist(parcel, request.user, ticked=set(data.getlist("checklist")))
        return pgettext("packing", "Checklist passed.")
    if step == "packed":
        packing.finish_packing(
            parcel, request.user, carrier=data.get("carrier", ""), service=data.get("service", "")
        )
        return _("Order %(number)s is packed.") % {"number": parcel.order.number}
    raise InputError([FieldError("step", pgettext("packing", "Unknown step."))])


@_floor_page(roles.PACK_ORDERS)
@require_http_methods(["GET", "POST"])
def packing_order(request: HttpRequest, number: str) -> HttpResponse:
    """Packing one order, step by step; every step's form posts here."""
    order = get_object_or_404(Order, number=number)
    parcel = Parcel.objects.filter(order=order).first()
    if parcel is None:
        messages.info(request, _("Scan the order to start packing it."))
        return redirect("warehouse:packing_station")
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            done = _perform(parcel, request)
        except InputError as error:
            errors, status = _errors(error), 422
        except ActionError as error:
            messages.error(request, str(error))
            return redirect("warehouse:packing_order", number=number)
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(request, done)
            return redirect("warehouse:packing_order", number=number)
    return render(
        request,
        "warehouse/packing_order.html",
        {
            **_packing_context(parcel, errors, request.POST.get("step", "")),
            "posted": request.POST,
        },
        status=status,
    )


def _packing_context(parcel: Parcel, errors: dict[str, str], posted_step: str) -> dict[str, Any]:
    lines = packing.order_lines(parcel.order)
    rows = [{"line": line, "counted": parcel.verified.get(str(line.pk), 0)} for line in lines]
    expected = packing.expected_weight_grams(parcel)
    used = {entry["code"]: entry["quantity"] for entry in parcel.materials}
    # Boxes and bags first: every parcel needs one; then fillers and tape.
    rank = {PackingMaterialKind.BOX: 0, PackingMaterialKind.BAG: 1, PackingMaterialKind.FILLER: 2}
    catalogue = sorted(
        PackingMaterial.objects.filter(is_active=True),
        key=lambda m: (rank.get(PackingMaterialKind(m.kind), 3), m.weight_grams, m.code),
    )
    carriers = registry.active_carriers()
    ranking = _ranking(parcel)
    # The carrier chosen at packing, else the ranking's pick (the customer's request wins
    # there when it can take the parcel), else the first in use.
    chosen = parcel.carrier or (ranking or {}).get("chosen") or parcel.order.requested_carrier
    if chosen not in {info.code for info in carriers}:
        chosen = carriers[0].code if carriers else ""
    # The step to scan or type next: the one refused, else the first not yet taken.
    focus = posted_step if errors else ("" if parcel.packed_at else _next_step(parcel))
    return {
        "parcel": parcel,
        "order": parcel.order,
        "rows": rows,
        "errors": errors,
        "checklist_errors": {f.split(".", 1)[1] for f in errors if f.startswith("checklist.")},
        "focus": focus,
        "focus_on": {focus: True},
        "materials": [
            {"material": m, "name": packing.material_name(m), "used": used.get(m.code, 0)}
            for m in catalogue
        ],
        "materials_used": [
            f"{packing.material_name(m)} × {used[m.code]}" for m in catalogue if m.code in used
        ],
        "expected": expected,
        "tolerance": packing.tolerance_for(expected),
        "checklist": [
            {"code": code, "label": label, "ticked": bool(parcel.checklist.get(code))}
            for code, label in packing_rules.CHECKLIST.items()
        ],
        "carriers": [(info.code, info.name()) for info in carriers],
        "chosen_carrier": chosen,
        "services": packing.service_choices(),
        "ranking": ranking,
        "carrier_name": registry.find_carrier(parcel.carrier).name()  # type: ignore[union-attr]
        if registry.find_carrier(parcel.carrier)
        else parcel.carrier,
        "service_name": dict(packing.service_choices()).get(parcel.service, parcel.service)
        if parcel.service
        else "",
        "step_log": _step_log(parcel),
    }


def _step_labels() -> dict[str, str]:
    return {
        "started": pgettext("packing", "Started"),
        "verified": pgettext("packing", "Item counted"),
        "material": pgettext("packing", "Material used"),
        "weighed": pgettext("packing", "Weighed"),
        "checklist": pgettext("packing", "Checklist passed"),
        "packed": pgettext("packing", "Packed"),
    }


def _step_log(parcel: Parcel) -> list[dict[str, Any]]:
    """The parcel's steps as the page shows them: what, who, when (newest last)."""
    names = dict(
        get_user_model()
        .objects.filter(pk__in={step.get("by") for step in parcel.steps})
        .values_list("pk", "username")
    )
    labels = _step_labels()
    log = []
    for step in parcel.steps:
        detail = step.get("sku") or step.get("code") or ""
        if step.get("weight_grams"):
            detail = f"{step['weight_grams']} g"
        label = labels.get(step.get("step", ""), step.get("step", ""))
        log.append(
            {
                "label": f"{label} {detail}".strip(),
                "who": names.get(step.get("by"), "—"),
                "at": parse_datetime(step.get("at", "")),
            }
        )
    return log
