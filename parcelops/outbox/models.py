"""The outbox: every message the product sends (staff alerts by email, customer
notifications), written in the same transaction as the change that causes it and sent
by the worker with retries, at most once per idempotency key; and the console's alerts,
which staff read on any page (the unread count)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parcelops.core.fields import EncryptedTextField


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")  # out of tries: visible, can be retried by hand

    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    # Unique: the same change never sends twice ("case:12:breached:alert:7").
    idempotency_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)  # "case.breached", "customer.case_opened"
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_address = EncryptedTextField()  # a customer's address is customer data
    subject = models.CharField(max_length=300)
    body = EncryptedTextField()
    language = models.CharField(max_length=10, default="zh-hans")
    ref = models.CharField(max_length=60, blank=True)  # "exceptions.case:12"
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="pending"),
                name="outbox_due",
            ),
            models.Index(fields=["state", "created_at"], name="outbox_state"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.state}"


class Alert(models.Model):
    """A console alert for one person: shown in the unread count on every page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Unique: the change that alerts once alerts once.
    idempotency_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "read_at"], name="alert_unread")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
