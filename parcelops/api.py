"""The HTTP API at /api/v1/: authentication, the error format, and the domain routers."""

import copy
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from huey.contrib import djhuey
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer, SessionAuth

from parcelops.accounts.models import hash_token
from parcelops.accounts.tokens import user_for_token
from parcelops.core import health as health_checks
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.core.ratelimit import (
    WINDOW_SECONDS,
    seconds_until_clear,
    tally,
    too_many_requests_response,
)


def count_api_call(caller: str) -> None:
    """Count one authenticated call of ``caller``; past PARCELOPS_API_RATE_LIMIT over the
    last minute the call is answered 429 with Retry-After (``on_throttled``). A brake on
    scraping with a valid token: a leaked or curious token reads at most this much."""
    limit = settings.PARCELOPS_API_RATE_LIMIT
    if limit and tally(f"api:{caller}", WINDOW_SECONDS, add=True) > limit:
        raise Throttled(seconds_until_clear(WINDOW_SECONDS))


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; the request then acts with the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        # Keyed by the token (its stored hash, never the token itself): each token of a
        # user has its own allowance, as each integration has its own token.
        count_api_call(f"token:{hash_token(token)}")
        return user


class SignedInSession(SessionAuth):
    """The console's own calls: a signed-in session, with its CSRF token checked.

    Only a signed-in session is asked for its CSRF token: a call with no token, or a bad
    one, and no session is simply not authenticated (401), not refused as a forged form
    (django-ninja's own SessionAuth answers 403 "CSRF check Failed" to it)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        try:
            return super()._get_key(request)
        except HttpError as refused:
            raise HttpError(
                403, _("The page's security token is missing or stale: reload the page.")
            ) from refused

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user:
            count_api_call(f"user:{user.pk}")
        return user


LOCAL_DEFINITIONS = "#/$defs/"
COMPONENTS = "#/components/schemas/"


def hoist_definitions(node: Any, components: dict[str, Any]) -> None:
    """Move every `$defs` inside `node` into the document's components, and point the
    references at them there: a body declared with `openapi_extra` from a pydantic model's
    own JSON schema keeps its nested models in `$defs`, where `#/$defs/...` resolves
    against the document's root, i.e. nowhere."""
    if isinstance(node, dict):
        for name, definition in node.pop("$defs", {}).items():
            if components.setdefault(name, definition) != definition:
                raise ValueError(f"two different schemas are both named {name}")
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith(LOCAL_DEFINITIONS):
            node["$ref"] = COMPONENTS + reference.removeprefix(LOCAL_DEFINITIONS)
        for value in node.values():
            hoist_definitions(value, components)
    elif isinstance(node, list):
        for item in node:
            hoist_definitions(item, components)


class ParcelOpsAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = document["components"]["schemas"]
        # A copy: the paths hold the routes' own openapi_extra dicts, not copies of them.
        document["paths"] = copy.deepcopy(document["paths"])
        hoist_definitions(document["paths"], components)
        return document


api = ParcelOpsAPI(
    title="ParcelOps API",
    version="1",
    auth=[BearerToken(), SignedInSession()],
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)


def errors_response(
    request: HttpRequest, status: int, errors: list[dict[str, str]]
) -> HttpResponse:
    return api.create_response(request, {"errors": errors}, status=status)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "payload", "query", "path")]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


@api.exception_handler(ValidationError)
def on_schema_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        # Only a body that is not JSON at all; "unable to parse string as an integer" in a
        # query parameter is an ordinary bad field (422).
        if error.get("type") == "json_invalid":
            return errors_response(
                request, 400, [{"field": "", "message": _("The body is not valid JSON.")}]
            )
        errors.append(
            {
                "field": _field_path(tuple(error.get("loc", ()))),
                "message": str(error.get("msg", "")),
            }
        )
    return errors_response(request, 422, errors)


@api.exception_handler(InputError)
def on_validation_error(request: HttpRequest, exc: InputError) -> HttpResponse:
    return errors_response(request, 422, [e.as_dict() for e in exc.errors])


@api.exception_handler(ActionError)
def on_action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return errors_response(request, 409, [{"field": "", "message": str(exc)}])


@api.exception_handler(NotPermittedError)
def on_permission_error(request: HttpRequest, exc: NotPermittedError) -> HttpResponse:
    return errors_response(request, 403, [{"field": "", "message": str(exc)}])


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return errors_response(
        request, 401, [{"field": "", "message": _("Log in or send a valid API token.")}]
    )


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return too_many_requests_response(exc.wait or WINDOW_SECONDS)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return errors_response(request, 404, [{"field": "", "message": _("Not found.")}])


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over Django's limit: 413 naming it, logged as one warning line like every
    4xx, not as the security logger's traceback (the pushes and the batch have their
    own limits)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = _("The body is over the limit of %(limit)d bytes (%(setting)s).") % {
        "limit": limit,
        "setting": "PARCELOPS_BODY_MAX_BYTES",
    }
    return errors_response(request, 413, [{"field": "", "message": message}])


# django-ninja's own answer when a schema-typed body is not JSON; said in our words instead.
NINJA_UNPARSABLE_BODY = "Cannot parse request body"


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if exc.status_code == 400 and message.startswith(NINJA_UNPARSABLE_BODY):
        message = _("The body is not valid JSON.")
    return errors_response(request, exc.status_code, [{"field": "", "message": message}])


class HealthOut(Schema):
    status: str  # "ok" when every check below is
    database: str  # "ok" or "error"
    queue: str  # the task queue's storage (Redis or the SQLite file): "ok" or "error"
    migrations: str | None = None  # with ?ready only: "ok", "pending" or "error"


@api.get(
    "/health",
    auth=None,
    response={200: HealthOut, 503: HealthOut},
    exclude_none=True,
    summary="The database and the task queue, for load balancers",
    description=(
        "503 when the database or the task queue does not answer. With `?ready`, also 503 "
        "while migrations are pending (the node is up but must not take traffic yet). "
        "Answers on plain HTTP behind a TLS proxy (SECURE_REDIRECT_EXEMPT)."
    ),
)
def health(request: HttpRequest) -> Status:
    answer = HealthOut(
        status=health_checks.OK,
        database=health_checks.database_state(),
        queue=health_checks.queue_state(djhuey.HUEY),
    )
    if "ready" in request.GET:
        answer.migrations = (
            health_checks.migrations_state()
            if answer.database == health_checks.OK
            else health_checks.ERROR  # unknown without a database
        )
    checks = (answer.database, answer.queue, answer.migrations or health_checks.OK)
    if any(state != health_checks.OK for state in checks):
        answer.status = health_checks.ERROR
        return Status(503, answer)
    return Status(200, answer)


def _mount_routers() -> None:
    # The hot paths first: Django tries the API's routes in this order on every request,
    # and the customers' lookups and the carriers' pushes outnumber everything else.
    from parcelops.tracking.api import order_shipments_router, shipments_router
    from parcelops.tracking.api import public_router as track_router
    from parcelops.tracking.api import router as tracking_router

    api.add_router("/track", track_router)
    api.add_router("/tracking", tracking_router)
    from parcelops.orders.api import public_router
    from parcelops.orders.api import router as orders_router

    api.add_router("/orders", orders_router)
    # An order's parcels live in tracking, under the order's path (orders never imports tracking).
    api.add_router("/orders", order_shipments_router)
    api.add_router("/shipments", shipments_router)
    api.add_router("/public", public_router)
    from parcelops.carriers.api import router as carriers_router

    api.add_router("/carriers", carriers_router)
    from parcelops.exceptions.api import router as cases_router

    api.add_router("/cases", cases_router)
    from parcelops.warehouse.api_label import router as label_router

    api.add_router("/orders", label_router)
    from parcelops.warehouse.api_packing import router as pick_lists_router

    api.add_router("/pick-lists", pick_lists_router)
    from parcelops.warehouse.api_stock import router as stock_router

    api.add_router("/stock", stock_router)
    from parcelops.warehouse.api_choice import router as carrier_choice_router

    api.add_router("/orders", carrier_choice_router)


_mount_routers()
