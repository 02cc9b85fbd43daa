"""The stock pages' forms: the stock list's filters and one form per stock move. The code
fields take what a handheld scanner types (the scanner acts as a keyboard and ends with
Enter: warehouse/stock.js moves to the next field instead of sending the form)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parcelops.orders.models import Product
from parcelops.warehouse.models import Warehouse, Zone


def _scan(label: Any, help_text: Any = "", *, autofocus: bool = False) -> forms.CharField:
    attrs = {
        "autocomplete": "off",
        "autocapitalize": "characters",
        "spellcheck": "false",
        "data-scan": "",
        "enterkeyhint": "next",
    }
    if autofocus:
        attrs["autofocus"] = ""
    return forms.CharField(
        label=label, max_length=80, help_text=help_text, widget=forms.TextInput(attrs=attrs)
    )


def _quantity(label: Any = None, *, signed: bool = False) -> forms.IntegerField:
    attrs = {"inputmode": "numeric" if not signed else "text", "enterkeyhint": "next"}
    return forms.IntegerField(
        label=label or _("Quantity"),
        min_value=None if signed else 1,
        widget=forms.NumberInput(attrs=attrs),
    )


BIN_HELP = _("Scan the shelf label; WAREHOUSE/BIN where two warehouses share a code.")


class ReceiveForm(forms.Form):
    sku = _scan(_("SKU"), autofocus=True)
    bin = _scan(_("Bin"), BIN_HELP)
    quantity = _quantity()
    reference = forms.CharField(
        label=_("Delivery note"), max_length=40, required=False,
        help_text=_("The supplier's note or purchase order number."),
    )  # fmt: skip
    reason = forms.CharField(label=_("Note"), max_length=300, required=False)


class MoveForm(forms.Form):
    sku = _scan(_("SKU"), autofocus=True)
    from_bin = _scan(_("From bin"), BIN_HELP)
    to_bin = _scan(_("To bin"))
    quantity = _quantity()
    reason = forms.CharField(label=_("Note"), max_length=300, required=False)


class AdjustForm(forms.Form):
    sku = _scan(_("SKU"), autofocus=True)
    bin = _scan(_("Bin"), BIN_HELP)
    quantity = _quantity(_("Change (+ found, − missing)"), signed=True)
    reason = forms.CharField(
        label=_("Reason"), max_length=300,
        help_text=_("Counted, damaged, lost, found: what the count showed."),
    )  # fmt: skip


class ReturnForm(forms.Form):
    order = _scan(_("Order number"), autofocus=True)
    sku = _scan(_("SKU"))
    bin = _scan(_("Bin"), BIN_HELP)
    quantity = _quantity()
    reason = forms.CharField(
        label=_("Reason"), max_length=300,
        help_text=_("Returned by the customer, refused at the door, pick put back."),
    )  # fmt: skip


class StockFilterForm(forms.Form):
    """The stock list's filters (a GET form)."""

    q = forms.CharField(
        label=_("SKU, name or bin"), required=False, max_length=80,
        widget=forms.TextInput(attrs={"data-scan": "", "autocomplete": "off"}),
    )  # fmt: skip
    warehouse = forms.ChoiceField(label=_("Warehouse"), required=False)
    zone = forms.ChoiceField(label=_("Zone"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    include_empty = forms.BooleanField(label=_("Show empty bins"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["warehouse"].choices = everything + [  # type: ignore[attr-defined]
            (w.code, str(w)) for w in Warehouse.objects.filter(is_active=True)
        ]
        zones = sorted(set(Zone.objects.values_list("code", flat=True)))
        self.fields["zone"].choices = everything + [(z, z) for z in zones]  # type: ignore[attr-defined]
        categories = (
            Product.objects.exclude(category="")
            .order_by("category")
            .values_list("category", flat=True)
            .distinct()
        )
        self.fields["category"].choices = everything + [(c, c) for c in categories]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "warehouse": data.get("warehouse") or "",
            "zone": data.get("zone") or "",
            "category": data.get("category") or "",
            "include_empty": bool(data.get("include_empty")),
        }


class PeriodForm(forms.Form):
    """The turnover report's period: the last N days."""

    days = forms.TypedChoiceField(
        label=_("Period"),
        coerce=int,
        required=False,
        choices=[
            (7, _("Last 7 days")),
            (30, _("Last 30 days")),
            (90, _("Last 90 days")),
            (365, _("Last 365 days")),
        ],
    )
