"""The warehouse's picking and packing pages (mounted by parcelops.warehouse.urls)."""

from django.urls import URLPattern, path

from parcelops.warehouse import packing_views

urlpatterns: list[URLPattern] = [
    path("packing/pick-lists/", packing_views.pick_lists, name="pick_lists"),
    path("packing/pick-lists/<str:number>/", packing_views.pick_list, name="pick_list"),
    path("packing/", packing_views.station, name="packing_station"),
    path("packing/orders/<str:number>/", packing_views.packing_order, name="packing_order"),
]
