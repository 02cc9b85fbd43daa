"""Who is acting and what their role allows: the checks every action and page makes."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpResponse
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.core.errors import NotPermittedError

# None means the system itself (intake, sweeps, carrier pushes).
Actor = User | AnonymousUser | None

ViewFunction = Callable[..., HttpResponse]


def require_permission(actor: Actor, permission: str) -> None:
    if actor is None:
        return  # the system itself
    if not actor.is_authenticated or not actor.has_perm(permission):
        raise NotPermittedError(_("Your role does not allow this action."))


def staff_page(view: ViewFunction) -> ViewFunction:
    """Signed in (else the login page) and allowed to see orders (else 403)."""
    return login_required(permission_required(roles.VIEW_ORDER, raise_exception=True)(view))
