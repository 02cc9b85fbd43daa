"""`{% load panels %}{% panels "orders.detail" order %}`: the panels other apps put in a
slot of this page (parcelops.core.panels)."""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from parcelops.core.panels import render_slot

register = template.Library()


@register.simple_tag(takes_context=True, name="panels")
def panels_tag(context: template.Context, slot: str, obj: Any) -> SafeString:
    return render_slot(slot, context["request"], obj)
