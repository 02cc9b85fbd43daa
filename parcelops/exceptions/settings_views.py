"""The desk's settings pages: SLA targets and warnings, and the working calendar with its
calendar days and a preview of a deadline. Everyone on the desk reads them; the logistics
head (MANAGE_DESK) changes them.

Thin on purpose: a page reads a form, calls one function of
parcelops.exceptions.settings_actions, and renders; refused input comes back as the page
with its errors (422), nothing changed.
"""

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcelops.accounts import roles
from parcelops.accounts.permissions import staff_page
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.exceptions import kinds, settings_actions, sla
from parcelops.exceptions.calendar import official_calendar_knows
from parcelops.exceptions.models import CalendarDay, SlaTarget
from parcelops.exceptions.settings_actions import target_field
from parcelops.exceptions.settings_forms import (
    CalendarDayForm,
    CalendarSettingsForm,
    SlaSettingsForm,
    WindowFormSet,
    windows_of,
)

WINDOWS_PREFIX = "windows"


def _may_change(request: HttpRequest) -> bool:
    return request.user.has_perm(roles.MANAGE_DESK)


def _refuse_unless_allowed(request: HttpRequest) -> None:
    if not _may_change(request):
        raise PermissionDenied(_("Your role does not allow this action."))


def _add_errors(form: forms.Form, error: InputError, default_field: str | None = None) -> None:
    """An action's refusals on the form's fields (the others on the form as a whole)."""
    for field_error in error.errors:
        field = field_error.field if field_error.field in form.fields else default_field
        form.add_error(field, field_error.message)


# --- SLA targets and warnings -----------------------------------------------------------------


def _sla_context(request: HttpRequest, form: SlaSettingsForm) -> dict[str, Any]:
    severities = kinds.Severity.values
    for severity in severities:  # a type's blank target shows what it falls back to
        fallback = form[target_field("", severity)].value()
        for case_type in kinds.CaseType.values:
            widget = form.fields[target_field(case_type, severity)].widget
            widget.attrs["placeholder"] = str(fallback or "")
    type_fields = [
        form[target_field(case_type, severity)]
        for case_type in kinds.CaseType.values
        for severity in severities
    ]
    return {
        "form": form,
        # Open where a type has its own target or an error; else folded (a long list).
        "per_type_open": any(
            field.value() not in (None, "") or field.errors for field in type_fields
        ),
        "severities": kinds.Severity.choices,
        "every_type": [
            (
                label,
                kinds.TIER_OF_SEVERITY[kinds.Severity(severity)].label,
                form[target_field("", severity)],
                kinds.DEFAULT_SLA_HOURS[severity],
            )
            for severity, label in kinds.Severity.choices
        ],
        "type_rows": [
            (label, [form[target_field(case_type, severity)] for severity in severities])
            for case_type, label in kinds.CaseType.choices
        ],
        "can_change": _may_change(request),
    }


@staff_page
@permission_required(roles.VIEW_CASE, raise_exception=True)
def sla_settings(request: HttpRequest) -> HttpResponse:
    """The handling time per severity and per type, and when owners are warned."""
    if request.method != "POST":
        targets = {
            (case_type, severity): hours
            for case_type, severity, hours in SlaTarget.objects.values_list(
                "case_type", "severity", "hours"
            )
        }
        fractions = sla.desk_settings().warning_fractions
        form = SlaSettingsForm(initial=SlaSettingsForm.initial_from(targets, fractions))
        return render(request, "exceptions/settings_sla.html", _sla_context(request, form))
    _refuse_unless_allowed(request)
    form = SlaSettingsForm(request.POST)
    if form.is_valid():
        try:
            settings_actions.set_sla_settings(
                form.targets(), form.cleaned_data["warning_fractions"], request.user
            )
        except InputError as error:
            _add_errors(form, error)
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(request, _("The SLA targets are saved. New deadlines follow them."))
            return redirect("exception_settings:sla")
    return render(request, "exceptions/settings_sla.html", _sla_context(request, form), status=422)


# --- the calendar -------------------------------------------------------------------------------


def _calendar_form(data: Any = None) -> tuple[CalendarSettingsForm, forms.BaseFormSet]:
    row = sla.desk_settings()
    form = CalendarSettingsForm(
        data,
        initial={
            "calendar": row.calendar,
            "weekdays": row.working_weekdays,
            "use_official_calendar": row.use_official_calendar,
        },
    )
    windows = WindowFormSet(
        data,
        prefix=WINDOWS_PREFIX,
        initial=[{"starts": starts, "ends": ends} for starts, ends in row.working_windows],
    )
    return form, windows


def _calendar_context(
    request: HttpRequest,
    form: CalendarSettingsForm | None = None,
    windows: forms.BaseFormSet | None = None,
    day_form: CalendarDayForm | None = None,
    windows_error: str = "",
) -> dict[str, Any]:
    if form is None or windows is None:
        form, windows = _calendar_form()
    moment = now()
    this_year = moment.date().year
    return {
        "form": form,
        "windows": windows,
        "windows_error": windows_error,
        "day_form": day_form or CalendarDayForm(),
        "days": CalendarDay.objects.order_by("date"),
        "preview_at": moment,
        "preview": [
            (label, sla.sla_hours("", severity), sla.due_at("", severity, moment))
            for severity, label in kinds.Severity.choices
        ],
        "unknown_years": [
            year for year in (this_year, this_year + 1) if not official_calendar_knows(year)
        ],
        "uses_official": sla.desk_settings().use_official_calendar,
        "can_change": _may_change(request),
    }


def _calendar_page(request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
    return render(
        request,
        "exceptions/settings_calendar.html",
        _calendar_context(request, **context),
        status=status,
    )


@staff_page
@permission_required(roles.VIEW_CASE, raise_exception=True)
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """Around the clock or working hours: windows, weekdays, China's calendar; the desk's
    own calendar days; and when a case opened now would be due."""
    if request.method != "POST":
        return _calendar_page(request)
    _refuse_unless_allowed(request)
    form, windows = _calendar_form(request.POST)
    windows_error = ""
    if form.is_valid() and windows.is_valid():
        try:
            settings_actions.set_calendar(
                form.cleaned_data["calendar"],
                windows_of(windows),
                form.cleaned_data["weekdays"],
                use_official=form.cleaned_data["use_official_calendar"],
                actor=request.user,
            )
        except InputError as error:
            for field_error in error.errors:
                if field_error.field == "windows":
                    windows_error = field_error.message
            _add_errors(form, error)
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(request, _("The calendar is saved. New deadlines follow it."))
            return redirect("exception_settings:calendar")
    return _calendar_page(
        request, status=422, form=form, windows=windows, windows_error=windows_error
    )


@staff_page
@permission_required(roles.VIEW_CASE, raise_exception=True)
@require_POST
def add_calendar_day(request: HttpRequest) -> HttpResponse:
    _refuse_unless_allowed(request)
    day_form = CalendarDayForm(request.POST)
    if day_form.is_valid():
        day: date = day_form.cleaned_data["date"]
        try:
            settings_actions.save_calendar_day(
                day, day_form.cleaned_data["kind"], day_form.cleaned_data["name"], request.user
            )
        except InputError as error:
            _add_errors(day_form, error)
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(request, _("%(date)s is saved.") % {"date": day.isoformat()})
            return redirect("exception_settings:calendar")
    return _calendar_page(request, status=422, day_form=day_form)


@staff_page
@permission_required(roles.VIEW_CASE, raise_exception=True)
@require_POST
def remove_calendar_day(request: HttpRequest, pk: int) -> HttpResponse:
    _refuse_unless_allowed(request)
    try:
        row = settings_actions.remove_calendar_day(pk, request.user)
    except ActionError as error:
        messages.error(request, str(error))
    except NotPermittedError as error:
        raise PermissionDenied(str(error)) from error
    else:
        messages.success(
            request,
            _("%(date)s follows the official calendar and its weekday again.")
            % {"date": row.date.isoformat()},
        )
    return redirect("exception_settings:calendar")
