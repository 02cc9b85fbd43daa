"""The operation rates page (R3.1.5, VIEW_WAREHOUSE_REPORTS): pick, pack and hand-over
rates per person and per hour of the day over a range of days (the last 7 by default)."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from parcelops.accounts import roles
from parcelops.accounts.presentation import display_name
from parcelops.core.clock import now
from parcelops.warehouse import operation_rates
from parcelops.warehouse.access import page_for_any
from parcelops.warehouse.models import OperationKind

MAX_RANGE_DAYS = 366


class RangeForm(forms.Form):
    first = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last and first > last:
            self.add_error("last", gettext_lazy("The end is before the start."))
        elif first and last and (last - first).days >= MAX_RANGE_DAYS:
            self.add_error("last", gettext_lazy("Choose at most a year."))
        return cleaned


def _range(form: RangeForm, today: date) -> tuple[date, date]:
    data = form.cleaned_data if form.is_valid() else {}
    last = data.get("last") or today
    first = data.get("first") or last - timedelta(days=operation_rates.DEFAULT_DAYS - 1)
    return first, last


@page_for_any(roles.VIEW_WAREHOUSE_REPORTS)
def rates(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate(now())
    form = RangeForm(request.GET or None)
    first, last = _range(form, today)
    kinds = dict(OperationKind.choices)
    per_person = operation_rates.rates_per_person(first, last)
    people = {
        user.pk: display_name(user)
        for user in User.objects.filter(pk__in={rate.key for rate in per_person}).select_related(
            "staff_profile"
        )
    }
    person_rows = sorted(
        ((people.get(rate.key, "?"), kinds.get(rate.kind, rate.kind), rate) for rate in per_person),
        key=lambda row: (row[1], row[0]),
    )
    hour_rows = [
        (kinds.get(rate.kind, rate.kind), rate)
        for rate in operation_rates.rates_per_hour(first, last)
    ]
    return render(
        request,
        "warehouse/rates.html",
        {
            "form": form,
            "first": first,
            "last": last,
            "person_rows": person_rows,
            "hour_rows": hour_rows,
            "time_zone": operation_rates.shop_zone().key,
        },
        status=422 if form.is_bound and not form.is_valid() else 200,
    )
