"""The warehouse's choice pages (mounted by parcelops.warehouse.urls)."""

from django.urls import URLPattern, path

from parcelops.warehouse import choice_views

urlpatterns: list[URLPattern] = [
    path(
        "carriers/options/<str:number>/",
        choice_views.carrier_options_page,
        name="carrier_options",
    ),
]
