"""The thresholds page: per measure, the default, the configured thresholds (add, change,
delete) and each lane's learned value beside the default; the learning settings and a
button to learn now. Everyone who sees cases reads it; the desk's managers change it.

Thin on purpose: a POST reads a form, calls one function of threshold_actions, and goes
back to the page, or shows the page again (422) saying why nothing was changed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcelops.accounts import roles
from parcelops.accounts.permissions import staff_page
from parcelops.carriers import registry
from parcelops.core.errors import InputError, NotPermittedError
from parcelops.exceptions import threshold_actions as actions
from parcelops.exceptions.kinds import DEFAULT_THRESHOLD_HOURS, Measure
from parcelops.exceptions.models import DeskSettings, LearnedThreshold, Threshold
from parcelops.exceptions.threshold_forms import LearningForm, ThresholdForm
from parcelops.exceptions.thresholds import LEARNED_MEASURES, floor_hours

# How many lanes' learned values a measure lists (the busiest carriers have hundreds).
LEARNED_SHOWN = 200


def hours_text(hours: float) -> str:
    """Hours as the page writes them: "48", "36.5", "12.25"."""
    return f"{round(hours, 2):g}"


@dataclass
class _Learned:
    """A lane's learned value as the page shows it."""

    row: LearnedThreshold
    carrier_name: str
    hours: str  # raised to the floor
    measured: str  # as learned, when the floor raised it
    is_in_use: bool


def _carrier_name(code: str, language: str) -> str:
    if not code:
        return _("Any carrier")
    info = registry.find_carrier(code)
    return info.name(language) if info is not None else code


def _context(
    request: HttpRequest,
    forms: dict[str, ThresholdForm] | None = None,
    learning_form: LearningForm | None = None,
) -> dict[str, Any]:
    language = get_language() or "en"
    desk = DeskSettings.objects.filter(pk=1).first() or DeskSettings(pk=1)
    rows: dict[str, list[tuple[Threshold, str, str]]] = {measure: [] for measure in Measure}
    editing: Threshold | None = None
    edit_id = request.GET.get("edit", "")
    for row in Threshold.objects.order_by(
        "measure", "carrier", "service", "origin_province", "destination_province", "id"
    ):
        rows.setdefault(row.measure, []).append(
            (row, _carrier_name(row.carrier, language), hours_text(row.hours))
        )
        if edit_id == str(row.pk):
            editing = row
    forms = dict(forms or {})
    if editing is not None and editing.measure not in forms:
        forms[editing.measure] = ThresholdForm(
            measure=editing.measure,
            initial={
                "id": editing.pk,
                "carrier": editing.carrier,
                "service": editing.service,
                "origin_province": editing.origin_province,
                "destination_province": editing.destination_province,
                "hours": editing.hours,
            },
        )
    measures = []
    for measure in Measure:
        learned: list[_Learned] = []
        learned_count = 0
        if measure in LEARNED_MEASURES:
            found = LearnedThreshold.objects.filter(measure=measure).order_by(
                "carrier", "origin_province", "destination_province"
            )
            learned_count = found.count()
            learned = [
                _Learned(
                    row,
                    _carrier_name(row.carrier, language),
                    hours_text(max(row.hours, floor_hours(measure))),
                    hours_text(row.hours) if row.hours < floor_hours(measure) else "",
                    desk.use_learned_thresholds and row.samples >= desk.learning_min_samples,
                )
                for row in found[:LEARNED_SHOWN]
            ]
        measures.append(
            {
                "value": measure.value,
                "label": measure.label,
                "default": hours_text(DEFAULT_THRESHOLD_HOURS[measure]),
                "floor": hours_text(floor_hours(measure)),
                "is_learned": measure in LEARNED_MEASURES,
                "rows": rows.get(measure, []),
                "form": forms.get(measure) or ThresholdForm(measure=measure),
                "learned": learned,
                "learned_count": learned_count,
            }
        )
    return {
        "measures": measures,
        "desk": desk,
        "percentile": hours_text(desk.learning_percentile),
        "learned_at": LearnedThreshold.objects.aggregate(at=Max("computed_at"))["at"],
        "learning_form": learning_form
        or LearningForm(
            initial={
                "use_learned": desk.use_learned_thresholds,
                "percentile": desk.learning_percentile,
                "min_samples": desk.learning_min_samples,
            }
        ),
        "carriers": [(info.code, info.name(language)) for info in registry.carriers()],
        "can_change": request.user.has_perm(roles.MANAGE_DESK),
        "any_text": pgettext("threshold", "any"),
    }


def _page(request: HttpRequest, status: int = 200, **parts: Any) -> HttpResponse:
    refusal = parts.pop("refusal", None)
    context = _context(request, **parts)
    context["refusal"] = refusal
    return render(request, "exceptions/thresholds.html", context, status=status)


def _back(measure: str = "") -> HttpResponse:
    anchor = f"#measure-{measure}" if measure else ""
    return redirect(reverse("exception_thresholds:page") + anchor)


def _form_errors(form: Any, error: InputError) -> None:
    """The action's reasons on the form's fields (or above the form)."""
    for field_error in error.errors:
        shown = form.fields.get(field_error.field)
        field = field_error.field if shown is not None and not shown.widget.is_hidden else None
        form.add_error(field, field_error.message)


def _acting(change: Callable[[], HttpResponse]) -> HttpResponse:
    try:
        return change()
    except NotPermittedError as error:
        raise PermissionDenied(str(error)) from error


@staff_page
@permission_required(roles.VIEW_CASE, raise_exception=True)
def thresholds_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@staff_page
@permission_required(roles.MANAGE_DESK, raise_exception=True)
@require_POST
def save_threshold(request: HttpRequest) -> HttpResponse:
    measure = request.POST.get("measure", "")
    if measure not in Measure.values:
        return _page(request, 422, refusal=[_("Unknown measure.")])
    form = ThresholdForm(request.POST, measure=measure)
    if not form.is_valid():
        return _page(request, 422, forms={measure: form})

    def change() -> HttpResponse:
        data = form.cleaned_data
        try:
            actions.save_threshold(
                request.user,
                measure=measure,
                hours=data["hours"],
                carrier=data["carrier"],
                service=data["service"],
                origin_province=data["origin_province"],
                destination_province=data["destination_province"],
                threshold_id=data["id"],
            )
        except InputError as error:
            _form_errors(form, error)
            return _page(request, 422, forms={measure: form})
        messages.success(request, _("The threshold is saved."))
        return _back(measure)

    return _acting(change)


@staff_page
@permission_required(roles.MANAGE_DESK, raise_exception=True)
@require_POST
def delete_threshold(request: HttpRequest, pk: int) -> HttpResponse:
    def change() -> HttpResponse:
        try:
            actions.delete_threshold(request.user, pk)
        except InputError as error:
            return _page(request, 422, refusal=[e.message for e in error.errors])
        messages.success(request, _("The threshold is deleted."))
        return _back(request.POST.get("measure", ""))

    return _acting(change)


@staff_page
@permission_required(roles.MANAGE_DESK, raise_exception=True)
@require_POST
def set_learning(request: HttpRequest) -> HttpResponse:
    form = LearningForm(request.POST)
    if not form.is_valid():
        return _page(request, 422, learning_form=form)

    def change() -> HttpResponse:
        data = form.cleaned_data
        try:
            actions.set_learning(
                request.user,
                use_learned=data["use_learned"],
                percentile=data["percentile"],
                min_samples=data["min_samples"],
            )
        except InputError as error:
            _form_errors(form, error)
            return _page(request, 422, learning_form=form)
        messages.success(request, _("The learning settings are saved."))
        return _back()

    return _acting(change)


@staff_page
@permission_required(roles.MANAGE_DESK, raise_exception=True)
@require_POST
def learn_now(request: HttpRequest) -> HttpResponse:
    def change() -> HttpResponse:
        count = actions.learn_now(request.user)
        messages.success(
            request,
            ngettext(
                "Learned from history: %(count)d lane threshold.",
                "Learned from history: %(count)d lane thresholds.",
                count,
            )
            % {"count": count},
        )
        return _back()

    return _acting(change)
