"""Writing to the outbox and sending what is due; the console's alerts.

The guarantee: each idempotency key is sent at most once, and a send the mail server
refused is retried (parcelops.outbox.rules: five tries, then failed, visible and retried
by hand).

- `queue_email` writes the message in the caller's transaction, so the change and its
  message commit together or not at all; the unique key makes a second queue of the same
  change write nothing. Sending is asked for right after the commit, and the worker's
  run every minute sends whatever that call missed (a restart, a queue that was down).
- `send_due` claims one due message at a time in a short transaction of its own: it picks
  the row (SKIP LOCKED on PostgreSQL, so workers pass over each other's rows; on SQLite the
  IMMEDIATE transaction holds the writers' lock) and marks it sent with a conditional
  UPDATE (still pending, the same attempt count), then commits, and only then hands it to
  the mail backend. No later run and no other worker picks a claimed message again. An
  error from the backend puts it back to pending with the next try's time (or failed);
  success records `sent_at`.
- The price of at most once: a worker that dies between its claim and the backend's
  answer leaves the message sent without `sent_at`. It is never sent again by itself; the
  outbox page lists it as unconfirmed for a person to check. (A mail server that took the
  message but whose answer was lost is an error SMTP cannot tell from a refusal: that one
  message may arrive twice.)
- The claim commits before the mail server is spoken to, never after: holding the
  transaction across SMTP would, on SQLite, keep every writer (ingestion included)
  waiting as long as the server takes.
"""

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.core.clock import now as clock_now
from parcelops.core.crypto import DecryptionError
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.core.sqlsets import IGNORE_CONFLICTS, insert_objects, unsaved, values_in
from parcelops.outbox import rules
from parcelops.outbox.models import Alert, OutboxMessage

logger = logging.getLogger(__name__)

State = OutboxMessage.State
KEY_LENGTH = 200  # the idempotency_key columns
SUBJECT_LENGTH = 300
ALERT_TEXT_LENGTH = 300
ERROR_LENGTH = 1000  # enough for a mail server's reply, not a page of traceback
EMAIL_KEY_SUFFIX = ":email"
ENCRYPTED_FIELDS = ("to_address", "body")


def _send_soon() -> None:
    # Imported here: the task module imports this one.
    from parcelops.outbox.tasks import send_outbox

    send_outbox()


def _send_after_commit() -> None:
    # Once per transaction: one run sends every message it queued (a sweep that breaches a
    # thousand cases queues one task, not a thousand). Django keeps the callbacks waiting
    # for the commit as (savepoints, function, robust); one undone with its savepoint is
    # gone from the list, so a later message asks again.
    waiting = getattr(transaction.get_connection(), "run_on_commit", [])
    if any(entry[1] is _send_soon for entry in waiting):
        return
    # Robust: the change is committed by then, and a task queue that is down must not turn
    # it into an error page; the worker's run each minute sends the message anyway.
    transaction.on_commit(_send_soon, robust=True)


def _check_key(key: str, room: int = 0) -> None:
    if not key or len(key) + room > KEY_LENGTH:
        raise ValueError(f"an idempotency key of 1 to {KEY_LENGTH - room} characters: {key!r}")


def is_valid_address(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def queue_email(
    *,
    key: str,
    kind: str,
    to_address: str,
    subject: str,
    body: str,
    user: User | None = None,
    language: str = "zh-hans",
    ref: str = "",
) -> OutboxMessage | None:
    """One email to send, written in the caller's transaction; None when a message with
    this key was queued before (nothing is written, the caller's transaction goes on)."""
    _check_key(key)
    address = to_address.strip()
    if not is_valid_address(address):
        raise InputError([FieldError("to_address", _("Enter a valid email address."))])
    moment = clock_now()
    message = OutboxMessage(
        idempotency_key=key,
        kind=kind,
        recipient_user=user,
        to_address=address,
        # One line: a line break in a header is refused by the mail backend, on every try.
        subject=" ".join(subject.split())[:SUBJECT_LENGTH],
        body=body,
        language=language,
        ref=ref,
        state=State.PENDING,
        next_attempt_at=moment,
        created_at=moment,
    )
    if not _insert_once(message, OutboxMessage, key):
        return None
    _send_after_commit()
    return message


def _insert_once(row: OutboxMessage | Alert, model: Any, key: str) -> bool:
    """Insert the row unless its key exists: False then, with the caller's transaction
    intact (the failed INSERT is undone to a savepoint of its own)."""
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        if not model.objects.filter(idempotency_key=key).exists():
            raise  # another constraint: a real error
        return False
    return True


def _alert_email(text: str, link: str) -> tuple[str, str]:
    """One alert's email: its subject and body."""
    lines = [text, ""]
    if link:
        lines += [settings.PARCELOPS_SITE_URL.rstrip("/") + link, ""]
    lines.append("ParcelOps")
    return f"[ParcelOps] {text}", "\n".join(lines)


def alert(
    user: User, *, key: str, kind: str, text: str, link: str = "", email: bool = True
) -> Alert | None:
    """A console alert for one person, once per key (None when it exists), and, when
    `email` and the person has a valid address, the same by email (key + ":email")."""
    _check_key(key, room=len(EMAIL_KEY_SUFFIX))
    record = Alert(
        user=user,
        idempotency_key=key,
        kind=kind,
        text=text[:ALERT_TEXT_LENGTH],
        link=link,
        created_at=clock_now(),
    )
    if not _insert_once(record, Alert, key):
        return None
    if email and user.email:
        if is_valid_address(user.email):
            subject, body = _alert_email(text, link)
            queue_email(
                key=key + EMAIL_KEY_SUFFIX,
                kind=kind,
                to_address=user.email,
                subject=subject,
                body=body,
                user=user,
                language=settings.LANGUAGE_CODE,
            )
        else:  # an alert must not fail the case that raised it; the console still shows it
            logger.warning("alert %s: %s has no valid email address", key, user.get_username())
    return record


class AlertRequest(NamedTuple):
    """One console alert of `alert_many`: the same fields as `alert`'s."""

    user: User
    key: str
    kind: str
    text: str
    link: str = ""


def alert_many(requests: Sequence[AlertRequest], *, email: bool = True) -> list[Alert]:
    """`alert` for many people or changes at once (a sweep breaching hundreds of cases):
    one query for the keys stored already, one insert of the new alerts, one of their
    emails, instead of a savepoint and an insert or two each. The new alerts (those whose
    key was not stored when read), in the order asked; each key once, as with `alert`."""
    for request in requests:
        _check_key(request.key, room=len(EMAIL_KEY_SUFFIX))
    wanted = {request.key: request for request in requests}  # a repeated key: the first
    stored = set(
        Alert.objects.filter(idempotency_key__in=values_in(wanted, "text")).values_list(
            "idempotency_key", flat=True
        )
    )
    moment = clock_now()
    new = [(key, request) for key, request in wanted.items() if key not in stored]
    records = [
        unsaved(
            Alert,
            user_id=request.user.pk,  # by id: assigning the user costs more than the row
            idempotency_key=key,
            kind=request.kind,
            text=request.text[:ALERT_TEXT_LENGTH],
            link=request.link,
            created_at=moment,
        )
        for key, request in new
    ]
    # A writer that stored one of these keys since the read above wins (as `alert`'s
    # unique key does); its email is keyed alike, so it is not queued twice either (a
    # digest holding it may name it once more).
    insert_objects(records, on_conflict=IGNORE_CONFLICTS)
    if email:
        messages = _alert_emails(records, [pair[1].user for pair in new], moment)
        if messages:
            insert_objects(messages, on_conflict=IGNORE_CONFLICTS)
            _send_after_commit()
    return records


DIGEST_FROM = 2  # this many alerts for one person in one call: one email lists them all
DIGEST_LISTED = 30  # the alerts a digest lists; the rest are counted, and on the alerts page


def _alert_emails(records: list[Alert], users: list[User], moment: datetime) -> list[OutboxMessage]:
    """The emails of `alert_many`'s new alerts: a person with one gets it as `alert` sends
    it; a person with several (a sweep assigning hundreds of cases to the one person on
    shift) gets one digest listing them, not hundreds of emails in a minute. A digest is
    keyed by the keys it holds, so the same alerts are never emailed twice either."""
    mine: dict[int, tuple[User, list[Alert]]] = {}
    valid: dict[str, bool] = {}  # each person's address checked once, not once an alert
    for record, user in zip(records, users, strict=True):
        if not user.email:
            continue
        if user.email not in valid:
            valid[user.email] = is_valid_address(user.email)
        if not valid[user.email]:
            logger.warning(
                "alert %s: %s has no valid email address",
                record.idempotency_key,
                user.get_username(),
            )
            continue
        mine.setdefault(user.pk, (user, []))[1].append(record)
    messages = []
    for user, alerts in mine.values():
        if len(alerts) < DIGEST_FROM:
            key, kind = alerts[0].idempotency_key, alerts[0].kind
            subject, body = _alert_email(alerts[0].text, alerts[0].link)
        else:
            keys = "\n".join(alert.idempotency_key for alert in alerts)
            key = f"digest:{user.pk}:{hashlib.sha256(keys.encode()).hexdigest()[:40]}"
            kinds = {alert.kind for alert in alerts}
            kind = kinds.pop() if len(kinds) == 1 else "digest"
            subject, body = _digest(alerts)
        messages.append(
            OutboxMessage(
                idempotency_key=key + EMAIL_KEY_SUFFIX,
                kind=kind,
                recipient_user_id=user.pk,
                to_address=user.email.strip(),
                subject=" ".join(subject.split())[:SUBJECT_LENGTH],
                body=body,
                language=settings.LANGUAGE_CODE,
                state=State.PENDING,
                next_attempt_at=moment,
                created_at=moment,
            )
        )
    return messages


def _digest(alerts: list[Alert]) -> tuple[str, str]:
    """A digest's subject and body, in the site's language: the first DIGEST_LISTED
    alerts with their links, then how many more the alerts page holds."""
    site = settings.PARCELOPS_SITE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        count = len(alerts)
        subject = "[ParcelOps] " + ngettext(
            "%(count)d new alert: %(first)s",
            "%(count)d new alerts, the first: %(first)s",
            count,
        ) % {"count": count, "first": alerts[0].text}
        lines = [
            ngettext("%(count)d new alert", "%(count)d new alerts", count) % {"count": count},
            "",
        ]
        for alert in alerts[:DIGEST_LISTED]:
            lines.append("- " + alert.text)
            if alert.link:
                lines.append("  " + site + alert.link)
        if count > DIGEST_LISTED:
            lines += ["", _("… and %(count)d more.") % {"count": count - DIGEST_LISTED}]
        lines += ["", _("All your alerts: %(link)s") % {"link": site + "/alerts/"}, "", "ParcelOps"]
    return subject, "\n".join(lines)


# --- sending --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendCounts:
    sent: int = 0
    failed: int = 0  # out of tries this run: now failed
    retried: int = 0  # refused this run, tried again later


def _claim_next_due(moment: datetime) -> tuple[bool, OutboxMessage | None]:
    """Whether a message was due, and the one claimed: marked sent and committed (None
    when the row picked was taken by someone else after all: look again)."""
    with transaction.atomic(durable=True):
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            # Claimed without its encrypted columns: a row this process's keys cannot open
            # is claimed, and then skipped as a failed try, instead of failing the run.
            .defer(*ENCRYPTED_FIELDS)
            .filter(state=State.PENDING, next_attempt_at__lte=moment)
            .order_by("next_attempt_at", "id")
            .first()
        )
        if message is None:
            return False, None
        # Conditional, besides the row lock: a database without SKIP LOCKED, or a run that
        # read the row before another claimed it, changes nothing here.
        claimed = OutboxMessage.objects.filter(
            pk=message.pk, state=State.PENDING, attempts=message.attempts
        ).update(state=State.SENT)
        if not claimed:
            return True, None
    message.state = State.SENT
    return True, message


def _deliver(message: OutboxMessage, connection: Any) -> None:
    email = mail.EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        connection=connection,
    )
    if email.send() != 1:
        raise RuntimeError("the mail backend accepted no message")


def _record_failure(message: OutboxMessage, error: Exception, at: datetime) -> bool:
    """Back to pending with the next try's time, or failed; True when it will be retried."""
    failed_attempts = message.attempts + 1
    next_attempt_at = rules.next_attempt_after_failure(failed_attempts, at)
    reason = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    logger.warning(
        "outbox message %s (%s) not sent, try %d: %s",
        message.pk,
        message.kind,
        failed_attempts,
        reason,
    )
    OutboxMessage.objects.filter(pk=message.pk, state=State.SENT, sent_at__isnull=True).update(
        state=State.PENDING if next_attempt_at else State.FAILED,
        attempts=failed_attempts,
        next_attempt_at=next_attempt_at,
        last_error=reason,
    )
    return next_attempt_at is not None


def _close_quietly(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # a broken connection may fail to close; it is dropped anyway
        logger.info("the mail connection did not close cleanly", exc_info=True)


def send_due(now: datetime | None = None, *, limit: int = 100) -> SendCounts:
    """Send up to `limit` messages due at `now` (default: the clock's time at each one);
    never inside a transaction (each claim commits before its send)."""
    sent = failed = retried = 0
    connection = mail.get_connection()
    is_open = False
    try:
        for _turn in range(limit):
            at = now if now is not None else clock_now()
            is_due, message = _claim_next_due(at)
            if not is_due:
                break
            if message is None:
                continue
            try:
                message.refresh_from_db(fields=ENCRYPTED_FIELDS)
            except DecryptionError as error:
                # Keys rotated under a process that still runs with the old set: this row
                # waits for the next try (by then restarted), the others go out now.
                if _record_failure(message, error, at):
                    retried += 1
                else:
                    failed += 1
                continue
            try:
                if not is_open:
                    connection.open()  # one connection for the whole run, not one per message
                    is_open = True
                _deliver(message, connection)
            except Exception as error:  # any refusal is the message's, not the loop's
                if is_open:  # a connection that failed once is not trusted for the next message
                    _close_quietly(connection)
                    is_open = False
                if _record_failure(message, error, at):
                    retried += 1
                else:
                    failed += 1
                continue
            OutboxMessage.objects.filter(pk=message.pk).update(sent_at=at)
            sent += 1
    finally:
        if is_open:
            _close_quietly(connection)
    return SendCounts(sent=sent, failed=failed, retried=retried)


@transaction.atomic
def retry_message(message: OutboxMessage, actor: Actor) -> OutboxMessage:
    """A failed message goes back to pending, due now, with a fresh set of tries."""
    require_permission(actor, roles.VIEW_OUTBOX)
    current = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if current.state != State.FAILED:
        raise ActionError(_("Only a message that failed can be sent again."))
    failed_attempts = current.attempts
    current.state = State.PENDING
    current.attempts = 0
    current.next_attempt_at = clock_now()
    current.save(update_fields=["state", "attempts", "next_attempt_at"])
    record_audit(
        actor,
        "outbox.retried",
        current,
        before={"state": State.FAILED.value, "attempts": failed_attempts},
        after={"state": State.PENDING.value, "attempts": 0},
        detail={"kind": current.kind, "failed_attempts": failed_attempts},
    )
    _send_after_commit()
    return current


# --- the console's alerts ---------------------------------------------------------------------


def mark_alerts_read(user: User, ids: list[int] | None = None) -> int:
    """Mark the person's unread alerts read (all, or those of `ids`); how many changed."""
    unread = Alert.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=clock_now())


def unread_count(user: User) -> int:
    """One COUNT over the (user, read_at) index."""
    return Alert.objects.filter(user=user, read_at__isnull=True).count()
