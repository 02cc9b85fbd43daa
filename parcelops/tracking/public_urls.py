from django.urls import path

from parcelops.tracking import public_views

app_name = "public_tracking"

urlpatterns = [
    path("", public_views.public_track, name="track"),
]
