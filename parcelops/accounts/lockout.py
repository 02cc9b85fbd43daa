"""Sign-in lock-out: by the pair (username, address) first, and per username at a slower
pace, so that guessing at `admin` from one address never locks the real admin out
everywhere, while a guesser spread over many addresses is still stopped."""

from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

from parcelops.core.clock import now


def failures_for_username(username: str, window: timedelta) -> int:
    """Failed sign-ins for ``username`` from every address within ``window``."""
    total = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=now() - window
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return int(total or 0)


class PairThenUsernameHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """Axes counts failures per (username, address) (AXES_LOCKOUT_PARAMETERS); past
    PARCELOPS_USERNAME_FAILURE_LIMIT failures for the username from every address within
    the cool-off, the username counts as at its limit wherever the attempt comes from.

    Axes asks get_failures both before a sign-in and after a failed one, so answering
    here (rather than in is_locked) keeps the two in step."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        failures = int(super().get_failures(request, credentials))
        username = get_client_username(request, credentials)
        if not username:
            return failures
        window = timedelta(hours=settings.AXES_COOLOFF_TIME)
        if failures_for_username(username, window) >= settings.PARCELOPS_USERNAME_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures
