"""Who may open the warehouse's pages: the floor, its managers and those who read its
reports (any warehouse permission), and the narrower checks of single pages."""

from collections.abc import Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import ViewFunction

ANY_WAREHOUSE = (*sorted(roles.FLOOR), roles.MANAGE_WAREHOUSE, roles.VIEW_WAREHOUSE_REPORTS)
SEE_INSPECTIONS = (roles.INSPECT_WAREHOUSE, roles.MANAGE_WAREHOUSE, roles.VIEW_WAREHOUSE_REPORTS)


def has_any(user: Any, permissions: Iterable[str]) -> bool:
    """Whether the user (a User, or the anonymous one) holds one of the permissions."""
    return any(user.has_perm(permission) for permission in permissions)


def page_for_any(*permissions: str) -> Any:
    """Signed in (else the login page) and holding one of `permissions` (else 403)."""

    def decorate(view: ViewFunction) -> ViewFunction:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_any(request.user, permissions):
                raise PermissionDenied(_("Your role does not allow this action."))
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorate


def warehouse_people() -> QuerySet[User]:
    """Active people holding any warehouse permission (the owners a follow-up can have)."""
    codenames = [permission.split(".", 1)[1] for permission in ANY_WAREHOUSE]
    holds = (
        Q(is_superuser=True)
        | Q(
            groups__permissions__codename__in=codenames,
            groups__permissions__content_type__app_label="warehouse",
        )
        | Q(
            user_permissions__codename__in=codenames,
            user_permissions__content_type__app_label="warehouse",
        )
    )
    return (
        User.objects.filter(holds, is_active=True)
        .distinct()
        .select_related("staff_profile")
        .order_by("username")
    )
