"""/api/v1/pick-lists: make a wave's pick list, and read one with its stops in walk order.
Thin: check the role, read the body, call parcelops.warehouse.actions.picking, answer the
list."""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import pgettext
from ninja import Field, Path, Router, Schema, Status

from parcelops.accounts import roles
from parcelops.accounts.permissions import require_permission
from parcelops.core.api_schemas import READS_BODY, SIGNED_IN, error_responses
from parcelops.core.errors import FieldError, InputError
from parcelops.warehouse.actions import picking
from parcelops.warehouse.models import PickLine, PickList, Warehouse

router = Router(tags=["warehouse"])

OrderNumber = Annotated[str, Field(min_length=1, max_length=24, pattern=r"^[A-Za-z0-9-]+$")]
ListNumber = Path(..., min_length=1, max_length=24, pattern=r"^[A-Za-z0-9-]+$")


class WaveIn(Schema):
    warehouse: str = Field(min_length=1, max_length=20, description="The warehouse's code")
    orders: list[OrderNumber] | None = Field(
        None,
        max_length=picking.MAX_WAVE,
        description="These allocated orders; or leave it out and give oldest",
    )
    oldest: int | None = Field(
        None, ge=1, le=picking.MAX_WAVE, description="The oldest N allocated orders"
    )


class PickLineOut(Schema):
    sequence: int
    zone: str
    bin: str
    sku: str
    name: str
    quantity: int
    order: str = Field(description="The order's number")
    picked_quantity: int
    picked_at: datetime | None
    picked_by: str | None = Field(description="The picker's username")
    short_reason: str = Field(description="Why the stop could not be picked; empty otherwise")


class PickListOut(Schema):
    number: str
    warehouse: str
    state: str = Field(description="open | done")
    created_at: datetime
    created_by: str | None
    finished_at: datetime | None
    orders: int
    lines: list[PickLineOut]
    skipped: list[str] = Field(
        default_factory=list,
        description="Chosen orders left off (not allocated, or on an open list already)",
    )


def _answer(pick_list: PickList, skipped: list[str] | None = None) -> dict[str, Any]:
    lines = list(
        PickLine.objects.filter(pick_list=pick_list)
        .select_related("bin__zone", "product", "order", "picked_by")
        .order_by("sequence", "id")
    )
    return {
        "number": pick_list.number,
        "warehouse": pick_list.warehouse.code,
        "state": pick_list.state,
        "created_at": pick_list.created_at,
        "created_by": pick_list.created_by.get_username() if pick_list.created_by else None,
        "finished_at": pick_list.finished_at,
        "orders": len({line.order_id for line in lines}),
        "lines": [
            {
                "sequence": line.sequence,
                "zone": line.bin.zone.code,
                "bin": line.bin.code,
                "sku": line.product.sku,
                "name": line.product.name,
                "quantity": line.quantity,
                "order": line.order.number,
                "picked_quantity": line.picked_quantity,
                "picked_at": line.picked_at,
                "picked_by": line.picked_by.get_username() if line.picked_by else None,
                "short_reason": line.short_reason,
            }
            for line in lines
        ],
        "skipped": skipped or [],
    }


@router.post(
    "",
    response={201: PickListOut, **error_responses(*SIGNED_IN, *READS_BODY, 403)},
    summary="Make a pick list for a wave of allocated orders",
    description=(
        "Give the orders, or oldest N: one stop per reserved bin, in walk order (zone, bin); "
        "the orders move to picking. Orders already on an open list are left off (skipped)."
    ),
)
def make_pick_list(request: HttpRequest, payload: WaveIn) -> Status:
    require_permission(request.user, roles.PICK_ORDERS)
    house = Warehouse.objects.filter(code=payload.warehouse, is_active=True).first()
    if house is None:
        message = pgettext("packing", "No warehouse in use has this code.")
        raise InputError([FieldError("warehouse", message)])
    wave = picking.make_pick_list(
        request.user, house, order_numbers=payload.orders, oldest=payload.oldest
    )
    return Status(201, _answer(wave.pick_list, wave.skipped))


@router.get(
    "/{number}",
    response={200: PickListOut, **error_responses(*SIGNED_IN, 403, 404, 422)},
    summary="One pick list with its stops in walk order",
)
def get_pick_list(request: HttpRequest, number: str = ListNumber) -> dict[str, Any]:
    require_permission(request.user, roles.PICK_ORDERS)
    pick_list = get_object_or_404(
        PickList.objects.select_related("warehouse", "created_by"), number=number
    )
    return _answer(pick_list)
