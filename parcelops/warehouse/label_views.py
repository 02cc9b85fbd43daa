"""The label pages: number ranges, a label PDF (one order or a wave), and manifests
(open, scan, remove, hand over, print). Thin: a POST reads a form, calls one action of
parcelops.warehouse.actions.waybills / labels / manifests, and goes back to the page, or
shows it again (422) saying why nothing was changed."""

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcelops.accounts import roles
from parcelops.accounts.permissions import staff_page
from parcelops.carriers import registry
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.warehouse import labels
from parcelops.warehouse.actions import labels as label_actions
from parcelops.warehouse.actions import manifests as manifest_actions
from parcelops.warehouse.actions import waybills as waybill_actions
from parcelops.warehouse.label_facts import warehouse_address
from parcelops.warehouse.label_forms import (
    HandOverForm,
    NumberRangeForm,
    OpenManifestForm,
    ScanForm,
)
from parcelops.warehouse.manifest_pdf import ManifestFacts, ManifestRow, render_manifest
from parcelops.warehouse.models import (
    Manifest,
    ManifestParcel,
    ManifestState,
    NumberRange,
    Warehouse,
)

RECENT_MANIFESTS = 30


def _require(request: HttpRequest, *permissions: str) -> None:
    if not any(request.user.has_perm(permission) for permission in permissions):
        raise PermissionDenied(_("Your role does not allow this action."))


def _acting(change: Callable[[], HttpResponse]) -> HttpResponse:
    try:
        return change()
    except NotPermittedError as error:
        raise PermissionDenied(str(error)) from error


def _carrier_name(code: str) -> str:
    info = registry.find_carrier(code)
    return info.name() if info is not None else code


def _carriers() -> list[tuple[str, str]]:
    return [(info.code, info.name()) for info in registry.active_carriers()]


def _form_errors(form: Any, error: InputError) -> None:
    for field_error in error.errors:
        form.add_error(
            field_error.field if field_error.field in form.fields else None, field_error.message
        )


# --- Number ranges. ---


def _ranges_page(
    request: HttpRequest, form: NumberRangeForm | None = None, status: int = 200
) -> HttpResponse:
    rows = []
    for number_range in NumberRange.objects.order_by("carrier", "id"):
        shape = waybill_actions.shape_of(number_range)
        left = waybill_actions.range_remaining(number_range)
        rows.append(
            {
                "range": number_range,
                "carrier_name": _carrier_name(number_range.carrier),
                "first_number": waybill_actions.numbering.waybill_number(shape, number_range.first),
                "last_number": waybill_actions.numbering.waybill_number(shape, number_range.last),
                "left": left,
                "is_low": left < number_range.low_alert_at,
                "is_used_up": left == 0,
            }
        )
    context = {
        "rows": rows,
        "form": form or NumberRangeForm(),
        "carriers": _carriers(),
        "can_manage": request.user.has_perm(roles.MANAGE_WAREHOUSE),
    }
    return render(request, "warehouse/number_ranges.html", context, status=status)


@staff_page
def number_ranges(request: HttpRequest) -> HttpResponse:
    _require(request, roles.MANAGE_WAREHOUSE, roles.PACK_ORDERS, roles.VIEW_WAREHOUSE_REPORTS)
    if request.method != "POST":
        return _ranges_page(request)
    _require(request, roles.MANAGE_WAREHOUSE)
    form = NumberRangeForm(request.POST)
    if not form.is_valid():
        return _ranges_page(request, form, 422)

    def change() -> HttpResponse:
        data = form.cleaned_data
        try:
            waybill_actions.add_number_range(
                request.user,
                carrier=data["carrier"],
                prefix=data["prefix"],
                suffix=data["suffix"],
                first=data["first"],
                last=data["last"],
                digits=data["digits"],
                check_digit=data["check_digit"] or "",
                low_alert_at=data["low_alert_at"],
            )
        except InputError as error:
            _form_errors(form, error)
            return _ranges_page(request, form, 422)
        messages.success(request, _("The number range is added."))
        return redirect("warehouse:number_ranges")

    return _acting(change)


@staff_page
@require_POST
def number_range_in_use(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, roles.MANAGE_WAREHOUSE)

    def change() -> HttpResponse:
        is_active = request.POST.get("in_use") == "1"
        try:
            waybill_actions.set_range_in_use(request.user, pk, is_active=is_active)
        except InputError as error:
            raise Http404(error.errors[0].message) from error
        messages.success(
            request,
            _("The number range is in use.") if is_active else _("The number range is stopped."),
        )
        return redirect("warehouse:number_ranges")

    return _acting(change)


# --- Label PDFs. ---


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # it carries the recipient's address
    return response


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "warehouse/label_refused.html", {"message": message}, status=status)


def _print(request: HttpRequest, numbers: list[str], filename: str) -> HttpResponse:
    page_format = request.GET.get("format") or request.POST.get("format") or labels.THERMAL
    try:
        pdf = label_actions.print_labels(request.user, numbers, page_format=page_format)
    except NotPermittedError as error:
        raise PermissionDenied(str(error)) from error
    except InputError as error:
        return _refused(request, " ".join(e.message for e in error.errors), 422)
    except ActionError as error:
        return _refused(request, str(error), 409)
    return _pdf(pdf, filename)


@staff_page
def order_label(request: HttpRequest, number: str) -> HttpResponse:
    _require(request, roles.PACK_ORDERS)
    return _print(request, [number], f"label-{number}.pdf")


@staff_page
def batch_labels(request: HttpRequest) -> HttpResponse:
    """A wave's labels: ?pick_list=NUMBER, or the order numbers POSTed (one a line)."""
    _require(request, roles.PACK_ORDERS)
    pick_list = (request.GET.get("pick_list") or request.POST.get("pick_list") or "").strip()
    if pick_list:
        numbers = label_actions.orders_of_pick_list(pick_list)
        if not numbers:
            return _refused(request, _("No such pick list, or it has no orders."), 404)
        return _print(request, numbers, f"labels-{pick_list}.pdf")
    if request.method != "POST":
        return render(request, "warehouse/batch_labels.html", {"formats": labels.FORMATS})
    numbers = request.POST.get("orders", "").replace(",", "\n").split()
    return _print(request, numbers, "labels.pdf")


# --- Manifests. ---


def _warehouses() -> list[tuple[int, str]]:
    return [(w.pk, str(w)) for w in Warehouse.objects.filter(is_active=True)]


def _manifests_page(
    request: HttpRequest, form: OpenManifestForm | None = None, status: int = 200
) -> HttpResponse:
    manifests = list(Manifest.objects.order_by("-created_at", "-id")[:RECENT_MANIFESTS])
    counts = {
        row["manifest_id"]: row["count"]
        for row in ManifestParcel.objects.filter(manifest__in=manifests)
        .values("manifest_id")
        .annotate(count=Count("id"))
    }
    rows = [
        {"manifest": m, "carrier_name": _carrier_name(m.carrier), "count": counts.get(m.pk, 0)}
        for m in manifests
    ]
    context = {
        "rows": rows,
        "form": form or OpenManifestForm(warehouses=_warehouses()),
        "carriers": _carriers(),
    }
    return render(request, "warehouse/manifests.html", context, status=status)


@staff_page
def manifests(request: HttpRequest) -> HttpResponse:
    _require(request, roles.HAND_OVER_PARCELS)
    if request.method != "POST":
        return _manifests_page(request)
    form = OpenManifestForm(request.POST, warehouses=_warehouses())
    if not form.is_valid():
        return _manifests_page(request, form, 422)

    def change() -> HttpResponse:
        try:
            manifest = manifest_actions.open_manifest(
                request.user,
                warehouse_id=form.cleaned_data["warehouse"],
                carrier=form.cleaned_data["carrier"],
            )
        except InputError as error:
            _form_errors(form, error)
            return _manifests_page(request, form, 422)
        return redirect("warehouse:manifest", pk=manifest.pk)

    return _acting(change)


def _manifest_page(
    request: HttpRequest,
    manifest: Manifest,
    *,
    scan_form: ScanForm | None = None,
    hand_over_form: HandOverForm | None = None,
    refusal: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    entries = list(
        ManifestParcel.objects.select_related("parcel__order")
        .filter(manifest=manifest)
        .order_by("-scanned_at", "-id")
    )
    total = sum(entry.parcel.weight_grams or 0 for entry in entries)
    context = {
        "manifest": manifest,
        "carrier_name": _carrier_name(manifest.carrier),
        "entries": [
            (entry, f"{entry.parcel.weight_grams / 1000:.2f}" if entry.parcel.weight_grams else "-")
            for entry in entries
        ],
        "total_kg": f"{total / 1000:.2f}",
        "is_open": manifest.state == ManifestState.OPEN,
        "scan_form": scan_form or ScanForm(),
        "hand_over_form": hand_over_form or HandOverForm(),
        "refusal": refusal,
    }
    return render(request, "warehouse/manifest.html", context, status=status)


@staff_page
def manifest(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, roles.HAND_OVER_PARCELS)
    return _manifest_page(request, get_object_or_404(Manifest, pk=pk))


@staff_page
@require_POST
def manifest_scan(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, roles.HAND_OVER_PARCELS)
    found = get_object_or_404(Manifest, pk=pk)
    form = ScanForm(request.POST)
    if not form.is_valid():
        return _manifest_page(request, found, scan_form=form, status=422)

    def change() -> HttpResponse:
        try:
            entry = manifest_actions.scan_into_manifest(request.user, pk, form.cleaned_data["code"])
        except InputError as error:
            _form_errors(form, error)
            return _manifest_page(request, found, scan_form=form, status=422)
        except ActionError as error:
            return _manifest_page(request, found, refusal=[str(error)], status=409)
        messages.success(
            request,
            _("Scanned: %(order)s, %(waybill)s.")
            % {"order": entry.parcel.order.number, "waybill": entry.parcel.waybill_number},
        )
        return redirect("warehouse:manifest", pk=pk)

    return _acting(change)


@staff_page
@require_POST
def manifest_remove(request: HttpRequest, pk: int, parcel_id: int) -> HttpResponse:
    _require(request, roles.HAND_OVER_PARCELS)
    found = get_object_or_404(Manifest, pk=pk)

    def change() -> HttpResponse:
        try:
            manifest_actions.remove_from_manifest(request.user, pk, parcel_id)
        except InputError as error:
            return _manifest_page(
                request, found, refusal=[e.message for e in error.errors], status=422
            )
        except ActionError as error:
            return _manifest_page(request, found, refusal=[str(error)], status=409)
        messages.success(request, _("The parcel is taken off the manifest."))
        return redirect("warehouse:manifest", pk=pk)

    return _acting(change)


@staff_page
@require_POST
def manifest_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, roles.HAND_OVER_PARCELS)
    found = get_object_or_404(Manifest, pk=pk)
    form = HandOverForm(request.POST)
    if not form.is_valid():
        return _manifest_page(request, found, hand_over_form=form, status=422)

    def change() -> HttpResponse:
        try:
            result = manifest_actions.hand_over_manifest(
                request.user, pk, driver_name=form.cleaned_data["driver_name"]
            )
        except InputError as error:
            _form_errors(form, error)
            return _manifest_page(request, found, hand_over_form=form, status=422)
        except ActionError as error:
            return _manifest_page(request, found, refusal=[str(error)], status=409)
        if result.handed_over:
            messages.success(
                request,
                _("Handed over to the driver: %(count)d parcels.")
                % {"count": len(result.handed_over)},
            )
        for parcel, message in result.failed:
            messages.error(
                request,
                _("Not handed over: %(order)s: %(reason)s")
                % {"order": parcel.order.number, "reason": message},
            )
        return redirect("warehouse:manifest", pk=pk)

    return _acting(change)


def _both_names(code: str) -> str:
    """Chinese and English, for a sheet a driver and an auditor both read."""
    info = registry.find_carrier(code)
    return f"{info.name_zh} {info.name_en}" if info is not None else code


def manifest_facts(manifest: Manifest) -> ManifestFacts:
    zone = ZoneInfo(settings.TIME_ZONE)
    entries = ManifestParcel.objects.select_related("parcel__order").filter(manifest=manifest)
    warehouse = manifest.warehouse
    return ManifestFacts(
        number=manifest.number,
        carrier_name=_both_names(manifest.carrier),
        warehouse=f"{warehouse.name}, {warehouse_address(warehouse)}",
        opened_at=manifest.created_at.astimezone(zone),
        handed_over_at=manifest.handed_over_at.astimezone(zone)
        if manifest.handed_over_at
        else None,
        driver_name=manifest.driver_name,
        rows=tuple(
            ManifestRow(e.parcel.waybill_number, e.parcel.order.number, e.parcel.weight_grams)
            for e in entries
        ),
    )


@staff_page
def manifest_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, roles.HAND_OVER_PARCELS)
    found = get_object_or_404(Manifest.objects.select_related("warehouse"), pk=pk)
    return _pdf(render_manifest(manifest_facts(found)), f"manifest-{found.number}.pdf")
