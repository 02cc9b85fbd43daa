"""The warehouse's home page, inspections, operation rates, settings and setup (mounted by
parcelops.warehouse.urls)."""

from django.urls import URLPattern, path

from parcelops.warehouse import home_views, inspection_views, rates_views, setup_views

urlpatterns: list[URLPattern] = [
    path("", home_views.home, name="home"),
    path("inspections/", inspection_views.inspections, name="inspections"),
    path("inspections/schedules/new/", inspection_views.schedule_form, name="schedule_new"),
    path("inspections/schedules/<int:pk>/", inspection_views.schedule_form, name="schedule_edit"),
    path(
        "inspections/schedules/<int:pk>/record/", inspection_views.record, name="inspection_record"
    ),
    path("inspections/<int:pk>/", inspection_views.inspection, name="inspection"),
    path("inspections/photos/<int:pk>/", inspection_views.photo, name="inspection_photo"),
    path(
        "inspections/follow-ups/<int:pk>/done/",
        inspection_views.complete_follow_up,
        name="follow_up_done",
    ),
    path("rates/", rates_views.rates, name="operation_rates"),
    path("settings/", setup_views.settings_page, name="settings"),
    path("setup/", setup_views.setup_list, name="setup"),
    path("setup/new/", setup_views.warehouse_new, name="warehouse_new"),
    path("setup/<int:pk>/", setup_views.warehouse_edit, name="warehouse_edit"),
    path("setup/<int:pk>/zones/", setup_views.zone_save, name="zone_add"),
    path("setup/<int:pk>/zones/<int:zone_pk>/", setup_views.zone_save, name="zone_edit"),
    path("setup/zones/<int:zone_pk>/bins/", setup_views.bins_add, name="bins_add"),
    path("setup/bins/<int:bin_pk>/", setup_views.bin_save, name="bin_edit"),
]
