from django.urls import path

from parcelops.tracking import views

app_name = "tracking"

urlpatterns = [
    path("scan/", views.scan, name="scan"),
    path("unmatched/", views.unmatched_events, name="unmatched"),
    path("unmatched/<str:number>/attach/", views.attach_events, name="attach"),
    path("unmapped/", views.unmapped_codes, name="unmapped"),
    path("unmapped/map-code/", views.map_code, name="map_code"),
    path("unmapped/map-carrier/", views.map_carrier, name="map_carrier"),
    path("hand-over/<str:number>/", views.hand_over, name="hand_over"),
]
