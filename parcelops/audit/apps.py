from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "parcelops.audit"
    label = "audit"
    verbose_name = "Audit trail"
