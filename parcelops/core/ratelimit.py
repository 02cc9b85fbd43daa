"""A fixed-window rate limit on the shared cache, for the public (unauthenticated) endpoints."""

import orjson
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from parcelops.core.clock import now


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def is_rate_limited(request: HttpRequest, scope: str, limit_per_minute: int) -> bool:
    """Count this request; True when the caller has gone past the limit this minute."""
    window = int(now().timestamp() // 60)
    key = f"ratelimit:{scope}:{client_address(request)}:{window}"
    if cache.add(key, 1, timeout=120):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=120)
        return False
    return count > limit_per_minute


def too_many_requests_response() -> HttpResponse:
    """The API's 429 answer, in the project's error format, with the wait in Retry-After."""
    body = {"errors": [{"field": "", "message": _("Too many requests: try again in a minute.")}]}
    response = HttpResponse(orjson.dumps(body), status=429, content_type="application/json")
    response["Retry-After"] = "60"
    return response
