"""The client's address behind the TLS proxy: taken from X-Forwarded-For only when the
request came from a trusted proxy, so rate limits count per customer, not per proxy."""

import pytest
import time_machine
from django.test import RequestFactory

from conftest import FIXED_NOW
from parcelops.core.handlers import ParcelOpsWSGIHandler
from parcelops.core.proxy import client_address_behind

PROXIES = ["10.0.0.2", "10.0.0.3"]


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("10.0.0.2", "203.0.113.7", "203.0.113.7"),  # nginx's X-Forwarded-For $remote_addr
        (
            "10.0.0.2",
            "198.51.100.1, 203.0.113.7",
            "203.0.113.7",
        ),  # the left part is the client's word
        ("10.0.0.2", "203.0.113.7, 10.0.0.3", "203.0.113.7"),  # two trusted hops
        ("10.0.0.2", " 2001:db8::1 ", "2001:db8::1"),
        ("10.0.0.2", "", "10.0.0.2"),  # no header: the proxy itself
        ("10.0.0.2", "10.0.0.3", "10.0.0.2"),  # only trusted hops
        ("10.0.0.2", "203.0.113.7, not-an-address", "10.0.0.2"),  # malformed: trust nothing
        ("192.0.2.50", "203.0.113.7", "192.0.2.50"),  # not from a proxy: the header is a lie
    ],
)
def test_the_client_is_the_rightmost_address_no_trusted_proxy_added(remote, forwarded, client):
    assert client_address_behind(remote, forwarded, PROXIES) == client


@pytest.fixture
def handler_behind_proxies(settings, tmp_path):
    settings.PARCELOPS_TRUSTED_PROXIES = PROXIES
    settings.PARCELOPS_PUBLIC_RATE_LIMIT = 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    return ParcelOpsWSGIHandler()


def lookup(handler, remote: str, forwarded: str) -> int:
    request = RequestFactory(REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded).get(
        "/api/v1/track/NOPE123"
    )
    return handler.get_response(request).status_code


@pytest.mark.django_db
def test_behind_the_proxy_each_customer_has_a_rate_limit_of_their_own(handler_behind_proxies):
    with time_machine.travel(FIXED_NOW, tick=False):
        statuses = [
            lookup(handler_behind_proxies, "10.0.0.2", "203.0.113.7"),
            lookup(handler_behind_proxies, "10.0.0.3", "203.0.113.8"),
            lookup(handler_behind_proxies, "10.0.0.2", "203.0.113.7"),
            # From outside, a forged header does not buy a fresh limit.
            lookup(handler_behind_proxies, "192.0.2.50", "203.0.113.9"),
            lookup(handler_behind_proxies, "192.0.2.50", "203.0.113.10"),
        ]
    assert statuses == [404, 404, 429, 404, 429]


@pytest.mark.django_db
def test_without_trusted_proxies_the_header_is_ignored(settings, tmp_path):
    settings.PARCELOPS_PUBLIC_RATE_LIMIT = 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    handler = ParcelOpsWSGIHandler()
    with time_machine.travel(FIXED_NOW, tick=False):
        statuses = [lookup(handler, "10.0.0.2", f"203.0.113.{n}") for n in (1, 2)]
    assert statuses == [404, 429]
