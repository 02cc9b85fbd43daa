"""The safety inspection pages (R3.1.4): the list of schedules with what is overdue, a
schedule's form (MANAGE_WAREHOUSE), recording an inspection (INSPECT_WAREHOUSE), one
inspection with its photos and follow-ups, and marking a follow-up done.

Thin on purpose: each page reads a form, calls one action of
parcelops.warehouse.actions.inspections and renders; refused input comes back as the page
with its errors (422), nothing changed. Photos are served by `photo` to the people who may
see inspections, never from a public address.
"""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcelops.accounts import roles
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.warehouse import inspection_rules
from parcelops.warehouse.access import SEE_INSPECTIONS, has_any, page_for_any
from parcelops.warehouse.actions import inspections as actions
from parcelops.warehouse.inspection_forms import FollowUpFormSet, InspectionForm, ScheduleForm
from parcelops.warehouse.models import (
    FollowUp,
    Inspection,
    InspectionPhoto,
    InspectionSchedule,
)

FOLLOW_UPS_PREFIX = "follow_ups"


def _add_errors(form: forms.Form, error: InputError, default_field: str | None = None) -> None:
    for field_error in error.errors:
        field = field_error.field if field_error.field in form.fields else default_field
        form.add_error(field, field_error.message)


def _open_follow_ups() -> Any:
    return (
        FollowUp.objects.filter(done_at__isnull=True)
        .select_related("owner__staff_profile", "inspection__schedule__warehouse")
        .order_by("due_on", "id")
    )


@page_for_any(*SEE_INSPECTIONS)
def inspections(request: HttpRequest) -> HttpResponse:
    """Every schedule, overdue first, and the open follow-ups, overdue first."""
    today = timezone.localdate(now())
    schedules = list(
        InspectionSchedule.objects.select_related("warehouse")
        .prefetch_related(
            Prefetch(
                "inspections",
                queryset=Inspection.objects.select_related("inspector__staff_profile"),
                to_attr="history",
            )
        )
        .order_by("next_due", "warehouse__code", "kind")
    )
    for schedule in schedules:
        schedule.is_overdue = inspection_rules.is_overdue(schedule.next_due, today)  # type: ignore[attr-defined]
        schedule.is_due_soon = inspection_rules.is_due_soon(schedule.next_due, today)  # type: ignore[attr-defined]
        schedule.last = schedule.history[0] if schedule.history else None  # type: ignore[attr-defined]
    follow_ups = list(_open_follow_ups())
    for follow_up in follow_ups:
        follow_up.is_overdue = follow_up.due_on < today  # type: ignore[attr-defined]
    recent = (
        Inspection.objects.select_related("schedule__warehouse", "inspector__staff_profile")
        .filter(done_at__gte=now() - timedelta(days=90))
        .order_by("-done_at")[:20]
    )
    return render(
        request,
        "warehouse/inspections.html",
        {
            "schedules": schedules,
            "follow_ups": follow_ups,
            "recent": recent,
            "today": today,
            "can_manage": request.user.has_perm(roles.MANAGE_WAREHOUSE),
            "can_inspect": request.user.has_perm(roles.INSPECT_WAREHOUSE),
        },
    )


def _schedule_page(request: HttpRequest, form: ScheduleForm, schedule: Any, status: int = 200):
    return render(
        request,
        "warehouse/schedule_form.html",
        {"form": form, "schedule": schedule},
        status=status,
    )


@page_for_any(roles.MANAGE_WAREHOUSE)
def schedule_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A new schedule (its checklist starts from the kind's default) or a change to one."""
    schedule = get_object_or_404(InspectionSchedule, pk=pk) if pk is not None else None
    if request.method != "POST":
        if schedule is not None:
            initial = {
                "warehouse": schedule.warehouse_id,
                "kind": schedule.kind,
                "every_days": schedule.every_days,
                "next_due": schedule.next_due,
                "checklist": "\n".join(schedule.checklist),
            }
        else:
            kind = request.GET.get("kind", "fire")
            kind = kind if kind in inspection_rules.DEFAULT_CHECKLISTS else "fire"
            initial = {
                "warehouse": request.GET.get("warehouse"),
                "kind": kind,
                "every_days": inspection_rules.DEFAULT_EVERY_DAYS[kind],  # type: ignore[index]
                "next_due": timezone.localdate(now()),
                "checklist": "\n".join(inspection_rules.default_checklist(kind)),
            }
        return _schedule_page(request, ScheduleForm(initial=initial), schedule)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            saved = actions.save_schedule(
                form.cleaned_data["warehouse"].pk,
                form.cleaned_data["kind"],
                form.cleaned_data["every_days"],
                form.questions(),
                form.cleaned_data["next_due"],
                request.user,
            )
        except InputError as error:
            _add_errors(form, error)
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(
                request,
                _("The %(kind)s schedule of %(warehouse)s is saved.")
                % {"kind": saved.get_kind_display(), "warehouse": saved.warehouse.name},
            )
            return redirect("warehouse:inspections")
    return _schedule_page(request, form, schedule, status=422)


def _follow_up_inputs(formset: Any) -> list[actions.FollowUpInput]:
    return [
        actions.FollowUpInput(
            action=form.cleaned_data.get("action") or "",
            owner_id=form.cleaned_data["owner"].pk if form.cleaned_data.get("owner") else None,
            due_on=form.cleaned_data.get("due_on"),
        )
        for form in formset.forms
        if not form.is_blank()
    ]


def _follow_up_errors(formset: Any, error: InputError) -> None:
    """An action's refusals of follow_ups[i].field on the formset's non-blank rows."""
    rows = [form for form in formset.forms if not form.is_blank()]
    for field_error in error.errors:
        if not field_error.field.startswith("follow_ups["):
            continue
        index_text, _dot, name = field_error.field.removeprefix("follow_ups[").partition("].")
        rows[int(index_text)].add_error(
            name if name in rows[0].fields else None, field_error.message
        )


@page_for_any(roles.INSPECT_WAREHOUSE)
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """Walk the checklist: answers, findings, photos, follow-ups."""
    schedule = get_object_or_404(InspectionSchedule.objects.select_related("warehouse"), pk=pk)
    if request.method != "POST":
        form = InspectionForm(schedule.checklist)
        formset = FollowUpFormSet(prefix=FOLLOW_UPS_PREFIX)
        return _record_page(request, schedule, form, formset)
    form = InspectionForm(schedule.checklist, request.POST, request.FILES)
    formset = FollowUpFormSet(request.POST, prefix=FOLLOW_UPS_PREFIX)
    if form.is_valid() and formset.is_valid():
        try:
            inspection = actions.record_inspection(
                schedule.pk,
                form.answers(),
                form.cleaned_data["findings"],
                request.user,
                photos=form.cleaned_data["photos"],
                follow_ups=_follow_up_inputs(formset),
            )
        except InputError as error:
            for field_error in error.errors:
                if field_error.field.startswith("answers["):
                    index = field_error.field.removeprefix("answers[").rstrip("]")
                    form.add_error(f"answer_{index}", field_error.message)
                elif not field_error.field.startswith("follow_ups["):
                    form.add_error(
                        field_error.field if field_error.field in form.fields else None,
                        field_error.message,
                    )
            _follow_up_errors(formset, error)
        except ActionError as error:
            messages.error(request, str(error))
            return redirect("warehouse:inspections")
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            schedule.refresh_from_db(fields=["next_due"])
            messages.success(
                request,
                _("The inspection is recorded. The next one is due on %(date)s.")
                % {"date": schedule.next_due.isoformat()},
            )
            return redirect("warehouse:inspection", pk=inspection.pk)
    return _record_page(request, schedule, form, formset, status=422)


def _record_page(request, schedule, form, formset, status=200) -> HttpResponse:  # type: ignore[no-untyped-def]
    return render(
        request,
        "warehouse/inspection_record.html",
        {"schedule": schedule, "form": form, "formset": formset},
        status=status,
    )


@page_for_any(*SEE_INSPECTIONS)
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(
        Inspection.objects.select_related("schedule__warehouse", "inspector__staff_profile"),
        pk=pk,
    )
    today = timezone.localdate(now())
    follow_ups = list(row.follow_ups.select_related("owner__staff_profile"))
    for follow_up in follow_ups:
        follow_up.is_overdue = follow_up.done_at is None and follow_up.due_on < today  # type: ignore[attr-defined]
        follow_up.may_complete = follow_up.done_at is None and (  # type: ignore[attr-defined]
            follow_up.owner_id == request.user.pk
            or has_any(request.user, (roles.INSPECT_WAREHOUSE, roles.MANAGE_WAREHOUSE))
        )
    answers = [(question, answer) for question, answer in row.answers.items()]
    return render(
        request,
        "warehouse/inspection_detail.html",
        {
            "inspection": row,
            "answers": answers,
            "problems": sum(1 for _question, answer in answers if answer != "ok"),
            "photos": row.photos.order_by("id"),
            "follow_ups": follow_ups,
        },
    )


@page_for_any(*SEE_INSPECTIONS)
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """An inspection photo, to the people who may see inspections (private, not cached by
    shared caches; the type from the stored name, which the action chose from the bytes)."""
    row = get_object_or_404(InspectionPhoto, pk=pk)
    content_type = inspection_rules.PHOTO_TYPES.get((row.image.name or "").rsplit(".", 1)[-1])
    if content_type is None:
        raise Http404
    try:
        handle = row.image.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response


@page_for_any(*SEE_INSPECTIONS)
@require_POST
def complete_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        follow_up = actions.complete_follow_up(pk, request.user)
    except ActionError as error:
        messages.error(request, str(error))
    except NotPermittedError as error:
        raise PermissionDenied(str(error)) from error
    else:
        messages.success(request, _("Done: %(action)s") % {"action": follow_up.action})
    back = request.POST.get("next", "")
    if back.startswith("/warehouse/") and "//" not in back:
        return redirect(back)
    return redirect("warehouse:inspections")
