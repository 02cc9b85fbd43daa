from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from parcelops.api import api
from parcelops.metrics import metrics_page

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="orders:list", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("metrics", metrics_page, name="metrics"),
    path("accounts/", include("parcelops.accounts.urls")),
    path("orders/files/", include("parcelops.orders.spreadsheet_urls")),
    path("orders/", include("parcelops.orders.urls")),
    path("exceptions/settings/", include("parcelops.exceptions.settings_urls")),
    path("tracking/", include("parcelops.tracking.urls")),
    path("alerts/", include("parcelops.outbox.urls")),
    path("exceptions/settings/thresholds/", include("parcelops.exceptions.threshold_urls")),
    path("exceptions/", include("parcelops.exceptions.urls")),
    path("warehouse/", include("parcelops.warehouse.urls")),
    path("track/parcel/", include("parcelops.tracking.public_urls")),
    path("track/", include("parcelops.orders.public_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
