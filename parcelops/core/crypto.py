"""Encryption of customer data at rest, and blind indexes for exact-match search.

Data keys are Fernet keys, newest first: the first encrypts, all of them decrypt, so a
new key can be put in front and old rows re-encrypted with ``parcelops keys rotate``.
The blind-index key is separate and never rotates, or old rows could not be found.
"""

import hashlib
import hmac
import re
import secrets
import unicodedata
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from parcelops.core.datafiles import read_or_create_secret

KEYS_FILE = "data_keys"
INDEX_KEY_FILE = "index_key"
AUDIT_KEY_FILE = "audit_key"


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


def configured_data_keys() -> list[str]:
    raw = settings.PARCELOPS_DATA_KEYS or read_or_create_secret(
        settings.DATA_DIR / KEYS_FILE, lambda: Fernet.generate_key().decode()
    )
    return [k.strip() for k in re.split(r"[,\s]+", raw) if k.strip()]


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in configured_data_keys()])


@cache
def _index_key() -> bytes:
    raw = settings.PARCELOPS_INDEX_KEY or read_or_create_secret(
        settings.DATA_DIR / INDEX_KEY_FILE, lambda: secrets.token_urlsafe(32)
    )
    return raw.encode()


@cache
def audit_key() -> bytes:
    """The key of the audit chain's HMAC; like the index key it never rotates, or the
    records written under the old key would no longer verify."""
    raw = settings.PARCELOPS_AUDIT_KEY or read_or_create_secret(
        settings.DATA_DIR / AUDIT_KEY_FILE, lambda: secrets.token_urlsafe(32)
    )
    return raw.encode()


def reset_key_cache() -> None:
    """Forget loaded keys (after the key settings or files changed)."""
    _fernet.cache_clear()
    _index_key.cache_clear()
    audit_key.cache_clear()


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("no configured data key decrypts this value") from error


def reencrypt(token: str) -> str:
    """The same plaintext under the newest key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("no configured data key decrypts this value") from error


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    # Mainland numbers come as 138..., 86138..., +86 138...: index all of them alike.
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def normalise_email(email: str) -> str:
    return unicodedata.normalize("NFKC", email).strip().lower()


def blind_index(kind: str, normalised_value: str) -> str:
    """Keyed hash of a normalised value: equal inputs give equal indexes, nothing else leaks."""
    if not normalised_value:
        return ""
    message = f"{kind}:{normalised_value}".encode()
    return hmac.new(_index_key(), message, hashlib.sha256).hexdigest()


def phone_index(phone: str) -> str:
    return blind_index("phone", normalise_phone(phone))


def email_index(email: str) -> str:
    return blind_index("email", normalise_email(email))


def name_index(name: str) -> str:
    return blind_index("name", " ".join(unicodedata.normalize("NFKC", name).split()).lower())
