from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "parcelops.core"
    label = "core"
