from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "parcelops.tracking"
    label = "tracking"
    verbose_name = "Tracking"

    def ready(self) -> None:
        # The order pages show parcels through panels, so orders never imports tracking.
        from parcelops.tracking.order_parcels import register_order_panels

        register_order_panels()
