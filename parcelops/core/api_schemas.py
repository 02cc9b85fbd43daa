"""The shapes every router declares in the OpenAPI document: the one error body, and the
error statuses each kind of operation can answer (parcelops.api maps the errors to them)."""

from typing import Any

from ninja import Schema


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorsOut(Schema):
    """Every error answer of our own: ``{"errors": [{"field", "message"}]}`` (core.errors)."""

    errors: list[FieldErrorOut]


# A signed-in call: no or a bad token or session (401), its token over its rate limit (429).
SIGNED_IN = (401, 429)
# A call that reads a body: not JSON at all (400), a field that fails its check (422).
READS_BODY = (400, 422)
# A call on one order or parcel that changes it: the role may not (403), no such order (404),
# not allowed in its state (409), a bad field (422).
CHANGES_ONE = (*SIGNED_IN, 403, 404, 409, 422)


def error_responses(*statuses: int) -> dict[int, Any]:
    """`{status: ErrorsOut}` for each status, to merge into a route's `response=`."""
    return dict.fromkeys(sorted(set(statuses)), ErrorsOut)


def request_body(model: type[Schema], media_type: str = "application/json") -> dict[str, Any]:
    """`openapi_extra` declaring the body of a handler that reads `request.body` itself (so
    that its own checks name every bad field): the model documents it, ninja never sees it."""
    return {
        "requestBody": {
            "required": True,
            "content": {media_type: {"schema": model.model_json_schema()}},
        }
    }


# The databases' biggest integer: a bigger id or offset in a request is a bad field (422),
# not an overflow in the driver (500).
MAX_ID = 2**63 - 1
