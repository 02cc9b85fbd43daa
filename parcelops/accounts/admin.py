from django import forms
from django.contrib import admin
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from parcelops.accounts.models import ApiToken, ShiftWindow, StaffProfile


class ShiftWindowForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=sorted(WEEKDAYS.items()), coerce=int
    )

    class Meta:
        model = ShiftWindow
        fields = ("weekday", "starts", "ends")
        help_texts = {
            "ends": _("Before the start (or equal to it): the shift runs past midnight."),
        }


class ShiftWindowInline(admin.TabularInline):
    """The person's weekly schedule; none: on shift whenever available."""

    model = ShiftWindow
    form = ShiftWindowForm
    extra = 1


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "display_name", "skills", "workload_limit", "is_on_shift")
    list_filter = ("is_on_shift",)
    search_fields = ("user__username", "display_name")
    inlines = (ShiftWindowInline,)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # tokens are shown once: create them with `parcelops token create`
