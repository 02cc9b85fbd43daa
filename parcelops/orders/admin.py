"""Django admin for the order catalogues. Orders themselves change only through actions,
so the admin shows them read-only."""

from django.contrib import admin

from parcelops.orders.models import Channel, Order, Product


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "kind", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "product_type", "category", "unit_price_cents")
    list_filter = ("product_type", "category")
    search_fields = ("sku", "name")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "channel",
        "state",
        "order_type",
        "review_state",
        "assignee",
        "total_cents",
        "received_at",
    )
    list_filter = ("state", "order_type", "channel")
    search_fields = ("number", "external_id")
    exclude = ("shipping_address",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
