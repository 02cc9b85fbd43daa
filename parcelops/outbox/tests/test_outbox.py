"""Queueing an email in the caller's transaction, sending it once, retrying refusals on
the schedule, failing after the last try, and sending a failed message again by hand."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.db import transaction

from parcelops.accounts import roles
from parcelops.audit.models import AuditRecord
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.outbox import actions
from parcelops.outbox.actions import SendCounts
from parcelops.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
REPLY = "(451, '451 4.3.0 Mail server temporarily rejected message')"


def queue(key: str = "case:12:notice", **changes) -> OutboxMessage | None:
    fields = {
        "key": key,
        "kind": "customer.case_opened",
        "to_address": "xm.wang@example.com",
        "subject": "订单 PO-1：包裹配送延误",
        "body": "王小明，您好：\n\n您的包裹延误了。",
        "ref": "exceptions.case:12",
    }
    return actions.queue_email(**{**fields, **changes})


def stored(message: OutboxMessage | None) -> OutboxMessage:
    """The message as the database has it now."""
    assert message is not None
    return OutboxMessage.objects.get(pk=message.pk)


@time_machine.travel(T0, tick=False)
def test_a_queued_email_waits_due_now_until_the_worker_sends_it():
    message = queue()

    assert message is not None
    row = stored(message)
    assert (row.state, row.attempts, row.next_attempt_at, row.created_at) == ("pending", 0, T0, T0)
    assert (row.to_address, row.subject, row.ref) == (
        "xm.wang@example.com",
        "订单 PO-1：包裹配送延误",
        "exceptions.case:12",
    )
    assert mail.outbox == []


def test_the_same_key_twice_writes_one_message_and_the_callers_transaction_goes_on():
    with transaction.atomic():
        first = queue()
        second = queue(subject="a second try at the same change")
        # The caller's transaction still works after the refused insert (PostgreSQL would
        # refuse every statement here had the insert not had a savepoint of its own).
        later = User.objects.create_user("written-after")

    assert first is not None
    assert second is None
    assert OutboxMessage.objects.count() == 1
    assert stored(first).subject == "订单 PO-1：包裹配送延误"
    assert User.objects.filter(pk=later.pk).exists()


def test_a_message_queued_in_a_transaction_that_rolls_back_is_not_there():
    def change_that_fails() -> None:
        with transaction.atomic():
            queue()
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()

    assert OutboxMessage.objects.count() == 0


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    "address", ["", "   ", "not-an-address", "a@b", "x@example.com\nBcc: y@z.com"]
)
def test_an_empty_or_invalid_address_is_refused_and_nothing_is_written(address):
    with pytest.raises(InputError) as refused:
        queue(to_address=address)

    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("to_address", "Enter a valid email address.")
    ]
    assert OutboxMessage.objects.count() == 0


def test_a_subject_is_kept_on_one_line():
    message = queue(subject="Case 12\r\nBcc: someone@evil.example   breached")

    assert message is not None
    assert stored(message).subject == "Case 12 Bcc: someone@evil.example breached"


@time_machine.travel(T0, tick=False)
def test_the_message_is_sent_right_after_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = queue()
        assert mail.outbox == []  # nothing leaves before the commit

    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert (sent.subject, sent.body, sent.to, sent.from_email) == (
        "订单 PO-1：包裹配送延误",
        "王小明，您好：\n\n您的包裹延误了。",
        ["xm.wang@example.com"],
        "ParcelOps <desk@shop.example>",
    )
    row = stored(message)
    assert (row.state, row.sent_at, row.attempts, row.last_error) == ("sent", T0, 0, "")


@time_machine.travel(T0, tick=False)
def test_one_transaction_asks_once_for_all_the_messages_it_queued(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for index in range(3):
            queue(f"k{index}")

    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["xm.wang@example.com"] * 3


@time_machine.travel(T0, tick=False)
def test_a_message_after_an_undone_savepoint_still_asks_for_sending(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                queue("undone")
                raise RuntimeError("the inner change failed")
        except RuntimeError:
            pass
        queue("kept")

    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["xm.wang@example.com"]]
    assert list(OutboxMessage.objects.values_list("idempotency_key", "state")) == [("kept", "sent")]


def test_send_due_sends_each_due_message_once_oldest_first():
    with time_machine.travel(T0, tick=False):
        queue("a", subject="first")
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        queue("b", subject="second")
        queue("later", subject="not yet")
    OutboxMessage.objects.filter(idempotency_key="later").update(
        next_attempt_at=T0 + timedelta(minutes=10)
    )

    assert actions.send_due(T0 + timedelta(minutes=1)) == SendCounts(sent=2, failed=0, retried=0)
    assert actions.send_due(T0 + timedelta(minutes=1)) == SendCounts()

    assert [m.subject for m in mail.outbox] == ["first", "second"]
    assert OutboxMessage.objects.get(idempotency_key="later").state == "pending"


@time_machine.travel(T0, tick=False)
def test_send_due_stops_at_its_limit():
    for index in range(3):
        queue(f"k{index}")

    assert actions.send_due(T0 + timedelta(days=1), limit=2) == SendCounts(sent=2)
    assert OutboxMessage.objects.filter(state="pending").count() == 1


def test_a_refused_message_is_tried_again_on_the_schedule_then_fails(mail_server):
    with time_machine.travel(T0, tick=False):
        message = queue()
    mail_server.refuse()
    expected_tries = [
        (T0, T0 + timedelta(minutes=1)),
        (T0 + timedelta(minutes=1), T0 + timedelta(minutes=6)),
        (T0 + timedelta(minutes=6), T0 + timedelta(minutes=36)),
        (T0 + timedelta(minutes=36), T0 + timedelta(minutes=156)),
    ]

    for attempt, (tried_at, next_try) in enumerate(expected_tries, start=1):
        assert actions.send_due(tried_at - timedelta(seconds=1)) == SendCounts()  # not due yet
        assert actions.send_due(tried_at) == SendCounts(retried=1)
        row = stored(message)
        assert (row.state, row.attempts, row.next_attempt_at, row.sent_at) == (
            "pending",
            attempt,
            next_try,
            None,
        )
        assert row.last_error == f"SMTPDataError: {REPLY}"

    assert actions.send_due(T0 + timedelta(minutes=156)) == SendCounts(failed=1)
    row = stored(message)
    assert (row.state, row.attempts, row.next_attempt_at) == ("failed", 5, None)
    assert actions.send_due(T0 + timedelta(days=30)) == SendCounts()
    assert mail.outbox == []


def test_a_refused_message_sends_on_a_later_try(mail_server):
    with time_machine.travel(T0, tick=False):
        message = queue()
    mail_server.refuse()
    actions.send_due(T0)
    mail_server.accept()

    assert actions.send_due(T0 + timedelta(minutes=1)) == SendCounts(sent=1)

    row = stored(message)
    assert (row.state, row.attempts, row.sent_at) == ("sent", 1, T0 + timedelta(minutes=1))
    assert len(mail.outbox) == 1


@time_machine.travel(T0, tick=False)
def test_one_refusal_does_not_stop_the_others(mail_server, monkeypatch):
    queue("a", to_address="refused@example.com")
    queue("b", to_address="fine@example.com")
    real_deliver = actions._deliver

    def deliver(message, connection):
        if message.to_address == "refused@example.com":
            raise ConnectionResetError("connection reset by peer")
        real_deliver(message, connection)

    monkeypatch.setattr(actions, "_deliver", deliver)

    assert actions.send_due(T0 + timedelta(days=1)) == SendCounts(sent=1, retried=1)
    assert [m.to for m in mail.outbox] == [["fine@example.com"]]
    assert OutboxMessage.objects.get(idempotency_key="a").last_error == (
        "ConnectionResetError: connection reset by peer"
    )


@time_machine.travel(T0, tick=False)
def test_a_message_a_worker_claimed_and_never_confirmed_is_not_sent_again():
    message = stored(queue())
    # What a worker that died after its claim, before the mail server answered, leaves.
    OutboxMessage.objects.filter(pk=message.pk).update(state="sent")

    assert actions.send_due(T0 + timedelta(days=1)) == SendCounts()
    assert mail.outbox == []


@time_machine.travel(T0, tick=False)
def test_a_failed_message_is_sent_again_by_hand_and_audited(
    staff, failed_message, django_capture_on_commit_callbacks
):
    message = failed_message

    with django_capture_on_commit_callbacks(execute=True):
        retried = actions.retry_message(message, staff[roles.LOGISTICS_HEAD])

    assert (retried.state, retried.attempts, retried.next_attempt_at) == ("pending", 0, T0)
    row = stored(message)
    assert (row.state, row.sent_at) == ("sent", T0)  # sent right after the commit
    assert len(mail.outbox) == 1
    record = AuditRecord.objects.get(action="outbox.retried")
    assert (record.actor_label, record.object_type, record.object_id) == (
        roles.LOGISTICS_HEAD,
        "outbox.outboxmessage",
        str(message.pk),
    )
    assert record.detail == {"kind": "customer.case_opened", "failed_attempts": 5}


@pytest.mark.usefixtures("english")
def test_only_a_failed_message_can_be_sent_again(staff):
    message = stored(queue())

    with pytest.raises(ActionError, match=r"^Only a message that failed can be sent again\.$"):
        actions.retry_message(message, staff[roles.ADMIN])

    assert stored(message).state == "pending"
    assert not AuditRecord.objects.filter(action="outbox.retried").exists()


@pytest.mark.parametrize("role", [roles.LOGISTICS_STAFF, roles.CS_AGENT, roles.LEADERSHIP])
def test_a_role_without_the_outbox_cannot_send_again(staff, failed_message, role):
    message = failed_message

    with pytest.raises(NotPermittedError):
        actions.retry_message(message, staff[role])

    assert stored(message).state == "failed"


@pytest.mark.django_db(transaction=True)  # no test transaction around it: the check is real
def test_send_due_refuses_to_run_inside_the_callers_transaction():
    """Each claim must commit before its send; inside a transaction it could not."""

    def send_inside_a_transaction() -> None:
        with transaction.atomic():
            actions.send_due(T0)

    with pytest.raises(RuntimeError, match="durable"):
        send_inside_a_transaction()


@time_machine.travel(T0, tick=False)
def test_a_message_the_keys_cannot_open_is_skipped_and_retried_while_the_others_go():
    """Task 17A: keys rotated under a worker that still runs with the old set."""
    from cryptography.fernet import Fernet
    from django.db import connection

    stale = queue("stale", to_address="stale@example.com")
    queue("fine", to_address="fine@example.com")
    other_keys = Fernet(Fernet.generate_key())
    with connection.cursor() as cursor:  # the stored token itself, not through the field
        cursor.execute(
            "UPDATE outbox_outboxmessage SET to_address = %s WHERE idempotency_key = 'stale'",
            [other_keys.encrypt(b"stale@example.com").decode()],
        )

    assert actions.send_due(T0) == SendCounts(sent=1, retried=1)

    assert [m.to for m in mail.outbox] == [["fine@example.com"]]
    assert stale is not None
    row = OutboxMessage.objects.defer("to_address", "body").get(pk=stale.pk)
    assert (row.state, row.attempts, row.next_attempt_at, row.sent_at) == (
        "pending",
        1,
        T0 + timedelta(minutes=1),
        None,
    )
    assert row.last_error == "DecryptionError: no configured data key decrypts this value"
