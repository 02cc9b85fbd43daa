from django.urls import path

from parcelops.exceptions import views

app_name = "exceptions"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("wallboard/", views.wallboard, name="wallboard"),
    path("report/", views.report, name="report"),
    path("<int:pk>/", views.case_page, name="case"),
    path("<int:pk>/<slug:action>/", views.case_action, name="case_action"),
]
