"""Rotation of the customer-data keys: put a new key first, re-encrypt every stored value."""

from dataclasses import dataclass

from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from parcelops.core import crypto
from parcelops.core.fields import EncryptedJSONField, EncryptedTextField


@dataclass(frozen=True)
class RotationResult:
    values: int
    new_key_added: bool


def encrypted_columns() -> list[tuple[str, str, str]]:
    """(table, primary-key column, encrypted column) for every encrypted field."""
    columns = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField | EncryptedJSONField):
                pk_column = model._meta.pk.column  # type: ignore[union-attr]
                assert pk_column is not None
                assert field.column is not None
                columns.append((model._meta.db_table, pk_column, field.column))
    return columns


def add_new_key_to_file() -> bool:
    """Put a fresh key in front of the key file; False when keys come from the environment."""
    if settings.PARCELOPS_DATA_KEYS:
        return False
    path = settings.DATA_DIR / crypto.KEYS_FILE
    keys = crypto.configured_data_keys()
    path.write_text("\n".join([Fernet.generate_key().decode(), *keys]) + "\n")
    crypto.reset_key_cache()
    return True


def reencrypt_all(chunk_size: int = 1000) -> int:
    """Re-encrypt every encrypted value under the newest key; returns how many were rewritten.

    Raw SQL on purpose: the ORM's encrypted fields decrypt on read and encrypt on write,
    while rotation must move the stored token itself, row by row, in bounded chunks.
    """
    count = 0
    quote = connection.ops.quote_name
    for table, pk_column, column in encrypted_columns():
        last_pk = 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {quote(pk_column)}, {quote(column)} FROM {quote(table)} "  # noqa: S608 (names come from model metadata)
                    f"WHERE {quote(pk_column)} > %s ORDER BY {quote(pk_column)} LIMIT %s",
                    [last_pk, chunk_size],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                updates = [(crypto.reencrypt(value), pk) for pk, value in rows if value]
                cursor.executemany(
                    f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk_column)} = %s",  # noqa: S608
                    updates,
                )
                count += len(updates)
                last_pk = rows[-1][0]
    return count


def rotate_data_keys(*, add_key: bool = True) -> RotationResult:
    added = add_new_key_to_file() if add_key else False
    return RotationResult(values=reencrypt_all(), new_key_added=added)


def undecryptable_sample(per_column: int = 20) -> list[str]:
    """The oldest and newest `per_column` values of every encrypted column that the
    configured keys do not decrypt, as "table.column #pk": proof, after a restore or
    with a new set of keys, that the keys open the customer data without reading it all.

    Raw SQL for the same reason as reencrypt_all: the stored token, not the plaintext.
    """
    failures = []
    quote = connection.ops.quote_name
    for table, pk_column, column in encrypted_columns():
        seen = set()
        for order in ("ASC", "DESC"):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {quote(pk_column)}, {quote(column)} FROM {quote(table)} "  # noqa: S608 (names come from model metadata)
                    f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> '' "
                    f"ORDER BY {quote(pk_column)} {order} LIMIT %s",
                    [per_column],
                )
                rows = cursor.fetchall()
            for pk, value in rows:
                if pk in seen:
                    continue
                seen.add(pk)
                try:
                    crypto.decrypt(value)
                except crypto.DecryptionError:
                    failures.append(f"{table}.{column} #{pk}")
    return failures
