"""Changing the warehouse's tunable numbers (WarehouseSettings, MANAGE_WAREHOUSE): the
packing scale's tolerance, the carrier choice's weights and insurance threshold, and the
freight bills' tolerance. Checked first, written in one transaction with its audit record."""

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.core.errors import FieldError, InputError
from parcelops.warehouse.models import WarehouseSettings

PERCENT_FIELDS = ("weight_tolerance_percent", "bill_tolerance_percent")
WEIGHT_FIELDS = ("cost_weight", "speed_weight", "reliability_weight")
AMOUNT_FIELDS = ("weight_tolerance_grams", "insure_above_cents", "bill_tolerance_cents")
FIELDS = PERCENT_FIELDS + WEIGHT_FIELDS + AMOUNT_FIELDS
MAX_WEIGHT = 100
MAX_AMOUNT = 10**12  # a typing mistake, not a threshold: ten billion yuan or a million tonnes


def _errors(values: Mapping[str, int]) -> list[FieldError]:
    errors = []
    for name in FIELDS:
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(FieldError(name, _("Give a whole number.")))
        elif name in PERCENT_FIELDS and not 0 <= value <= 100:
            errors.append(FieldError(name, _("Give a percentage from 0 to 100.")))
        elif name in WEIGHT_FIELDS and not 0 <= value <= MAX_WEIGHT:
            errors.append(FieldError(name, _("Give a weight from 0 to 100.")))
        elif name in AMOUNT_FIELDS and not 0 <= value <= MAX_AMOUNT:
            errors.append(FieldError(name, _("Give 0 or more.")))
    if not errors and not any(values[name] for name in WEIGHT_FIELDS):
        message = _("At least one of cost, speed and reliability needs a weight above 0.")
        errors.append(FieldError("cost_weight", message))
    return errors


def set_warehouse_settings(values: Mapping[str, int], actor: Actor) -> WarehouseSettings:
    """Set every number at once (`values` names each of FIELDS)."""
    require_permission(actor, roles.MANAGE_WAREHOUSE)
    errors = _errors(values)
    if errors:
        raise InputError(errors)
    with transaction.atomic():
        row = WarehouseSettings.current()
        row = WarehouseSettings.objects.select_for_update().get(pk=row.pk)
        before = {name: getattr(row, name) for name in FIELDS}
        after = {name: values[name] for name in FIELDS}
        if after != before:
            for name, value in after.items():
                setattr(row, name, value)
            row.save()
            record_audit(
                actor, "warehouse.settings_set", ("warehouse.warehousesettings", "1"),
                before=before, after=after,
            )  # fmt: skip
    return row
