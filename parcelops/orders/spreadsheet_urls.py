"""/orders/files/: spreadsheet import and export of orders."""

from django.urls import path

from parcelops.orders import spreadsheet_views

app_name = "spreadsheets"

urlpatterns = [
    path("import/", spreadsheet_views.import_orders, name="import"),
    path("export/", spreadsheet_views.export_orders, name="export"),
]
