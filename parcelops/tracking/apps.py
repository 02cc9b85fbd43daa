from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "parcelops.tracking"
    label = "tracking"
    verbose_name = "Tracking"
