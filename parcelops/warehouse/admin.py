"""The warehouse's tables in the Django admin, for what the pages do not edit (SKU profiles,
packing materials, number ranges, and a look at the rest). Moves, reservations and
operations are records: read-only here, changed only by the actions."""

from django.contrib import admin

from parcelops.warehouse import models


@admin.register(models.Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "province", "city", "is_active")
    search_fields = ("code", "name", "city")


@admin.register(models.Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "warehouse", "walk_order")
    list_filter = ("warehouse",)


@admin.register(models.Bin)
class BinAdmin(admin.ModelAdmin):
    list_display = ("code", "warehouse", "zone", "walk_order", "is_active")
    list_filter = ("warehouse", "zone", "is_active")
    search_fields = ("code",)


@admin.register(models.SkuProfile)
class SkuProfileAdmin(admin.ModelAdmin):
    list_display = ("product", "weight_grams", "min_stock", "max_stock")
    search_fields = ("product__sku", "product__name")


@admin.register(models.PackingMaterial)
class PackingMaterialAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "kind", "on_hand", "is_active")
    list_filter = ("kind", "is_active")
    readonly_fields = ("on_hand",)  # the sum of its moves


@admin.register(models.NumberRange)
class NumberRangeAdmin(admin.ModelAdmin):
    list_display = ("carrier", "prefix", "first", "last", "next_serial", "is_active")
    list_filter = ("carrier", "is_active")


@admin.register(models.InspectionSchedule)
class InspectionScheduleAdmin(admin.ModelAdmin):
    list_display = ("warehouse", "kind", "every_days", "next_due")
    list_filter = ("warehouse", "kind")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the actions write: looked at here, never changed."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(models.StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ("product", "bin", "on_hand", "reserved")
    search_fields = ("product__sku", "bin__code")


@admin.register(models.StockMove)
class StockMoveAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "product", "bin", "quantity", "actor")
    list_filter = ("kind",)


@admin.register(models.Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("order", "product", "bin", "quantity", "state")
    list_filter = ("state",)


@admin.register(models.Operation)
class OperationAdmin(ReadOnlyAdmin):
    list_display = ("finished_at", "kind", "actor", "order", "units")
    list_filter = ("kind",)


@admin.register(models.Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("done_at", "schedule", "inspector")


@admin.register(models.FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ("action", "owner", "due_on", "done_at")


@admin.register(models.Parcel)
class ParcelAdmin(ReadOnlyAdmin):
    list_display = ("order", "warehouse", "carrier", "waybill_number", "packed_at")
    search_fields = ("waybill_number",)


@admin.register(models.Manifest)
class ManifestAdmin(ReadOnlyAdmin):
    list_display = ("number", "warehouse", "carrier", "state", "created_at")


@admin.register(models.FreightBill)
class FreightBillAdmin(ReadOnlyAdmin):
    list_display = ("carrier", "month", "file_name", "line_count", "imported_at")
