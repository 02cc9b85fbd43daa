"""A carrier's name as people read it, in the active language: the one lookup every page
and API answer uses (tracking's presentation calls it too)."""

from django.conf import settings
from django.utils.translation import get_language

from parcelops.carriers import registry


def carrier_label(code: str, language: str | None = None) -> str:
    """The English or Chinese name of the carrier with this code; an unknown code as is."""
    info = registry.BY_CODE.get(code)
    if info is None:
        return code
    language = language or get_language() or settings.LANGUAGE_CODE
    return info.name_en if language.startswith("en") else info.name_zh
