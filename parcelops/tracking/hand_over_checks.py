"""What the hand-over form says about the carrier before a parcel goes: the one the customer
asked for (another one needs a tick) and the ones the typed number fits (offered)."""

from django import forms
from django.conf import settings
from django.utils.translation import get_language, gettext, gettext_lazy

from parcelops.carriers.detection import detect_carriers
from parcelops.tracking.presentation import carrier_name


class RequestedCarrierCheck(forms.Form):
    """The base of the hand-over form (a form with `carrier` and `tracking_number` fields).
    The customer's carrier is `requested_carrier`, else the carrier the form starts with
    (order_parcels.hand_over_form starts it with the customer's), "" for none."""

    # Handing over to another carrier than the customer's is a choice made on purpose, not a
    # slip of the list: the page asks for this tick, and the server checks it.
    confirm_other_carrier = forms.BooleanField(
        label=gettext_lazy("Hand over to this carrier anyway"), required=False
    )

    def __init__(self, *args: object, requested_carrier: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.requested_carrier = requested_carrier or str(self.initial.get("carrier") or "")

    @property
    def requested_carrier_name(self) -> str:
        return carrier_name(self.requested_carrier, get_language() or settings.LANGUAGE_CODE)

    def suggested_carriers(self) -> list[tuple[str, str]]:
        """The carriers the typed number fits, best first, as (code, name): offered when the
        number came without a carrier or with one it does not fit."""
        number = str(self.data.get("tracking_number", "")) if self.is_bound else ""
        if not number.strip():
            return []
        codes = [candidate.code for candidate in detect_carriers(number)][:3]
        chosen = getattr(self, "cleaned_data", {}).get("carrier") or self.data.get("carrier")
        if chosen in codes:
            return []
        language = get_language() or settings.LANGUAGE_CODE
        return [(code, carrier_name(code, language)) for code in codes]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        carrier = cleaned.get("carrier")
        if (
            self.requested_carrier
            and carrier
            and carrier != self.requested_carrier
            and not cleaned.get("confirm_other_carrier")
        ):
            self.add_error(
                "confirm_other_carrier",
                gettext(
                    "The customer asked for %(requested)s. Tick the box to hand over to "
                    "another carrier anyway."
                )
                % {"requested": self.requested_carrier_name},
            )
        return cleaned
