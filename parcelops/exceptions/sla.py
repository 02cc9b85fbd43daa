"""A case's clock (R5.3): its handling deadline, the moments it warns, and the new deadline
it gets when it escalates, on the desk's business calendar.

The targets, the calendar and the warning fractions come from the settings tables
(DeskSettings, SlaTarget, CalendarDay). Every case opened asks for them, so each process
keeps them in memory (parcelops.core.process_copy); parcelops.exceptions.settings_actions
tells every process when they change.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from parcelops.core.process_copy import ProcessCopy
from parcelops.exceptions import kinds
from parcelops.exceptions.calendar import ALWAYS, BusinessCalendar, parse_clock
from parcelops.exceptions.models import CalendarDay, DeskSettings, SlaTarget

logger = logging.getLogger(__name__)

DEFAULT_WINDOWS = [["09:00", "12:00"], ["13:30", "18:00"]]
DEFAULT_WEEKDAYS = [0, 1, 2, 3, 4]


def desk_settings() -> DeskSettings:
    """The desk's one settings row, made with the defaults on the first read."""
    row, _created = DeskSettings.objects.get_or_create(
        pk=1,
        defaults={
            "calendar": DeskSettings.CalendarKind.ALWAYS,
            "working_windows": DEFAULT_WINDOWS,
            "working_weekdays": DEFAULT_WEEKDAYS,
            "use_official_calendar": True,
            "warning_fractions": list(kinds.DEFAULT_WARNING_FRACTIONS),
        },
    )
    return row


def calendar_of(row: DeskSettings, days: Mapping[date, str]) -> BusinessCalendar:
    """The calendar the settings describe, with the desk's own calendar days."""
    if row.calendar == DeskSettings.CalendarKind.ALWAYS:
        return ALWAYS
    return BusinessCalendar(
        always=False,
        windows=tuple(
            (parse_clock(starts), parse_clock(ends)) for starts, ends in row.working_windows
        ),
        weekdays=frozenset(int(day) for day in row.working_weekdays),
        use_official=row.use_official_calendar,
        overrides=dict(days),
        zone=ZoneInfo(settings.TIME_ZONE),
    )


@dataclass(frozen=True)
class _Loaded:
    """The settings as every deadline reads them."""

    calendar: BusinessCalendar
    warning_fractions: tuple[float, ...]
    targets: dict[tuple[str, str], float]  # (type or "", severity) -> hours


def _read() -> _Loaded:
    row = desk_settings()
    days = dict(CalendarDay.objects.values_list("date", "kind"))
    try:
        calendar = calendar_of(row, days)
    except (ValueError, TypeError):
        # Only the settings page writes these, and it checks them; a row changed behind
        # its back must not stop cases from opening, so the clock runs around the clock.
        logger.exception("The desk's calendar settings are unusable; deadlines run 24x7.")
        calendar = ALWAYS
    return _Loaded(
        calendar=calendar,
        warning_fractions=tuple(float(fraction) for fraction in row.warning_fractions),
        targets={
            (case_type, severity): hours
            for case_type, severity, hours in SlaTarget.objects.values_list(
                "case_type", "severity", "hours"
            )
        },
    )


# Each process's copy, checked against the shared version every two seconds.
SETTINGS_COPY = ProcessCopy("parcelops:desk-settings:version", _read)


def _current() -> _Loaded:
    return SETTINGS_COPY.current()


def desk_settings_changing() -> None:
    """This process's transaction changed the desk's settings, SLA targets or calendar
    days: its own deadlines see the change now, and desk_settings_changed tells everyone
    once it is committed."""
    SETTINGS_COPY.changing()


def desk_settings_changed() -> None:
    """A change is committed: this process reads the settings again now, the others within
    two seconds."""
    SETTINGS_COPY.changed()


def forget_desk_settings() -> None:
    """Drop this process's copy; the next deadline reads the tables (tests that write the
    tables directly call this)."""
    SETTINGS_COPY.forget()


def desk_calendar() -> BusinessCalendar:
    """The calendar deadlines are counted on (24x7 unless the desk chose working hours)."""
    return _current().calendar


def warning_fractions() -> tuple[float, ...]:
    """The fractions of a case's time at which its owner is warned, earliest first."""
    return _current().warning_fractions


def sla_hours(case_type: str, severity: str) -> float:
    """The handling time of a case in business hours: the type's own target, else the
    severity's for every type, else the manual's default (2, 4, 8 h)."""
    targets = _current().targets
    for key in ((case_type, severity), ("", severity)):
        if key in targets:
            return targets[key]
    return kinds.DEFAULT_SLA_HOURS[severity]


def due_at(case_type: str, severity: str, opened_at: datetime) -> datetime:
    """A case's deadline, from its discovery. A changed severity asks again with the same
    `opened_at`: the deadline is re-targeted from discovery, not from the change."""
    return desk_calendar().add_hours(opened_at, sla_hours(case_type, severity))


def warning_moments(
    opened_at: datetime, due: datetime, fractions: Sequence[float] | None = None
) -> list[datetime]:
    """When each fraction (default: the desk's) of the business time from `opened_at` to
    `due` has passed, in the order of the fractions."""
    calendar = desk_calendar()
    chosen = warning_fractions() if fractions is None else fractions
    span = calendar.between(opened_at, due)
    microseconds = span // timedelta(microseconds=1)
    return [
        calendar.add(opened_at, timedelta(microseconds=round(microseconds * fraction)))
        for fraction in chosen
    ]


SEVERITY_OF_TIER: dict[str, str] = {
    tier: severity for severity, tier in kinds.TIER_OF_SEVERITY.items()
}


def escalation_due_at(case_type: str, tier: str, escalated_at: datetime) -> datetime:
    """The new deadline of a case escalated to `tier` (the tier above the one that missed
    it): the handling time of the severity that tier owns, from the escalation."""
    return due_at(case_type, SEVERITY_OF_TIER[tier], escalated_at)
