"""The inspection pages' forms: they read what people type and pick; whether it makes
sense is decided by parcelops.warehouse.actions.inspections."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from parcelops.accounts.presentation import display_name
from parcelops.warehouse.access import warehouse_people
from parcelops.warehouse.models import InspectionKind, Warehouse


class ScheduleForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        label=gettext_lazy("Warehouse"), queryset=Warehouse.objects.filter(is_active=True)
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=InspectionKind.choices)
    every_days = forms.IntegerField(
        label=gettext_lazy("Every (days)"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    next_due = forms.DateField(
        label=gettext_lazy("Next due"), widget=forms.DateInput(attrs={"type": "date"})
    )
    checklist = forms.CharField(
        label=gettext_lazy("Checklist"),
        help_text=gettext_lazy("One question a line, in the order they are walked."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def questions(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["checklist"].splitlines()]


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos at once from a phone's camera or gallery (checked by the action)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleImageField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class InspectionForm(forms.Form):
    """The answers (one radio group per question), findings, photos."""

    findings = forms.CharField(
        label=gettext_lazy("Findings"),
        required=False,
        help_text=gettext_lazy("What you saw; required when a question has a problem."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = MultipleImageField(
        label=gettext_lazy("Photos"),
        required=False,
        help_text=gettext_lazy("JPEG, PNG or WebP, up to 10 MB each."),
    )

    def __init__(self, checklist: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        for index, question in enumerate(checklist):
            self.fields[f"answer_{index}"] = forms.ChoiceField(
                label=question,
                choices=[("ok", gettext_lazy("OK")), ("problem", gettext_lazy("Problem"))],
                widget=forms.RadioSelect,
                required=False,
            )

    def answer_fields(self) -> list[forms.BoundField]:
        return [self[f"answer_{index}"] for index in range(len(self.checklist))]

    def answers(self) -> dict[str, str]:
        return {
            question: self.cleaned_data.get(f"answer_{index}") or ""
            for index, question in enumerate(self.checklist)
        }


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class FollowUpForm(forms.Form):
    """One follow-up action; a row left empty is no follow-up."""

    action = forms.CharField(
        label=gettext_lazy("Action"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. Replace extinguisher 3")}),
    )
    owner = OwnerChoiceField(label=gettext_lazy("Owner"), queryset=None, required=False)  # type: ignore[arg-type]
    due_on = forms.DateField(
        label=gettext_lazy("Due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = warehouse_people()  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("action") or data.get("owner") or data.get("due_on"))


FollowUpFormSet = forms.formset_factory(FollowUpForm, extra=3, max_num=10)
