"""Money is integer cents plus an ISO currency code; the API speaks decimal strings."""

import re
from decimal import Decimal

# ASCII digits only: Python's \d and Decimal would also take full-width and other scripts' digits.
MONEY_PATTERN = re.compile(r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$")


class MoneyFormatError(ValueError):
    pass


def parse_cents(value: object) -> int:
    """'12.50' -> 1250. Only strings with at most two decimal places are money."""
    if not isinstance(value, str):
        raise MoneyFormatError('must be a decimal string such as "12.50"')
    text = value.strip()
    if not MONEY_PATTERN.match(text):
        raise MoneyFormatError(
            'must be a decimal string with at most two decimal places, such as "12.50"'
        )
    return int(Decimal(text) * 100)


def format_cents(cents: int) -> str:
    """1250 -> '12.50'."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def display_money(cents: int, currency: str) -> str:
    symbol = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$"}.get(currency, currency + " ")
    whole, part = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{symbol}{whole:,}.{part:02d}"
