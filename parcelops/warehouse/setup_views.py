"""The warehouse settings page and the setup pages (MANAGE_WAREHOUSE): warehouses, their
zones and bins (one by one, or a range of codes at once). The rest of the warehouse's
tables are edited in the Django admin (parcelops.warehouse.admin).

Thin: read a form, call one action of parcelops.warehouse.actions, render; refused input
comes back as the page with its errors (422), nothing changed.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcelops.accounts import roles
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.warehouse.access import page_for_any
from parcelops.warehouse.actions import setup, warehouse_settings
from parcelops.warehouse.models import Bin, Warehouse, WarehouseSettings, Zone
from parcelops.warehouse.setup_forms import (
    BinForm,
    BinRangeForm,
    SettingsForm,
    WarehouseForm,
    ZoneForm,
)

MANAGE = roles.MANAGE_WAREHOUSE


def _add_errors(form: forms.BaseForm, error: InputError) -> None:
    for field_error in error.errors:
        form.add_error(
            field_error.field if field_error.field in form.fields else None, field_error.message
        )


# --- settings ------------------------------------------------------------------------------


@page_for_any(MANAGE)
def settings_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        row = WarehouseSettings.current()
        initial: dict[str, Any] = {name: getattr(row, name) for name in warehouse_settings.FIELDS}
        initial["insure_above"] = Decimal(row.insure_above_cents) / 100
        initial["bill_tolerance"] = Decimal(row.bill_tolerance_cents) / 100
        form = SettingsForm(initial=initial)
        return render(request, "warehouse/settings.html", {"form": form})
    form = SettingsForm(request.POST)
    if form.is_valid():
        try:
            warehouse_settings.set_warehouse_settings(form.values(), request.user)
        except InputError as error:
            for field_error in error.errors:
                name = {
                    "insure_above_cents": "insure_above",
                    "bill_tolerance_cents": "bill_tolerance",
                }.get(field_error.field, field_error.field)
                form.add_error(name if name in form.fields else None, field_error.message)
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(request, _("The warehouse settings are saved."))
            return redirect("warehouse:settings")
    return render(request, "warehouse/settings.html", {"form": form}, status=422)


# --- warehouses ----------------------------------------------------------------------------


@page_for_any(MANAGE)
def setup_list(request: HttpRequest) -> HttpResponse:
    warehouses = Warehouse.objects.annotate(
        zone_count=Count("zones", distinct=True), bin_count=Count("bins", distinct=True)
    ).order_by("code")
    return render(request, "warehouse/setup_list.html", {"warehouses": warehouses})


@page_for_any(MANAGE)
def warehouse_new(request: HttpRequest) -> HttpResponse:
    form = WarehouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = setup.save_warehouse(None, form.cleaned_data, request.user)
        except InputError as error:
            _add_errors(form, error)
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(request, _("Warehouse %(code)s is added.") % {"code": row.code})
            return redirect("warehouse:warehouse_edit", pk=row.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "warehouse/warehouse_new.html", {"form": form}, status=status)


def _warehouse_page(
    request: HttpRequest, warehouse: Warehouse, status: int = 200, **forms_given: Any
) -> HttpResponse:
    zones = list(warehouse.zones.annotate(bin_count=Count("bins")).order_by("walk_order", "code"))
    zone_id = forms_given.get("zone_id")
    if zone_id is None:
        try:
            zone_id = int(request.GET.get("zone", ""))
        except ValueError:
            zone_id = zones[0].pk if zones else 0
    zone = next((row for row in zones if row.pk == zone_id), zones[0] if zones else None)
    bins = list(zone.bins.order_by("walk_order", "code")) if zone is not None else []
    return render(
        request,
        "warehouse/warehouse_edit.html",
        {
            "warehouse": warehouse,
            "form": forms_given.get("form") or WarehouseForm(instance=warehouse),
            "zones": zones,
            "zone": zone,
            "zone_form": forms_given.get("zone_form") or ZoneForm(),
            "range_form": forms_given.get("range_form") or BinRangeForm(),
            "bins": bins,
        },
        status=status,
    )


def _back(warehouse: Warehouse, zone_id: int | None = None) -> HttpResponse:
    url = reverse("warehouse:warehouse_edit", kwargs={"pk": warehouse.pk})
    return redirect(f"{url}?zone={zone_id}" if zone_id else url)


@page_for_any(MANAGE)
def warehouse_edit(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = get_object_or_404(Warehouse, pk=pk)
    if request.method != "POST":
        return _warehouse_page(request, warehouse)
    form = WarehouseForm(request.POST, instance=Warehouse.objects.get(pk=pk))
    if form.is_valid():
        try:
            setup.save_warehouse(pk, form.cleaned_data, request.user)
        except InputError as error:
            _add_errors(form, error)
        except ActionError as error:
            messages.error(request, str(error))
            return redirect("warehouse:setup")
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(request, _("The warehouse is saved."))
            return _back(warehouse)
    return _warehouse_page(request, warehouse, status=422, form=form)


@page_for_any(MANAGE)
@require_POST
def zone_save(request: HttpRequest, pk: int, zone_pk: int | None = None) -> HttpResponse:
    warehouse = get_object_or_404(Warehouse, pk=pk)
    zone_form = ZoneForm(request.POST)
    if zone_form.is_valid():
        data = zone_form.cleaned_data
        try:
            zone = setup.save_zone(
                pk, zone_pk, data["code"], data["name"], data["walk_order"], request.user
            )
        except InputError as error:
            _add_errors(zone_form, error)
        except ActionError as error:
            messages.error(request, str(error))
            return _back(warehouse)
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(request, _("Zone %(code)s is saved.") % {"code": zone.code})
            return _back(warehouse, zone.pk)
    if zone_pk is not None:  # an inline zone row: its error as a message
        for errors in zone_form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return _back(warehouse, zone_pk)
    return _warehouse_page(request, warehouse, status=422, zone_form=zone_form)


@page_for_any(MANAGE)
@require_POST
def bins_add(request: HttpRequest, zone_pk: int) -> HttpResponse:
    zone = get_object_or_404(Zone.objects.select_related("warehouse"), pk=zone_pk)
    range_form = BinRangeForm(request.POST)
    if range_form.is_valid():
        try:
            rows = setup.create_bins(
                zone.pk,
                range_form.cleaned_data["first"],
                range_form.cleaned_data["last"],
                request.user,
            )
        except InputError as error:
            _add_errors(range_form, error)
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(
                request,
                _("%(count)d bins are added to zone %(zone)s.")
                % {"count": len(rows), "zone": zone.code},
            )
            return _back(zone.warehouse, zone.pk)
    return _warehouse_page(
        request, zone.warehouse, status=422, range_form=range_form, zone_id=zone.pk
    )


@page_for_any(MANAGE)
@require_POST
def bin_save(request: HttpRequest, bin_pk: int) -> HttpResponse:
    row = get_object_or_404(Bin.objects.select_related("warehouse"), pk=bin_pk)
    form = BinForm(request.POST)
    form.fields["zone"].queryset = Zone.objects.filter(warehouse=row.warehouse)  # type: ignore[attr-defined]
    if form.is_valid():
        try:
            row = setup.save_bin(
                row.pk,
                form.cleaned_data["zone"].pk,
                form.cleaned_data["walk_order"],
                is_active=form.cleaned_data["is_active"],
                actor=request.user,
            )
        except (InputError, ActionError) as error:
            messages.error(request, str(error))
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(request, _("Bin %(code)s is saved.") % {"code": row.code})
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
    return _back(row.warehouse, row.zone_id)
