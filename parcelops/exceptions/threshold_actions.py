"""Changes to the detection thresholds (R5.2.1): a configured threshold saved or deleted,
the learning settings, and learning now. Each is one transaction with an audit record,
and every process sees the change within seconds (thresholds_changing)."""

import math
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.carriers import registry
from parcelops.core.clock import now
from parcelops.core.errors import FieldError, InputError
from parcelops.exceptions import thresholds
from parcelops.exceptions.kinds import DEFAULT_WARNING_FRACTIONS, Measure
from parcelops.exceptions.models import DeskSettings, Threshold

# A threshold longer than a year waits for nothing anyone would wait for.
MAX_HOURS = 24 * 366
MAX_MIN_SAMPLES = 1_000_000


def _hours_error(hours: Any, field: str = "hours") -> FieldError | None:
    if not isinstance(hours, int | float) or isinstance(hours, bool) or not math.isfinite(hours):
        return FieldError(field, _("Enter a number of hours."))
    if not 0 < hours <= MAX_HOURS:
        return FieldError(
            field,
            _("Must be more than 0 and at most %(max)d hours.") % {"max": MAX_HOURS},
        )
    return None


def _threshold_fields(threshold: Threshold) -> dict[str, Any]:
    return {
        "measure": threshold.measure,
        "carrier": threshold.carrier,
        "service": threshold.service,
        "origin_province": threshold.origin_province,
        "destination_province": threshold.destination_province,
        "hours": threshold.hours,
    }


def save_threshold(
    actor: Actor,
    *,
    measure: str,
    hours: float,
    carrier: str = "",
    service: str = "",
    origin_province: str = "",
    destination_province: str = "",
    threshold_id: int | None = None,
) -> Threshold:
    """Add a threshold for a carrier, service and lane ("" for any), or change one. The
    carrier may be given by any of its names; a service needs its carrier."""
    require_permission(actor, roles.MANAGE_DESK)
    errors = []
    if measure not in Measure.values:
        errors.append(FieldError("measure", _("Unknown measure.")))
    if (error := _hours_error(hours)) is not None:
        errors.append(error)
    carrier, service = carrier.strip(), service.strip()
    origin_province, destination_province = origin_province.strip(), destination_province.strip()
    if carrier:
        try:
            carrier = registry.resolve_carrier(carrier)  # "ZTO", "中通", "zhongtong"
        except registry.UnknownCarrierError as unknown:
            errors.append(FieldError("carrier", unknown.message))
    elif service:
        errors.append(FieldError("service", _("A service needs its carrier.")))
    for field, value, limit in (
        ("service", service, 60),
        ("origin_province", origin_province, 40),
        ("destination_province", destination_province, 40),
    ):
        if len(value) > limit:
            errors.append(FieldError(field, _("At most %(count)d characters.") % {"count": limit}))
    if errors:
        raise InputError(errors)
    values: dict[str, Any] = {
        "measure": measure,
        "carrier": carrier,
        "service": service,
        "origin_province": origin_province,
        "destination_province": destination_province,
        "hours": float(hours),
    }
    try:
        with transaction.atomic():
            if threshold_id is None:
                threshold = Threshold.objects.create(**values)
                before = None
            else:
                threshold = _locked(threshold_id)
                before = _threshold_fields(threshold)
                for name, value in values.items():
                    setattr(threshold, name, value)
                threshold.save()
            record_audit(
                actor,
                "threshold.saved",
                threshold,
                before=before,
                after=_threshold_fields(threshold),
            )
            thresholds.thresholds_changing()
    except IntegrityError as error:
        raise InputError(
            [
                FieldError(
                    "hours",
                    _("This carrier, service and lane have a threshold for this measure already."),
                )
            ]
        ) from error
    return threshold


def _locked(threshold_id: int) -> Threshold:
    threshold = Threshold.objects.select_for_update().filter(pk=threshold_id).first()
    if threshold is None:
        raise InputError([FieldError("id", _("This threshold no longer exists."))])
    return threshold


def delete_threshold(actor: Actor, threshold_id: int) -> None:
    """Remove a configured threshold: its parcels fall back to the next one that matches."""
    require_permission(actor, roles.MANAGE_DESK)
    with transaction.atomic():
        threshold = _locked(threshold_id)
        before = _threshold_fields(threshold)
        threshold.delete()
        record_audit(
            actor, "threshold.deleted", ("exceptions.threshold", str(threshold_id)), before=before
        )
        thresholds.thresholds_changing()


def _desk_settings_for_update() -> DeskSettings:
    """The desk's settings row, locked; made with the desk's defaults when missing (the
    same defaults as the SLA settings' desk_settings())."""
    desk, _created = DeskSettings.objects.select_for_update().get_or_create(
        pk=1,
        defaults={
            "working_windows": [["09:00", "12:00"], ["13:30", "18:00"]],
            "working_weekdays": [0, 1, 2, 3, 4],
            "warning_fractions": list(DEFAULT_WARNING_FRACTIONS),
        },
    )
    return desk


def set_learning(
    actor: Actor, *, use_learned: bool, percentile: float, min_samples: int
) -> DeskSettings:
    """Whether learned thresholds stand in for the defaults, which percentile of a lane's
    history they take, and how many samples a lane needs first."""
    require_permission(actor, roles.MANAGE_DESK)
    errors = []
    if (
        not isinstance(percentile, int | float)
        or not math.isfinite(percentile)
        or not 0 < percentile <= 100
    ):
        errors.append(FieldError("percentile", _("Must be more than 0 and at most 100.")))
    if not isinstance(min_samples, int) or not 1 <= min_samples <= MAX_MIN_SAMPLES:
        errors.append(
            FieldError(
                "min_samples",
                _("Must be a whole number from 1 to %(max)d.") % {"max": MAX_MIN_SAMPLES},
            )
        )
    if errors:
        raise InputError(errors)
    with transaction.atomic():
        desk = _desk_settings_for_update()
        fields = ("use_learned_thresholds", "learning_percentile", "learning_min_samples")
        before = {name: getattr(desk, name) for name in fields}
        desk.use_learned_thresholds = bool(use_learned)
        desk.learning_percentile = float(percentile)
        desk.learning_min_samples = min_samples
        desk.save()
        record_audit(
            actor,
            "thresholds.learning_set",
            desk,
            before=before,
            after={name: getattr(desk, name) for name in fields},
        )
        thresholds.thresholds_changing()
    return desk


def learn_now(actor: Actor) -> int:
    """Learn every lane's thresholds from history now (the nightly task does it too)."""
    require_permission(actor, roles.MANAGE_DESK)
    with transaction.atomic():
        count = thresholds.learn_thresholds(now())
        record_audit(
            actor,
            "thresholds.learned",
            ("exceptions.learnedthreshold", "*"),
            detail={"rows": count},
        )
    return count
