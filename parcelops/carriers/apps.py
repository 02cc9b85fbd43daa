from django.apps import AppConfig


class CarriersConfig(AppConfig):
    name = "parcelops.carriers"
    label = "carriers"
    verbose_name = "Carriers"
