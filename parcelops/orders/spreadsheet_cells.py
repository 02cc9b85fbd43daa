"""Spreadsheet cells -> the intake's types. Excel hands over floats, datetimes without a
time zone and numbers where text was meant; CSV hands over text. Each converter returns
what the intake expects, or passes a value it cannot read on unchanged so that the intake
names the problem in its own words; only what the intake could never explain (a date that
is not a date) raises CellError here.
"""

import math
import re
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

MONEY_FIELDS = frozenset({"discount", "shipping_fee", "total", "unit_price"})
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "paid", "是", "已付款", "已支付"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "unpaid", "否", "未付款", "未支付"})

_CENT = Decimal("0.01")
_GROUPED_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_WHOLE_NUMBER = re.compile(r"^[+-]?\d+(\.0*)?$")
_CURRENCY_SIGNS = "¥￥$€"


class CellError(ValueError):
    """The cell cannot be read as its field's type; the message says what was expected."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _float_decimal(value: float) -> Decimal:
    # 15 significant digits is what Excel itself shows and stores reliably: 19.9 stays 19.9
    # and a formula's 365.90000000000003 becomes 365.9, without binary-float noise.
    return Decimal(format(value, ".15g"))


def money_cell(value: Any) -> Any:
    """19.9 -> "19.90", "¥1,299.5" -> "1299.50"; more than two decimals is left to the intake."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        amount = _float_decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).strip().strip(_CURRENCY_SIGNS).strip()
        if _GROUPED_NUMBER.match(text):
            text = text.replace(",", "")
        if not _PLAIN_NUMBER.match(text):
            return str(value).strip()
        amount = Decimal(text)
    if not amount.is_finite():
        return str(value)
    rounded = amount.quantize(_CENT)
    return format(rounded if rounded == amount else amount, "f")


def quantity_cell(value: Any) -> Any:
    """2, 2.0, "2" and "2.0" -> 2; anything else goes on to the intake, which says why not."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    text = str(value).strip()
    if _WHOLE_NUMBER.match(text):
        return int(Decimal(text))
    return text


def text_cell(value: Any) -> str:
    """Numbers typed into text columns (phones, ids, postcodes) come back without ".0"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(_float_decimal(value), "f")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _slashes_to_dashes(text: str) -> str:
    # "2026/11/25 09:30" (how Excel and marketplaces in China write dates) -> ISO order.
    day, _sep, rest = text.partition(" ")
    return day.replace("/", "-").replace(".", "-") + (" " + rest if rest else "")


def datetime_cell(value: Any, zone: tzinfo) -> str:
    """A time as ISO 8601 with an offset; a time written without one is read in ``zone``."""
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = _excel_serial(value)
    else:
        text = _slashes_to_dashes(str(value).strip())
        try:
            moment = parse_datetime(text)
            if moment is None and (day := parse_date(text)) is not None:
                moment = datetime.combine(day, time.min)
        except ValueError:
            moment = None
    if moment is None:
        raise CellError(_("Not a date and time, such as 2026-11-25 09:30."))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


def date_cell(value: Any) -> str:
    day: date | None = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = _excel_serial(value)
        day = moment.date() if moment else None
    else:
        text = _slashes_to_dashes(str(value).strip())
        try:
            day = parse_date(text)
            if day is None and (moment := parse_datetime(text)) is not None:
                day = moment.date()
        except ValueError:
            day = None
    if day is None:
        raise CellError(_("Not a date, such as 2026-12-01."))
    return day.isoformat()


def _excel_serial(value: float) -> datetime | None:
    # A date column formatted as "General" shows Excel's day count, e.g. 46351.4.
    if not 1 <= value < 2958466:  # 1900-01-01 .. 9999-12-31
        return None
    moment = from_excel(value)
    return moment if isinstance(moment, datetime) else None


def boolean_cell(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = text_cell(value).casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(_("Must be yes or no."))


def convert_cell(field: str, value: Any, zone: tzinfo) -> Any:
    """One non-blank cell of ``field``, as the intake document wants it."""
    if field in MONEY_FIELDS:
        return money_cell(value)
    if field == "quantity":
        return quantity_cell(value)
    if field == "placed_at":
        return datetime_cell(value, zone)
    if field == "promised_delivery_date":
        return date_cell(value)
    if field == "is_paid":
        return boolean_cell(value)
    text = text_cell(value)
    if field in ("currency", "country"):
        return text.upper()
    if field == "customer_tier":
        return text.lower()
    return text
