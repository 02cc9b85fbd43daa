"""The staff pages of tracking: handing a parcel to a carrier, the dock's scan page, and the
inboxes of events no shipment took (unknown numbers) or no mapping understood (raw codes).

Thin on purpose: a page reads a form, calls one function of parcelops.tracking.actions (or
scans), and renders. The customer's page is in public_views.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcelops.accounts import roles
from parcelops.accounts.permissions import staff_page
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.orders.views import order_or_404
from parcelops.tracking import actions, inbox, order_parcels, scans
from parcelops.tracking.forms import ScanForm
from parcelops.tracking.models import UnmatchedEvent
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
    """Events for numbers no shipment has (yet): kept, listed, never invisible; each says
    why it waits, which parcels could take it, and (for logistics staff) how to attach it."""
    events = UnmatchedEvent.objects.order_by("-received_at", "-id")
    page = Paginator(events, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    candidates = inbox.candidates_by_number(event.tracking_number for event in page.object_list)
    rows = [
        {
            "event": event,
            "parcels": candidates.get(event.tracking_number, []),
            "reason": inbox.parked_reason(event, candidates.get(event.tracking_number, [])),
            "is_unknown_carrier_code": inbox.is_unknown_carrier_code(event),
        }
        for event in page.object_list
    ]
    return render(request, "tracking/unmatched.html", {"page": page, "rows": rows})


def _attach_context(number: str, request: HttpRequest) -> dict[str, Any]:
    waiting = list(UnmatchedEvent.objects.filter(tracking_number=number).order_by("occurred_at"))
    if not waiting:
        raise Http404(_("No events wait for this tracking number."))
    chosen = (
        request.POST.getlist("events") if request.method == "POST" else request.GET.getlist("event")
    )
    return {
        "number": number,
        "waiting": waiting,
        "chosen": {str(pk) for pk in chosen} or {str(event.pk) for event in waiting},
        "parcels": inbox.candidates_by_number([number]).get(number, []),
        "carriers": inbox.carrier_choices(get_language() or "en"),
        "values": request.POST if request.method == "POST" else {},
    }


def _ids(values: list[str]) -> list[int] | None:
    """Ids posted by a form; None when one is not a number (a forged or broken form)."""
    try:
        return [int(value) for value in values]
    except ValueError:
        return None


@staff_page
@permission_required(roles.RESOLVE_TRACKING_INBOX, raise_exception=True)
def attach_events(request: HttpRequest, number: str) -> HttpResponse:
    """Attach the events waiting for one tracking number (all, or those ticked) to a parcel:
    one of the parcels with this number, or an order's parcel of a carrier."""
    context = _attach_context(number, request)
    if request.method != "POST":
        return render(request, "tracking/attach.html", context)
    event_ids = _ids(request.POST.getlist("events"))
    shipment_ids = _ids([request.POST["shipment"]] if request.POST.get("shipment") else [])
    if event_ids is None or shipment_ids is None:
        return HttpResponseBadRequest(_("The form was not filled in by this page."))
    try:
        shipment, outcome = actions.attach_parked_events(
            event_ids,
            request.user,
            shipment_id=shipment_ids[0] if shipment_ids else None,
            order_number=request.POST.get("order", ""),
            carrier=request.POST.get("carrier", ""),
        )
    except InputError as error:
        context["errors"] = {e.field: e.message for e in error.errors}
        return render(request, "tracking/attach.html", context, status=422)
    except ActionError as error:
        messages.error(request, str(error))
        return redirect("tracking:unmatched")
    except NotPermittedError as error:
        raise PermissionDenied(str(error)) from error
    messages.success(
        request,
        ngettext(
            "%(count)d event attached to parcel %(tracking)s of order %(order)s.",
            "%(count)d events attached to parcel %(tracking)s of order %(order)s.",
            outcome.attached,
        )
        % {
            "count": outcome.attached,
            "tracking": shipment.tracking_number,
            "order": shipment.order.number,
        },
    )
    return redirect("tracking:unmatched")


def _unmapped_context(request: HttpRequest) -> dict[str, Any]:
    page = Paginator(inbox.unmapped_code_groups(), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {
        "page": page,
        "carrier_codes": inbox.unknown_carrier_codes(),
        "status_choices": inbox.status_choices(),
        "carriers": inbox.carrier_choices(get_language() or "en"),
    }


@staff_page
def unmapped_codes(request: HttpRequest) -> HttpResponse:
    """Raw codes no mapping knows (stored and parked events), and carrier codes that name
    none of our carriers; logistics staff map each once."""
    return render(request, "tracking/unmapped.html", _unmapped_context(request))


def _refused(request: HttpRequest, error: InputError | ActionError) -> HttpResponse:
    """The unmapped page again, saying why nothing was changed."""
    context = _unmapped_context(request)
    if isinstance(error, InputError):
        context["refusal"] = [e.message for e in error.errors]
        status = 422
    else:
        context["refusal"] = [str(error)]
        status = 409
    return render(request, "tracking/unmapped.html", context, status=status)


def _mapping_posted(request: HttpRequest, change: Callable[[], str]) -> HttpResponse:
    """Run one mapping action of the unmapped page: back to it with the action's outcome,
    or the page again (4xx) saying why nothing was changed."""
    try:
        outcome = change()
    except (InputError, ActionError) as error:
        return _refused(request, error)
    except NotPermittedError as error:
        raise PermissionDenied(str(error)) from error
    messages.success(request, outcome)
    return redirect("tracking:unmapped")


@staff_page
@permission_required(roles.RESOLVE_TRACKING_INBOX, raise_exception=True)
@require_POST
def map_code(request: HttpRequest) -> HttpResponse:
    posted = request.POST
    status, _colon, substatus = posted.get("mapping", "").partition(":")

    def change() -> str:
        outcome = actions.map_provider_code(
            posted.get("provider", ""), posted.get("raw_code", ""), status, substatus, request.user
        )
        return _(
            "Code %(code)s is mapped. Parcels updated: %(parcels)d; waiting events: %(waiting)d."
        ) % {
            "code": posted.get("raw_code", "").strip(),
            "parcels": outcome.refolded,
            "waiting": outcome.waiting,
        }

    return _mapping_posted(request, change)


@staff_page
@permission_required(roles.RESOLVE_TRACKING_INBOX, raise_exception=True)
@require_POST
def map_carrier(request: HttpRequest) -> HttpResponse:
    posted = request.POST
    carrier = posted.get("carrier", "")

    def change() -> str:
        outcome = actions.map_carrier_code(
            posted.get("provider", ""), posted.get("provider_code", ""), carrier, request.user
        )
        return _(
            "Carrier code %(code)s now names %(carrier)s. Events attached: %(attached)d; "
            "still waiting for their parcel: %(waiting)d."
        ) % {
            "code": posted.get("provider_code", "").strip(),
            "carrier": carrier_name(carrier, get_language() or "en"),
            "attached": outcome.attached,
            "waiting": outcome.waiting,
        }

    return _mapping_posted(request, change)
