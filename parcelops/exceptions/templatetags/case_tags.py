"""Template filters of the desk's pages: a case's codes in the manual's words, its colours,
and the deadline's countdown as the page first shows it (countdown.js keeps it live with
the same words, `countdown_words`)."""

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils.translation import gettext as _

from parcelops.core.clock import now
from parcelops.exceptions.kinds import (
    CaseEventKind,
    CaseSource,
    CaseState,
    CaseType,
    OwnerTier,
    Resolution,
    Severity,
)
from parcelops.exceptions.presentation import mask_contacts

register = template.Library()

MINUTE = timedelta(minutes=1)

SEVERITY_TONES = {Severity.MINOR: "blue", Severity.MODERATE: "amber", Severity.MAJOR: "red"}


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.filter
def case_type_label(value: str) -> str:
    return _label(CaseType, value)


@register.filter
def severity_label(value: str) -> str:
    return _label(Severity, value)


@register.filter
def severity_tone(value: str) -> str:
    return SEVERITY_TONES.get(value, "grey")  # type: ignore[call-overload]


@register.filter
def owner_tier_label(value: str) -> str:
    return _label(OwnerTier, value)


@register.filter
def case_state_label(value: str) -> str:
    return _label(CaseState, value)


@register.filter
def resolution_label(value: str) -> str:
    return _label(Resolution, value) if value else ""


@register.filter
def case_source_label(value: str) -> str:
    return _label(CaseSource, value)


@register.filter
def event_kind_label(value: str) -> str:
    return _label(CaseEventKind, value)


@register.filter
def contacts(text: str, may_see: bool) -> str:
    """A free text of a case as the viewer may read it: phones and email addresses masked
    for a role that sees customers masked."""
    return text if may_see else mask_contacts(text or "")


def words() -> dict[str, str]:
    """The countdown's words in the page's language; countdown.js fills in the numbers."""
    return {
        "days": _("%(days)d d %(hours)d h"),
        "hours": _("%(hours)d h %(minutes)02d min"),
        "minutes": _("%(minutes)d min %(seconds)02d s"),
        "left": _("%(time)s left"),
        "overdue": _("%(time)s overdue"),
        "ago": _("%(time)s ago"),
        "whole_minutes": _("%(minutes)d min"),
    }


@register.simple_tag
def countdown_words() -> dict[str, str]:
    return words()


def duration_text(length: timedelta, texts: dict[str, str]) -> str:
    """A duration as the countdown words put it: days and hours, hours and minutes, or
    minutes and seconds (whole seconds, rounded down)."""
    seconds = max(int(length.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return texts["days"] % {"days": days, "hours": hours}
    if hours:
        return texts["hours"] % {"hours": hours, "minutes": minutes}
    return texts["minutes"] % {"minutes": minutes, "seconds": seconds}


def deadline_text(due_at: datetime, at: datetime) -> str:
    """ "3 h 05 min left", or "12 min 00 s overdue" from the deadline on."""
    texts = words()
    if at < due_at:
        return texts["left"] % {"time": duration_text(due_at - at, texts)}
    return texts["overdue"] % {"time": duration_text(at - due_at, texts)}


@register.filter
def countdown(due_at: datetime | None) -> str:
    return deadline_text(due_at, now()) if due_at else ""


@register.filter
def age(since: datetime | None) -> str:
    """How long ago, in the countdown's words ("2 h 10 min ago")."""
    if since is None:
        return ""
    texts = words()
    length = now() - since
    if length < timedelta(hours=1):  # seconds of an age are noise
        return texts["ago"] % {"time": texts["whole_minutes"] % {"minutes": length // MINUTE}}
    return texts["ago"] % {"time": duration_text(length, texts)}


@register.filter
def is_overdue(due_at: datetime | None) -> bool:
    return due_at is not None and now() >= due_at
