from django.urls import path

from parcelops.outbox import views

app_name = "outbox"

urlpatterns = [
    path("", views.alert_list, name="alerts"),
    path("read/", views.mark_read, name="mark_read"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:message_id>/retry/", views.retry, name="retry"),
]
