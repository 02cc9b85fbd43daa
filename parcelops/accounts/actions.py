"""Changes to staff accounts: roles, profiles and API tokens."""

import secrets

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from parcelops.accounts.models import ApiToken, StaffProfile, hash_token
from parcelops.accounts.roles import DEFAULT_SKILLS, ROLE_PERMISSIONS, ROLES
from parcelops.accounts.tokens import forget_tokens
from parcelops.audit.actions import record_audit
from parcelops.core.clock import now

TOKEN_PREFIX = "pops_"  # noqa: S105 (a public prefix that makes leaked tokens greppable, not a secret)


def sync_role_groups() -> None:
    """Create the role groups and give each exactly the permissions of the matrix."""
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for permission in sorted(ROLE_PERMISSIONS[role]):
            app_label, codename = permission.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
    forget_tokens()


def roles_of(user: User) -> list[str]:
    return sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))


@transaction.atomic
def set_staff_roles(user: User, roles: list[str], actor: User | None = None) -> None:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(unknown)}")
    before = roles_of(user)
    user.groups.set(Group.objects.filter(name__in=roles))
    forget_tokens()  # the new permissions apply to this process's next request at once
    skills: list[str] = sorted({s for role in roles for s in DEFAULT_SKILLS.get(role, [])})
    StaffProfile.objects.get_or_create(user=user, defaults={"skills": skills})
    record_audit(
        actor, "staff.roles_changed", user, before={"roles": before}, after={"roles": roles}
    )


@transaction.atomic
def create_api_token(user: User, name: str = "", actor: User | None = None) -> str:
    """Make a token for the user and return it; only its hash is kept."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:12], token_hash=hash_token(raw)
    )
    record_audit(actor, "token.created", token, after={"user": user.get_username(), "name": name})
    return raw


@transaction.atomic
def revoke_api_token(token: ApiToken, actor: User | None = None) -> None:
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=now())
    forget_tokens()  # refused at once here; other processes within TOKEN_MEMORY
    record_audit(actor, "token.revoked", token)
