"""The forms of the warehouse settings and setup pages (whether the values make sense is
decided by parcelops.warehouse.actions.warehouse_settings and .setup)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from parcelops.warehouse.models import Warehouse, Zone


def _number(label: Any, help_text: Any = "", **attrs: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", **attrs}),
    )


class SettingsForm(forms.Form):
    weight_tolerance_percent = _number(
        gettext_lazy("Weight tolerance (%)"),
        gettext_lazy("A parcel weighing more than this share off its expected weight is refused."),
    )
    weight_tolerance_grams = _number(
        gettext_lazy("Weight tolerance, at least (g)"),
        gettext_lazy("For light parcels: never refused within this many grams."),
    )
    cost_weight = _number(gettext_lazy("Cost"))
    speed_weight = _number(gettext_lazy("Speed"))
    reliability_weight = _number(gettext_lazy("Reliability"))
    insure_above = forms.DecimalField(
        label=gettext_lazy("Insure orders above (yuan)"),
        min_value=0,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    bill_tolerance = forms.DecimalField(
        label=gettext_lazy("Freight bill tolerance (yuan)"),
        min_value=0,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    bill_tolerance_percent = _number(
        gettext_lazy("Freight bill tolerance (%)"),
        gettext_lazy("A line billed more than the quote plus both tolerances is over-billed."),
    )

    def values(self) -> dict[str, int]:
        data = self.cleaned_data
        values = {
            name: data[name]
            for name in (
                "weight_tolerance_percent",
                "weight_tolerance_grams",
                "cost_weight",
                "speed_weight",
                "reliability_weight",
                "bill_tolerance_percent",
            )
        }
        values["insure_above_cents"] = int(data["insure_above"] * 100)
        values["bill_tolerance_cents"] = int(data["bill_tolerance"] * 100)
        return values


class WarehouseForm(forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = (
            "code", "name", "province", "city", "address", "contact_name", "contact_phone",
            "is_active",
        )  # fmt: skip

    def validate_unique(self) -> None:
        """The action says when a code is taken (and in the page's language)."""


class ZoneForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=20)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, required=False)
    walk_order = forms.IntegerField(
        label=gettext_lazy("Walk order"), min_value=0, initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip


class BinRangeForm(forms.Form):
    first = forms.CharField(
        label=gettext_lazy("First bin"),
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "A-01-01", "autocapitalize": "characters"}),
    )
    last = forms.CharField(
        label=gettext_lazy("Last bin"),
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "A-10-04", "autocapitalize": "characters"}),
    )


class BinForm(forms.Form):
    zone = forms.ModelChoiceField(label=gettext_lazy("Zone"), queryset=Zone.objects.none())
    walk_order = forms.IntegerField(
        label=gettext_lazy("Walk order"), min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip
    is_active = forms.BooleanField(label=gettext_lazy("In use"), required=False)
