"""The warehouse's freight pages (mounted by parcelops.warehouse.urls)."""

from django.urls import URLPattern, path

from parcelops.warehouse import freight_views as views

urlpatterns: list[URLPattern] = [
    path("freight/", views.bills, name="freight_bills"),
    path("freight/import/", views.import_bill, name="freight_import"),
    path("freight/totals/", views.totals, name="freight_totals"),
    path("freight/<int:pk>/", views.bill, name="freight_bill"),
    path("freight/<int:pk>/disputes.xlsx", views.export_disputes, name="freight_disputes"),
]
