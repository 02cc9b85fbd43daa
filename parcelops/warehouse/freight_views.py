"""The freight-bill pages (R4.3): the bills, importing one, a bill's lines by verdict, the
totals per carrier and month, and the dispute as .xlsx. Everyone with the warehouse
reports sees them; those who manage the warehouse import bills.

Thin: a POST reads the form, saves the upload to a temporary file, calls the import
action and goes to the bill, or shows the form again (422) saying which rows are bad.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from parcelops.accounts import roles
from parcelops.carriers import registry
from parcelops.carriers.names import carrier_label
from parcelops.core.clock import now
from parcelops.core.errors import InputError, NotPermittedError
from parcelops.orders.spreadsheet_export import XLSX_CONTENT_TYPE
from parcelops.orders.spreadsheet_files import SpreadsheetError
from parcelops.orders.spreadsheet_views import SpreadsheetUploadForm
from parcelops.warehouse.actions import freight as actions
from parcelops.warehouse.freight import DISPUTED, disputed_difference
from parcelops.warehouse.freight_export import dispute_file_name, export_disputes_xlsx
from parcelops.warehouse.freight_files import (
    DEFAULT_PRESET,
    load_bill_mapping,
    parse_bill_mapping_text,
    preset_label,
    preset_names,
)
from parcelops.warehouse.models import BillLineVerdict, FreightBill, FreightBillLine

PAGE_SIZE = 100
DISPUTED_FILTER = "disputed"  # the bill page's filter of every disputed verdict at once
VERDICT_TONES: dict[str, str] = {
    BillLineVerdict.OK: "green",
    BillLineVerdict.OVER: "red",
    BillLineVerdict.UNDER: "blue",
    BillLineVerdict.UNKNOWN: "amber",
    BillLineVerdict.DUPLICATE: "violet",
    BillLineVerdict.NO_QUOTE: "grey",
}

view_reports = permission_required(roles.VIEW_WAREHOUSE_REPORTS, raise_exception=True)
manage_warehouse = permission_required(roles.MANAGE_WAREHOUSE, raise_exception=True)


class BillImportForm(SpreadsheetUploadForm):
    file = forms.FileField(label=gettext_lazy("The carrier's bill (.xlsx or .csv)"))
    carrier = forms.ChoiceField(label=gettext_lazy("Carrier"))
    month = forms.CharField(
        label=gettext_lazy("Billed month"),
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "2026-11"}),
        help_text=gettext_lazy("Such as 2026-11."),
    )
    preset = forms.ChoiceField(label=gettext_lazy("Column layout"), required=False)
    mapping_file = forms.FileField(
        label=gettext_lazy("Mapping file (JSON, optional)"),
        required=False,
        help_text=gettext_lazy("Your own column headers and units, used instead of the layout."),
    )
    replace = forms.BooleanField(
        label=gettext_lazy("Replace this carrier's bill of this month if it was imported"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        carrier = cast(forms.ChoiceField, self.fields["carrier"])
        carrier.choices = [("", "—")] + [
            (info.code, f"{info.name()} ({info.code})") for info in registry.active_carriers()
        ]
        preset = cast(forms.ChoiceField, self.fields["preset"])
        preset.choices = [(name, preset_label(name)) for name in preset_names()]
        preset.initial = DEFAULT_PRESET

    def clean_mapping_file(self) -> Any:
        text, name = self.mapping_text()
        if text is None:
            return None
        try:
            return parse_bill_mapping_text(text, name)
        except SpreadsheetError as error:
            raise forms.ValidationError(str(error)) from None


def _can_manage(request: HttpRequest) -> bool:
    return request.user.has_perm(roles.MANAGE_WAREHOUSE)


@login_required
@view_reports
@require_GET
def bills(request: HttpRequest) -> HttpResponse:
    rows = FreightBill.objects.select_related("imported_by")[:500]
    return render(
        request,
        "warehouse/freight_bills.html",
        {
            "bills": [(row, counts_in_order(row.verdict_counts)) for row in rows],
            "can_import": _can_manage(request),
        },
    )


@dataclass(frozen=True)
class VerdictCount:
    value: str
    label: str
    tone: str
    count: int


def counts_in_order(counts: dict[str, Any]) -> list[VerdictCount]:
    """A bill's verdicts that some lines got, in the verdicts' order, as badges."""
    return [
        VerdictCount(value, label, tone, int(counts.get(value, 0)))
        for value, label, tone in _verdicts()
        if counts.get(value)
    ]


def _verdicts() -> list[tuple[str, str, str]]:
    return [(value, str(label), VERDICT_TONES[value]) for value, label in BillLineVerdict.choices]


@login_required
@manage_warehouse
@require_http_methods(["GET", "POST"])
def import_bill(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        initial = {"carrier": request.GET.get("carrier", ""), "month": request.GET.get("month", "")}
        return _import_page(request, BillImportForm(initial=initial))
    form = BillImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=422)
    data = form.cleaned_data
    upload = data["file"]
    try:
        mapping = data["mapping_file"] or load_bill_mapping(data["preset"] or DEFAULT_PRESET)
        suffix = Path(upload.name).suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix) as stored:
            for chunk in upload.chunks():
                stored.write(chunk)
            stored.flush()
            result = actions.import_freight_bill(
                request.user,
                path=stored.name,
                file_name=upload.name,
                carrier=data["carrier"],
                month=data["month"],
                mapping=mapping,
                replace=data["replace"],
            )
    except SpreadsheetError as error:
        return _import_page(request, form, refusal=[str(error)], status=422)
    except InputError as error:
        return _import_page(request, form, refusal=[e.message for e in error.errors], status=422)
    except NotPermittedError as error:
        return _import_page(request, form, refusal=[str(error)], status=403)
    bill = result.bill
    note = _("%(lines)d lines of the %(month)s bill of %(carrier)s imported.") % {
        "lines": bill.line_count,
        "month": f"{bill.month:%Y-%m}",
        "carrier": carrier_label(bill.carrier),
    }
    if result.replaced:
        note += " " + _("It replaced the earlier import of that month.")
    if result.total_rows:
        note += " " + _("Rows %(rows)s were the file's totals and are not lines.") % {
            "rows": ", ".join(str(row) for row in result.total_rows)
        }
    messages.success(request, note)
    return redirect("warehouse:freight_bill", bill.pk)


def _import_page(
    request: HttpRequest,
    form: BillImportForm,
    *,
    refusal: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "warehouse/freight_import.html",
        {"form": form, "refusal": refusal or []},
        status=status,
    )


@dataclass(frozen=True)
class _Chip:
    value: str
    label: str
    count: int
    is_current: bool


@dataclass(frozen=True)
class _LineRow:
    line: FreightBillLine
    difference: int
    tone: str
    label: str
    billed_again: str  # the later rows of this bill that billed the line's waybill again

    @property
    def weight_kg(self) -> str:
        grams = self.line.billed_weight_grams
        return "—" if grams is None else f"{grams / 1000:g}"


@login_required
@view_reports
@require_GET
def bill(request: HttpRequest, pk: int) -> HttpResponse:
    bill = get_object_or_404(FreightBill.objects.select_related("imported_by"), pk=pk)
    verdict = request.GET.get("verdict", "")
    counts = {key: int(value) for key, value in bill.verdict_counts.items()}
    disputed_count = sum(counts.get(str(v), 0) for v in DISPUTED)
    chips = [_Chip("", _("All lines"), bill.line_count, verdict == "")]
    chips.append(_Chip(DISPUTED_FILTER, _("Disputed"), disputed_count, verdict == DISPUTED_FILTER))
    chips += [
        _Chip(value, label, counts.get(value, 0), verdict == value)
        for value, label, _tone in _verdicts()
    ]
    lines = bill.lines.select_related("shipment__order", "duplicate_of__bill").order_by("row")
    if verdict == DISPUTED_FILTER:
        lines = lines.filter(verdict__in=[str(v) for v in DISPUTED])
    elif verdict in BillLineVerdict.values:
        lines = lines.filter(verdict=verdict)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(BillLineVerdict.choices)
    # Both lines of a waybill billed twice are flagged: the first billing says where again.
    again: dict[int, list[str]] = {}
    repeats = FreightBillLine.objects.filter(
        bill=bill, duplicate_of_id__in=[line.pk for line in page.object_list]
    ).values_list("duplicate_of_id", "row")
    for first_id, later_row in repeats.order_by("row"):
        again.setdefault(first_id, []).append(str(later_row))
    rows = [
        _LineRow(
            line,
            disputed_difference(line.verdict, line.billed_cents, line.quoted_cents),
            VERDICT_TONES.get(line.verdict, "grey"),
            str(labels.get(line.verdict, line.verdict)),
            ", ".join(again.get(line.pk, [])),
        )
        for line in page.object_list
    ]
    return render(
        request,
        "warehouse/freight_bill.html",
        {
            "bill": bill,
            "chips": chips,
            "page": page,
            "rows": rows,
            "can_import": _can_manage(request),
            "tolerance_yuan": bill.tolerance_cents / 100,
        },
    )


@login_required
@view_reports
@require_GET
def totals(request: HttpRequest) -> HttpResponse:
    """Per month, each carrier's bill and the month's sum over carriers."""
    months: dict[Any, dict[str, Any]] = {}
    for row in FreightBill.objects.order_by("-month", "carrier")[:600]:
        month = months.setdefault(
            row.month,
            {"month": row.month, "bills": [], "sum": _Sum()},
        )
        month["bills"].append((row, counts_in_order(row.verdict_counts)))
        month["sum"].add(row)
    for month in months.values():
        month["counts"] = counts_in_order(month["sum"].verdict_counts)
    return render(
        request,
        "warehouse/freight_totals.html",
        {"months": list(months.values())},
    )


class _Sum:
    """A month's bills added up, as the totals page shows them."""

    def __init__(self) -> None:
        self.line_count = self.billed_cents = self.quoted_cents = 0
        self.over_billed_cents = self.disputed_cents = 0
        self.verdict_counts: dict[str, int] = {}

    def add(self, bill: FreightBill) -> None:
        self.line_count += bill.line_count
        self.billed_cents += bill.billed_cents
        self.quoted_cents += bill.quoted_cents
        self.over_billed_cents += bill.over_billed_cents
        self.disputed_cents += bill.disputed_cents
        for verdict, count in bill.verdict_counts.items():
            self.verdict_counts[verdict] = self.verdict_counts.get(verdict, 0) + int(count)


@login_required
@view_reports
@require_GET
def export_disputes(request: HttpRequest, pk: int) -> FileResponse:
    """The bill's disputed lines as .xlsx, headers in the page's language."""
    bill = get_object_or_404(FreightBill, pk=pk)
    # A temporary file, not memory: openpyxl streams into it and the response streams it out.
    workbook = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    export_disputes_xlsx(bill, workbook)
    workbook.seek(0)
    return FileResponse(
        workbook,
        as_attachment=True,
        filename=dispute_file_name(bill, now()),
        content_type=XLSX_CONTENT_TYPE,
    )
