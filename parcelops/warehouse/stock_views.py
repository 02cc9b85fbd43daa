"""The stock pages: stock by SKU and bin, one SKU's levels and moves, the forms that
receive, move, adjust and return stock (made for a handheld scanner), the backorders,
the SKUs outside their minimum and maximum, and turnover.

Thin on purpose: a POST reads a form, calls one action of parcelops.warehouse.actions.stock
and comes back to the same empty form for the next scan, or shows the form again (422)
saying why nothing was changed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from parcelops.accounts import roles
from parcelops.accounts.permissions import ViewFunction
from parcelops.core.clock import now
from parcelops.core.errors import FieldError, InputError, NotPermittedError
from parcelops.orders.models import Product
from parcelops.warehouse import stock_forms, stock_queries
from parcelops.warehouse.actions import stock
from parcelops.warehouse.models import (
    Reservation,
    ReservationState,
    StockLevel,
    StockMove,
    StockMoveKind,
)

# The moves' kinds as the SKU page names them ("Received" alone means a time elsewhere).
KIND_LABELS: dict[str, Any] = {
    StockMoveKind.RECEIVE: pgettext_lazy("stock move", "Received"),
    StockMoveKind.MOVE_OUT: pgettext_lazy("stock move", "Moved out"),
    StockMoveKind.MOVE_IN: pgettext_lazy("stock move", "Moved in"),
    StockMoveKind.PICK: pgettext_lazy("stock move", "Picked"),
    StockMoveKind.ADJUST: pgettext_lazy("stock move", "Adjusted"),
    StockMoveKind.RETURN: pgettext_lazy("stock move", "Returned to stock"),
}
PAGE_SIZE = 50
MOVES_SHOWN = 100


def stock_page(view: ViewFunction) -> ViewFunction:
    """Signed in (else the login page), and a role that reads stock (else 403)."""

    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not stock_queries.can_read_stock(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    guarded.__name__ = view.__name__
    guarded.__doc__ = view.__doc__
    return login_required(guarded)


def _common(request: HttpRequest, tab: str) -> dict[str, Any]:
    return {"tab": tab, "can_move": request.user.has_perm(roles.MANAGE_STOCK)}


@stock_page
def stock_list(request: HttpRequest) -> HttpResponse:
    form = stock_forms.StockFilterForm(request.GET or None)
    filters = form.filters()
    page = Paginator(stock_queries.levels(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "warehouse/stock_list.html",
        {
            **_common(request, "levels"),
            "form": form,
            "page": page,
            "is_filtered": any(filters.values()),
        },
    )


@stock_page
def sku_page(request: HttpRequest, sku: str) -> HttpResponse:
    product = Product.objects.filter(sku=sku).select_related("profile").first()
    if product is None:
        raise Http404
    levels = list(
        StockLevel.objects.filter(product=product)
        .select_related("bin__zone", "bin__warehouse")
        .order_by("bin__warehouse__code", "bin__zone__walk_order", "bin__walk_order", "bin__code")
    )
    moves = list(
        StockMove.objects.filter(product=product)
        .select_related("bin__warehouse", "actor", "order")
        .order_by("-at", "-id")[:MOVES_SHOWN]
    )
    for move in moves:
        move.kind_label = KIND_LABELS.get(move.kind, move.kind)  # type: ignore[attr-defined]
    reservations = list(
        Reservation.objects.filter(product=product, state=ReservationState.ACTIVE)
        .select_related("order", "bin")
        .order_by("created_at", "id")
    )
    profile = getattr(product, "profile", None)
    on_hand = sum(level.on_hand for level in levels)
    reserved = sum(level.reserved for level in levels)
    return render(
        request,
        "warehouse/stock_sku.html",
        {
            **_common(request, "levels"),
            "product": product,
            "profile": profile,
            "on_hand": on_hand,
            "reserved": reserved,
            "available": on_hand - reserved,
            "levels": levels,
            "moves": moves,
            "reservations": reservations,
            "moves_shown": MOVES_SHOWN,
        },
    )


@dataclass(frozen=True)
class StockAction:
    """One of the stock forms: its form, the action it calls and what it says when done."""

    name: str
    title: Any
    intro: Any
    form: type[django_forms.Form]
    call: Callable[[Any, dict[str, Any]], Any]
    done: Callable[[dict[str, Any]], str]


def _receive(actor: Any, data: dict[str, Any]) -> Any:
    return stock.receive_stock(
        actor,
        sku=data["sku"],
        bin_code=data["bin"],
        quantity=data["quantity"],
        reference=data.get("reference", ""),
        reason=data.get("reason", ""),
    )


def _move(actor: Any, data: dict[str, Any]) -> Any:
    return stock.move_stock(
        actor,
        sku=data["sku"],
        from_bin=data["from_bin"],
        to_bin=data["to_bin"],
        quantity=data["quantity"],
        reason=data.get("reason", ""),
    )


def _adjust(actor: Any, data: dict[str, Any]) -> Any:
    return stock.adjust_stock(
        actor,
        sku=data["sku"],
        bin_code=data["bin"],
        quantity=data["quantity"],
        reason=data["reason"],
    )


def _return(actor: Any, data: dict[str, Any]) -> Any:
    return stock.return_to_stock(
        actor,
        order_number=data["order"],
        sku=data["sku"],
        bin_code=data["bin"],
        quantity=data["quantity"],
        reason=data["reason"],
    )


ACTIONS = {
    action.name: action
    for action in (
        StockAction(
            "receive",
            gettext_lazy("Receive stock"),
            gettext_lazy(
                "Units arriving from a supplier go into a bin. Scan the SKU, then the bin."
            ),
            stock_forms.ReceiveForm,
            _receive,
            lambda d: _("Received %(quantity)s × %(sku)s into %(bin)s.") % d,
        ),
        StockAction(
            "move",
            gettext_lazy("Move stock"),
            gettext_lazy(
                "Units go from one bin to another of the same warehouse. Reserved units stay."
            ),
            stock_forms.MoveForm,
            _move,
            lambda d: _("Moved %(quantity)s × %(sku)s from %(from_bin)s to %(to_bin)s.") % d,
        ),
        StockAction(
            "adjust",
            gettext_lazy("Adjust stock"),
            gettext_lazy("A count found more or fewer units than the system holds: say why."),
            stock_forms.AdjustForm,
            _adjust,
            lambda d: _("Adjusted %(sku)s in %(bin)s by %(quantity)+d.") % d,
        ),
        StockAction(
            "return",
            gettext_lazy("Return to stock"),
            gettext_lazy(
                "Units of an order come back to a bin: a customer's return, a refused parcel."
            ),
            stock_forms.ReturnForm,
            _return,
            lambda d: _("Returned %(quantity)s × %(sku)s of order %(order)s into %(bin)s.") % d,
        ),
    )
}


@stock_page
def stock_action(request: HttpRequest, action: str) -> HttpResponse:
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise Http404
    if not request.user.has_perm(roles.MANAGE_STOCK):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = chosen.form(request.POST)
        if form.is_valid():
            try:
                chosen.call(request.user, form.cleaned_data)
            except InputError as refusal:
                _show_errors(form, refusal.errors)
                status = 422
            except NotPermittedError as error:
                raise PermissionDenied(str(error)) from error
            else:
                messages.success(request, chosen.done(form.cleaned_data))
                return redirect("warehouse:stock_action", action=action)
        else:
            status = 422
    else:
        form = chosen.form(initial=request.GET.dict() or None)
    return render(
        request,
        "warehouse/stock_form.html",
        {**_common(request, action), "action": chosen, "form": form, "actions": ACTIONS.values()},
        status=status,
    )


def _show_errors(form: django_forms.Form, errors: list[FieldError]) -> None:
    """An action's refusal on its form: on the field it names, else above the form."""
    for error in errors:
        form.add_error(error.field if error.field in form.fields else None, error.message)


@stock_page
def backorders(request: HttpRequest) -> HttpResponse:
    page = Paginator(stock_queries.backorders(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "warehouse/stock_backorders.html", {**_common(request, "backorders"), "page": page}
    )


@stock_page
def alerts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "warehouse/stock_alerts.html",
        {
            **_common(request, "alerts"),
            "below": stock_queries.below_minimum(),
            "above": stock_queries.above_maximum(),
        },
    )


@stock_page
def turnover(request: HttpRequest) -> HttpResponse:
    form = stock_forms.PeriodForm(request.GET or None)
    days = (form.cleaned_data.get("days") if form.is_valid() else None) or 30
    end = now()
    start = end - timedelta(days=days)
    per_sku, per_category = stock_queries.turnover(start, end)
    return render(
        request,
        "warehouse/stock_turnover.html",
        {
            **_common(request, "turnover"),
            "form": form,
            "start": start,
            "end": end,
            "per_sku": per_sku,
            "per_category": per_category,
        },
    )
