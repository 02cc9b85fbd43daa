"""The key canary: a known value sealed under the database's keys when it is created, which
every process opens at start before it writes (issue 17, "Keys and secrets").

A node started with keys of its own would otherwise store customer data no other node
can read, and the order list would answer 500 everywhere from then on.
"""

import hashlib
import hmac
import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from parcelops.audit.models import KeyCanary
from parcelops.core import crypto
from parcelops.core.clock import now
from parcelops.core.keys import undecryptable_sample
from parcelops.core.startup import KeyMismatchError

__all__ = ["KeyMismatchError", "canary_problem", "check_canary_at_start", "ensure_canary"]

logger = logging.getLogger(__name__)

KNOWN_VALUE = "parcelops key canary"
SAMPLE_BEFORE_SEALING = 5  # rows per encrypted column checked before a first canary


def _audit_hash() -> str:
    return hmac.new(crypto.audit_key(), KNOWN_VALUE.encode(), hashlib.sha256).hexdigest()


def _has_table(using: str) -> bool:
    connection = connections[using]
    with connection.cursor() as cursor:
        return KeyCanary._meta.db_table in connection.introspection.table_names(cursor)


def ensure_canary(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Seal the canary under the configured keys unless the database has one; True when
    it was written now. A database that holds data already (one migrated before the
    canary existed) gets one only if a sample of its rows opens with these keys."""
    if not _has_table(using) or KeyCanary.objects.using(using).exists():
        return False
    failures = undecryptable_sample(per_column=SAMPLE_BEFORE_SEALING)
    if failures:
        raise KeyMismatchError(
            "the configured PARCELOPS_DATA_KEYS do not decrypt the stored customer data "
            f"({failures[0]}): no key canary was written; start with the keys the data "
            "was written with"
        )
    KeyCanary.objects.using(using).create(
        sealed=KNOWN_VALUE,
        index_hash=crypto.blind_index("canary", KNOWN_VALUE),
        audit_hash=_audit_hash(),
        created_at=now(),
    )
    return True


def canary_problem(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """What is wrong with the configured keys, in one line; None when they open the
    canary (or there is none yet to open: a database not yet migrated)."""
    if not _has_table(using):
        return None
    rows = KeyCanary.objects.using(using).values_list("sealed", "index_hash", "audit_hash")
    try:
        found = rows.first()
    except crypto.DecryptionError:
        return (
            "the configured PARCELOPS_DATA_KEYS do not open this database's key canary: "
            "every node and worker needs the keys the data was written with"
        )
    if found is None:
        return None
    sealed, index_hash, audit_hash = found
    if sealed != KNOWN_VALUE:
        return "this database's key canary holds an unexpected value"
    if index_hash != crypto.blind_index("canary", KNOWN_VALUE):
        return (
            "the configured PARCELOPS_INDEX_KEY is not this database's index key: "
            "searches by phone, email or name would find nothing"
        )
    if not hmac.compare_digest(audit_hash, _audit_hash()):
        return (
            "the configured PARCELOPS_AUDIT_KEY is not this database's audit key: "
            "new audit records would break the chain"
        )
    return None


def check_canary_at_start(using: str = DEFAULT_DB_ALIAS) -> None:
    """Raise KeyMismatchError when the keys do not open the canary. A database that cannot be
    reached is let through with a warning: the process then fails on its first query
    anyway, and the health check says why."""
    try:
        problem = canary_problem(using)
    except DatabaseError as error:
        logger.warning("the key canary could not be checked: %s", error)
        return
    if problem is not None:
        raise KeyMismatchError(problem)


def seal_after_migrate(using: str = DEFAULT_DB_ALIAS, **kwargs: object) -> None:
    """post_migrate: a fresh database gets its canary as soon as its tables exist."""
    ensure_canary(using)
