"""The desk's settings pages, included under exceptions/settings/."""

from django.urls import path

from parcelops.exceptions import settings_views

app_name = "exception_settings"

urlpatterns = [
    path("sla/", settings_views.sla_settings, name="sla"),
    path("calendar/", settings_views.calendar_settings, name="calendar"),
    path("calendar/days/", settings_views.add_calendar_day, name="add_day"),
    path(
        "calendar/days/<int:pk>/remove/",
        settings_views.remove_calendar_day,
        name="remove_day",
    ),
]
