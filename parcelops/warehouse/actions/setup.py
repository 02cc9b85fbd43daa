"""Setting up the warehouses (MANAGE_WAREHOUSE): warehouses, their zones and bins, with
the walk order pickers follow, and many bins at once from a range of codes. Each checks
first, writes in one transaction and leaves an audit record."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.warehouse.models import Bin, Warehouse, Zone
from parcelops.warehouse.setup_rules import MAX_BINS_AT_ONCE, PatternError, expand_bin_range

WAREHOUSE_FIELDS = (
    "code", "name", "province", "city", "address", "contact_name", "contact_phone", "is_active",
)  # fmt: skip
REQUIRED_WAREHOUSE_FIELDS = ("code", "name", "province", "city")


def _length_errors(model: Any, values: Mapping[str, Any], names: tuple[str, ...]) -> list:
    errors = []
    for name in names:
        limit = model._meta.get_field(name).max_length
        value = values.get(name, "")
        if isinstance(value, str) and limit is not None and len(value) > limit:
            message = _("Use at most %(count)d characters.") % {"count": limit}
            errors.append(FieldError(name, message))
    return errors


def _snapshot(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def save_warehouse(warehouse_id: int | None, values: Mapping[str, Any], actor: Actor) -> Warehouse:
    """Create a warehouse (`warehouse_id` None) or change one; `values` names each of
    WAREHOUSE_FIELDS (texts, and is_active)."""
    require_permission(actor, roles.MANAGE_WAREHOUSE)
    cleaned = {
        name: values.get(name, True) if name == "is_active" else str(values.get(name, "")).strip()
        for name in WAREHOUSE_FIELDS
    }
    cleaned["code"] = cleaned["code"].upper()
    texts = tuple(name for name in WAREHOUSE_FIELDS if name != "is_active")
    errors = _length_errors(Warehouse, cleaned, texts)
    errors += [
        FieldError(name, _("This field is required."))
        for name in REQUIRED_WAREHOUSE_FIELDS
        if not cleaned[name]
    ]
    taken = Warehouse.objects.filter(code=cleaned["code"])
    if warehouse_id is not None:
        taken = taken.exclude(pk=warehouse_id)
    if cleaned["code"] and taken.exists():
        errors.append(FieldError("code", _("Another warehouse has this code.")))
    if errors:
        raise InputError(errors)
    with transaction.atomic():
        if warehouse_id is None:
            row, before = Warehouse(), None
        else:
            found = Warehouse.objects.select_for_update().filter(pk=warehouse_id).first()
            if found is None:
                raise ActionError(_("This warehouse was removed."))
            row, before = found, _snapshot(found, WAREHOUSE_FIELDS)
        for name, value in cleaned.items():
            setattr(row, name, value)
        row.save()
        after = _snapshot(row, WAREHOUSE_FIELDS)
        if after != before:
            action = "warehouse.created" if before is None else "warehouse.changed"
            record_audit(actor, action, row, before=before, after=after)
    return row


def save_zone(
    warehouse_id: int,
    zone_id: int | None,
    code: str,
    name: str,
    walk_order: int,
    actor: Actor,
) -> Zone:
    """Add a zone to the warehouse (`zone_id` None) or change one of its zones."""
    require_permission(actor, roles.MANAGE_WAREHOUSE)
    code, name = code.strip().upper(), name.strip()
    errors = _length_errors(Zone, {"code": code, "name": name}, ("code", "name"))
    if not code:
        errors.append(FieldError("code", _("This field is required.")))
    elif (
        Zone.objects.filter(warehouse_id=warehouse_id, code=code).exclude(pk=zone_id or 0).exists()
    ):
        errors.append(FieldError("code", _("This warehouse has a zone with this code.")))
    if walk_order < 0:
        errors.append(FieldError("walk_order", _("Give 0 or more.")))
    if errors:
        raise InputError(errors)
    names = ("code", "name", "walk_order")
    with transaction.atomic():
        if zone_id is None:
            if not Warehouse.objects.filter(pk=warehouse_id).exists():
                raise ActionError(_("This warehouse was removed."))
            row, before = Zone(warehouse_id=warehouse_id), None
        else:
            found = (
                Zone.objects.select_for_update()
                .filter(pk=zone_id, warehouse_id=warehouse_id)
                .first()
            )
            if found is None:
                raise ActionError(_("This zone was removed."))
            row, before = found, _snapshot(found, names)
        row.code, row.name, row.walk_order = code, name, walk_order
        row.save()
        after = _snapshot(row, names)
        if after != before:
            action = "warehouse.zone_added" if before is None else "warehouse.zone_changed"
            record_audit(actor, action, row, before=before, after=after)
    return row


def save_bin(bin_id: int, zone_id: int, walk_order: int, *, is_active: bool, actor: Actor) -> Bin:
    """Change a bin's zone (in its warehouse), walk order, or whether it is in use."""
    require_permission(actor, roles.MANAGE_WAREHOUSE)
    names = ("zone_id", "walk_order", "is_active")
    with transaction.atomic():
        row = Bin.objects.select_for_update().filter(pk=bin_id).first()
        if row is None:
            raise ActionError(_("This bin was removed."))
        errors = []
        if not Zone.objects.filter(pk=zone_id, warehouse_id=row.warehouse_id).exists():
            errors.append(FieldError("zone", _("Choose a zone of this bin's warehouse.")))
        if walk_order < 0:
            errors.append(FieldError("walk_order", _("Give 0 or more.")))
        if errors:
            raise InputError(errors)
        before = _snapshot(row, names)
        row.zone_id, row.walk_order, row.is_active = zone_id, walk_order, is_active
        after = _snapshot(row, names)
        if after != before:
            row.save(update_fields=["zone", "walk_order", "is_active"])
            record_audit(actor, "warehouse.bin_changed", row, before=before, after=after)
    return row


def create_bins(zone_id: int, first: str, last: str, actor: Actor) -> list[Bin]:
    """Add the bins `first`..`last` (A-01-01..A-10-04) to the zone, walked in that order
    after the zone's existing bins. Refused whole when any code is taken."""
    require_permission(actor, roles.MANAGE_WAREHOUSE)
    zone = Zone.objects.filter(pk=zone_id).first()
    if zone is None:
        raise ActionError(_("This zone was removed."))
    try:
        codes = expand_bin_range(first, last)
    except PatternError as error:
        messages = {
            "shape": _("Both codes need the same letters and separators, as A-01-01 and A-10-04."),
            "no number": _("The codes need numbers to count, as A-01-01 and A-10-04."),
            "order": _("Each number of the first code must be at most the last code's."),
            "too many": _("That makes more than %(count)d bins: add them in parts.")
            % {"count": MAX_BINS_AT_ONCE},
        }
        raise InputError([FieldError("last", messages[str(error)])]) from None
    limit = Bin._meta.get_field("code").max_length or 30
    if any(len(code) > limit for code in codes):
        message = _("Use at most %(count)d characters.") % {"count": limit}
        raise InputError([FieldError("last", message)])
    with transaction.atomic():
        taken = sorted(
            Bin.objects.filter(warehouse_id=zone.warehouse_id, code__in=codes).values_list(
                "code", flat=True
            )
        )
        if taken:
            message = _("These bins exist already: %(codes)s.") % {"codes": ", ".join(taken[:5])}
            raise InputError([FieldError("first", message)])
        start = max(zone.bins.values_list("walk_order", flat=True), default=0)
        rows = Bin.objects.bulk_create(
            Bin(warehouse_id=zone.warehouse_id, zone=zone, code=code, walk_order=start + step)
            for step, code in enumerate(codes, start=1)
        )
        record_audit(
            actor,
            "warehouse.bins_added",
            zone,
            after={"first": codes[0], "last": codes[-1], "count": len(codes)},
        )
    return rows
