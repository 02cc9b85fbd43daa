"""Column mappings: which column of a spreadsheet feeds which intake field. Built-in presets
are JSON files in ``mappings/``; a user's mapping file has the same form and is laid over one.
"""

import json
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcelops.core.zones import zone_named
from parcelops.orders.spreadsheet_files import SpreadsheetError

ORDER_FIELDS = (
    "channel",
    "external_id",
    "placed_at",
    "customer_name",
    "customer_phone",
    "customer_email",
    "customer_tier",
    "province",
    "city",
    "district",
    "street",
    "postal_code",
    "country",
    "discount",
    "shipping_fee",
    "total",
    "currency",
    "requested_carrier",
    "promised_delivery_date",
    "is_paid",
)
LINE_FIELDS = ("sku", "product_name", "quantity", "unit_price")
INTAKE_FIELDS = ORDER_FIELDS + LINE_FIELDS
# Without these the intake cannot accept an order, so a file lacking their column fails
# at once instead of rejecting every row.
REQUIRED_FIELDS = (
    "channel",
    "external_id",
    "placed_at",
    "customer_name",
    "province",
    "city",
    "street",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
    "total",
)
CONTACT_FIELDS = ("customer_phone", "customer_email")  # at least one of them

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
DEFAULT_PRESET = "parcelops"
PRESET_LABELS = {
    "parcelops": gettext_lazy("ParcelOps (English headers named like the intake fields)"),
    "taobao": gettext_lazy("Taobao / Tmall order export (Chinese headers)"),
}
_MAPPING_KEYS = {"name", "description", "columns", "defaults", "placed_at_timezone"}


@dataclass(frozen=True)
class ColumnMapping:
    columns: dict[str, str]  # intake field -> the header of its column
    defaults: dict[str, Any]  # intake field -> value when the column is absent or the cell blank
    timezone: tzinfo  # of times written without a UTC offset
    explicit_fields: frozenset[str] = frozenset()  # the user named these: their column must exist


def preset_names() -> list[str]:
    return sorted(path.stem for path in MAPPINGS_DIR.glob("*.json"))


def preset_label(name: str) -> str:
    return str(PRESET_LABELS.get(name, name))


def parse_mapping(data: Any, source: str) -> dict[str, Any]:
    """Check a mapping document and return its columns, defaults and time zone name."""

    def fail(message: str) -> SpreadsheetError:
        return SpreadsheetError(
            _("Bad mapping %(source)s: %(problem)s") % {"source": source, "problem": message}
        )

    known = ", ".join(INTAKE_FIELDS)
    if not isinstance(data, dict):
        raise fail(_("it must be a JSON object."))
    unknown = sorted(set(data) - _MAPPING_KEYS)
    if unknown:
        raise fail(
            _("unknown key “%(key)s”; a mapping has columns, defaults and placed_at_timezone.")
            % {"key": unknown[0]}
        )
    columns = data.get("columns", {})
    if not isinstance(columns, dict):
        raise fail(_("“columns” must map intake fields to column headers."))
    for name, header in columns.items():
        if name not in INTAKE_FIELDS:
            raise fail(
                _("“%(field)s” is not an intake field; the fields are: %(known)s.")
                % {"field": name, "known": known}
            )
        if not isinstance(header, str) or not header.strip():
            raise fail(_("the column header of “%(field)s” must be text.") % {"field": name})
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise fail(_("“defaults” must map intake fields to values."))
    for name, value in defaults.items():
        if name not in INTAKE_FIELDS:
            raise fail(
                _("“%(field)s” is not an intake field; the fields are: %(known)s.")
                % {"field": name, "known": known}
            )
        if not isinstance(value, str | int | float | bool):
            raise fail(_("the default of “%(field)s” must be text or a number.") % {"field": name})
    zone_name = data.get("placed_at_timezone") or ""
    if not isinstance(zone_name, str):
        raise fail(_("“placed_at_timezone” must be a time zone name such as Asia/Shanghai."))
    if zone_name and zone_named(zone_name) is None:
        raise fail(
            _("unknown time zone “%(zone)s”; use a name such as Asia/Shanghai.")
            % {"zone": zone_name}
        )
    return {"columns": dict(columns), "defaults": dict(defaults), "placed_at_timezone": zone_name}


def parse_mapping_text(text: str, source: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpreadsheetError(
            _("Bad mapping %(source)s: not valid JSON (%(reason)s).")
            % {"source": source, "reason": str(error)}
        ) from None
    return parse_mapping(data, source)


def read_mapping_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SpreadsheetError(_("No such mapping file: %(path)s") % {"path": path}) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpreadsheetError(
            _("Cannot read the mapping file %(path)s: %(reason)s")
            % {"path": path, "reason": str(error)}
        ) from None
    return parse_mapping_text(text, path.name)


def load_preset(name: str) -> dict[str, Any]:
    names = preset_names()
    if name not in names:
        raise SpreadsheetError(
            _("Unknown preset “%(name)s”; the presets are: %(names)s.")
            % {"name": name, "names": ", ".join(names)}
        )
    return read_mapping_file(MAPPINGS_DIR / f"{name}.json")


def build_mapping(
    *, preset: str = "", mapping: dict[str, Any] | None = None, channel: str = ""
) -> ColumnMapping:
    """The preset with the user's mapping laid over it, and the chosen channel over both.

    Without a preset the user's mapping stands alone; without either, the ParcelOps preset.
    """
    if preset:
        base = load_preset(preset)
    elif mapping is None:
        base = load_preset(DEFAULT_PRESET)
    else:
        base = {"columns": {}, "defaults": {}, "placed_at_timezone": ""}
    user = mapping or {"columns": {}, "defaults": {}, "placed_at_timezone": ""}
    defaults = {**base["defaults"], **user["defaults"]}
    if channel:
        defaults["channel"] = channel
    zone_name = user["placed_at_timezone"] or base["placed_at_timezone"] or settings.TIME_ZONE
    return ColumnMapping(
        columns={**base["columns"], **user["columns"]},
        defaults=defaults,
        timezone=ZoneInfo(zone_name),
        explicit_fields=frozenset(user["columns"]),
    )
