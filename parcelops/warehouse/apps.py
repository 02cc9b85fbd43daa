from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    name = "parcelops.warehouse"
    label = "warehouse"
    verbose_name = "Warehouse"

    def ready(self) -> None:
        # Orders allocate and cancel through hooks this app registers, and the order page
        # shows the warehouse's facts through panels: orders never import the warehouse.
        from parcelops.warehouse import wiring

        wiring.connect()
