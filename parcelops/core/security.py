"""The Content-Security-Policy every response carries: the pages load nothing from other
hosts and run no inline script but the one line whose hash the policy names."""

import base64
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# The one inline script of the page templates (base.html, public_base.html): it marks the
# page as scripted before the stylesheet applies, so nothing flickers. Its hash is what the
# policy allows; a template that changes it must change this constant too (a test says so).
SCRIPTED_PAGE_FLAG = 'document.documentElement.className = "js";'


def script_hash(source: str) -> str:
    """A CSP source expression allowing exactly this inline script."""
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def content_security_policy() -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {script_hash(SCRIPTED_PAGE_FLAG)}",
            "style-src 'self'",
            "style-src-attr 'unsafe-inline'",  # width attributes in tables; no <style> blocks
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Adds the policy (settings.PARCELOPS_CSP overrides it; empty turns it off)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        configured = getattr(settings, "PARCELOPS_CSP", None)
        self.policy = content_security_policy() if configured is None else configured

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
