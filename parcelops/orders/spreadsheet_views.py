"""The spreadsheet pages of the order list: upload an import (checked first by a dry run,
then taken in with one click) and download the filtered list as .xlsx (R2.1.1, R8.3)."""

import json
import re
import secrets
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from parcelops.accounts import roles
from parcelops.core.clock import now
from parcelops.orders.models import Channel
from parcelops.orders.presentation import can_see_customer_data
from parcelops.orders.queries import OrderFilters, filter_orders
from parcelops.orders.spreadsheet_export import (
    XLSX_CONTENT_TYPE,
    export_file_name,
    export_orders_xlsx,
    record_export,
)
from parcelops.orders.spreadsheet_files import MAPPING_MAX_BYTES, upload_problem
from parcelops.orders.spreadsheets import (
    DEFAULT_PRESET,
    ImportStatus,
    OrderImport,
    OrderOutcome,
    SpreadsheetError,
    build_mapping,
    parse_mapping_text,
    preset_label,
    preset_names,
)
from parcelops.orders.views import refuse_customer_filters_page

# An upload waits this long for its one-click import; it holds customer data, so not longer.
UPLOAD_KEEP_SECONDS = 24 * 3600
# The page lists every rejected order up to the first limit, and the others up to the second.
SHOWN_REJECTED = 1000
SHOWN_OTHERS = 200
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class SpreadsheetUploadForm(forms.Form):
    """What every spreadsheet import's form checks of its uploads: the spreadsheet's kind
    and size, and an optional mapping file's size and encoding (its own import parses it)."""

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        problem = upload_problem(upload.name, upload.size)
        if problem is not None:
            raise forms.ValidationError(problem)
        return upload

    def mapping_text(self) -> tuple[str | None, str]:
        """The uploaded mapping file's text and name; None when there is none."""
        upload = self.cleaned_data.get("mapping_file")
        if not upload:
            return None, ""
        if upload.size > MAPPING_MAX_BYTES:
            raise forms.ValidationError(_("A mapping file is at most 64 KB."))
        try:
            return upload.read().decode("utf-8-sig"), upload.name
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The mapping file must be UTF-8 JSON.")) from None


class ImportForm(SpreadsheetUploadForm):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (.xlsx or .csv)"))
    preset = forms.ChoiceField(label=gettext_lazy("Column layout"), required=False)
    mapping_file = forms.FileField(
        label=gettext_lazy("Mapping file (JSON, optional)"),
        required=False,
        help_text=gettext_lazy("Your own column headers, laid over the chosen layout."),
    )
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check every row, write nothing"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        preset = cast(forms.ChoiceField, self.fields["preset"])
        channel = cast(forms.ChoiceField, self.fields["channel"])
        preset.choices = [
            *[(name, preset_label(name)) for name in preset_names()],
            ("", _("None: only my mapping file")),
        ]
        preset.initial = DEFAULT_PRESET
        channel.choices = [
            ("", _("From the file's channel column")),
            *[
                (channel.code, f"{channel.name} ({channel.code})")
                for channel in Channel.objects.filter(is_active=True).order_by("code")
            ],
        ]

    def clean_mapping_file(self) -> dict[str, Any] | None:
        text, name = self.mapping_text()
        if text is None:
            return None
        try:
            return parse_mapping_text(text, name)
        except SpreadsheetError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("preset") and "mapping_file" in cleaned and not cleaned["mapping_file"]:
            self.add_error("mapping_file", _("Without a column layout, a mapping file is needed."))
        return cleaned


# --- uploads kept for the one-click import ----------------------------------------------


def _imports_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _store_upload(form: ImportForm, user_id: int) -> str:
    """Keep the file under a random name, with what the import needs beside it."""
    token = secrets.token_hex(16)
    upload = form.cleaned_data["file"]
    directory = _imports_dir()
    path = directory / f"{token}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
    path.chmod(0o600)
    meta = {
        "user": user_id,
        "file": path.name,
        "name": upload.name,
        "preset": form.cleaned_data["preset"],
        "mapping": form.cleaned_data["mapping_file"],
        "channel": form.cleaned_data["channel"],
    }
    (directory / f"{token}.json").write_text(json.dumps(meta))
    return token


def _load_upload(token: str, user_id: int) -> dict[str, Any] | None:
    if not _TOKEN.match(token):
        return None
    meta_path = _imports_dir() / f"{token}.json"
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return None
    if meta.get("user") != user_id or not (_imports_dir() / meta["file"]).is_file():
        return None
    return dict(meta)


def _discard_upload(token: str) -> None:
    for path in _imports_dir().glob(f"{token}.*"):
        path.unlink(missing_ok=True)


def _discard_stale_uploads() -> None:
    cutoff = time.time() - UPLOAD_KEEP_SECONDS
    for path in _imports_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            continue


def _run_import(token: str, meta: dict[str, Any], *, dry_run: bool, actor: Any) -> dict[str, Any]:
    mapping = build_mapping(preset=meta["preset"], mapping=meta["mapping"], channel=meta["channel"])
    shown: list[OrderOutcome] = []
    shown_rejected = shown_others = hidden = 0
    with OrderImport(_imports_dir() / meta["file"], mapping, dry_run=dry_run, actor=actor) as job:
        for outcome in job.outcomes():
            if outcome.status == ImportStatus.REJECTED and shown_rejected < SHOWN_REJECTED:
                shown_rejected += 1
            elif outcome.status != ImportStatus.REJECTED and shown_others < SHOWN_OTHERS:
                shown_others += 1
            else:
                hidden += 1
                continue
            shown.append(outcome)
    return {
        "summary": job.summary,
        "outcomes": shown,
        "hidden": hidden,
        "dry_run": dry_run,
        "file_name": meta["name"],
        "token": token if dry_run and job.summary.created else "",
    }


# --- pages -------------------------------------------------------------------------------


def _user_id(request: HttpRequest) -> int:
    user_id = request.user.pk
    assert isinstance(user_id, int)  # the pages require a login
    return user_id


@login_required
@permission_required(roles.ADD_ORDER, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_orders(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "token" in request.POST:
        return _commit_import(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "problems": []}
    if request.method == "POST" and form.is_valid():
        _discard_stale_uploads()
        token = _store_upload(form, _user_id(request))
        meta = _load_upload(token, _user_id(request))
        assert meta is not None
        dry_run = form.cleaned_data["dry_run"]
        try:
            context.update(_run_import(token, meta, dry_run=dry_run, actor=request.user))
        except SpreadsheetError as error:
            context["problems"] = [str(error)]
        if not context.get("token"):
            _discard_upload(token)
    return render(request, "orders/spreadsheets/import.html", context)


def _commit_import(request: HttpRequest) -> HttpResponse:
    """The one-click import of a file that went through a dry run."""
    token = request.POST.get("token", "")
    meta = _load_upload(token, _user_id(request))
    context: dict[str, Any] = {"form": ImportForm(), "problems": []}
    if meta is None:
        context["problems"] = [
            _("This upload has expired or was imported already; upload the file again.")
        ]
        return render(request, "orders/spreadsheets/import.html", context, status=410)
    try:
        context.update(_run_import(token, meta, dry_run=False, actor=request.user))
    except SpreadsheetError as error:
        context["problems"] = [str(error)]
    finally:
        _discard_upload(token)
    return render(request, "orders/spreadsheets/import.html", context)


@login_required
@permission_required(roles.EXPORT_ORDERS, raise_exception=True)
@require_GET
def export_orders(request: HttpRequest) -> FileResponse:
    """The order list as filtered on the list page, as an .xlsx download."""
    # The same orders as the list shows: its search box finds customers for these roles.
    filters = replace(
        OrderFilters.from_mapping(request.GET),
        customer_search=can_see_customer_data(request.user),
    )
    refuse_customer_filters_page(filters, request.user)
    # A temporary file, not memory: openpyxl streams into it and the response streams it out.
    workbook = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    count = export_orders_xlsx(filter_orders(filters), request.user, workbook)
    record_export(request.user, filters, count)
    workbook.seek(0)
    return FileResponse(
        workbook,
        as_attachment=True,
        filename=export_file_name(now()),
        content_type=XLSX_CONTENT_TYPE,
    )
