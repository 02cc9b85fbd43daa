"""The carriers in the Django admin: an administrator adds one (names, zone, provider codes,
a tracking-number pattern, where it delivers and what it offers) and its price table
without a release. Saving goes through the carriers' actions, so it is audited and every
process reloads the table."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parcelops.carriers import actions
from parcelops.carriers.models import Carrier, PriceRule

PRICE_FIELDS = (
    "service",
    "origin_province",
    "destination_province",
    "first_weight_grams",
    "first_cents",
    "additional_weight_grams",
    "additional_cents",
    "currency",
)


class PriceRuleInline(admin.TabularInline):
    """The carrier's price table on its own page: one row per zone (首重 + 续重)."""

    model = PriceRule
    fields = PRICE_FIELDS
    extra = 0


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh", "country", "time_zone", "is_active")
    list_filter = ("is_active", "country")
    search_fields = ("code", "name_en", "name_zh")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    "name_zh",
                    "name_en",
                    "country",
                    "time_zone",
                    "provider_codes",
                    "aliases",
                    "tracking_number_pattern",
                    "is_active",
                )
            },
        ),
        (
            _("Carrier choice"),
            {
                "fields": (
                    "coverage",
                    "services",
                    "default_transit_hours_p50",
                    "default_transit_hours_p90",
                    "volumetric_divisor",
                )
            },
        ),
    )
    inlines = (PriceRuleInline,)
    actions = None  # no bulk delete: it would skip the audit trail

    def save_model(self, request: HttpRequest, obj: Carrier, form: Any, change: bool) -> None:
        actions.save_carrier(obj, request.user)

    def delete_model(self, request: HttpRequest, obj: Carrier) -> None:
        actions.delete_carrier(obj, request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Each price row through the action, so every change of a price is audited.
        for rule in formset.save(commit=False):
            actions.save_price_rule(rule, request.user)
        for rule in formset.deleted_objects:
            actions.delete_price_rule(rule, request.user)


@admin.register(PriceRule)
class PriceRuleAdmin(admin.ModelAdmin):
    """Every carrier's prices in one list, filtered by carrier, service or province."""

    list_display = ("carrier", "service", *PRICE_FIELDS[1:])
    list_filter = ("carrier", "service", "origin_province", "destination_province")
    search_fields = ("carrier__code", "origin_province", "destination_province")
    list_select_related = ("carrier",)
    fields = ("carrier", *PRICE_FIELDS)
    actions = None  # no bulk delete: it would skip the audit trail

    def save_model(self, request: HttpRequest, obj: PriceRule, form: Any, change: bool) -> None:
        actions.save_price_rule(obj, request.user)

    def delete_model(self, request: HttpRequest, obj: PriceRule) -> None:
        actions.delete_price_rule(obj, request.user)
