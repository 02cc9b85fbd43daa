"""Bearer tokens on the API's hot path: whose a token is, and what that person may do.

Finding a token's user costs a query, their permissions two more; a carrier pushing
events sends hundreds of requests a second with one token. Each process therefore keeps
what it found for TOKEN_MEMORY (5 seconds): a token revoked, a user deactivated or a role
changed in another process (another gunicorn worker, the admin site) takes effect there
within that time; in the process that made the change through the accounts' actions it
takes effect at once (forget_tokens). See docs/decisions/0011-request-costs.md.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS

from parcelops.accounts.models import ApiToken, hash_token
from parcelops.core.clock import now

TOKEN_MEMORY = timedelta(seconds=5)
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_REMEMBERED_TOKENS = 1000  # a bound on memory; past it the process starts afresh

USER_FIELDS = tuple(field.attname for field in User._meta.concrete_fields)


@dataclass(frozen=True)
class RememberedToken:
    token_id: int
    last_used_at: datetime | None
    user_values: tuple[Any, ...]  # in the order of USER_FIELDS
    user_permissions: frozenset[str]
    group_permissions: frozenset[str]
    remembered_until: datetime


_remembered: dict[str, RememberedToken] = {}


def forget_tokens() -> None:
    """Look every token up afresh in this process (after a revocation or a role change)."""
    _remembered.clear()


def user_for_token(raw_token: str) -> User | None:
    """The active user of a valid, unrevoked token, with their permissions loaded; or None."""
    token_hash = hash_token(raw_token)
    moment = now()
    remembered = _remembered.get(token_hash)
    if remembered is None or remembered.remembered_until <= moment:
        remembered = _look_up(token_hash, moment)
        if remembered is None:
            _remembered.pop(token_hash, None)
            return None
    # At most one write a minute per token and process: the API's hot path stays read-only.
    if remembered.last_used_at is None or moment - remembered.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=remembered.token_id).update(last_used_at=moment)
        remembered = _remember(token_hash, replace(remembered, last_used_at=moment))
    return _user_of(remembered)


def _look_up(token_hash: str, moment: datetime) -> RememberedToken | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    user = token.user
    user.get_all_permissions()  # fills ModelBackend's caches on the user object
    return _remember(
        token_hash,
        RememberedToken(
            token_id=token.pk,
            last_used_at=token.last_used_at,
            user_values=tuple(getattr(user, name) for name in USER_FIELDS),
            user_permissions=frozenset(getattr(user, "_user_perm_cache", ())),
            group_permissions=frozenset(getattr(user, "_group_perm_cache", ())),
            remembered_until=moment + TOKEN_MEMORY,
        ),
    )


def _remember(token_hash: str, remembered: RememberedToken) -> RememberedToken:
    if len(_remembered) >= MAX_REMEMBERED_TOKENS and token_hash not in _remembered:
        _remembered.clear()
    _remembered[token_hash] = remembered
    return remembered


def _user_of(remembered: RememberedToken) -> User:
    """A fresh User object for this request (never shared between requests), with the
    permission caches Django's ModelBackend would otherwise fill with two queries."""
    user = User.from_db(DEFAULT_DB_ALIAS, USER_FIELDS, remembered.user_values)
    user._user_perm_cache = set(remembered.user_permissions)  # type: ignore[attr-defined]
    user._group_perm_cache = set(remembered.group_permissions)  # type: ignore[attr-defined]
    user._perm_cache = user._user_perm_cache | user._group_perm_cache  # type: ignore[attr-defined]
    return user
