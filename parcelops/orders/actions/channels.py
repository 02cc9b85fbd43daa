"""Sales channels: a fresh production install has none, and intake refuses orders from a
channel it does not know, so the operator adds each one (admin page or command line)."""

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.core.errors import FieldError, InputError
from parcelops.orders.models import Channel

# Django's own model permission: the admin group has it, as on the admin page.
ADD_CHANNEL = "orders.add_channel"
CODE_MAX_LENGTH = 40
NAME_MAX_LENGTH = 100


def add_channel(
    code: str, name: str, *, kind: str = Channel.Kind.WEB, name_en: str = "", actor: Actor = None
) -> Channel:
    """Create an active channel orders can name by ``code`` at intake (R2.1.1); audited."""
    require_permission(actor, ADD_CHANNEL)
    code, name, name_en = code.strip(), name.strip(), name_en.strip()
    errors = []
    if not code or slugify(code) != code or len(code) > CODE_MAX_LENGTH:
        errors.append(
            FieldError(
                "code",
                _(
                    "The code must be 1 to %(count)d lower-case letters, digits, hyphens or underscores."
                )
                % {"count": CODE_MAX_LENGTH},
            )
        )
    if not name or len(name) > NAME_MAX_LENGTH:
        errors.append(
            FieldError(
                "name",
                _("The name must have 1 to %(count)d characters.") % {"count": NAME_MAX_LENGTH},
            )
        )
    if len(name_en) > NAME_MAX_LENGTH:
        errors.append(
            FieldError(
                "name_en",
                _("The name must have 1 to %(count)d characters.") % {"count": NAME_MAX_LENGTH},
            )
        )
    if kind not in Channel.Kind.values:
        errors.append(
            FieldError(
                "kind",
                _("Unknown kind: choose one of %(kinds)s.")
                % {"kinds": ", ".join(Channel.Kind.values)},
            )
        )
    if errors:
        raise InputError(errors)
    try:
        with transaction.atomic():
            channel = Channel.objects.create(code=code, name=name, name_en=name_en, kind=kind)
            record_audit(
                actor,
                "channel.added",
                channel,
                detail={"code": code, "name": name, "name_en": name_en, "kind": kind},
            )
    except IntegrityError:
        raise InputError(
            [
                FieldError(
                    "code", _("A channel with the code “%(code)s” exists already.") % {"code": code}
                )
            ]
        ) from None
    return channel
