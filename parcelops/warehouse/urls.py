"""The warehouse's pages under /warehouse/, one module of routes per part of the floor."""

from parcelops.warehouse import (
    choice_urls,
    freight_urls,
    inspection_urls,
    label_urls,
    packing_urls,
    stock_urls,
)

app_name = "warehouse"

urlpatterns = [
    *stock_urls.urlpatterns,
    *inspection_urls.urlpatterns,
    *packing_urls.urlpatterns,
    *label_urls.urlpatterns,
    *choice_urls.urlpatterns,
    *freight_urls.urlpatterns,
]
