"""The forms of the desk's settings pages. They read what people type (hours, percentages,
times of day, dates); whether the settings make sense is decided by
parcelops.exceptions.settings_actions."""

import re
from collections.abc import Mapping
from datetime import time
from typing import Any

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy

from parcelops.exceptions import kinds
from parcelops.exceptions.calendar import clock_text, parse_clock
from parcelops.exceptions.models import CalendarDay, DeskSettings
from parcelops.exceptions.settings_actions import target_field

_PERCENT_SEPARATORS = re.compile(r"[\s,，、;；%]+")


def percent_text(fractions: list[float]) -> str:
    """Fractions as the page shows them: "50, 80"."""
    return ", ".join(f"{round(fraction * 100, 4):g}" for fraction in fractions)


class SlaSettingsForm(forms.Form):
    """The handling time of each severity for every type, each type's own where it
    differs (blank: as for every type), and when the owner is warned."""

    warning_fractions = forms.CharField(
        label=gettext_lazy("Warn the owner at these percentages of the time to the deadline"),
        required=False,
        help_text=gettext_lazy(
            "Percentages separated by commas, earliest first, such as 50, 80. "
            "Leave empty for no warnings."
        ),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for case_type in ["", *kinds.CaseType.values]:
            for severity, label in kinds.Severity.choices:
                self.fields[target_field(case_type, severity)] = forms.FloatField(
                    label=label,
                    required=not case_type,
                    widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
                )

    @staticmethod
    def initial_from(targets: Mapping[tuple[str, str], float], fractions: list[float]) -> dict:
        """The form's values for the stored targets (every type's falling back to the
        manual's default) and warnings."""
        initial: dict[str, Any] = {"warning_fractions": percent_text(fractions)}
        for severity in kinds.Severity.values:
            initial[target_field("", severity)] = targets.get(
                ("", severity), kinds.DEFAULT_SLA_HOURS[severity]
            )
        for (case_type, severity), hours in targets.items():
            initial[target_field(case_type, severity)] = hours
        return initial

    def clean_warning_fractions(self) -> list[float]:
        text = self.cleaned_data["warning_fractions"]
        try:
            return [float(part) / 100 for part in _PERCENT_SEPARATORS.split(text) if part]
        except ValueError as error:
            raise forms.ValidationError(
                gettext_lazy("Write percentages separated by commas, such as 50, 80."),
                code="invalid",
            ) from error

    def targets(self) -> dict[tuple[str, str], float | None]:
        """(type or "", severity) -> hours, None where a type follows every type's."""
        return {
            (case_type, severity): self.cleaned_data[target_field(case_type, severity)]
            for case_type in ["", *kinds.CaseType.values]
            for severity in kinds.Severity.values
        }


class ClockField(forms.CharField):
    """A time of day typed as 09:00 (24:00 for the midnight ending a window)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            widget=forms.TextInput(
                attrs={
                    "placeholder": "09:00",
                    "maxlength": "5",
                    "inputmode": "numeric",
                    "autocomplete": "off",
                }
            ),
            **kwargs,
        )

    def to_python(self, value: Any) -> time | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_clock(text)
        except ValueError as error:
            raise forms.ValidationError(
                gettext_lazy("Write a time of day such as 09:00 or 18:30."), code="invalid"
            ) from error

    def prepare_value(self, value: Any) -> Any:
        return clock_text(value, is_end=True) if isinstance(value, time) else value


class WindowForm(forms.Form):
    """One working window of a working day; a row left empty (or emptied) is no window."""

    starts = ClockField(label=gettext_lazy("From"), required=False)
    ends = ClockField(label=gettext_lazy("To"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts"), cleaned.get("ends")
        if (starts is None) != (ends is None) and not self.errors:
            self.add_error(
                "ends" if ends is None else "starts",
                gettext_lazy("Give both the start and the end of the window."),
            )
        return cleaned


WindowFormSet = forms.formset_factory(WindowForm, extra=1, can_delete=True, max_num=8)


def windows_of(formset: forms.BaseFormSet) -> list[tuple[time, time]]:
    """The windows a valid formset keeps (filled in, not marked for removal)."""
    return [
        (form.cleaned_data["starts"], form.cleaned_data["ends"])
        for form in formset.forms
        if form.cleaned_data.get("starts") is not None and not form.cleaned_data.get("DELETE")
    ]


class CalendarSettingsForm(forms.Form):
    calendar = forms.ChoiceField(
        label=gettext_lazy("Deadlines count"),
        choices=DeskSettings.CalendarKind.choices,
        widget=forms.RadioSelect,
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Working weekdays"),
        choices=sorted(WEEKDAYS.items()),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    use_official_calendar = forms.BooleanField(
        label=gettext_lazy("Follow China's official public holidays and make-up working days"),
        required=False,
    )


class CalendarDayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(label=gettext_lazy("The day is"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(
        label=gettext_lazy("Name (optional)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. Company anniversary")}),
    )
