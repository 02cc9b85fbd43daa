"""The forms of the thresholds page. They read what people type; whether a threshold is
valid (positive hours, a known carrier) is decided by threshold_actions, so the page and
any other caller refuse the same input with the same words."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy, pgettext_lazy

from parcelops.exceptions.kinds import Measure


class ThresholdForm(forms.Form):
    """One configured threshold of a measure (prefixed with the measure: one form per card)."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    carrier = forms.CharField(
        label=gettext_lazy("Carrier"),
        required=False,
        max_length=60,
        help_text=gettext_lazy("Any of its names; empty for every carrier."),
    )
    service = forms.CharField(label=gettext_lazy("Service"), required=False, max_length=60)
    origin_province = forms.CharField(
        label=gettext_lazy("From province"), required=False, max_length=40
    )
    destination_province = forms.CharField(
        label=gettext_lazy("To province"), required=False, max_length=40
    )
    hours = forms.FloatField(label=pgettext_lazy("threshold", "Hours"))

    def __init__(self, *args: Any, measure: str, **kwargs: Any) -> None:
        kwargs["prefix"] = measure
        super().__init__(*args, **kwargs)
        self.measure = Measure(measure)
        self.fields["carrier"].widget.attrs.update(
            {"list": "threshold-carriers", "autocomplete": "off"}
        )
        self.fields["hours"].widget.attrs.update({"step": "any", "inputmode": "decimal"})

    @property
    def is_editing(self) -> bool:
        return bool(self["id"].value())


class LearningForm(forms.Form):
    """Whether and how the desk uses thresholds learned from its own history."""

    use_learned = forms.BooleanField(
        label=gettext_lazy("Use learned thresholds where a lane has enough history"),
        required=False,
    )
    percentile = forms.FloatField(label=gettext_lazy("Percentile of the lane's history"))
    min_samples = forms.IntegerField(label=gettext_lazy("Samples a lane needs"))
