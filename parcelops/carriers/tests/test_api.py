"""/api/v1/carriers and /api/v1/carriers/detect, through HTTP."""

import pytest
from django.test import Client

from parcelops.carriers.tests.test_registry import OUR_CODES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CARRIERS = "/api/v1/carriers"
DETECT = "/api/v1/carriers/detect"
NUMBER_LENGTH = "A tracking number has 6 to 40 letters and digits."


def test_it_lists_every_carrier_with_its_names_zone_and_provider_codes(staff, api):
    response = api(staff["analyst"]).get(CARRIERS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 14
    assert [carrier["code"] for carrier in body["results"]] == OUR_CODES
    assert body["results"][0] == {
        "code": "sf-express",
        "name": "SF Express",
        "name_en": "SF Express",
        "name_zh": "顺丰速运",
        "time_zone": "Asia/Shanghai",
        "country": "CN",
        "provider_codes": {
            "17track": ["100012"],
            "aftership": ["sf-express"],
            "kuaidi100": ["shunfeng"],
        },
        "aliases": ["SF"],
        "tracking_number_pattern": "",
        "is_active": True,
    }


def test_the_carrier_names_follow_the_requests_language(staff, api):
    client = api(staff["analyst"])

    response = client.get(CARRIERS, headers={"Accept-Language": "zh-hans"})

    assert response.status_code == 200
    assert response.json()["results"][11]["name"] == "联邦快递"


def test_listing_carriers_needs_no_query_beyond_authentication(
    staff, api, django_assert_num_queries
):
    client = api(staff["analyst"])

    # The token with its user, the token's first use, the user's and the groups' permissions.
    with django_assert_num_queries(4):
        response = client.get(CARRIERS)

    assert response.status_code == 200


def test_it_detects_the_candidates_of_a_normalised_number_best_first(staff, api):
    response = api(staff["cs_agent"]).get(DETECT, {"number": "7731-2345 6789 012"})

    assert response.status_code == 200
    assert response.json() == {
        "number": "773123456789012",
        "candidates": [
            {
                "code": "sto",
                "name": "STO Express",
                "score": 0.5,
                "reason": "STO prefix (77, 66, 88).",
            },
            {
                "code": "zto",
                "name": "ZTO Express",
                "score": 0.3,
                "reason": "12 to 15 digits starting 2, 5 or 7, like ZTO.",
            },
            {
                "code": "fedex",
                "name": "FedEx",
                "score": 0.2,
                "reason": "15 digits, like FedEx Ground (length only).",
            },
        ],
    }


def test_a_ups_number_with_a_matching_check_digit_is_ups_alone(staff, api):
    response = api(staff["warehouse"]).get(DETECT, {"number": "1z5r89390357567127"})

    assert response.status_code == 200
    assert response.json() == {
        "number": "1Z5R89390357567127",
        "candidates": [
            {
                "code": "ups",
                "name": "UPS",
                "score": 0.99,
                "reason": "UPS 1Z number with a matching check digit.",
            }
        ],
    }


def test_a_well_formed_number_no_carrier_uses_has_no_candidates(staff, api):
    response = api(staff["analyst"]).get(DETECT, {"number": "ABCDEFGH"})

    assert response.status_code == 200
    assert response.json() == {"number": "ABCDEFGH", "candidates": []}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "Enter a tracking number."),
        ({"number": ""}, "Enter a tracking number."),
        ({"number": " - - "}, "Enter a tracking number."),
        ({"number": "12345"}, NUMBER_LENGTH),
        ({"number": "1" * 41}, NUMBER_LENGTH),
        ({"number": "SF123/456789"}, NUMBER_LENGTH),
        ({"number": "顺丰1234567890"}, NUMBER_LENGTH),
    ],
)
def test_an_empty_or_garbage_number_is_refused_naming_the_field(staff, api, query, message):
    response = api(staff["analyst"]).get(DETECT, query)

    assert response.status_code == 422
    assert response.json() == {"errors": [{"field": "number", "message": message}]}


@pytest.mark.parametrize("path", [CARRIERS, f"{DETECT}?number=SF1234567890123"])
def test_someone_without_the_view_order_permission_is_refused(make_staff, api, path):
    response = api(make_staff("nobody")).get(path)

    assert response.status_code == 403
    assert response.json() == {
        "errors": [{"field": "", "message": "Your role does not allow this action."}]
    }


@pytest.mark.parametrize("path", [CARRIERS, f"{DETECT}?number=SF1234567890123"])
def test_an_anonymous_caller_must_log_in(path):
    response = Client().get(path)

    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"field": "", "message": "Log in or send a valid API token."}]
    }


def test_a_logged_in_session_can_detect(staff):
    client = Client()
    client.force_login(staff["logistics_staff"])

    response = client.get(DETECT, {"number": "SF1234567890123"})

    assert response.status_code == 200
    assert response.json()["candidates"] == [
        {"code": "sf-express", "name": "SF Express", "score": 0.9, "reason": "SF prefix."}
    ]
