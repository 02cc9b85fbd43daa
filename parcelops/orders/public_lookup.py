"""A customer finding their order by its number and their phone's last four digits: the
one lookup the page and the API share, with its brakes against guessing.

The requests of one address are limited per minute (page and API counted together), and
the wrong guesses for one order number are counted whoever makes them: past
PARCELOPS_ORDER_GUESS_LIMIT within the window, that number answers nothing until they
age out, so ten thousand candidates cannot be tried from many addresses.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from parcelops.core.ratelimit import is_rate_limited, seconds_until_clear, tally
from parcelops.orders.models import Order
from parcelops.orders.presentation import phone_last4_matches

SCOPE = "public-order"


@dataclass
class LookupThrottledError(Exception):
    retry_after: int
    message: str
    is_for_the_order: bool  # braked for the order number, not for the caller's address


def _guesses_key(number: str) -> str:
    return f"order-guesses:{number.strip().upper()}"


def _guess_window() -> int:
    return settings.PARCELOPS_ORDER_GUESS_WINDOW_MINUTES * 60


def look_up_public_order(request: HttpRequest, number: str, phone_last4: str) -> Order | None:
    """The order when the number and digits match; None for an unknown number and for
    wrong digits alike (nothing to probe with). LookupThrottledError when braked."""
    if is_rate_limited(request, SCOPE, settings.PARCELOPS_PUBLIC_RATE_LIMIT):
        raise LookupThrottledError(60, _("Too many requests: try again in a minute."), False)
    key, window = _guesses_key(number), _guess_window()
    if tally(key, window, add=False) >= settings.PARCELOPS_ORDER_GUESS_LIMIT:
        raise LookupThrottledError(
            seconds_until_clear(window),
            _("Too many wrong tries for this order number: try again later."),
            True,
        )
    order = Order.objects.select_related("recipient").filter(number=number).first()
    if order is None or not phone_last4_matches(order, phone_last4):
        tally(key, window, add=True)
        return None
    return order
