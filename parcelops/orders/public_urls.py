from django.urls import path

from parcelops.orders import public_views

app_name = "public"

urlpatterns = [
    path("order/", public_views.public_order_lookup, name="order"),
]
