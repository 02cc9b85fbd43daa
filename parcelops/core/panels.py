"""Panels: parts of a page that other apps contribute, so a lower app's page can show a
higher app's facts without importing it (the order page shows its parcels, and later its
exception cases and inquiries).

A page names a slot and renders it with `{% panels "slot" object %}` (core's `panels`
template tags). An app fills a slot from its `AppConfig.ready()`:

    panels.register("orders.detail", "tracking.parcels", order=10,
                    template="tracking/_parcels_card.html", context=parcels_panel)

`context(request, object)` returns the template's context (the object under the name its
template uses), or None when the panel has nothing to show for this object and viewer.
The template is rendered with the request (for `{% csrf_token %}` and the language).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

PanelContext = Callable[[HttpRequest, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    slot: str
    name: str  # "<app>.<what>": registering the same name again replaces the panel
    order: int  # lower first
    template: str
    context: PanelContext


_SLOTS: dict[str, dict[str, Panel]] = {}


def register(
    slot: str, name: str, *, template: str, context: PanelContext, order: int = 100
) -> Panel:
    panel = Panel(slot, name, order, template, context)
    _SLOTS.setdefault(slot, {})[name] = panel
    return panel


def unregister(slot: str, name: str) -> None:
    _SLOTS.get(slot, {}).pop(name, None)


def panels_in(slot: str) -> list[Panel]:
    """The slot's panels in their order (by order, then name, so the page is stable)."""
    return sorted(_SLOTS.get(slot, {}).values(), key=lambda panel: (panel.order, panel.name))


def render_slot(slot: str, request: HttpRequest, obj: Any) -> SafeString:
    """Every panel of the slot that has something to show, rendered one after another."""
    parts = []
    for panel in panels_in(slot):
        context = panel.context(request, obj)
        if context is None:
            continue
        parts.append((render_to_string(panel.template, context, request),))
    return format_html_join("", "{}", parts)
