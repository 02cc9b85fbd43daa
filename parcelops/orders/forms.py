"""The HTML forms of the order pages. They collect and convert what people type; whether an
order is acceptable is decided by parcelops.orders.rules through the actions, so the pages,
the API and the importers all give the same answers.
"""

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission, User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcelops.accounts.presentation import display_name
from parcelops.core.errors import FieldError
from parcelops.core.money import format_cents
from parcelops.orders.models import Channel, Order
from parcelops.orders.rules import CURRENCIES
from parcelops.orders.states import CustomerTier, OrderState, OrderType, ReviewState

WHOLE_NUMBER = re.compile(r"^-?\d+$")
MONEY_HINT = "0.00"


def order_processors() -> QuerySet[User]:
    """Everyone who may be given orders to process (reassign_order checks the same permission)."""
    permission = Permission.objects.filter(
        content_type__app_label="orders", codename="process_order"
    ).first()
    people = get_user_model().objects.filter(is_active=True)
    return (
        people.filter(
            Q(groups__permissions=permission)
            | Q(user_permissions=permission)
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("username")
    )


def _blank_first(choices: Any, blank_label: str) -> list[tuple[str, str]]:
    return [("", blank_label), *[(str(value), str(label)) for value, label in choices]]


class OrderFilterForm(forms.Form):
    """The list filters; the list itself reads request.GET through queries.OrderFilters."""

    q = forms.CharField(
        label=gettext_lazy("Order number, external id or SKU"), required=False, max_length=100
    )
    state = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    order_type = forms.ChoiceField(label=gettext_lazy("Order type"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)
    assignee = forms.ChoiceField(label=gettext_lazy("Assignee"), required=False)
    review_state = forms.ChoiceField(label=gettext_lazy("Review"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("Received from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=gettext_lazy("Received until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Customer phone"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=gettext_lazy("Customer email"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=gettext_lazy("Customer name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    # Filters that live behind "More filters"; the details box opens when one is in use.
    ADVANCED = ("order_type", "channel", "assignee", "review_state", "date_from", "date_to")
    CUSTOMER = ("phone", "email", "name")

    def __init__(self, *args: Any, customer_search: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        # Only roles that may see customer data search by it (the list answers 403 to the
        # others' phone, email or name filters): the others are not offered the fields.
        self.customer_search = customer_search
        if customer_search:
            fields["q"].label = _("Order number, SKU, or the customer's phone, email or name")
        else:
            for name in self.CUSTOMER:
                del fields[name]
        fields["state"].choices = _blank_first(OrderState.choices, _("All statuses"))  # type: ignore[attr-defined]
        fields["order_type"].choices = _blank_first(OrderType.choices, _("All types"))  # type: ignore[attr-defined]
        fields["review_state"].choices = _blank_first(ReviewState.choices, _("Any review state"))  # type: ignore[attr-defined]
        fields["channel"].choices = _blank_first(  # type: ignore[attr-defined]
            Channel.objects.order_by("name").values_list("code", "name"), _("All channels")
        )
        fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            ("none", _("Unassigned")),
            *[
                (user.username, display_name(user))
                for user in order_processors().select_related("staff_profile")
            ],
        ]

    def advanced_in_use(self) -> bool:
        data = self.data
        return any(data.get(name) for name in (*self.ADVANCED, *self.CUSTOMER))


class NewOrderForm(forms.Form):
    """A staff member types in an order taken by phone or in person (R2.1.1).

    Fields stay optional here: the intake rules say what is missing, with the same
    messages the API gives.
    """

    channel = forms.ChoiceField(label=gettext_lazy("Channel"))
    external_id = forms.CharField(
        label=gettext_lazy("External order id"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("The shop's or marketplace's own number for this order."),
    )
    placed_at = forms.DateTimeField(
        label=gettext_lazy("Placed at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    is_paid = forms.BooleanField(
        label=gettext_lazy("The customer has paid"), required=False, initial=True
    )
    customer_name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=100)
    customer_phone = forms.CharField(
        label=gettext_lazy("Phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    customer_email = forms.CharField(
        label=gettext_lazy("Email"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}),
    )
    customer_tier = forms.ChoiceField(
        label=gettext_lazy("Customer tier"),
        choices=CustomerTier.choices,
        initial=CustomerTier.REGULAR,
    )
    province = forms.CharField(label=gettext_lazy("Province"), required=False)
    city = forms.CharField(label=gettext_lazy("City"), required=False)
    district = forms.CharField(label=gettext_lazy("District"), required=False)
    street = forms.CharField(label=gettext_lazy("Street and number"), required=False)
    postal_code = forms.CharField(label=gettext_lazy("Postal code"), required=False)
    country = forms.CharField(label=gettext_lazy("Country"), required=False, initial="CN")
    discount = forms.CharField(
        label=gettext_lazy("Discount"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": MONEY_HINT}),
    )
    shipping_fee = forms.CharField(
        label=gettext_lazy("Shipping fee"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": MONEY_HINT}),
    )
    total = forms.CharField(
        label=gettext_lazy("Total"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": MONEY_HINT}),
        help_text=gettext_lazy("Lines - discount + shipping fee, to the cent."),
    )
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"), choices=[(c, c) for c in CURRENCIES], initial="CNY"
    )
    requested_carrier = forms.CharField(
        label=gettext_lazy("Carrier the customer asked for"), required=False, max_length=40
    )
    promised_delivery_date = forms.CharField(
        label=gettext_lazy("Promised delivery date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    # Where each field of the intake document is typed in (rules name fields by these paths).
    FIELD_FOR_PATH = {
        "channel": "channel",
        "external_id": "external_id",
        "placed_at": "placed_at",
        "is_paid": "is_paid",
        "customer": "customer_name",
        "customer.name": "customer_name",
        "customer.phone": "customer_phone",
        "customer.email": "customer_email",
        "customer.tier": "customer_tier",
        "shipping_address": "street",
        "shipping_address.province": "province",
        "shipping_address.city": "city",
        "shipping_address.district": "district",
        "shipping_address.street": "street",
        "shipping_address.postal_code": "postal_code",
        "shipping_address.country": "country",
        "discount": "discount",
        "shipping_fee": "shipping_fee",
        "total": "total",
        "currency": "currency",
        "requested_carrier": "requested_carrier",
        "promised_delivery_date": "promised_delivery_date",
    }

    # Required by the intake rules (R2.1.3); a phone or an email is, too, but not each one.
    REQUIRED_BY_RULES = (
        "external_id",
        "placed_at",
        "customer_name",
        "province",
        "city",
        "street",
        "total",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.REQUIRED_BY_RULES:
            self.fields[name].widget.attrs["aria-required"] = "true"
        channels = list(Channel.objects.filter(is_active=True).values_list("code", "name"))
        self.fields["channel"].choices = _blank_first(channels, _("Choose a channel"))  # type: ignore[attr-defined]
        if not self.is_bound:
            if len(channels) == 1:
                self.initial.setdefault("channel", channels[0][0])
            self.initial.setdefault(
                "placed_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def intake_document(self, lines: list[dict[str, Any]]) -> dict[str, Any]:
        """The intake dict of actions.intake_order, built from the cleaned fields."""
        data = self.cleaned_data
        placed_at: datetime | None = data.get("placed_at")
        document: dict[str, Any] = {
            "channel": data.get("channel", ""),
            "external_id": data.get("external_id", ""),
            "placed_at": placed_at.isoformat() if placed_at else None,
            "is_paid": bool(data.get("is_paid")),
            "customer": {
                "name": data.get("customer_name", ""),
                "phone": data.get("customer_phone", ""),
                "email": data.get("customer_email", ""),
                "tier": data.get("customer_tier", ""),
            },
            "shipping_address": {
                key: data.get(key, "")
                for key in ("province", "city", "district", "street", "postal_code", "country")
            },
            "lines": lines,
            "currency": data.get("currency", ""),
            "requested_carrier": data.get("requested_carrier", ""),
            "promised_delivery_date": data.get("promised_delivery_date") or None,
        }
        for key in ("discount", "shipping_fee", "total"):
            if data.get(key):
                document[key] = data[key]
        return document


class OrderLineForm(forms.Form):
    """One line of a new order. The quantity stays text so the rules can name a bad one."""

    sku = forms.CharField(label=gettext_lazy("SKU"), required=False, max_length=64)
    name = forms.CharField(label=gettext_lazy("Product name"), required=False, max_length=200)
    quantity = forms.CharField(
        label=gettext_lazy("Quantity"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "data-line-quantity": ""}),
    )
    unit_price = forms.CharField(
        label=gettext_lazy("Unit price"),
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "placeholder": MONEY_HINT, "data-line-price": ""}
        ),
    )

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(str(data.get(key) or "").strip() for key in self.fields)

    def intake_line(self) -> dict[str, Any]:
        data = self.cleaned_data
        quantity = _whole_number_or_text(str(data.get("quantity") or ""))
        line: dict[str, Any] = {"sku": data.get("sku", ""), "name": data.get("name", "")}
        if quantity != "":
            line["quantity"] = quantity
        if data.get("unit_price"):
            line["unit_price"] = data["unit_price"]
        return line


OrderLineFormSet = forms.formset_factory(
    OrderLineForm, extra=1, max_num=100, validate_max=True, absolute_max=100
)


def show_field_errors(
    errors: list[FieldError],
    form: forms.Form,
    line_forms: Sequence[forms.Form],
    field_for_path: dict[str, str],
) -> list[FieldError]:
    """Put each rule error next to the field it names; returns those that fit no field.

    Line paths look like "lines[2].quantity": the index counts the lines sent to the action,
    which are ``line_forms`` in order.
    """
    leftover: list[FieldError] = []
    for error in errors:
        match = re.match(r"^lines\[(\d+)\](?:\.(\w+))?$", error.field)
        if match:
            index, name = int(match.group(1)), match.group(2)
            if index < len(line_forms):
                target = line_forms[index]
                target.add_error(name if name in target.fields else None, error.message)
                continue
        elif error.field in field_for_path:
            form.add_error(field_for_path[error.field], error.message)
            continue
        leftover.append(error)
    return leftover


class EditLineForm(forms.Form):
    line_id = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.CharField(
        label=gettext_lazy("Quantity"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    unit_price = forms.CharField(
        label=gettext_lazy("Unit price"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


EditLineFormSet = forms.formset_factory(EditLineForm, extra=0, max_num=500, absolute_max=500)


class EditAmountsForm(forms.Form):
    discount = forms.CharField(
        label=gettext_lazy("Discount"), widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    shipping_fee = forms.CharField(
        label=gettext_lazy("Shipping fee"), widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    comment = forms.CharField(
        label=gettext_lazy("Why the change"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    FIELD_FOR_PATH = {"discount": "discount", "shipping_fee": "shipping_fee"}


def edit_forms_for(
    order: Order, data: Any = None
) -> tuple[EditAmountsForm, forms.BaseFormSet, list[Any]]:
    """The edit page's forms, filled with the order's current values."""
    lines = list(order.lines.all())
    amounts = EditAmountsForm(
        data,
        initial={
            "discount": format_cents(order.discount_cents),
            "shipping_fee": format_cents(order.shipping_fee_cents),
        },
    )
    line_forms = EditLineFormSet(
        data,
        prefix="lines",
        initial=[
            {
                "line_id": line.pk,
                "quantity": line.quantity,
                "unit_price": format_cents(line.unit_price_cents),
            }
            for line in lines
        ],
    )
    return amounts, line_forms, lines


def edit_document(amounts: EditAmountsForm, line_forms: forms.BaseFormSet) -> dict[str, Any]:
    """What the edit page's fields say, in the shape rules.read_order_edit checks (as the API)."""
    return {
        "lines": [
            {
                "id": form.cleaned_data["line_id"],
                "quantity": _whole_number_or_text(form.cleaned_data["quantity"]),
                "unit_price": form.cleaned_data["unit_price"].strip(),
            }
            for form in line_forms.forms
        ],
        "discount": amounts.cleaned_data["discount"].strip(),
        "shipping_fee": amounts.cleaned_data["shipping_fee"].strip(),
    }


def _whole_number_or_text(text: str) -> int | str:
    """A typed quantity: a number when it is one, else the text, for the rules to name."""
    text = text.strip()
    return int(text) if WHOLE_NUMBER.match(text) else text


class PublicLookupForm(forms.Form):
    """The customer's order lookup: the order number and the last four digits of the phone."""

    number = forms.CharField(
        label=gettext_lazy("Order number"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    phone_last4 = forms.CharField(
        label=gettext_lazy("Last 4 digits of your phone number"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}"}
        ),
    )

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip().upper()

    def clean_phone_last4(self) -> str:
        digits = self.cleaned_data["phone_last4"].strip()
        if not (len(digits) == 4 and digits.isdigit()):
            raise forms.ValidationError(_("Enter exactly 4 digits."))
        return digits
