"""The exception desk's pages: the queue, one case (its parcel's tracking and its own
timeline side by side, evidence, past summaries, the actions), the wallboard, and
reporting a case by hand.

Thin on purpose: a page reads a form, calls one query or one function of
parcelops.exceptions.actions, and renders. What an action refuses is said on the page."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcelops.accounts import roles
from parcelops.accounts.permissions import ViewFunction, staff_page
from parcelops.accounts.presentation import display_name
from parcelops.carriers.names import carrier_label
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError, NotPermittedError
from parcelops.core.money import display_money
from parcelops.exceptions import actions, forms, queries
from parcelops.exceptions.kinds import CaseEventKind, CaseState, OwnerTier, Resolution, Severity
from parcelops.exceptions.models import Case, CaseEvent
from parcelops.exceptions.templatetags.case_tags import words
from parcelops.orders.presentation import can_see_customer_data
from parcelops.tracking.models import TrackingEvent
from parcelops.tracking.presentation import carrier_name, staff_event_view, status_label

PAGE_SIZE = 25


def desk_page(view: ViewFunction) -> ViewFunction:
    """Signed in, and a role that may see the desk's cases (else 403)."""
    return staff_page(permission_required(roles.VIEW_CASE, raise_exception=True)(view))


# --- the queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuickFilter:
    """A one-click filter above the queue: it sets one parameter and keeps the others;
    clicked again, it lets go of it."""

    label: str
    query: str  # the queue's query string with this filter on (or off)
    is_current: bool


def queue_params(data: Any) -> dict[str, str]:
    """The queue's filters as the query reads them: open cases unless a state is chosen
    (a search of closed summaries looks at closed cases), "all" for any state."""
    params = {key: str(value) for key, value in data.items() if key != "page"}
    if not params.get("state"):
        params["state"] = CaseState.CLOSED if params.get("q", "").strip() else CaseState.OPEN
    if params["state"] == forms.ALL:
        params["state"] = ""
    return params


def _quick_filters(given: Any) -> list[list[QuickFilter]]:
    current = {key: str(value) for key, value in given.items() if key != "page" and value}

    def chip(label: Any, key: str, value: str) -> QuickFilter:
        is_current = current.get(key, "") == value
        chosen = {k: v for k, v in current.items() if k != key}
        if value and not is_current:
            chosen[key] = value
        return QuickFilter(str(label), urlencode(chosen), is_current)

    return [
        [chip(_("All severities"), "severity", "")]
        + [chip(s.label, "severity", str(s)) for s in reversed(Severity)],
        [chip(t.label, "owner_tier", str(t)) for t in OwnerTier],
        [
            chip(_("Mine"), "owner", queries.ME),
            chip(_("Unassigned"), "owner", queries.NOBODY),
            chip(_("Breached"), "breached", "true"),
        ],
    ]


@desk_page
def queue(request: HttpRequest) -> HttpResponse:
    params = queue_params(request.GET)
    form = forms.CaseFilterForm(request.GET or None)
    status = 200
    try:
        filters = queries.CaseFilters.from_params(params, viewer=request.user)
    except InputError as error:
        for field_error in error.errors:
            if field_error.field in form.fields:
                form.add_error(field_error.field, field_error.message)
        filters, status = queries.CaseFilters(state=CaseState.OPEN), 422
    page = Paginator(queries.filter_cases(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "exceptions/queue.html",
        {
            "page": page,
            "form": form,
            "quick_filters": _quick_filters(request.GET),
            "is_filtered": any(v for k, v in request.GET.items() if k != "page"),
            "showing_closed": filters.state != CaseState.OPEN,
            "words": words(),
            "now": now(),
        },
        status=status,
    )


# --- one case ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseAction:
    """One action of the case page: its form, the permission that shows it, and the call
    of parcelops.exceptions.actions it makes."""

    name: str  # in the URL
    title: Promise
    permission: str
    form: type[django_forms.Form]
    perform: Callable[[Case, Any, dict[str, Any]], Case]
    done: Promise  # the message after it, with %(id)s
    # The action's names of fields where the form calls them otherwise.
    fields: tuple[tuple[str, str], ...] = ()


CASE_ACTIONS = (
    CaseAction(
        "note",
        gettext_lazy("Add a note"),
        roles.HANDLE_CASE,
        forms.NoteForm,
        lambda case, actor, data: actions.add_note(case, actor, data["text"]),
        gettext_lazy("The note was added to case %(id)s."),
    ),
    CaseAction(
        "contact-carrier",
        gettext_lazy("Contact the carrier"),
        roles.HANDLE_CASE,
        forms.ContactCarrierForm,
        lambda case, actor, data: actions.contact_carrier(
            case,
            actor,
            channel=data["channel"],
            summary=data["summary"],
            reference=data["reference"],
        ),
        gettext_lazy("The contact with the carrier is recorded on case %(id)s."),
    ),
    CaseAction(
        "notify-customer",
        gettext_lazy("Notify the customer"),
        roles.HANDLE_CASE,
        forms.NotifyCustomerForm,
        lambda case, actor, data: actions.notify_customer(
            case, actor, language=data["language"] or None, extra=data["extra"]
        ),
        gettext_lazy("The customer’s notice for case %(id)s is on its way."),
    ),
    CaseAction(
        "assign",
        gettext_lazy("Give to someone else"),
        roles.HANDLE_CASE,
        forms.AssignForm,
        lambda case, actor, data: actions.assign_case(case, actor, data["username"]),
        gettext_lazy("Case %(id)s has a new owner."),
        fields=(("assignee", "username"),),
    ),
    CaseAction(
        "severity",
        gettext_lazy("Change the severity"),
        roles.HANDLE_CASE,
        forms.SeverityForm,
        lambda case, actor, data: actions.change_severity(
            case, actor, data["severity"], data["reason"]
        ),
        gettext_lazy("The severity of case %(id)s was changed; its deadline follows."),
    ),
    CaseAction(
        "reship",
        gettext_lazy("Reship"),
        roles.SETTLE_CASE,
        forms.ReshipForm,
        lambda case, actor, data: actions.reship(
            case,
            actor,
            carrier=data["carrier"],
            tracking_number=data["tracking_number"],
            service=data["service"],
        ),
        gettext_lazy("A replacement parcel is on its way for case %(id)s."),
    ),
    CaseAction(
        "refund",
        gettext_lazy("Refund or compensate"),
        roles.SETTLE_CASE,
        forms.RefundForm,
        lambda case, actor, data: actions.refund(
            case, actor, amount_cents=data["amount"], kind=data["kind"], note=data["note"]
        ),
        gettext_lazy("The payment is recorded on case %(id)s."),
        fields=(("amount_cents", "amount"),),
    ),
    CaseAction(
        "claim",
        gettext_lazy("Claim from the carrier"),
        roles.SETTLE_CASE,
        forms.ClaimForm,
        lambda case, actor, data: actions.file_claim(
            case,
            actor,
            amount_cents=data["amount"],
            evidence=data["evidence"],
            window_days=data["window_days"],
        ),
        gettext_lazy("The claim is filed on case %(id)s."),
        fields=(("amount_cents", "amount"),),
    ),
    CaseAction(
        "close",
        gettext_lazy("Close the case"),
        roles.HANDLE_CASE,
        forms.CloseForm,
        lambda case, actor, data: actions.close_case(
            case,
            actor,
            resolution=data["resolution"],
            cause=data["cause"],
            action_taken=data["action_taken"],
            lesson=data["lesson"],
        ),
        gettext_lazy("Case %(id)s is closed."),
    ),
)
ACTIONS_BY_NAME = {action.name: action for action in CASE_ACTIONS}


def show_errors(form: django_forms.Form, errors: list[FieldError], names: dict[str, str]) -> None:
    """An action's refusal on its form: on the field it names, else above the form."""
    for error in errors:
        field = names.get(error.field, error.field)
        form.add_error(field if field in form.fields else None, error.message)


@dataclass
class ActionForm:
    action: CaseAction
    form: django_forms.Form
    is_open: bool  # shown unfolded: it holds what the viewer typed and why it was refused


def _action_forms(case: Case, user: Any, bound: ActionForm | None) -> list[ActionForm]:
    if case.state != CaseState.OPEN:
        return []
    shown = []
    for action in CASE_ACTIONS:
        if not user.has_perm(action.permission):
            continue
        if action.name in ("reship", "claim") and case.shipment_id is None:
            continue  # both need a parcel
        if action.name == "reship" and case.replacement_id is not None:
            continue
        if bound is not None and bound.action.name == action.name:
            shown.append(bound)
        else:
            shown.append(ActionForm(action, action.form(), is_open=False))
    return shown


def _tracking_timeline(case: Case, evidence_keys: set[str]) -> list[dict[str, Any]]:
    """The case's parcel's carrier events, newest first, those that are the case's evidence
    marked."""
    if case.shipment_id is None:
        return []
    zone = timezone.get_current_timezone()
    timeline = []
    events = TrackingEvent.objects.filter(shipment_id=case.shipment_id).order_by(
        "-occurred_at", "-id"
    )
    for event in events:
        view = staff_event_view(event, zone)
        view["at"] = datetime.fromisoformat(view["at"])
        view["is_evidence"] = event.dedupe_key in evidence_keys
        timeline.append(view)
    return timeline


@dataclass
class TimelineEntry:
    event: CaseEvent
    details: list[str]


def _event_details(event: CaseEvent, names: dict[int, str], currency: str) -> list[str]:
    """What an entry's data says, in words."""
    data = event.data or {}
    details = []
    if event.kind == CaseEventKind.SEVERITY_CHANGED and data.get("previous"):
        details.append(
            _("%(old)s → %(new)s")
            % {
                "old": Severity(data["previous"]).label,
                "new": Severity(data["severity"]).label,
            }
        )
    if data.get("tier"):
        details.append(_("Now with: %(tier)s") % {"tier": OwnerTier(data["tier"]).label})
    if "owner" in data:
        who = names.get(data["owner"]) if data["owner"] else None
        details.append(
            _("Owner: %(name)s") % {"name": who} if who else _("No one of this tier is on shift.")
        )
    if data.get("channel"):
        channel = dict(forms.CONTACT_CHANNELS).get(data["channel"], data["channel"])
        details.append(str(channel))
    if data.get("reference"):
        details.append(_("Carrier’s reference: %(reference)s") % {"reference": data["reference"]})
    if data.get("tracking_number"):
        details.append(
            f"{carrier_label(data.get('carrier', ''), get_language())} {data['tracking_number']}"
        )
    if data.get("amount_cents"):
        amount = display_money(int(data["amount_cents"]), data.get("currency") or currency)
        label = {"refund": _("Refund"), "compensation": _("Compensation")}.get(
            data.get("payment", ""), _("Amount")
        )
        details.append(f"{label}: {amount}")
    if data.get("resolution"):
        details.append(str(Resolution(data["resolution"]).label))
    if data.get("language"):
        details.append({"en": "English", "zh-hans": "中文"}.get(data["language"], data["language"]))
    return [str(detail) for detail in details]


def _case_timeline(case: Case) -> list[TimelineEntry]:
    events = list(case.events.select_related("actor__staff_profile"))
    owner_ids = {e.data.get("owner") for e in events if e.data and e.data.get("owner")}
    people = get_user_model().objects.filter(pk__in=owner_ids).select_related("staff_profile")
    names = {person.pk: display_name(person) for person in people}
    currency = case.order.currency
    return [TimelineEntry(event, _event_details(event, names, currency)) for event in events]


def _case_or_404(pk: int) -> Case:
    return get_object_or_404(
        Case.objects.select_related(
            "order", "shipment", "owner__staff_profile", "replacement", "closed_by", "reported_by"
        ),
        pk=pk,
    )


def _render_case(
    request: HttpRequest, case: Case, bound: ActionForm | None = None, status: int = 200
) -> HttpResponse:
    evidence = list(case.evidence.all())
    language = get_language() or "en"
    shipment = case.shipment
    return render(
        request,
        "exceptions/case.html",
        {
            "case": case,
            "evidence": evidence,
            "tracking": _tracking_timeline(case, {e.event_key for e in evidence if e.event_key}),
            "timeline": _case_timeline(case),
            "similar": actions.similar_summaries(case),
            "action_forms": _action_forms(case, request.user, bound),
            "carrier_name": carrier_name(case.carrier, language) if case.carrier else "",
            "parcel_status": status_label(shipment.status) if shipment else "",
            "may_see_contacts": can_see_customer_data(request.user),
            "words": words(),
        },
        status=status,
    )


@desk_page
def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_case(request, _case_or_404(pk))


@require_POST
@desk_page
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action's form posted: done and back to the case with a message, or the page
    again with the form and why it was refused."""
    chosen = ACTIONS_BY_NAME.get(action)
    if chosen is None:
        raise Http404(_("No such action."))
    if not request.user.has_perm(chosen.permission):
        raise PermissionDenied(_("Your role does not allow this action."))
    case = _case_or_404(pk)
    form = chosen.form(request.POST)
    if form.is_valid():
        try:
            chosen.perform(case, request.user, form.cleaned_data)
        except InputError as error:
            show_errors(form, error.errors, {**dict(chosen.fields)})
        except ActionError as error:
            messages.error(request, str(error))
            return redirect("exceptions:case", pk=case.pk)
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(request, chosen.done % {"id": case.pk})
            return redirect("exceptions:case", pk=case.pk)
    return _render_case(
        request, _case_or_404(pk), ActionForm(chosen, form, is_open=True), status=422
    )


# --- the wallboard ---------------------------------------------------------------------------


@desk_page
def wallboard(request: HttpRequest) -> HttpResponse:
    board = queries.wallboard(now())
    return render(
        request,
        "exceptions/wallboard.html",
        {"board": board, "bands": [key for key, _start, _end in queries.AGE_BANDS]},
    )


# --- reporting a case --------------------------------------------------------------------------


@staff_page
@permission_required(roles.REPORT_CASE, raise_exception=True)
def report(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = forms.ReportForm(request.POST)
    else:
        form = forms.ReportForm(
            initial={
                "order": request.GET.get("order", ""),
                "tracking_number": request.GET.get("tracking_number", ""),
            }
        )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            order, shipment = queries.reported_target(data["order"], data["tracking_number"])
            joins_open_case = queries.has_open_case(order, shipment, data["type"])
            case = actions.report_case(
                request.user,
                order=order,
                shipment=shipment,
                case_type=data["type"],
                description=data["description"],
                severity=data["severity"] or None,
            )
        except InputError as error:
            show_errors(form, error.errors, {})
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            if joins_open_case:
                messages.info(
                    request,
                    _("Case %(id)s was already open: your report is added to it as evidence.")
                    % {"id": case.pk},
                )
            else:
                messages.success(request, _("Case %(id)s is opened.") % {"id": case.pk})
            return redirect("exceptions:case", pk=case.pk)
    status = 422 if form.is_bound else 200
    return render(request, "exceptions/report.html", {"form": form}, status=status)
