"""The HTML forms of the desk's pages: the queue's filters, reporting a case, and one form
per action on a case. They read what people type; what is allowed is decided by
parcelops.exceptions.actions."""

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parcelops.accounts.presentation import display_name
from parcelops.core.money import MoneyFormatError, parse_cents
from parcelops.exceptions.kinds import CaseType, OwnerTier, Resolution, Severity
from parcelops.exceptions.queries import ME, NOBODY
from parcelops.tracking.forms import CarrierField, TrackingNumberField, carrier_choices

ALL = "all"  # the queue's state filter: open and closed alike


def _text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def desk_people() -> list[Any]:
    """Everyone whose role may work on cases, by name."""
    people = (
        get_user_model()
        .objects.filter(
            Q(
                groups__permissions__codename="handle_case",
                groups__permissions__content_type__app_label="exceptions",
            )
            | Q(is_superuser=True),
            is_active=True,
        )
        .select_related("staff_profile")
        .distinct()
    )
    return sorted(people, key=lambda person: display_name(person).lower())


class CaseFilterForm(forms.Form):
    """The queue's filters (a GET form): what parcelops.exceptions.queries reads."""

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("open", _("Open")), ("closed", _("Closed")), (ALL, _("All"))],
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *CaseType.choices]
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", _("All severities")), *Severity.choices],
    )
    owner_tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("All tiers")), *OwnerTier.choices]
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    carrier = forms.ChoiceField(label=_("Carrier"), required=False)
    breached = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("Any")), ("true", _("Breached")), ("false", _("Not breached"))],
    )
    order = forms.CharField(label=_("Order number"), required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), required=False)
    q = forms.CharField(
        label=_("Search closed cases"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Words of a cause, action or lesson")}
        ),
    )

    ADVANCED = ("breached", "order", "tracking_number", "owner_tier", "state")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner"]).choices = [
            ("", _("Anyone")),
            (ME, _("Me")),
            (NOBODY, _("Unassigned")),
            *((person.get_username(), display_name(person)) for person in desk_people()),
        ]
        cast(forms.ChoiceField, self.fields["carrier"]).choices = [
            ("", _("Any carrier")),
            *carrier_choices(in_use_only=False),
        ]

    @property
    def advanced_in_use(self) -> bool:
        return bool(self.data) and any(self.data.get(name) for name in self.ADVANCED)


class ReportForm(forms.Form):
    order = forms.CharField(label=_("Order number"), max_length=40)
    tracking_number = TrackingNumberField(
        label=_("Tracking number (optional)"),
        required=False,
        help_text=_("One of the order’s parcels; leave empty for a case on the whole order."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *CaseType.choices])
    severity = forms.ChoiceField(
        label=_("Severity (optional)"),
        required=False,
        choices=[("", _("Decided by the desk’s rules")), *Severity.choices],
    )
    description = forms.CharField(label=_("What happened"), widget=_text_area(4), max_length=4000)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=_text_area(), max_length=4000)


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    reason = forms.CharField(label=_("Reason"), widget=_text_area(2), max_length=1000)


class AssignForm(forms.Form):
    username = forms.ChoiceField(label=_("Give to"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["username"]).choices = [
            ("", "—"),
            *((person.get_username(), display_name(person)) for person in desk_people()),
        ]


CONTACT_CHANNELS = [
    ("phone", _("By phone")),
    ("email", _("By email")),
    ("portal", _("Through the carrier’s portal")),
    ("api", _("Through the carrier’s API")),
    ("other", _("Another way")),
]


class ContactCarrierForm(forms.Form):
    channel = forms.ChoiceField(label=_("How"), choices=CONTACT_CHANNELS)
    summary = forms.CharField(label=_("What was said"), widget=_text_area(), max_length=4000)
    reference = forms.CharField(
        label=_("Carrier’s reference (optional)"), required=False, max_length=100
    )


class NotifyCustomerForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("The customer’s")), ("zh-hans", "中文"), ("en", "English")],
    )
    extra = forms.CharField(
        label=_("Added sentence (optional)"),
        required=False,
        widget=_text_area(2),
        max_length=1000,
    )


class ReshipForm(forms.Form):
    carrier = CarrierField(label=_("Carrier"))
    tracking_number = TrackingNumberField(label=_("Tracking number"))
    service = forms.CharField(label=_("Service (optional)"), required=False, max_length=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["carrier"]).choices = [("", "—"), *carrier_choices()]


class MoneyField(forms.CharField):
    """An amount such as 12.50, as integer cents."""

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "decimal", "placeholder": "0.00"}

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_cents(text)
        except MoneyFormatError as error:
            raise forms.ValidationError(
                _("Enter an amount such as 12.50."), code="invalid"
            ) from error


class RefundForm(forms.Form):
    amount = MoneyField(label=_("Amount"))
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("refund", _("Refund")), ("compensation", _("Compensation"))]
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, widget=_text_area(2))


class ClaimForm(forms.Form):
    amount = MoneyField(label=_("Amount claimed"))
    evidence = forms.CharField(label=_("Evidence"), widget=_text_area(), max_length=4000)
    window_days = forms.IntegerField(
        label=_("Claim window (days)"), initial=30, min_value=1, max_value=3650
    )


class CloseForm(forms.Form):
    # "Condition cleared" is the desk's own resolution when a case closes by itself.
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        choices=[
            ("", "—"),
            *((value, label) for value, label in Resolution.choices if value != Resolution.CLEARED),
        ],
    )
    cause = forms.CharField(label=_("Cause"), widget=_text_area(2), max_length=4000)
    action_taken = forms.CharField(label=_("Action taken"), widget=_text_area(2), max_length=4000)
    lesson = forms.CharField(label=_("Lesson"), widget=_text_area(2), max_length=4000)
