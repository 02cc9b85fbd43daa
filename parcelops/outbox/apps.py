from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "parcelops.outbox"
    label = "outbox"
    verbose_name = "Outbox"
