"""The console's alerts page (each person's own) and the outbox page (messages that failed
or wait, for the people who may send them again). Thin: read, call one action, render."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parcelops.accounts import roles
from parcelops.accounts.permissions import staff_page
from parcelops.core.errors import ActionError, NotPermittedError
from parcelops.outbox import actions
from parcelops.outbox.models import Alert, OutboxMessage

PAGE_SIZE = 50
State = OutboxMessage.State


def _safe_link(link: str) -> str:
    """Only a path of this site becomes a link: an alert's link is written by code, but a
    page must never turn stored text into a javascript: or off-site href."""
    return link if link.startswith("/") and not link.startswith("//") else ""


def _signed_in(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # staff_page let only a signed-in person through
    return request.user


@staff_page
def alert_list(request: HttpRequest) -> HttpResponse:
    alerts = Alert.objects.filter(user=_signed_in(request)).order_by("-created_at", "-id")
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"alert": alert, "link": _safe_link(alert.link)} for alert in page.object_list]
    return render(request, "outbox/alerts.html", {"page": page, "rows": rows})


@staff_page
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """All of the person's unread alerts, or those whose ids the form posts."""
    posted = request.POST.getlist("ids")
    try:
        ids = [int(value) for value in posted] if posted else None
    except ValueError:
        return HttpResponseBadRequest(_("The form was not filled in by this page."))
    changed = actions.mark_alerts_read(_signed_in(request), ids)
    if ids is None:
        messages.success(
            request,
            ngettext("%(count)d alert marked read.", "%(count)d alerts marked read.", changed)
            % {"count": changed},
        )
    return redirect("outbox:alerts")


# The outbox page's tabs: which messages each lists, and in what order.
OUTBOX_TABS = {
    "failed": (Q(state=State.FAILED), ("-created_at", "-id")),
    "waiting": (Q(state=State.PENDING), ("next_attempt_at", "id")),
    # Claimed by a worker that never said how the send went (see actions' docstring).
    "unconfirmed": (Q(state=State.SENT, sent_at__isnull=True), ("-created_at", "-id")),
}


@staff_page
@permission_required(roles.VIEW_OUTBOX, raise_exception=True)
def outbox(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("show", "failed")
    if tab not in OUTBOX_TABS:
        tab = "failed"
    condition, ordering = OUTBOX_TABS[tab]
    counts = OutboxMessage.objects.aggregate(
        **{name: Count("id", filter=where) for name, (where, _order) in OUTBOX_TABS.items()}
    )
    # The address and body stay encrypted in their columns: the page shows neither.
    listed = (
        OutboxMessage.objects.filter(condition)
        .defer("to_address", "body")
        .select_related("recipient_user__staff_profile")
        .order_by(*ordering)
    )
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "outbox/outbox.html",
        {"page": page, "tab": tab, "counts": counts},
    )


@staff_page
@permission_required(roles.VIEW_OUTBOX, raise_exception=True)
@require_POST
def retry(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(OutboxMessage.objects.defer("to_address", "body"), pk=message_id)
    try:
        actions.retry_message(message, request.user)
    except ActionError as error:
        messages.error(request, str(error))
        return redirect("outbox:outbox")
    except NotPermittedError as error:
        raise PermissionDenied(str(error)) from error
    messages.success(request, _("The message will be sent again within a minute."))
    return redirect("outbox:outbox")
