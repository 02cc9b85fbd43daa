"""The outbox's tests send through Django's in-memory backend, and can make it refuse."""

import smtplib
from datetime import UTC, datetime

import pytest
from django.core.mail.backends import locmem

from parcelops.outbox.models import OutboxMessage


@pytest.fixture(autouse=True)
def _memory_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "ParcelOps <desk@shop.example>"
    settings.PARCELOPS_SITE_URL = "https://ops.shop.example"


class MailServer:
    """Switch the in-memory backend between accepting and refusing every message."""

    def __init__(self, monkeypatch):
        self._monkeypatch = monkeypatch

    def refuse(self, reply: str = "451 4.3.0 Mail server temporarily rejected message") -> None:
        def send_messages(backend, messages):
            raise smtplib.SMTPDataError(451, reply)

        self._monkeypatch.setattr(locmem.EmailBackend, "send_messages", send_messages)

    def accept(self) -> None:
        self._monkeypatch.undo()


@pytest.fixture
def mail_server(monkeypatch):
    return MailServer(monkeypatch)


@pytest.fixture
def failed_message(db) -> OutboxMessage:
    """What five refused tries leave (written directly: queueing would ask for a send)."""
    return OutboxMessage.objects.create(
        idempotency_key="case:12:notice",
        kind="customer.case_opened",
        to_address="xm.wang@example.com",
        subject="Order PO-1: your parcel is delayed",
        body="Hello",
        ref="exceptions.case:12",
        state="failed",
        attempts=5,
        last_error="SMTPRecipientsRefused: 550 mailbox unavailable",
        created_at=datetime(2026, 11, 24, 23, 0, tzinfo=UTC),
    )
