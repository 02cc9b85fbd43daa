"""Changes to the desk's clock settings: SLA targets and warnings, the working calendar,
and the calendar days that override China's official calendar. Each is checked, written
in one transaction with its audit record, and tells every process to read the settings
again once committed (parcelops.exceptions.sla keeps them in memory)."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, time
from itertools import pairwise
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.exceptions import sla
from parcelops.exceptions.calendar import clock_text, windows_problem
from parcelops.exceptions.kinds import CaseType, Severity
from parcelops.exceptions.models import CalendarDay, DeskSettings, SlaTarget

# A target longer than a year of business hours is a typing mistake, not a deadline.
MAX_SLA_HOURS = 8760
DESK_SETTINGS = ("exceptions.desksettings", "1")  # what the audit records name
NAME_LENGTH = CalendarDay._meta.get_field("name").max_length or 100


def target_field(case_type: str, severity: str) -> str:
    """The input naming one target: the severity's for every type ("sla-all-minor") or a
    type's own ("sla-lost-major")."""
    return f"sla-{case_type or 'all'}-{severity}"


def _changed() -> None:
    sla.desk_settings_changing()
    transaction.on_commit(sla.desk_settings_changed)


def _targets_snapshot() -> dict[str, float]:
    return {
        target_field(row.case_type, row.severity): row.hours
        for row in SlaTarget.objects.order_by("case_type", "severity")
    }


def _target_errors(targets: Mapping[tuple[str, str], float | None]) -> list[FieldError]:
    errors = []
    types = {"", *CaseType.values}
    for (case_type, severity), hours in targets.items():
        field = target_field(case_type, severity)
        if case_type not in types or severity not in Severity.values:
            errors.append(FieldError(field, _("There is no such case type or severity.")))
        elif hours is not None and not 0 < hours <= MAX_SLA_HOURS:
            errors.append(
                FieldError(
                    field,
                    _("Give more than 0 and at most %(max)d hours.") % {"max": MAX_SLA_HOURS},
                )
            )
    return errors


def _fraction_errors(fractions: Sequence[float]) -> list[FieldError]:
    if any(not 0 < fraction < 1 for fraction in fractions):
        message = _("Give each warning as a percentage above 0 and below 100.")
    elif any(later <= earlier for earlier, later in pairwise(fractions)):
        message = _("List the warnings in order, earliest first, each once.")
    else:
        return []
    return [FieldError("warning_fractions", message)]


def set_sla_settings(
    targets: Mapping[tuple[str, str], float | None],
    warning_fractions: Sequence[float],
    actor: Actor,
) -> None:
    """Set handling deadlines in business hours per (type or "" for every type, severity);
    None removes a target (the type follows the rule for every type, which follows the
    manual's default). The warnings are fractions of a case's time, ascending, in (0, 1)."""
    require_permission(actor, roles.MANAGE_DESK)
    fractions = [float(fraction) for fraction in warning_fractions]
    errors = _target_errors(targets) + _fraction_errors(fractions)
    if errors:
        raise InputError(errors)
    with transaction.atomic():
        row = sla.desk_settings()
        before = {"targets": _targets_snapshot(), "warning_fractions": row.warning_fractions}
        for (case_type, severity), hours in targets.items():
            if hours is None:
                SlaTarget.objects.filter(case_type=case_type, severity=severity).delete()
            else:
                SlaTarget.objects.update_or_create(
                    case_type=case_type, severity=severity, defaults={"hours": hours}
                )
        row.warning_fractions = fractions
        row.save(update_fields=["warning_fractions", "updated_at"])
        after = {"targets": _targets_snapshot(), "warning_fractions": fractions}
        if after != before:
            record_audit(actor, "desk.sla_set", DESK_SETTINGS, before=before, after=after)
            _changed()


def _calendar_snapshot(row: DeskSettings) -> dict[str, Any]:
    return {
        "calendar": row.calendar,
        "working_windows": row.working_windows,
        "working_weekdays": row.working_weekdays,
        "use_official_calendar": row.use_official_calendar,
    }


def set_calendar(
    calendar: str,
    windows: Sequence[tuple[time, time]],
    weekdays: Iterable[int],
    *,
    use_official: bool,
    actor: Actor,
) -> DeskSettings:
    """Count deadlines around the clock ("24x7") or in working hours: `windows` (local
    times of day, in order; an end of 00:00 is midnight) on `weekdays` (Monday 0), with
    China's official holidays and make-up days when `use_official`. The windows and days
    are kept for the working-hours calendar even while the desk counts 24x7."""
    require_permission(actor, roles.MANAGE_DESK)
    days = sorted(set(weekdays))
    errors = []
    if calendar not in DeskSettings.CalendarKind.values:
        errors.append(FieldError("calendar", _("Choose around the clock or working hours.")))
    problem = windows_problem(windows)
    if problem is not None:
        errors.append(FieldError("windows", problem))
    if any(day not in range(7) for day in days):
        errors.append(FieldError("weekdays", _("Weekdays are Monday to Sunday.")))
    elif not days:
        errors.append(FieldError("weekdays", _("Choose at least one working weekday.")))
    if errors:
        raise InputError(errors)
    with transaction.atomic():
        row = sla.desk_settings()
        before = _calendar_snapshot(row)
        row.calendar = calendar
        row.working_windows = [
            [clock_text(starts), clock_text(ends, is_end=True)] for starts, ends in windows
        ]
        row.working_weekdays = days
        row.use_official_calendar = use_official
        after = _calendar_snapshot(row)
        if after != before:
            row.save()
            record_audit(actor, "desk.calendar_set", DESK_SETTINGS, before=before, after=after)
            _changed()
    return row


def save_calendar_day(day: date, kind: str, name: str, actor: Actor) -> CalendarDay:
    """Make `day` a public holiday or a make-up working day, whatever China's official
    calendar or the weekday says (a day already listed takes the new kind and name)."""
    require_permission(actor, roles.MANAGE_DESK)
    name = name.strip()
    errors = []
    if kind not in CalendarDay.Kind.values:
        errors.append(FieldError("kind", _("Choose a public holiday or a make-up working day.")))
    if len(name) > NAME_LENGTH:
        errors.append(
            FieldError("name", _("Use at most %(count)d characters.") % {"count": NAME_LENGTH})
        )
    if errors:
        raise InputError(errors)
    with transaction.atomic():
        existing = CalendarDay.objects.select_for_update().filter(date=day).first()
        before = {"kind": existing.kind, "name": existing.name} if existing else None
        row, _created = CalendarDay.objects.update_or_create(
            date=day, defaults={"kind": kind, "name": name}
        )
        record_audit(
            actor,
            "desk.calendar_day_changed" if existing else "desk.calendar_day_added",
            row,
            before=before,
            after={"date": day.isoformat(), "kind": kind, "name": name},
        )
        _changed()
    return row


def remove_calendar_day(day_id: int, actor: Actor) -> CalendarDay:
    """The day follows China's official calendar, or its weekday, again."""
    require_permission(actor, roles.MANAGE_DESK)
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().filter(pk=day_id).first()
        if row is None:
            raise ActionError(_("This calendar day was removed already."))
        record_audit(
            actor,
            "desk.calendar_day_removed",
            row,
            before={"date": row.date.isoformat(), "kind": row.kind, "name": row.name},
        )
        row.delete()
        _changed()
    return row
