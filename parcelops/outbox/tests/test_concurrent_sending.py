"""Workers sending at once never send one message twice. Only PostgreSQL runs them truly in
parallel (SKIP LOCKED); SQLite's writers' lock serialises the claims."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection

from parcelops.outbox import actions
from parcelops.outbox.models import OutboxMessage

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers, so senders never race there "
    "(CI runs the suite on both; set DATABASE_URL=postgres://... to run it)",
)

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
WORKERS = 4
MESSAGES = 60


@pytest.mark.django_db(transaction=True)
def test_workers_sending_at_once_send_each_message_exactly_once(monkeypatch):
    # Queued without the after-commit send (which, with Huey inline in tests, would send
    # each one before the workers start).
    monkeypatch.setattr(actions, "_send_soon", lambda: None)
    with time_machine.travel(T0, tick=False):
        for index in range(MESSAGES):
            actions.queue_email(
                key=f"k{index}", kind="case.warned", to_address=f"p{index}@shop.example",
                subject=f"message {index}", body="b",
            )  # fmt: skip
    barrier = threading.Barrier(WORKERS)
    results: list[actions.SendCounts | Exception | None] = [None] * WORKERS

    def work(slot: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[slot] = actions.send_due(T0 + timedelta(minutes=1), limit=MESSAGES)
        except Exception as error:  # kept and asserted below, never lost in the thread
            results[slot] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    counts = [result for result in results if isinstance(result, actions.SendCounts)]
    assert len(counts) == WORKERS, results
    assert sum(count.sent for count in counts) == MESSAGES
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == sorted(f"message {index}" for index in range(MESSAGES))
    assert OutboxMessage.objects.filter(state="sent", sent_at__isnull=False).count() == MESSAGES
