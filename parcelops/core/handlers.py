"""The WSGI handler gunicorn runs: an API request that carries no cookie skips the
middleware that only serves browsers (docs/decisions/0013-public-lookup-and-api-path.md).

A carrier pushing events with a bearer token, or a shop asking for a parcel's status,
sends no cookie: it has no session to load, no messages to show, no CSRF cookie to check
and cannot be framed. Those requests go through settings.API_MIDDLEWARE (security
headers, the language, the common checks) around the same views; every other request,
an API call from a logged-in browser included, goes through settings.MIDDLEWARE.

Request bodies are bounded here too (decision 0025): a chunked body (no Content-Length)
is read up to the largest body limit, where Django would take it as empty, and
read_body() gives a view its body under the view's own limit or raises BodyTooLargeError.
"""

import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponseBase

API_PREFIX = "/api/"


class BodyTooLargeError(Exception):
    """The request's body is over the limit of the endpoint it was sent to."""

    def __init__(self, limit: int):
        super().__init__(f"the body is over {limit} bytes")
        self.limit = limit


def declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def read_body(request: HttpRequest, limit: int) -> bytes:
    """The body, when it is at most `limit` bytes; a longer one is refused by its
    Content-Length before any of it is read. A larger limit than Django's own
    (DATA_UPLOAD_MAX_MEMORY_SIZE) applies to this request only: request.body and
    request.POST then read what this returned."""
    if hasattr(request, "_body"):
        body: bytes = request._body
    elif declared_length(request) > limit:
        raise BodyTooLargeError(limit)
    else:
        body = request.read(limit + 1)  # the stream is limited to the Content-Length
        request._body = body
        request._stream = io.BytesIO(body)
    if len(body) > limit:
        raise BodyTooLargeError(limit)
    return body


def largest_body_limit() -> int:
    return max(
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0,
        settings.PARCELOPS_PUSH_MAX_BYTES,
        settings.PARCELOPS_BATCH_MAX_BYTES,
    )


def read_chunked_body(environ: dict[str, Any]) -> None:
    """A chunked body has no Content-Length, and Django reads a body of that length: none.
    Read it here (gunicorn has undone the chunking), at most one byte past the largest
    limit, and hand it on with its length; one past the limit is refused like any
    other body that is too long, by the endpoint's limit."""
    if environ.get("CONTENT_LENGTH"):
        return
    if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    body = environ["wsgi.input"].read(largest_body_limit() + 1)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def is_cookieless_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX) and not request.COOKIES


class AnonymousUserMiddleware:
    """What the session and authentication middleware leave on a request without a
    session: an anonymous user, until a bearer token says who is asking."""

    def __init__(self, get_response: Any):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.user = AnonymousUser()
        return self.get_response(request)  # type: ignore[no-any-return]


class CookielessApiHandler(BaseHandler):
    """Django's request handling with settings.API_MIDDLEWARE instead of MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds the chain from settings.MIDDLEWARE; this runs once, as the worker
        # starts, before any request is served.
        browser_middleware = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = browser_middleware


class ParcelOpsWSGIHandler(WSGIHandler):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.api_handler = CookielessApiHandler()
        self.api_handler.load_middleware()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Django's handling, after a chunked body has been read (read_chunked_body)."""
        read_chunked_body(environ)
        return super().__call__(environ, start_response)

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        if is_cookieless_api_request(request):
            return self.api_handler.get_response(request)
        return super().get_response(request)
