"""The unread alerts count every console page shows in its top bar."""

from django.http import HttpRequest

from parcelops.outbox.actions import unread_count

_CACHED = "_parcelops_unread_alerts"


def alerts(request: HttpRequest) -> dict[str, int]:
    """{"unread_alerts": n} for a signed-in person: one COUNT per request, however many
    templates the page renders with the request (panels run context processors again)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = getattr(request, _CACHED, None)
    if count is None:
        count = unread_count(user)
        setattr(request, _CACHED, count)
    return {"unread_alerts": count}
