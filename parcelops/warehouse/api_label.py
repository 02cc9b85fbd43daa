"""GET /api/v1/orders/{number}/label.pdf: a packed or shipped order's shipping label
(R3.3). A packed parcel without its waybill number gets one first. Thin: the print action
checks the role, decrypts the recipient for the PDF and audits the print."""

from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from parcelops.core.api_schemas import CHANGES_ONE, error_responses
from parcelops.orders.models import Order
from parcelops.warehouse import labels
from parcelops.warehouse.actions import labels as label_actions

router = Router(tags=["warehouse"])


class LabelQuery(Schema):
    format: Literal["thermal", "a4"] = "thermal"


@router.get(
    "/{number}/label.pdf",
    response={200: bytes, **error_responses(*CHANGES_ONE)},
    summary="A packed or shipped order's shipping label (PDF)",
    description=(
        "100 x 150 mm for thermal printers (format=thermal) or an A4 sheet (format=a4). "
        "A packed order's parcel gets its waybill number first when it has none; 409 when "
        "the order is in another state or has no parcel from the packing station."
    ),
    openapi_extra={
        "responses": {
            "200": {
                "description": "The label",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def order_label(request: HttpRequest, number: str, query: Query[LabelQuery]) -> HttpResponse:
    order = get_object_or_404(Order.objects.all(), number=number)
    page_format = query.format if query.format in labels.FORMATS else labels.THERMAL
    pdf = label_actions.print_labels(request.user, [order.number], page_format=page_format)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="label-{order.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
