"""The warehouse's label pages (mounted by parcelops.warehouse.urls): number ranges,
label PDFs, and hand-over by manifest."""

from django.urls import path

from parcelops.warehouse import label_views as views

urlpatterns = [
    path("labels/ranges/", views.number_ranges, name="number_ranges"),
    path("labels/ranges/<int:pk>/in-use/", views.number_range_in_use, name="number_range_in_use"),
    # Before "labels/<number>.pdf", which would take "batch" for an order number.
    path("labels/batch/", views.batch_labels, name="batch_labels"),
    path("labels/<str:number>.pdf", views.order_label, name="order_label"),
    path("labels/manifests/", views.manifests, name="manifests"),
    path("labels/manifests/<int:pk>/", views.manifest, name="manifest"),
    path("labels/manifests/<int:pk>/scan/", views.manifest_scan, name="manifest_scan"),
    path(
        "labels/manifests/<int:pk>/remove/<int:parcel_id>/",
        views.manifest_remove,
        name="manifest_remove",
    ),
    path(
        "labels/manifests/<int:pk>/hand-over/", views.manifest_hand_over, name="manifest_hand_over"
    ),
    path("labels/manifests/<int:pk>.pdf", views.manifest_pdf, name="manifest_pdf"),
]
