"""The staff pages of tracking: handing a parcel to a carrier, the dock's scan page, and the
inboxes of events no shipment took (unknown numbers) or no mapping understood (raw codes).

Thin on purpose: a page reads a form, calls one function of parcelops.tracking.actions (or
scans), and renders. The customer's page is in public_views.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import staff_page
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.orders.views import order_or_404
from parcelops.tracking import actions, order_parcels, scans
from parcelops.tracking.forms import ScanForm
from parcelops.tracking.models import TrackingEvent, UnmatchedEvent
from parcelops.tracking.presentation import carrier_name

INBOX_PAGE_SIZE = 50
RECENT_SCANS = 12  # how many of the last scans the page lists
SESSION_SCAN_SETUP = "tracking_scan_setup"
SESSION_RECENT_SCANS = "tracking_recent_scans"


# --- handing a parcel to a carrier ---------------------------------------------------------------


@staff_page
@permission_required(roles.SHIP_ORDER, raise_exception=True)
def hand_over(request: HttpRequest, number: str) -> HttpResponse:
    """The hand-over form of the order page; shown alone again when the input needs fixing."""
    order = order_or_404(number)
    if not order_parcels.can_hand_over(order, request.user):
        messages.error(request, _("Only a packed or shipped order can get a parcel."))
        return redirect("orders:detail", number=order.number)
    form = order_parcels.hand_over_form(order, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            shipment = actions.create_shipment(
                order,
                form.cleaned_data["carrier"],
                form.cleaned_data["tracking_number"],
                request.user,
                service=form.cleaned_data["service"].strip(),
            )
        except InputError as error:
            for field_error in error.errors:
                form.add_error(
                    field_error.field if field_error.field in form.fields else None,
                    field_error.message,
                )
        except ActionError as error:
            messages.error(request, str(error))
            return redirect("orders:detail", number=order.number)
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(
                request,
                _("Parcel %(tracking)s is handed over to %(carrier)s.")
                % {
                    "tracking": shipment.tracking_number,
                    "carrier": carrier_name(shipment.carrier, get_language() or "en"),
                },
            )
            return redirect("orders:detail", number=order.number)
    return render(request, "tracking/hand_over.html", {"order": order, "form": form})


# --- the dock's scan page ------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _scan_form(request: HttpRequest, data: Any = None) -> ScanForm:
    setup = request.session.get(SESSION_SCAN_SETUP, {})
    return ScanForm(data, initial=setup, scan_choices=scans.scan_choices())


@staff_page
@permission_required(roles.SHIP_ORDER, raise_exception=True)
def scan(request: HttpRequest) -> HttpResponse:
    """Scan type and location are chosen once; every number scanned after is one event.

    Without JavaScript each scan is a POST and a redirect back (the list lives in the
    session); with it, the page posts in the background and gets JSON.
    """
    recent: list[dict[str, str]] = request.session.get(SESSION_RECENT_SCANS, [])
    if request.method != "POST":
        return render(
            request, "tracking/scan.html", {"form": _scan_form(request), "recent": recent}
        )
    form = _scan_form(request, request.POST)
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse(
                {"errors": [{"field": f, "message": m[0]} for f, m in form.errors.items()]},
                status=422,
            )
        return render(request, "tracking/scan.html", {"form": form, "recent": recent}, status=422)
    data = form.cleaned_data
    location = data["location"].strip()
    request.session[SESSION_SCAN_SETUP] = {
        "scan_type": data["scan_type"],
        "location": location,
        "carrier": data["carrier"],
    }
    result = scans.record_scan(
        data["number"],
        data["scan_type"],
        location,
        now(),
        request.user.get_username(),
        carrier=data["carrier"],
    )
    row = {
        "number": result.number,
        "outcome": result.outcome,
        "message": result.message,
        "scan_type": str(scans.SCAN_TYPES[data["scan_type"]].label),
        "at": timezone.localtime(now()).isoformat(),  # as the page shows it
    }
    request.session[SESSION_RECENT_SCANS] = [row, *recent][:RECENT_SCANS]
    if _wants_json(request):
        return JsonResponse(row)
    return redirect("tracking:scan")


# --- inboxes for review ------------------------------------------------------------------------------------


@staff_page
def unmatched_events(request: HttpRequest) -> HttpResponse:
    """Events for numbers no shipment has (yet): kept, listed, never invisible."""
    events = UnmatchedEvent.objects.order_by("-received_at", "-id")
    page = Paginator(events, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tracking/unmatched.html", {"page": page})


@staff_page
def unmapped_codes(request: HttpRequest) -> HttpResponse:
    """Stored events whose raw code no mapping knows, grouped for the mapping review."""
    groups = (
        TrackingEvent.objects.filter(status="")
        .values("provider", "raw_code")
        .annotate(
            count=Count("id"),
            last_received_at=Max("received_at"),
            example_text=Max("raw_text"),
            shipments=Count("shipment", distinct=True),
        )
        .order_by("-count", "provider", "raw_code")
    )
    page = Paginator(groups, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tracking/unmapped.html", {"page": page})
