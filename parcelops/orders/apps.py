from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "parcelops.orders"
    label = "orders"
    verbose_name = "Orders"
