"""Signing secrets of the push providers, stored encrypted (ProviderAccount)."""

from django.db import transaction

from parcelops.audit.actions import record_audit
from parcelops.tracking.models import ProviderAccount

PUSH_PROVIDERS = ("kuaidi100", "aftership", "17track")


def provider_secret(provider: str) -> str | None:
    account = ProviderAccount.objects.filter(provider=provider).first()
    return account.secret if account else None


@transaction.atomic
def set_provider_secret(provider: str, secret: str, actor=None) -> None:  # type: ignore[no-untyped-def]
    account, _ = ProviderAccount.objects.update_or_create(
        provider=provider, defaults={"secret": secret}
    )
    record_audit(actor, "provider.secret_set", account)
