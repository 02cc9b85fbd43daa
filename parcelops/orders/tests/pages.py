"""What the page tests share: a signed-in browser stand-in and readers of its answers."""

import re
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from parcelops.orders import actions
from parcelops.orders.models import Order

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def page_for(user: User | None) -> Client:
    """A client asking for English pages, signed in as the user (None: anonymous)."""
    client = Client(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_login(user, backend=MODEL_BACKEND)
    return client


def text(response: Any) -> str:
    return response.content.decode()


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def error_after(html: str, name: str) -> list[str]:
    """The error messages tied to the input called ``name`` (its aria-describedby list)."""
    match = re.search(rf'<ul class="errorlist" id="id_{re.escape(name)}_error">(.*?)</ul>', html)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def place(payload: dict[str, Any], **changes: Any) -> Order:
    """An order taken in through the intake action, with top-level fields changed."""
    return actions.intake_order({**payload, **changes}, None).order


def reload(order: Order) -> Order:
    return Order.all_objects.get(pk=order.pk)
