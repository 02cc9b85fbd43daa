"""The WSGI handler gunicorn runs: an API request that carries no cookie skips the
middleware that only serves browsers (docs/decisions/0013-public-lookup-and-api-path.md).

A carrier pushing events with a bearer token, or a shop asking for a parcel's status,
sends no cookie: it has no session to load, no messages to show, no CSRF cookie to check
and cannot be framed. Those requests go through settings.API_MIDDLEWARE (security
headers, the language, the common checks) around the same views; every other request,
an API call from a logged-in browser included, goes through settings.MIDDLEWARE.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponseBase

API_PREFIX = "/api/"


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

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        if is_cookieless_api_request(request):
            return self.api_handler.get_response(request)
        return super().get_response(request)
