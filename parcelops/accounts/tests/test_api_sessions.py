"""The API as a browser and a script reach it: bad or missing tokens get 401 in our JSON;
a signed-in session still needs its CSRF token to write."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders"
UNAUTHORISED = {"errors": [{"field": "", "message": "Log in or send a valid API token."}]}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer pops_not-a-token"}, {"Authorization": "Basic YTpi"}],
    ids=["no-token", "bad-token", "wrong-scheme"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ORDERS),
        ("post", ORDERS),
        ("patch", f"{ORDERS}/SO-1"),
        ("delete", f"{ORDERS}/SO-1"),
        ("post", f"{ORDERS}/SO-1/approve"),
        ("post", "/api/v1/tracking/events"),
    ],
)
def test_without_a_valid_token_or_session_every_call_gets_401_not_a_csrf_error(
    headers, method, path
):
    client = Client(enforce_csrf_checks=True, headers={**headers, "Accept-Language": "en"})

    if method == "get":
        response = client.get(path)
    else:
        response = getattr(client, method)(path, "{}", content_type="application/json")

    assert response.status_code == 401
    assert response.json() == UNAUTHORISED


def test_a_signed_in_session_without_its_csrf_token_cannot_write(staff):
    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    client.force_login(staff["order_processor"])

    response = client.post(ORDERS, "{}", content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {
        "errors": [
            {
                "field": "",
                "message": "The page's security token is missing or stale: reload the page.",
            }
        ]
    }


def test_a_signed_in_session_with_its_csrf_token_is_authenticated(staff):
    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    client.force_login(staff["order_processor"])
    client.get("/orders/new/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value

    response = client.post(
        ORDERS, "{}", content_type="application/json", headers={"X-CSRFToken": token}
    )

    assert response.status_code == 422  # past authentication: the empty order is refused
    assert client.get(ORDERS).status_code == 200
