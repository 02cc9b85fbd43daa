from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "parcelops.demo"
    label = "demo"
    verbose_name = "Demo data"
