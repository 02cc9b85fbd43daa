"""The warehouse home page: per warehouse, the orders on their way through the floor, open
pick lists and manifests, inspections and follow-ups that need doing, and the way to
every other warehouse page (those a person's role opens)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from parcelops.accounts import roles
from parcelops.core.clock import now
from parcelops.warehouse.access import ANY_WAREHOUSE, SEE_INSPECTIONS, has_any, page_for_any
from parcelops.warehouse.board import warehouse_board


@page_for_any(*ANY_WAREHOUSE)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "warehouse/home.html",
        {
            "board": warehouse_board(timezone.localdate(now())),
            "can": {
                "stock": user.has_perm(roles.MANAGE_STOCK)
                or user.has_perm(roles.VIEW_WAREHOUSE_REPORTS),
                "pick": user.has_perm(roles.PICK_ORDERS),
                "pack": user.has_perm(roles.PACK_ORDERS),
                "hand_over": user.has_perm(roles.HAND_OVER_PARCELS),
                "inspections": has_any(user, SEE_INSPECTIONS),
                "reports": user.has_perm(roles.VIEW_WAREHOUSE_REPORTS),
                "manage": user.has_perm(roles.MANAGE_WAREHOUSE),
            },
        },
    )
