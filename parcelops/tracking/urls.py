from django.urls import path

from parcelops.tracking import views

app_name = "tracking"

urlpatterns = [
    path("scan/", views.scan, name="scan"),
    path("unmatched/", views.unmatched_events, name="unmatched"),
    path("unmapped/", views.unmapped_codes, name="unmapped"),
    path("hand-over/<str:number>/", views.hand_over, name="hand_over"),
]
