"""The pure order rules, without a database: intake validation at every boundary (R2.1.3),
classification (R2.2.1) and the choice of a processor (R2.2.2)."""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXED_NOW, VALID_ORDER
from parcelops.core.errors import FieldError
from parcelops.core.money import parse_cents
from parcelops.orders import rules
from parcelops.orders.rules import Candidate
from parcelops.orders.states import OrderType
from parcelops.orders.tests.factories import MISSING, intake_payload

pytestmark = pytest.mark.usefixtures("english")

MAX_AGE = timedelta(days=30)
REQUIRED = "This field is required."
MONEY_FORMAT = 'Must be a decimal string with at most two decimal places, such as "12.50".'
WHOLE_NUMBER = "Must be a whole number."
AT_LEAST_ONE = "Must be at least 1."
NEGATIVE = "Must not be negative."
CHINA_NEEDS_PHONE = (
    "A phone number is required for an address in China: carriers there refuse parcels without one."
)


def validate(data: Any) -> tuple[rules.IntakeOrder | None, list[FieldError]]:
    return rules.validate_order_intake(data, now=FIXED_NOW, max_age=MAX_AGE)


def payload(**changes: Any) -> dict[str, Any]:
    return intake_payload(changes)


def error_fields(errors: list[FieldError]) -> list[str]:
    return [error.field for error in errors]


# --- a valid order ------------------------------------------------------------------------


def test_a_valid_order_is_read_into_cents_and_aware_times():
    intake, errors = validate(payload())

    assert errors == []
    assert intake == rules.IntakeOrder(
        channel="web",
        external_id="W-1001",
        placed_at=datetime(2026, 11, 25, 1, 30, tzinfo=UTC),
        customer_name="王小明",
        customer_phone="13812345678",
        customer_email="xm.wang@example.com",
        customer_tier="regular",
        shipping_address={
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "street": "文三路 100 号 5 幢 301",
            "postal_code": "310012",
            "country": "CN",
        },
        lines=[
            rules.IntakeLine(
                sku="TEA-001", name="西湖龙井 250g", quantity=2, unit_price_cents=16800
            ),
            rules.IntakeLine(sku="CUP-002", name="玻璃茶杯", quantity=1, unit_price_cents=3990),
        ],
        discount_cents=2000,
        shipping_fee_cents=1000,
        total_cents=36590,
        currency="CNY",
        requested_carrier="",
        promised_delivery_date=None,
        is_paid=True,
    )
    assert intake.subtotal_cents == 37590


def test_optional_fields_take_their_defaults():
    intake, errors = validate(
        payload(
            discount=MISSING,
            shipping_fee=MISSING,
            currency=MISSING,
            total="375.90",
            **{
                "customer.tier": MISSING,
                "shipping_address.country": MISSING,
                "shipping_address.district": MISSING,
            },
        )
    )

    assert errors == []
    assert intake is not None
    assert (intake.discount_cents, intake.shipping_fee_cents) == (0, 0)
    assert intake.currency == "CNY"
    assert intake.customer_tier == "regular"
    assert intake.shipping_address["country"] == "CN"
    assert intake.shipping_address["district"] == ""


@pytest.mark.parametrize("kept", ["customer.phone", "customer.email"])
def test_outside_china_either_a_phone_or_an_email_is_enough(kept):
    removed = "customer.email" if kept == "customer.phone" else "customer.phone"
    intake, errors = validate(payload(**{removed: MISSING, "shipping_address.country": "DE"}))

    assert errors == []
    assert intake is not None


# --- required fields ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"channel": MISSING}, "channel", REQUIRED),
        ({"channel": "   "}, "channel", REQUIRED),
        ({"external_id": MISSING}, "external_id", REQUIRED),
        ({"placed_at": MISSING}, "placed_at", REQUIRED),
        ({"placed_at": ""}, "placed_at", REQUIRED),
        ({"customer": MISSING}, "customer", REQUIRED),
        ({"customer": "王小明"}, "customer", "Must be an object."),
        ({"customer.name": MISSING}, "customer.name", REQUIRED),
        ({"customer.name": ""}, "customer.name", REQUIRED),
        (
            {"customer.phone": MISSING, "customer.email": MISSING},
            "customer.phone",
            CHINA_NEEDS_PHONE,
        ),
        (
            {
                "customer.phone": MISSING,
                "customer.email": MISSING,
                "shipping_address.country": "US",
            },
            "customer.phone",
            "A phone number or an email address is required to contact the customer.",
        ),
        ({"shipping_address": MISSING}, "shipping_address", REQUIRED),
        ({"shipping_address.province": MISSING}, "shipping_address.province", REQUIRED),
        ({"shipping_address.city": ""}, "shipping_address.city", REQUIRED),
        ({"shipping_address.street": MISSING}, "shipping_address.street", REQUIRED),
        ({"lines": MISSING}, "lines", "At least one order line is required."),
        ({"lines": []}, "lines", "At least one order line is required."),
        ({"lines": {"sku": "TEA-001"}}, "lines", "At least one order line is required."),
        ({"lines[0]": "TEA-001"}, "lines[0]", "Must be an object."),
        ({"lines[0].sku": MISSING}, "lines[0].sku", REQUIRED),
        ({"lines[0].name": MISSING}, "lines[0].name", REQUIRED),
        ({"lines[1].quantity": MISSING}, "lines[1].quantity", REQUIRED),
        ({"lines[0].unit_price": MISSING}, "lines[0].unit_price", REQUIRED),
        ({"total": MISSING}, "total", REQUIRED),
        ({"total": ""}, "total", REQUIRED),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_missing_required_field_is_named_by_its_path(changes, field, message):
    intake, errors = validate(payload(**changes))

    assert intake is None
    assert errors == [FieldError(field, message)]


def test_every_bad_field_is_reported_at_once():
    intake, errors = validate(
        payload(
            channel=MISSING,
            placed_at="yesterday",
            total="abc",
            currency="XYZ",
            **{
                "customer.name": MISSING,
                "customer.tier": "platinum",
                "shipping_address.province": MISSING,
                "lines[0].quantity": 0,
                "lines[1].unit_price": "1,00",
            },
        )
    )

    assert intake is None
    assert error_fields(errors) == [
        "channel",
        "placed_at",
        "customer.name",
        "customer.tier",
        "shipping_address.province",
        "lines[0].quantity",
        "lines[1].unit_price",
        "total",
        "currency",
    ]


@pytest.mark.parametrize("body", [None, [], [VALID_ORDER], "an order", 42, True])
def test_a_body_that_is_not_an_object_is_refused_as_a_whole(body):
    assert validate(body) == (None, [FieldError("", "The order must be a JSON object.")])


# --- quantities and money -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, AT_LEAST_ONE),
        (-1, AT_LEAST_ONE),
        (1.5, WHOLE_NUMBER),
        (2.0, WHOLE_NUMBER),
        ("2", WHOLE_NUMBER),
        (True, WHOLE_NUMBER),
        (False, WHOLE_NUMBER),
        ([2], WHOLE_NUMBER),
        (rules.MAX_LINE_QUANTITY + 1, f"Must be at most {rules.MAX_LINE_QUANTITY}."),
    ],
    ids=repr,
)
def test_a_quantity_must_be_a_whole_number_of_at_least_one(quantity, message):
    intake, errors = validate(payload(**{"lines[0].quantity": quantity}))

    assert intake is None
    assert errors == [FieldError("lines[0].quantity", message)]


def test_the_largest_allowed_quantity_is_accepted():
    quantity = rules.MAX_LINE_QUANTITY
    intake, errors = validate(
        payload(
            total="0.00",
            discount="0.00",
            shipping_fee="0.00",
            lines=[{"sku": "GIFT", "name": "Sticker", "quantity": quantity, "unit_price": "0.00"}],
        )
    )

    assert errors == []
    assert intake is not None
    assert intake.lines[0].quantity == quantity


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("12.505", MONEY_FORMAT),
        ("12,50", MONEY_FORMAT),
        ("12.5.0", MONEY_FORMAT),
        ("1e3", MONEY_FORMAT),
        ("+12.50", MONEY_FORMAT),
        ("１２.５０", MONEY_FORMAT),  # full-width digits are not a price
        ("¥12.50", MONEY_FORMAT),
        (12.5, MONEY_FORMAT),
        (12, MONEY_FORMAT),
        (True, MONEY_FORMAT),
        ({"amount": "12.50"}, MONEY_FORMAT),
        ("-1.00", NEGATIVE),
        ("-0.01", NEGATIVE),
    ],
    ids=repr,
)
def test_a_price_must_be_a_non_negative_decimal_string_with_two_places(price, message):
    intake, errors = validate(payload(**{"lines[0].unit_price": price}))

    assert intake is None
    assert errors == [FieldError("lines[0].unit_price", message)]


@pytest.mark.parametrize(
    ("price", "total"),
    [("0.00", "29.90"), ("168", "365.90"), ("168.0", "365.90"), (" 168.00 ", "365.90")],
)
def test_prices_of_zero_and_with_fewer_decimals_are_accepted(price, total):
    intake, errors = validate(payload(total=total, **{"lines[0].unit_price": price}))

    assert errors == []
    assert intake is not None
    assert intake.total_cents == parse_cents(total)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("discount", "-1.00", NEGATIVE),
        ("discount", "20.005", MONEY_FORMAT),
        ("shipping_fee", 10, MONEY_FORMAT),
        ("total", "-1.00", NEGATIVE),
        ("total", 365.9, MONEY_FORMAT),
        ("total", "365,90", MONEY_FORMAT),
    ],
    ids=repr,
)
def test_a_bad_amount_is_reported_alone_not_as_a_wrong_total(field, value, message):
    intake, errors = validate(payload(**{field: value}))

    assert intake is None
    assert errors == [FieldError(field, message)]


@pytest.mark.parametrize(
    ("total", "expected_error"),
    [
        ("365.89", "lines - discount + shipping = 365.90, not 365.89."),
        ("365.90", None),
        ("365.91", "lines - discount + shipping = 365.90, not 365.91."),
        ("0.00", "lines - discount + shipping = 365.90, not 0.00."),
    ],
)
def test_the_total_must_add_up_to_the_cent(total, expected_error):
    intake, errors = validate(payload(total=total))

    if expected_error is None:
        assert errors == []
        assert intake is not None
        assert intake.total_cents == 36590
    else:
        assert intake is None
        assert errors == [FieldError("total", f"The total does not add up: {expected_error}")]


def test_a_discount_larger_than_the_lines_gives_a_negative_sum_that_no_total_matches():
    intake, errors = validate(payload(discount="400.00", total="0.00"))

    assert intake is None
    assert errors == [
        FieldError(
            "total", "The total does not add up: lines - discount + shipping = -14.10, not 0.00."
        )
    ]


# --- the order time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("placed_at", "message"),
    [
        ("2026-11-25T02:05:00+00:00", None),  # exactly the allowed clock skew ahead
        ("2026-11-25T10:05:00+08:00", None),  # the same instant in Shanghai time
        ("2026-11-25T02:05:01+00:00", "Lies in the future."),
        ("2026-11-25T10:05:01+08:00", "Lies in the future."),
        ("2026-10-26T02:00:00+00:00", None),  # exactly the maximum age
        ("2026-10-26T01:59:59+00:00", "Is older than the allowed 30 days."),
        ("2026-11-25T09:30:00", "Must carry a UTC offset, such as +08:00."),
        (
            "yesterday",
            "Must be an ISO 8601 time with a UTC offset, such as 2026-11-25T10:00:00+08:00.",
        ),
        (
            "2026-13-45T10:00:00+08:00",
            "Must be an ISO 8601 time with a UTC offset, such as 2026-11-25T10:00:00+08:00.",
        ),
        (
            1764036000,
            "Must be an ISO 8601 time with a UTC offset, such as 2026-11-25T10:00:00+08:00.",
        ),
    ],
    ids=repr,
)
def test_the_order_time_must_lie_in_the_allowed_window(placed_at, message):
    intake, errors = validate(payload(placed_at=placed_at))

    if message is None:
        assert errors == []
        assert intake is not None
        assert intake.placed_at.tzinfo is not None
    else:
        assert intake is None
        assert errors == [FieldError("placed_at", message)]


def test_the_maximum_age_comes_from_the_caller():
    placed_at = (FIXED_NOW - timedelta(days=7, seconds=1)).isoformat()
    intake, errors = rules.validate_order_intake(
        payload(placed_at=placed_at), now=FIXED_NOW, max_age=timedelta(days=7)
    )

    assert intake is None
    assert errors == [FieldError("placed_at", "Is older than the allowed 7 days.")]


# --- currency, tier, contact details, dates -----------------------------------------------


@pytest.mark.parametrize(
    ("currency", "expected"),
    [("CNY", "CNY"), ("usd", "USD"), ("EUR", "EUR"), ("HKD", "HKD"), (MISSING, "CNY")],
    ids=repr,
)
def test_a_known_currency_is_accepted_in_upper_case(currency, expected):
    intake, errors = validate(payload(currency=currency))

    assert errors == []
    assert intake is not None
    assert intake.currency == expected


@pytest.mark.parametrize("currency", ["XYZ", "RMB", "C NY", 156])
def test_an_unknown_currency_is_refused(currency):
    intake, errors = validate(payload(currency=currency))

    assert intake is None
    assert errors == [FieldError("currency", "Must be one of: CNY, USD, EUR, HKD.")]


@pytest.mark.parametrize("tier", ["regular", "silver", "gold", "vip"])
def test_each_customer_tier_is_accepted(tier):
    intake, errors = validate(payload(**{"customer.tier": tier}))

    assert errors == []
    assert intake is not None
    assert intake.customer_tier == tier


@pytest.mark.parametrize("tier", ["platinum", "VIP", 3, ["vip"]], ids=repr)
def test_an_unknown_customer_tier_is_refused(tier):
    intake, errors = validate(payload(**{"customer.tier": tier}))

    assert intake is None
    assert errors == [FieldError("customer.tier", "Must be one of: regular, silver, gold, vip.")]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("customer.phone", "1234", "Not a valid phone number."),
        ("customer.phone", "1" * 16, "Not a valid phone number."),
        ("customer.email", "xm.wang.example.com", "Not a valid email address."),
        ("customer.email", "@example.com", "Not a valid email address."),
        ("customer.email", "xm.wang@", "Not a valid email address."),
        ("customer.name", "王" * 101, "At most 100 characters."),
        ("customer.name", ["王小明"], "Must be text."),
        ("external_id", {"id": 1}, "Must be text."),
        ("is_paid", "yes", "Must be true or false."),
        ("cash_on_delivery", "true", "Must be true or false."),
        ("cash_on_delivery", 1, "Must be true or false."),
    ],
    ids=repr,
)
def test_a_malformed_detail_is_named(field, value, message):
    intake, errors = validate(payload(**{field: value}))

    assert intake is None
    assert errors == [FieldError(field, message)]


@pytest.mark.parametrize("phone", ["12345", "1" * 15, "+86 138-1234-5678"])
def test_phone_numbers_of_five_to_fifteen_digits_are_accepted(phone):
    intake, errors = validate(payload(**{"customer.phone": phone}))

    assert errors == []
    assert intake is not None
    assert intake.customer_phone == phone


def test_a_promised_delivery_date_is_read_as_a_date():
    intake, errors = validate(payload(promised_delivery_date="2026-12-01"))

    assert errors == []
    assert intake is not None
    assert intake.promised_delivery_date == date(2026, 12, 1)


@pytest.mark.parametrize(
    "promised", ["01/12/2026", "2026-12-1x", "2026-02-30", "2026-13-01", 20261201, ["2026-12-01"]]
)
def test_a_promised_delivery_date_in_another_format_is_refused(promised):
    intake, errors = validate(payload(promised_delivery_date=promised))

    assert intake is None
    assert errors == [FieldError("promised_delivery_date", "Must be a date such as 2026-12-01.")]


def test_cash_on_delivery_is_read_and_off_unless_said():
    paid_at_the_door, errors = validate(payload(cash_on_delivery=True))
    prepaid, _errors = validate(payload())

    assert errors == []
    assert paid_at_the_door is not None
    assert prepaid is not None
    assert (paid_at_the_door.cash_on_delivery, prepaid.cash_on_delivery) == (True, False)


def test_an_unpaid_order_is_read_as_unpaid():
    intake, errors = validate(payload(is_paid=False))

    assert errors == []
    assert intake is not None
    assert intake.is_paid is False


# --- properties ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
@settings(max_examples=300, deadline=None)
def test_validation_never_raises_and_answers_an_order_or_errors(data):
    intake, errors = validate(data)

    assert (intake is None) != (errors == [])


@given(
    st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(VALID_ORDER, json_values),
    ).map(lambda changes: {**VALID_ORDER, **changes})
)
@settings(max_examples=300, deadline=None)
def test_validation_of_a_damaged_valid_order_never_raises(data):
    intake, errors = validate(data)

    assert (intake is None) != (errors == [])
    assert all(isinstance(error, FieldError) and error.message for error in errors)


# --- classification -----------------------------------------------------------------------

LARGE = 500_000  # settings.PARCELOPS_LARGE_ORDER_CENTS by default


def classify(
    total_cents: int = 10_000, tier: str = "regular", product_types: tuple[str, ...] = ("standard",)
) -> rules.Classification:
    return rules.classify_order(
        total_cents=total_cents,
        customer_tier=tier,
        product_types=product_types,
        large_order_cents=LARGE,
        review_tiers=["vip"],
    )


@pytest.mark.parametrize(
    ("total_cents", "expected"),
    [
        (0, rules.Classification(OrderType.NORMAL, (), needs_review=False)),
        (499_999, rules.Classification(OrderType.NORMAL, (), needs_review=False)),
        (500_000, rules.Classification(OrderType.LARGE, ("amount:large",), needs_review=True)),
        (500_001, rules.Classification(OrderType.LARGE, ("amount:large",), needs_review=True)),
    ],
)
def test_an_order_is_large_from_the_threshold_on(total_cents, expected):
    assert classify(total_cents) == expected


@pytest.mark.parametrize(
    ("tier", "needs_review"),
    [("regular", False), ("silver", False), ("gold", False), ("vip", True)],
)
def test_a_review_tier_customer_keeps_the_type_but_needs_review(tier, needs_review):
    result = classify(tier=tier)

    assert result.order_type == OrderType.NORMAL
    assert result.needs_review is needs_review
    assert result.reasons == (("tier:vip",) if needs_review else ())


def test_the_review_tiers_are_configurable():
    result = rules.classify_order(
        total_cents=100,
        customer_tier="gold",
        product_types=["standard"],
        large_order_cents=LARGE,
        review_tiers=["gold", "vip"],
    )

    assert result == rules.Classification(OrderType.NORMAL, ("tier:gold",), needs_review=True)


@pytest.mark.parametrize("product_type", ["custom_made", "group_buy", "pre_sale"])
def test_each_special_product_type_makes_the_order_special(product_type):
    result = classify(product_types=("standard", product_type))

    assert result == rules.Classification(
        OrderType.SPECIAL, (f"product:{product_type}",), needs_review=True
    )


def test_special_wins_over_large_and_every_reason_is_kept():
    result = classify(
        total_cents=LARGE, tier="vip", product_types=("pre_sale", "custom_made", "pre_sale")
    )

    assert result == rules.Classification(
        OrderType.SPECIAL,
        ("product:custom_made", "product:pre_sale", "amount:large", "tier:vip"),
        needs_review=True,
    )


def test_an_order_without_products_is_normal():
    assert classify(product_types=()) == rules.Classification(OrderType.NORMAL)


# --- assignment ---------------------------------------------------------------------------


def candidate(
    user_id: int,
    workload: int = 0,
    *,
    skills: tuple[str, ...] = ("normal", "large", "special"),
    limit: int = 10,
    on_shift: bool = True,
) -> Candidate:
    return Candidate(
        user_id=user_id,
        skills=skills,
        workload=workload,
        workload_limit=limit,
        is_on_shift=on_shift,
    )


@pytest.mark.parametrize(
    ("order_type", "candidates", "expected"),
    [
        pytest.param("normal", [candidate(1, 5), candidate(2, 3), candidate(3, 4)], 2, id="least"),
        pytest.param("normal", [candidate(2, 3), candidate(1, 3)], 1, id="tie-lowest-id"),
        pytest.param(
            "normal",
            [candidate(1, 3, limit=4), candidate(2, 3, limit=100)],
            2,
            id="tie-lowest-relative-load",
        ),
        pytest.param(
            "special",
            [candidate(1, 0, skills=("normal",)), candidate(2, 9, skills=("special",))],
            2,
            id="skill",
        ),
        pytest.param(
            "normal", [candidate(1, 0, on_shift=False), candidate(2, 8)], 2, id="on-shift"
        ),
        pytest.param(
            "normal", [candidate(1, 10, limit=10), candidate(2, 12, limit=20)], 2, id="at-limit"
        ),
        pytest.param("normal", [candidate(1, 9, limit=10)], 1, id="one-below-limit"),
        pytest.param("normal", [candidate(1, 0, limit=0)], None, id="limit-zero"),
        pytest.param(
            "large",
            [
                candidate(1, 0, skills=("normal",)),
                candidate(2, 0, on_shift=False),
                candidate(3, 10, limit=10),
            ],
            None,
            id="nobody-fits",
        ),
        pytest.param("normal", [], None, id="nobody"),
    ],
)
def test_the_least_loaded_on_shift_skilled_processor_under_the_limit_is_chosen(
    order_type, candidates, expected
):
    assert rules.choose_assignee(order_type, candidates) == expected


def test_the_choice_does_not_depend_on_the_order_of_candidates():
    candidates = [candidate(user_id, workload=user_id % 3) for user_id in range(1, 10)]

    assert rules.choose_assignee("normal", candidates) == 3
    assert rules.choose_assignee("normal", list(reversed(candidates))) == 3


def test_the_after_sales_period_runs_from_completion():
    completed_at = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)

    assert rules.after_sales_deadline(completed_at, 15) == datetime(2026, 12, 10, 2, 0, tzinfo=UTC)


# --- customer contact by destination (R2.1.3) ---------------------------------------------


@pytest.mark.parametrize(
    "country",
    [
        MISSING,
        "",
        "CN",
        "cn",
        " CN ",
        "CHN",
        "China",
        "CHINA",
        "mainland China",
        "中国",
        "中國",
        "中华人民共和国",
        "People’s Republic of China",
        "PRC",
    ],
)
def test_an_order_to_china_without_a_phone_is_refused_naming_the_phone(country):
    intake, errors = validate(
        payload(**{"customer.phone": MISSING, "shipping_address.country": country})
    )

    assert intake is None
    assert errors == [FieldError("customer.phone", CHINA_NEEDS_PHONE)]


@pytest.mark.parametrize("country", ["HK", "Hong Kong", "TW", "MO", "US", "Chinatown", "CNN"])
def test_an_order_elsewhere_is_taken_with_an_email_only(country):
    intake, errors = validate(
        payload(**{"customer.phone": MISSING, "shipping_address.country": country})
    )

    assert errors == []
    assert intake is not None
    assert intake.customer_phone == ""


def test_an_order_to_china_with_a_phone_and_no_email_is_taken():
    intake, errors = validate(payload(**{"customer.email": MISSING}))

    assert errors == []
    assert intake is not None


def test_a_missing_country_counts_as_china_because_intake_defaults_it_to_cn():
    assert rules.is_in_china("") is True
    assert rules.contact_problem("", "a@example.com", "") == CHINA_NEEDS_PHONE
    assert rules.contact_problem("13812345678", "", "") is None
    assert rules.contact_problem("", "", "FR") == (
        "A phone number or an email address is required to contact the customer."
    )


# --- order edits: one rule for the API, the edit page and the action (R2.3, R8.1) ----------


def test_a_good_edit_is_read_into_changes():
    edit, errors = rules.read_order_edit(
        {
            "lines": [{"id": 7, "quantity": 3}, {"id": 8, "unit_price": "12.50"}],
            "discount": "0.00",
        },
        line_ids={7, 8},
    )

    assert errors == []
    assert edit == rules.OrderEdit(
        [rules.LineChange(7, 3, None), rules.LineChange(8, None, 1250)], 0, None
    )


def test_an_empty_edit_changes_nothing():
    assert rules.read_order_edit({}) == (rules.OrderEdit([], None, None), [])


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"lines": [{"quantity": 1}]},
            [("lines[0].id", "Each line needs the id of the order line.")],
        ),
        ({"lines": [{"id": True}]}, [("lines[0].id", "Each line needs the id of the order line.")]),
        ({"lines": [{"id": 9}]}, [("lines[0].id", "No such line on this order.")]),
        ({"lines": [{"id": 7, "quantity": "3"}]}, [("lines[0].quantity", WHOLE_NUMBER)]),
        ({"lines": [{"id": 7, "quantity": 0}]}, [("lines[0].quantity", AT_LEAST_ONE)]),
        ({"lines": [{"id": 7, "quantity": 1}]}, []),
        ({"lines": [{"id": 7, "quantity": rules.MAX_LINE_QUANTITY}]}, []),
        (
            {"lines": [{"id": 7, "quantity": rules.MAX_LINE_QUANTITY + 1}]},
            [("lines[0].quantity", "Must be at most 1000000.")],
        ),
        ({"lines": [{"id": 7, "unit_price": "0.00"}]}, []),
        ({"lines": [{"id": 7, "unit_price": "-0.01"}]}, [("lines[0].unit_price", NEGATIVE)]),
        ({"lines": [{"id": 7, "unit_price": "1.005"}]}, [("lines[0].unit_price", MONEY_FORMAT)]),
        ({"lines": [{"id": 7, "unit_price": 12.5}]}, [("lines[0].unit_price", MONEY_FORMAT)]),
        (
            {"discount": "-1.00", "shipping_fee": "-0.01"},
            [("discount", NEGATIVE), ("shipping_fee", NEGATIVE)],
        ),
        ({"discount": "1,00"}, [("discount", MONEY_FORMAT)]),
        ({"lines": {"id": 7}}, [("lines", "Must be a list.")]),
    ],
)
def test_an_edit_is_checked_at_its_boundaries(data, errors):
    edit, found = rules.read_order_edit(data, line_ids={7, 8})

    assert [(e.field, e.message) for e in found] == errors
    assert (edit is None) == bool(errors)


def test_the_action_checks_typed_changes_with_the_same_rule():
    edit = rules.OrderEdit([rules.LineChange(7, 0, -1)], -5, None)

    assert rules.order_edit_errors(edit, line_ids=None) == [
        FieldError("lines[0].quantity", AT_LEAST_ONE),
        FieldError("lines[0].unit_price", NEGATIVE),
        FieldError("discount", NEGATIVE),
    ]


# Times at the ends of what Python holds, with any offset, and what shops write for "no date".
extreme_placed_at = st.one_of(
    st.builds(
        lambda moment, offset, separator: moment.replace(tzinfo=offset).isoformat(separator),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
        st.none()
        | st.timedeltas(
            min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
        ).map(timezone),
        st.sampled_from(["T", " "]),
    ),
    st.sampled_from(
        [
            "0001-01-01T00:00:00",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-12:00",
            "9999-12-31T23:59:59.999999+23:59",
            "0000-00-00 00:00:00",
        ]
    ),
    st.text(max_size=40),
)


@given(extreme_placed_at)
@settings(max_examples=300, deadline=None)
def test_placed_at_is_a_time_in_the_window_or_an_error_whatever_is_sent(value):
    intake, errors = validate(payload(placed_at=value))

    if intake is None:
        assert [error.field for error in errors if error.field == "placed_at"] == ["placed_at"]
    else:
        assert FIXED_NOW - MAX_AGE <= intake.placed_at <= FIXED_NOW + rules.FUTURE_SKEW


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00-23:59"],
)
def test_a_placeholder_placed_at_is_refused_with_the_reason(value):
    intake, errors = validate(payload(placed_at=value))

    assert intake is None
    assert [error.field for error in errors] == ["placed_at"]
