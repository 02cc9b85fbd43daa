"""Who is on shift at a moment: each staff member's weekly windows (ShiftWindow) and their
"available" flag (StaffProfile.is_on_shift, off on leave). Cases and orders are assigned
only to people on shift."""

from collections.abc import Iterable
from datetime import datetime, time, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings

from parcelops.accounts.models import StaffProfile


def is_on_shift(
    windows: Iterable[tuple[int, time, time]], available: bool, moment: datetime, zone: tzinfo
) -> bool:
    """Whether a person is on shift at `moment`: never while unavailable; always while
    available without windows (as before schedules existed); else when the local moment
    falls in one of their (weekday, starts, ends) windows, Monday 0. A window starts on its
    weekday at `starts` (included) and ends at `ends` (excluded); one that ends at or before
    it starts runs past midnight into the next day (equal: a whole 24 hours)."""
    if not available:
        return False
    listed = tuple(windows)
    if not listed:
        return True
    local = moment.astimezone(zone)
    weekday, clock = local.weekday(), local.time().replace(tzinfo=None)
    yesterday = (weekday - 1) % 7
    for day, starts, ends in listed:
        if starts < ends:
            if day == weekday and starts <= clock < ends:
                return True
        elif (day == weekday and clock >= starts) or (day == yesterday and clock < ends):
            return True
    return False


def on_shift_user_ids(user_ids: Iterable[int], moment: datetime) -> set[int]:
    """The people among `user_ids` on shift at `moment` (people without a staff profile
    are not staff, so never on shift); one query for the profiles, one for their windows."""
    zone = ZoneInfo(settings.TIME_ZONE)
    profiles = StaffProfile.objects.filter(user_id__in=list(user_ids)).prefetch_related("shifts")
    return {
        profile.user_id
        for profile in profiles
        if is_on_shift(
            ((window.weekday, window.starts, window.ends) for window in profile.shifts.all()),
            profile.is_on_shift,
            moment,
            zone,
        )
    }
