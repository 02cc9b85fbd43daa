from django.contrib import admin

from parcelops.accounts.models import ApiToken, StaffProfile


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "display_name", "skills", "workload_limit", "is_on_shift")
    list_filter = ("is_on_shift",)
    search_fields = ("user__username", "display_name")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # tokens are shown once: create them with `parcelops token create`
