"""Pure order rules: intake validation (R2.1.3), classification (R2.2.1), assignment choice
(R2.2.2) and totals. No database and no clock: callers pass ``now`` and the settings.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeGuard

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from parcelops.carriers.registry import UnknownCarrierError, resolve_carrier
from parcelops.core.errors import FieldError
from parcelops.core.money import MoneyFormatError, format_cents, parse_cents
from parcelops.orders.states import SPECIAL_PRODUCT_TYPES, CustomerTier, OrderType

FUTURE_SKEW = timedelta(minutes=5)
# Far above any real order line, far below the database's integer column (2**31 - 1).
MAX_LINE_QUANTITY = 1_000_000
CURRENCIES = ("CNY", "USD", "EUR", "HKD")


@dataclass
class IntakeLine:
    sku: str
    name: str
    quantity: int
    unit_price_cents: int


@dataclass
class IntakeOrder:
    channel: str
    external_id: str
    placed_at: datetime
    customer_name: str
    customer_phone: str
    customer_email: str
    customer_tier: str
    shipping_address: dict[str, str]
    lines: list[IntakeLine]
    discount_cents: int
    shipping_fee_cents: int
    total_cents: int
    currency: str
    requested_carrier: str = ""
    promised_delivery_date: date | None = None
    is_paid: bool = True
    cash_on_delivery: bool = False

    @property
    def subtotal_cents(self) -> int:
        return sum(line.quantity * line.unit_price_cents for line in self.lines)


ADDRESS_REQUIRED = ("province", "city", "street")
ADDRESS_OPTIONAL = ("district", "postal_code", "country")


def money_format_message() -> str:
    return _('Must be a decimal string with at most two decimal places, such as "12.50".')


def quantity_problem(quantity: int) -> str | None:
    """What is wrong with a line's quantity, at intake or in an edit; None when it is fine."""
    if quantity < 1:
        return _("Must be at least 1.")
    if quantity > MAX_LINE_QUANTITY:
        return _("Must be at most %(n)d.") % {"n": MAX_LINE_QUANTITY}
    return None


# How an address says China: our code (the default when the country is left out, as the
# intake does), the ISO alpha-3 code, and the names in English and Chinese. Hong Kong, Macau
# and Taiwan are not included: their carriers and the lookup's rules are not the mainland's.
CHINA_NAMES = frozenset(
    {
        "cn",
        "chn",
        "china",
        "mainland china",
        "prc",
        "p.r.c.",
        "p.r. china",
        "people's republic of china",
        "the people's republic of china",
        "中国",
        "中國",
        "中国大陆",
        "中华人民共和国",
        "中華人民共和國",
    }
)


def is_in_china(country: str) -> bool:
    """Whether an address's country is mainland China; an empty country is (our default)."""
    name = " ".join(country.replace("\u2019", "'").split()).casefold()
    return not name or name in CHINA_NAMES


def contact_problem(phone: str, email: str, country: str) -> str | None:
    """How the customer can be reached (R2.1.3): a phone for an address in China, where
    carriers refuse a parcel without one and the public lookup asks for its last four
    digits; elsewhere a phone or an email. None when the order can be taken."""
    if phone:
        return None
    if is_in_china(country):
        return _(
            "A phone number is required for an address in China: carriers there refuse "
            "parcels without one."
        )
    if not email:
        return _("A phone number or an email address is required to contact the customer.")
    return None


class _Reader:
    """Reads fields out of a raw mapping and collects every error instead of stopping."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def text(
        self, data: Mapping[str, Any], key: str, path: str, *, required: bool, max_length: int = 200
    ) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(path, _("This field is required."))
            return ""
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.error(path, _("Must be text."))
            return ""
        text = str(value).strip()
        if len(text) > max_length:
            self.error(path, _("At most %(n)d characters.") % {"n": max_length})
            return ""
        return text

    def money(self, data: Mapping[str, Any], key: str, path: str, *, required: bool) -> int | None:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.error(path, _("This field is required."))
            return None
        try:
            cents = parse_cents(value)
        except MoneyFormatError:
            self.error(path, money_format_message())
            return None
        if cents < 0:
            self.error(path, _("Must not be negative."))
            return None
        return cents


def validate_order_intake(
    data: Any, *, now: datetime, max_age: timedelta
) -> tuple[IntakeOrder | None, list[FieldError]]:
    """Check an incoming order against the acceptance standard; every bad field is named."""
    reader = _Reader()
    if not isinstance(data, Mapping):
        return None, [FieldError("", _("The order must be a JSON object."))]

    channel = reader.text(data, "channel", "channel", required=True, max_length=40)
    external_id = reader.text(data, "external_id", "external_id", required=True, max_length=100)

    placed_at = _read_placed_at(reader, data.get("placed_at"), now=now, max_age=max_age)

    customer = data.get("customer")
    name = phone = email = ""
    tier = CustomerTier.REGULAR.value
    if not isinstance(customer, Mapping):
        reader.error(
            "customer",
            _("This field is required.") if customer is None else _("Must be an object."),
        )
    else:
        name = reader.text(customer, "name", "customer.name", required=True, max_length=100)
        phone = reader.text(customer, "phone", "customer.phone", required=False, max_length=30)
        email = reader.text(customer, "email", "customer.email", required=False, max_length=254)
        digits = "".join(ch for ch in phone if ch.isdigit())
        if phone and not 5 <= len(digits) <= 15:
            reader.error("customer.phone", _("Not a valid phone number."))
        if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
            reader.error("customer.email", _("Not a valid email address."))
        raw_tier = customer.get("tier") or CustomerTier.REGULAR.value
        if raw_tier not in CustomerTier.values:
            reader.error(
                "customer.tier",
                _("Must be one of: %(choices)s.") % {"choices": ", ".join(CustomerTier.values)},
            )
        else:
            tier = raw_tier

    address: dict[str, str] = {}
    raw_address = data.get("shipping_address")
    if not isinstance(raw_address, Mapping):
        reader.error(
            "shipping_address",
            _("This field is required.") if raw_address is None else _("Must be an object."),
        )
    else:
        for key in ADDRESS_REQUIRED:
            address[key] = reader.text(raw_address, key, f"shipping_address.{key}", required=True)
        for key in ADDRESS_OPTIONAL:
            address[key] = reader.text(raw_address, key, f"shipping_address.{key}", required=False)
        address["country"] = address["country"] or "CN"
    # Checked once the address is read: what suffices depends on where the parcel goes.
    contact = contact_problem(phone, email, address.get("country", ""))
    if isinstance(customer, Mapping) and contact:
        reader.error("customer.phone", contact)

    lines = _read_lines(reader, data.get("lines"))
    errors_before_amounts = len(reader.errors)
    discount = reader.money(data, "discount", "discount", required=False) or 0
    shipping_fee = reader.money(data, "shipping_fee", "shipping_fee", required=False) or 0
    # A bad discount or fee is its own error: do not also call the total wrong.
    are_amounts_valid = len(reader.errors) == errors_before_amounts
    total = reader.money(data, "total", "total", required=True)

    currency = str(data.get("currency") or "CNY").upper()
    if currency not in CURRENCIES:
        reader.error(
            "currency", _("Must be one of: %(choices)s.") % {"choices": ", ".join(CURRENCIES)}
        )

    requested_carrier = reader.text(
        data, "requested_carrier", "requested_carrier", required=False, max_length=40
    )
    if requested_carrier:  # stored as our code, whatever name the shop used
        try:
            requested_carrier = resolve_carrier(requested_carrier)
        except UnknownCarrierError as unknown:
            reader.error("requested_carrier", unknown.message)
    promised = None
    raw_promised = data.get("promised_delivery_date")
    if raw_promised not in (None, ""):
        try:
            promised = parse_date(raw_promised) if isinstance(raw_promised, str) else None
        except ValueError:  # well formed but no such day, such as 2026-02-30
            promised = None
        if promised is None:
            reader.error("promised_delivery_date", _("Must be a date such as 2026-12-01."))

    is_paid = data.get("is_paid", True)
    if not isinstance(is_paid, bool):
        reader.error("is_paid", _("Must be true or false."))
    cash_on_delivery = data.get("cash_on_delivery", False)
    if not isinstance(cash_on_delivery, bool):
        reader.error("cash_on_delivery", _("Must be true or false."))

    if lines is not None and total is not None and are_amounts_valid:
        expected = sum(ln.quantity * ln.unit_price_cents for ln in lines) - discount + shipping_fee
        if expected != total:
            reader.error(
                "total",
                _(
                    "The total does not add up: lines - discount + shipping = %(expected)s, not %(total)s."
                )
                % {"expected": format_cents(expected), "total": format_cents(total)},
            )

    if reader.errors:
        return None, reader.errors
    assert placed_at is not None
    assert total is not None
    assert lines is not None
    return (
        IntakeOrder(
            channel=channel,
            external_id=external_id,
            placed_at=placed_at,
            customer_name=name,
            customer_phone=phone,
            customer_email=email,
            customer_tier=tier,
            shipping_address=address,
            lines=lines,
            discount_cents=discount,
            shipping_fee_cents=shipping_fee,
            total_cents=total,
            currency=currency,
            requested_carrier=requested_carrier,
            promised_delivery_date=promised,
            is_paid=bool(is_paid),
            cash_on_delivery=cash_on_delivery is True,
        ),
        [],
    )


def _read_placed_at(
    reader: _Reader, value: Any, *, now: datetime, max_age: timedelta
) -> datetime | None:
    if value in (None, ""):
        reader.error("placed_at", _("This field is required."))
        return None
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but no such time, such as month 13
        parsed = None
    if parsed is None:
        reader.error(
            "placed_at",
            _("Must be an ISO 8601 time with a UTC offset, such as 2026-11-25T10:00:00+08:00."),
        )
        return None
    if parsed.tzinfo is None:
        reader.error("placed_at", _("Must carry a UTC offset, such as +08:00."))
        return None
    if parsed > now + FUTURE_SKEW:
        reader.error("placed_at", _("Lies in the future."))
        return None
    if parsed < now - max_age:
        reader.error(
            "placed_at", _("Is older than the allowed %(days)d days.") % {"days": max_age.days}
        )
        return None
    return parsed


def _read_lines(reader: _Reader, raw_lines: Any) -> list[IntakeLine] | None:
    if not isinstance(raw_lines, list) or not raw_lines:
        reader.error("lines", _("At least one order line is required."))
        return None
    lines: list[IntakeLine] = []
    is_complete = True
    for index, raw in enumerate(raw_lines):
        path = f"lines[{index}]"
        if not isinstance(raw, Mapping):
            reader.error(path, _("Must be an object."))
            is_complete = False
            continue
        sku = reader.text(raw, "sku", f"{path}.sku", required=True, max_length=64)
        name = reader.text(raw, "name", f"{path}.name", required=True)
        quantity = raw.get("quantity")
        if quantity is None:
            reader.error(f"{path}.quantity", _("This field is required."))
            quantity = None
        elif not isinstance(quantity, int) or isinstance(quantity, bool):
            reader.error(f"{path}.quantity", _("Must be a whole number."))
            quantity = None
        elif problem := quantity_problem(quantity):
            reader.error(f"{path}.quantity", problem)
            quantity = None
        price = reader.money(raw, "unit_price", f"{path}.unit_price", required=True)
        if not sku or not name or quantity is None or price is None:
            is_complete = False
            continue
        lines.append(IntakeLine(sku=sku, name=name, quantity=quantity, unit_price_cents=price))
    return lines if is_complete else None


@dataclass(frozen=True)
class LineChange:
    """One line of an order edit; None leaves that value as it is."""

    line_id: int
    quantity: int | None = None
    unit_price_cents: int | None = None


@dataclass(frozen=True)
class OrderEdit:
    changes: list[LineChange]
    discount_cents: int | None = None
    shipping_fee_cents: int | None = None


def order_edit_errors(edit: OrderEdit, *, line_ids: Collection[int] | None) -> list[FieldError]:
    """The one rule for an order edit (R2.3, R8.1), whoever sends it: the API, the edit page
    (both through read_order_edit) and edit_order itself. ``line_ids``: the order's lines,
    None where they are not known yet."""
    errors: list[FieldError] = []
    for index, change in enumerate(edit.changes):
        path = f"lines[{index}]"
        if line_ids is not None and change.line_id not in line_ids:
            errors.append(FieldError(f"{path}.id", _("No such line on this order.")))
        if change.quantity is not None and (problem := quantity_problem(change.quantity)):
            errors.append(FieldError(f"{path}.quantity", problem))
        if change.unit_price_cents is not None and change.unit_price_cents < 0:
            errors.append(FieldError(f"{path}.unit_price", _("Must not be negative.")))
    for key, cents in (
        ("discount", edit.discount_cents),
        ("shipping_fee", edit.shipping_fee_cents),
    ):
        if cents is not None and cents < 0:
            errors.append(FieldError(key, _("Must not be negative.")))
    return errors


def read_order_edit(
    data: Mapping[str, Any], *, line_ids: Collection[int] | None = None
) -> tuple[OrderEdit | None, list[FieldError]]:
    """An edit as the API takes it and the edit page sends it, checked by order_edit_errors:
    ``{"lines": [{"id", "quantity", "unit_price"}], "discount", "shipping_fee"}``, quantities
    as whole numbers and amounts as decimal strings; a key left out is left unchanged."""
    errors: list[FieldError] = []

    def cents(raw: Mapping[str, Any], key: str, path: str) -> int | None:
        if raw.get(key) is None:
            return None
        try:
            return parse_cents(raw[key])
        except MoneyFormatError:
            errors.append(FieldError(path, money_format_message()))
            return None

    raw_lines = data.get("lines", [])
    if not isinstance(raw_lines, list):
        errors.append(FieldError("lines", _("Must be a list.")))
        raw_lines = []
    changes: list[LineChange] = []
    for index, raw in enumerate(raw_lines):
        path = f"lines[{index}]"
        line_id = raw.get("id") if isinstance(raw, Mapping) else None
        if not _is_whole_number(line_id):
            errors.append(FieldError(f"{path}.id", _("Each line needs the id of the order line.")))
            continue
        quantity = raw.get("quantity")
        if quantity is not None and not _is_whole_number(quantity):
            errors.append(FieldError(f"{path}.quantity", _("Must be a whole number.")))
            quantity = None
        changes.append(
            LineChange(line_id, quantity, cents(raw, "unit_price", f"{path}.unit_price"))
        )
    edit = OrderEdit(
        changes, cents(data, "discount", "discount"), cents(data, "shipping_fee", "shipping_fee")
    )
    errors.extend(order_edit_errors(edit, line_ids=line_ids))
    return (None, errors) if errors else (edit, [])


def _is_whole_number(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Classification:
    order_type: OrderType
    reasons: tuple[str, ...] = field(default_factory=tuple)
    needs_review: bool = False


def classify_order(
    *,
    total_cents: int,
    customer_tier: str,
    product_types: Iterable[str],
    large_order_cents: int,
    review_tiers: Iterable[str],
) -> Classification:
    """Normal, large-amount or special (R2.2.1); which of them need a reviewer (R2.3).

    Special wins over large: a special product needs its own handling skill.
    A high-tier customer's order keeps its type but needs review.
    """
    reasons: list[str] = []
    special = sorted(set(product_types) & {str(t) for t in SPECIAL_PRODUCT_TYPES})
    for product_type in special:
        reasons.append(f"product:{product_type}")
    if total_cents >= large_order_cents:
        reasons.append("amount:large")
    if customer_tier in set(review_tiers):
        reasons.append(f"tier:{customer_tier}")
    if special:
        order_type = OrderType.SPECIAL
    elif total_cents >= large_order_cents:
        order_type = OrderType.LARGE
    else:
        order_type = OrderType.NORMAL
    return Classification(order_type=order_type, reasons=tuple(reasons), needs_review=bool(reasons))


@dataclass(frozen=True)
class Candidate:
    user_id: int
    skills: tuple[str, ...]
    workload: int
    workload_limit: int
    is_on_shift: bool


def choose_assignee(order_type: str, candidates: Iterable[Candidate]) -> int | None:
    """The least-loaded on-shift person with the skill and room under their limit (R2.2.2).

    Ties go to the lowest relative load, then the lowest user id, so the choice is stable.
    """
    eligible = [
        c
        for c in candidates
        if c.is_on_shift and order_type in c.skills and c.workload < c.workload_limit
    ]
    if not eligible:
        return None
    best = min(
        eligible, key=lambda c: (c.workload, c.workload / max(c.workload_limit, 1), c.user_id)
    )
    return best.user_id


def after_sales_deadline(completed_at: datetime, after_sales_days: int) -> datetime:
    return completed_at + timedelta(days=after_sales_days)
