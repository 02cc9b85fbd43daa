"""The client's address behind the TLS proxy. Rate limits and sign-in lock-outs count per
address; behind a proxy every request comes from the proxy's own address, and all the
world's customers would share one limit. From a trusted proxy (PARCELOPS_TRUSTED_PROXIES)
the address it reports in X-Forwarded-For replaces it; from anyone else the header is
ignored, since a client can write whatever it likes there."""

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse


def client_address_behind(remote_address: str, forwarded_for: str, trusted: Iterable[str]) -> str:
    """The rightmost address in X-Forwarded-For that no trusted proxy added, when the
    request came from a trusted proxy; the connection's own address otherwise."""
    trusted = frozenset(trusted)
    if remote_address not in trusted:
        return remote_address
    # Each proxy appends the address it was reached from: read from the right, past our own.
    for address in reversed([part.strip() for part in forwarded_for.split(",")]):
        if address in trusted:
            continue
        try:
            return str(ipaddress.ip_address(address))
        except ValueError:
            return remote_address  # a malformed hop: trust nothing to its left either
    return remote_address


class TrustedProxyMiddleware:
    """First in both middleware lists, so every later reader of REMOTE_ADDR sees the client."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        if not settings.PARCELOPS_TRUSTED_PROXIES:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.trusted = frozenset(settings.PARCELOPS_TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META["REMOTE_ADDR"] = client_address_behind(
            str(request.META.get("REMOTE_ADDR", "")),
            str(request.META.get("HTTP_X_FORWARDED_FOR", "")),
            self.trusted,
        )
        return self.get_response(request)
