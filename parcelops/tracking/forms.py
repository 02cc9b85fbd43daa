"""The HTML forms of the tracking pages. They read what people type; whether a parcel can be
handed over or an event stored is decided by parcelops.tracking.actions."""

from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils.translation import get_language, gettext_lazy

from parcelops.carriers import registry
from parcelops.carriers.detection import normalise_tracking_number, tracking_number_error
from parcelops.core.zones import zone_named
from parcelops.tracking.hand_over_checks import RequestedCarrierCheck


class TrackingNumberField(forms.CharField):
    """A tracking number as every entry reads it: normalised, and refused with the one
    message of parcelops.carriers.detection (so no length limit of its own, which would
    word a long number differently)."""

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # Room for the spaces people type; no phone keyboard "correcting" a code.
        return {
            **super().widget_attrs(widget),
            "maxlength": "64",
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
        }

    def to_python(self, value: Any) -> str:
        return normalise_tracking_number(super().to_python(value) or "")

    def validate(self, value: Any) -> None:
        super().validate(value)
        error = tracking_number_error(value) if value else None
        if error is not None:
            raise forms.ValidationError(error, code="invalid")


class CarrierField(forms.ChoiceField):
    """A carrier chosen from the list, or named any way registry.resolve_carrier reads
    (a provider's code, "YTO", "顺丰"); an unknown name lists the closest carriers."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        try:
            return registry.resolve_carrier(text)
        except registry.UnknownCarrierError as error:
            raise forms.ValidationError(error.message, code="invalid_choice") from error


def carrier_choices(*, in_use_only: bool = True) -> list[tuple[str, str]]:
    """The carriers (those in use, for new parcels), named in the page's language."""
    language = get_language() or settings.LANGUAGE_CODE
    carriers = registry.active_carriers() if in_use_only else registry.carriers()
    return [(info.code, info.name(language)) for info in carriers]


def viewer_zone(name: str) -> ZoneInfo:
    """The browser's time zone when it is a real one, else the site's."""
    return zone_named(name) or ZoneInfo(settings.TIME_ZONE)


class PublicTrackingForm(forms.Form):
    """The customer's parcel lookup: a tracking number, and the carrier when several share it."""

    number = TrackingNumberField(
        label=gettext_lazy("Tracking number"),
        widget=forms.TextInput(attrs={"enterkeyhint": "search"}),
    )
    carrier = CarrierField(label=gettext_lazy("Carrier (optional)"), required=False)
    # Set by the page's script from the browser; an unknown zone falls back to the site's.
    tz = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["carrier"]).choices = [
            ("", gettext_lazy("Any carrier")),
            *carrier_choices(in_use_only=False),  # older parcels of a retired carrier too
        ]


class HandOverForm(RequestedCarrierCheck):
    """A packed order's parcel goes to a carrier: which one, its number, its service."""

    carrier = CarrierField(label=gettext_lazy("Carrier"))
    tracking_number = TrackingNumberField(label=gettext_lazy("Tracking number"))
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
    number = TrackingNumberField(
        label=gettext_lazy("Tracking number"),
        widget=forms.TextInput(attrs={"autofocus": True, "enterkeyhint": "send"}),
    )

    # Only needed when two carriers' parcels share a number; stays chosen like the location.
    carrier = CarrierField(label=gettext_lazy("Carrier (optional)"), required=False)

    def __init__(self, *args: object, scan_choices: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["scan_type"]).choices = scan_choices
        cast(forms.ChoiceField, self.fields["carrier"]).choices = [
            ("", gettext_lazy("Any carrier")),
            *carrier_choices(),
        ]
