"""A fixed-window rate limit on the shared cache, for the public (unauthenticated) endpoints."""

from django.core.cache import cache
from django.http import HttpRequest

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
