"""The warehouse's stock pages (mounted by parcelops.warehouse.urls)."""

from django.urls import URLPattern, path

from parcelops.warehouse import stock_views as views

urlpatterns: list[URLPattern] = [
    path("stock/", views.stock_list, name="stock_list"),
    path("stock/sku/<str:sku>/", views.sku_page, name="stock_sku"),
    path("stock/backorders/", views.backorders, name="stock_backorders"),
    path("stock/alerts/", views.alerts, name="stock_alerts"),
    path("stock/turnover/", views.turnover, name="stock_turnover"),
    path("stock/<slug:action>/", views.stock_action, name="stock_action"),
]
