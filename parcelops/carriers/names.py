"""A carrier's name as people read it, in the active language: the one lookup every page
and API answer uses (tracking's presentation calls it too)."""

from parcelops.carriers import registry


def carrier_label(code: str, language: str | None = None) -> str:
    """The English or Chinese name of the carrier with this code; an unknown code as is."""
    info = registry.find_carrier(code)
    return code if info is None else info.name(language)
