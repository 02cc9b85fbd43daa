"""The customer's parcel tracking page: no login, no personal data, rate limited (R8.3).

A plain GET form, so a link with ?number= can be shared; the page's script adds the
browser's time zone, and the times are shown in it.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy

from parcelops.core.ratelimit import is_rate_limited
from parcelops.tracking import forms
from parcelops.tracking.models import Shipment
from parcelops.tracking.presentation import carrier_name, public_tracking_view, status_label
from parcelops.tracking.status import STATUS_RANK, TrackingStatus

# The customer's progress bar: four steps, each reached at a rank of the status model.
PUBLIC_STEPS = [
    (gettext_lazy("Label created"), STATUS_RANK[TrackingStatus.INFO_RECEIVED]),
    (gettext_lazy("In transit"), STATUS_RANK[TrackingStatus.IN_TRANSIT]),
    (gettext_lazy("Out for delivery"), STATUS_RANK[TrackingStatus.OUT_FOR_DELIVERY]),
    (gettext_lazy("Delivered"), STATUS_RANK[TrackingStatus.DELIVERED]),
]


@dataclass(frozen=True)
class PublicStatus:
    """How the page words a status: one sentence, and a tone for its colour."""

    explanation: Any
    tone: str  # "progress", "done", "problem", "returned", "ended"
    has_progress: bool = True  # False: the progress bar would mislead (returns, losses)


PUBLIC_STATUSES: dict[str, PublicStatus] = {
    TrackingStatus.PENDING: PublicStatus(
        gettext_lazy("The carrier has not scanned this parcel yet."), "progress"
    ),
    TrackingStatus.INFO_RECEIVED: PublicStatus(
        gettext_lazy("The shipping label is ready; the carrier will pick the parcel up soon."),
        "progress",
    ),
    TrackingStatus.IN_TRANSIT: PublicStatus(gettext_lazy("Your parcel is on its way."), "progress"),
    TrackingStatus.OUT_FOR_DELIVERY: PublicStatus(
        gettext_lazy("The courier is bringing your parcel today."), "progress"
    ),
    TrackingStatus.AVAILABLE_FOR_PICKUP: PublicStatus(
        gettext_lazy("Your parcel is waiting for you at a pickup point or locker."), "progress"
    ),
    TrackingStatus.ATTEMPT_FAILED: PublicStatus(
        gettext_lazy(
            "The courier could not deliver your parcel. Carriers usually try again; the latest "
            "update below says more."
        ),
        "problem",
    ),
    TrackingStatus.EXCEPTION: PublicStatus(
        gettext_lazy(
            "There is a problem with this delivery. The latest update below says more; "
            "we follow every delayed parcel up with the carrier."
        ),
        "problem",
    ),
    TrackingStatus.RETURNING: PublicStatus(
        gettext_lazy("The parcel is on its way back to the sender."), "returned", False
    ),
    TrackingStatus.DELIVERED: PublicStatus(gettext_lazy("Your parcel was delivered."), "done"),
    TrackingStatus.RETURNED: PublicStatus(
        gettext_lazy("The parcel went back to the sender."), "returned", False
    ),
    TrackingStatus.LOST: PublicStatus(
        gettext_lazy("The carrier reports this parcel as lost. Please contact us."), "ended", False
    ),
    TrackingStatus.DISPOSED: PublicStatus(
        gettext_lazy("The carrier could not deliver or return this parcel. Please contact us."),
        "ended",
        False,
    ),
    TrackingStatus.CANCELLED: PublicStatus(
        gettext_lazy("This shipment was cancelled."), "ended", False
    ),
    TrackingStatus.EXPIRED: PublicStatus(
        gettext_lazy("The carrier has sent no update for a long time. Please contact us."),
        "problem",
        False,
    ),
}


def public_result(shipment: Shipment, zone_name: str) -> dict[str, Any]:
    """The page's view of one parcel: the masked public view plus the progress bar."""
    zone = forms.viewer_zone(zone_name)
    view = public_tracking_view(shipment, zone, get_language() or settings.LANGUAGE_CODE)
    wording = PUBLIC_STATUSES.get(shipment.status, PUBLIC_STATUSES[TrackingStatus.PENDING])
    rank = shipment.status_rank
    is_problem = wording.tone == "problem"
    view["explanation"] = wording.explanation
    view["tone"] = wording.tone
    view["has_progress"] = wording.has_progress
    view["steps"] = [
        {
            "label": label,
            "is_done": rank > reached or (rank == reached and not is_problem and reached == 5),
            "is_current": rank == reached and reached < 5,
            "is_problem": rank == reached and is_problem,
        }
        for label, reached in PUBLIC_STEPS
    ]
    view["estimated_delivery_date"] = (
        date.fromisoformat(view["estimated_delivery_date"])
        if view["estimated_delivery_date"]
        else None
    )
    for name in ("delivered_at", "last_event_at"):
        view[name] = datetime.fromisoformat(view[name]) if view[name] else None
    view["events"] = [
        {**event, "at": datetime.fromisoformat(event["at"])} for event in view["events"]
    ]
    return view


def public_parcels(order: Any) -> list[dict[str, str]]:
    """An order's parcels for the customer's order page: carrier, number and status only."""
    language = get_language() or settings.LANGUAGE_CODE
    return [
        {
            "carrier": shipment.carrier,
            "carrier_name": carrier_name(shipment.carrier, language),
            "tracking_number": shipment.tracking_number,
            "status": shipment.status,
            "status_label": status_label(shipment.status),
        }
        for shipment in Shipment.objects.filter(order=order).order_by("created_at", "id")
    ]


def _rate_limited(request: HttpRequest) -> HttpResponse:
    response = render(request, "tracking/public_rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


def public_track(request: HttpRequest) -> HttpResponse:
    """A customer follows a parcel with its tracking number."""
    form = forms.PublicTrackingForm(request.GET if "number" in request.GET else None)
    result = None
    is_not_found = False
    choices: list[dict[str, str]] = []
    if form.is_bound:
        if is_rate_limited(request, "public-track-page", settings.PARCELOPS_PUBLIC_RATE_LIMIT):
            return _rate_limited(request)
        if form.is_valid():
            number, carrier = form.cleaned_data["number"], form.cleaned_data["carrier"]
            shipments = Shipment.objects.filter(tracking_number=number).order_by("carrier")
            if carrier:
                shipments = shipments.filter(carrier=carrier)
            found = list(shipments)
            if len(found) == 1:
                result = public_result(found[0], form.cleaned_data["tz"])
            elif found:
                # The same number at several carriers: the customer says which parcel is theirs.
                language = get_language() or settings.LANGUAGE_CODE
                choices = [
                    {"carrier": s.carrier, "name": carrier_name(s.carrier, language)} for s in found
                ]
            else:
                is_not_found = True
    return render(
        request,
        "tracking/public_track.html",
        {
            "form": form,
            "result": result,
            "is_not_found": is_not_found,
            "carrier_choices": choices,
            "time_zone": result["time_zone"] if result else settings.TIME_ZONE,
        },
    )
