from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles_after_migrate(sender, **kwargs):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Permission

    from parcelops.accounts.actions import sync_role_groups

    # Permissions are created app by app after migrate; the last app's call succeeds.
    try:
        sync_role_groups()
    except Permission.DoesNotExist:
        return


class AccountsConfig(AppConfig):
    name = "parcelops.accounts"
    label = "accounts"
    verbose_name = "Staff and roles"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="parcelops-sync-roles")
