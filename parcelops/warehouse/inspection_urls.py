"""The warehouse's inspection pages (mounted by parcelops.warehouse.urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
