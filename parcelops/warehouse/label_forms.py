"""The forms of the label pages: a number range, a manifest to open, a scan, a hand-over."""

from django import forms
from django.utils.translation import gettext_lazy as _

from parcelops.warehouse.models import NumberRange


class NumberRangeForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=40)
    # The metaclass takes declared fields off the class, so Form.prefix stays as it was.
    prefix = forms.CharField(label=_("Prefix"), max_length=10, required=False)  # type: ignore[assignment]
    first = forms.IntegerField(label=_("First serial"), min_value=0)
    last = forms.IntegerField(label=_("Last serial"), min_value=0)
    digits = forms.IntegerField(label=_("Serial digits"), min_value=1, max_value=18)
    check_digit = forms.ChoiceField(
        label=_("Check digit"), choices=NumberRange.CheckDigit.choices, required=False
    )
    suffix = forms.CharField(label=_("Suffix"), max_length=10, required=False)
    low_alert_at = forms.IntegerField(
        label=_("Alert when fewer left than"), min_value=0, initial=1000
    )


class OpenManifestForm(forms.Form):
    warehouse = forms.TypedChoiceField(label=_("Warehouse"), coerce=int)
    carrier = forms.CharField(label=_("Carrier"), max_length=40)

    def __init__(self, *args, warehouses=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = list(warehouses)  # type: ignore[attr-defined]


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("Waybill or order number"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "enterkeyhint": "go",
            }
        ),
    )


class HandOverForm(forms.Form):
    driver_name = forms.CharField(label=_("Driver's name"), max_length=60)
