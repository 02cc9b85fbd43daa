from django.urls import path

from parcelops.orders import views

app_name = "public"

urlpatterns = [
    path("order/", views.public_order_lookup, name="order"),
]
