"""The HTML forms of the tracking pages. They read what people type; whether a parcel can be
handed over or an event stored is decided by parcelops.tracking.actions."""

from typing import cast
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils.translation import get_language, gettext_lazy

from parcelops.carriers import registry
from parcelops.core.zones import zone_named
from parcelops.tracking.hand_over_checks import RequestedCarrierCheck
from parcelops.tracking.presentation import carrier_name


def normalised_number(value: str) -> str:
    """Tracking numbers are stored without spaces, in capitals (as create_shipment does)."""
    return "".join(value.split()).upper()


def carrier_choices() -> list[tuple[str, str]]:
    """The carriers of the registry, named in the page's language."""
    language = get_language() or settings.LANGUAGE_CODE
    return [(info.code, carrier_name(info.code, language)) for info in registry.CARRIERS]


def viewer_zone(name: str) -> ZoneInfo:
    """The browser's time zone when it is a real one, else the site's."""
    return zone_named(name) or ZoneInfo(settings.TIME_ZONE)


class PublicTrackingForm(forms.Form):
    """The customer's parcel lookup: a tracking number, and the carrier when several share it."""

    number = forms.CharField(
        label=gettext_lazy("Tracking number"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "enterkeyhint": "search",
            }
        ),
    )
    carrier = forms.ChoiceField(label=gettext_lazy("Carrier (optional)"), required=False)
    # Set by the page's script from the browser; an unknown zone falls back to the site's.
    tz = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["carrier"]).choices = [
            ("", gettext_lazy("Any carrier")),
            *carrier_choices(),
        ]

    def clean_number(self) -> str:
        return normalised_number(self.cleaned_data["number"])


class HandOverForm(RequestedCarrierCheck):
    """A packed order's parcel goes to a carrier: which one, its number, its service."""

    carrier = forms.ChoiceField(label=gettext_lazy("Carrier"))
    tracking_number = forms.CharField(
        label=gettext_lazy("Tracking number"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    service = forms.CharField(
        label=gettext_lazy("Service (optional)"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("For example “standard” or “next day”."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["carrier"]).choices = [("", "—"), *carrier_choices()]


class ScanForm(forms.Form):
    """One scan at the dock: the type and location stay, the number changes every time."""

    scan_type = forms.ChoiceField(label=gettext_lazy("Scan type"))
    location = forms.CharField(
        label=gettext_lazy("Location"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. Hangzhou warehouse")}),
    )
    number = forms.CharField(
        label=gettext_lazy("Tracking number"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
                "enterkeyhint": "send",
            }
        ),
    )

    def __init__(self, *args: object, scan_choices: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["scan_type"]).choices = scan_choices

    def clean_number(self) -> str:
        number = normalised_number(self.cleaned_data["number"])
        if not 6 <= len(number) <= 40 or not number.isalnum():
            raise forms.ValidationError(
                gettext_lazy("A tracking number has 6 to 40 letters and digits.")
            )
        return number
