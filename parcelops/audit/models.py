"""The append-only, hash-chained audit trail (R9.1).

Each record's hash covers its own content and the previous record's hash, so editing
or removing any record breaks the chain from that point on. ``AuditHead`` holds the
newest hash and the count, so removing the newest records is detected too.
"""

from django.conf import settings
from django.db import models

from parcelops.core.fields import EncryptedTextField


class AppendOnlyError(Exception):
    """Audit records are never changed or deleted through the application."""


class AuditRecord(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)  # kept if the user is later removed
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    at = models.DateTimeField()
    before_digest = models.CharField(max_length=64, blank=True)
    after_digest = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise AppendOnlyError("audit records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("audit records cannot be deleted")


class AuditHead(models.Model):
    """One row: the hash of the newest record, locked while a record is appended."""

    last_hash = models.CharField(max_length=64)
    record_count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.record_count} records, head {self.last_hash[:12]}"


class KeyCanary(models.Model):
    """One row: a known value sealed under the keys the database was first written with.

    Every process checks at start that its keys open it (parcelops.audit.canary), so a
    node with the wrong keys stops instead of writing data no other node can read.
    """

    # Encrypted like customer data, so `keys rotate` re-encrypts it with everything else.
    sealed = EncryptedTextField()
    index_hash = models.CharField(max_length=64)  # the blind index of the known value
    audit_hash = models.CharField(max_length=64)  # its HMAC under the audit key
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"key canary of {self.created_at:%Y-%m-%d}"
