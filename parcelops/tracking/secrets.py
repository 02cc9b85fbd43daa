"""Signing secrets of the push providers, stored encrypted (ProviderAccount): which
providers there are, and the secret a push is verified with. Setting one is an action
(parcelops.tracking.actions.set_provider_secret)."""

from parcelops.tracking.models import ProviderAccount

PUSH_PROVIDERS = ("kuaidi100", "aftership", "17track")
MIN_SECRET_LENGTH = 8


def provider_secret(provider: str) -> str | None:
    account = ProviderAccount.objects.filter(provider=provider).first()
    return account.secret if account else None
