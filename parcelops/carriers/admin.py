"""The carriers in the Django admin: an administrator adds one (names, zone, provider codes,
a tracking-number pattern) without a release. Saving goes through the carriers' actions, so
it is audited and every process reloads the table."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from parcelops.carriers import actions
from parcelops.carriers.models import Carrier


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh", "country", "time_zone", "is_active")
    list_filter = ("is_active", "country")
    search_fields = ("code", "name_en", "name_zh")
    fields = (
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
    actions = None  # no bulk delete: it would skip the audit trail

    def save_model(self, request: HttpRequest, obj: Carrier, form: Any, change: bool) -> None:
        actions.save_carrier(obj, request.user)

    def delete_model(self, request: HttpRequest, obj: Carrier) -> None:
        actions.delete_carrier(obj, request.user)
