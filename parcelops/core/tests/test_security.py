"""Every response carries the Content-Security-Policy, and the pages keep within it."""

import base64
import hashlib
import re

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client

from parcelops.core.security import (
    SCRIPTED_PAGE_FLAG,
    ContentSecurityPolicyMiddleware,
    content_security_policy,
    script_hash,
)

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", re.S
)
FOREIGN_ASSET = re.compile(r"""(?:src|href|action)=["'](?:https?:)?//""", re.I)

PUBLIC_PAGES = ["/accounts/login/", "/track/parcel/", "/track/order/", "/api/v1/docs"]
STAFF_PAGES = {  # page: who opens it
    "/orders/": "order_processor",
    "/orders/review/": "order_reviewer",
    "/orders/mine/": "order_processor",
    "/orders/new/": "order_processor",
}


def test_the_policy_allows_only_our_own_host_and_the_one_inline_line():
    policy = content_security_policy()

    assert policy.startswith("default-src 'self'; script-src 'self' 'sha256-")
    assert "'unsafe-inline'" not in policy.split("style-src-attr")[0]
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    expected = base64.b64encode(hashlib.sha256(SCRIPTED_PAGE_FLAG.encode()).digest()).decode()
    assert script_hash(SCRIPTED_PAGE_FLAG) == f"'sha256-{expected}'"


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, *STAFF_PAGES])
def test_every_page_carries_the_policy_and_keeps_within_it(path, staff):
    client = Client()
    if path in STAFF_PAGES:
        client.force_login(staff[STAFF_PAGES[path]])

    response = client.get(path)

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert policy == content_security_policy()
    html = response.content.decode()
    for source in INLINE_SCRIPT.findall(html):
        assert script_hash(source) in policy, f"an inline script the policy refuses: {source!r}"
    assert FOREIGN_ASSET.findall(html) == []


def test_api_answers_carry_the_policy_too():
    response = Client().get("/api/v1/health")

    assert response["Content-Security-Policy"] == content_security_policy()


def test_an_empty_setting_turns_the_policy_off(settings):
    settings.PARCELOPS_CSP = ""
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())

    assert "Content-Security-Policy" not in middleware(HttpRequest())
