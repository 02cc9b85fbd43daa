from django.apps import AppConfig


class ExceptionsConfig(AppConfig):
    name = "parcelops.exceptions"
    label = "exceptions"
    verbose_name = "Exception desk"

    def ready(self) -> None:
        # Ingestion tells the desk what moved (parcelops.tracking.transitions), and the
        # order and parcel pages show the cases through panels: tracking and orders never
        # import the desk.
        from parcelops.exceptions import wiring

        wiring.connect()
