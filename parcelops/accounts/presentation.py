"""How staff appear to people: one display name everywhere (pages, timelines, lists)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from parcelops.accounts.models import StaffProfile


def display_name(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """The staff profile's display name, else the full name, else the username.

    Lists that show many people should `select_related("staff_profile")` to avoid a
    query per row.
    """
    if user is None or not user.is_authenticated:
        return ""
    try:
        profile_name = user.staff_profile.display_name  # type: ignore[union-attr,attr-defined]
    except StaffProfile.DoesNotExist:
        profile_name = ""
    if profile_name:
        return str(profile_name)
    full_name = getattr(user, "get_full_name", lambda: "")()
    return str(full_name).strip() or user.get_username()
