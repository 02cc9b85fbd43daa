from django.urls import path

from parcelops.exceptions import threshold_views as views

app_name = "exception_thresholds"

urlpatterns = [
    path("", views.thresholds_page, name="page"),
    path("save/", views.save_threshold, name="save"),
    path("<int:pk>/delete/", views.delete_threshold, name="delete"),
    path("learning/", views.set_learning, name="learning"),
    path("learn/", views.learn_now, name="learn"),
]
