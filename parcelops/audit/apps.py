from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "parcelops.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from parcelops.audit.canary import seal_after_migrate

        # Once per migrate (sent for each app; this sender only): the first migrate of a
        # fresh database seals the key canary under the keys it was created with.
        post_migrate.connect(seal_after_migrate, sender=self, dispatch_uid="audit.key_canary")
