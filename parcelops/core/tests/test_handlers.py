"""gunicorn's handler: API requests without cookies skip the browsers' middleware, and
answer exactly as through the whole chain (decision 0013)."""

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from parcelops.accounts.actions import create_api_token
from parcelops.core.handlers import ParcelOpsWSGIHandler, is_cookieless_api_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def handler():
    return ParcelOpsWSGIHandler()


def test_only_api_requests_without_cookies_take_the_short_path():
    factory = RequestFactory()
    with_cookie = RequestFactory(HTTP_COOKIE="sessionid=abc")
    assert is_cookieless_api_request(factory.get("/api/v1/orders")) is True
    assert is_cookieless_api_request(with_cookie.get("/api/v1/orders")) is False
    assert is_cookieless_api_request(factory.get("/orders/")) is False
    assert is_cookieless_api_request(factory.get("/apiary/")) is False


def test_building_the_short_chain_leaves_the_settings_as_they_were(handler):
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert len(handler.api_handler._view_middleware) == 0  # none of API_MIDDLEWARE has one


def test_a_cookieless_api_answer_keeps_the_security_and_language_headers(handler):
    response = handler.get_response(RequestFactory().get("/api/v1/health"))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Language"] == "zh-hans"
    assert "Cookie" not in response.get("Vary", "")


def test_a_bearer_token_works_on_the_short_path_and_its_absence_is_refused(handler, staff, english):
    token = create_api_token(staff["order_reviewer"])
    factory = RequestFactory(HTTP_ACCEPT_LANGUAGE="en")
    allowed = handler.get_response(
        factory.get("/api/v1/orders", HTTP_AUTHORIZATION=f"Bearer {token}")
    )
    refused = handler.get_response(factory.get("/api/v1/orders"))

    assert allowed.status_code == 200
    assert (
        allowed.content
        == Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/orders").content
    )
    assert refused.status_code == 401
    assert refused.content == (
        b'{"errors": [{"field": "", "message": "Log in or send a valid API token."}]}'
    )


def test_a_logged_in_browser_calling_the_api_takes_the_whole_chain(handler, staff):
    browser = Client()
    browser.force_login(staff["order_reviewer"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"

    response = handler.get_response(RequestFactory(HTTP_COOKIE=cookie).get("/api/v1/orders"))

    assert response.status_code == 200
    assert "Cookie" in response["Vary"]  # the session middleware ran
