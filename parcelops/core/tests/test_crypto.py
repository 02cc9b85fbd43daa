"""Customer data is encrypted at rest, found through blind indexes, and survives a key
rotation (R9.1)."""

from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from parcelops.core import crypto
from parcelops.orders.models import Customer, Order
from parcelops.orders.tests.factories import place_order

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
STRANGER_KEY = Fernet.generate_key().decode()


@pytest.fixture
def use_keys(settings):
    """Switch the configured data keys (newest first) for one test, then back."""

    def use(*keys: str) -> None:
        settings.PARCELOPS_DATA_KEYS = ",".join(keys)
        crypto.reset_key_cache()

    yield use
    crypto.reset_key_cache()  # the settings fixture restores the keys after this


# --- encryption at rest -------------------------------------------------------------------

PERSONAL = ["王小明", "13812345678", "xm.wang@example.com", "文三路", "310012", "西湖区"]


@pytest.mark.django_db
@pytest.mark.usefixtures("channel", "frozen_now")
def test_the_database_rows_hold_no_personal_data_in_plain_text():
    order = place_order()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, phone, email, phone_index, email_index, name_index "
            "FROM orders_customer WHERE id = %s",
            [order.customer_id],
        )
        customer_row = cursor.fetchone()
        cursor.execute("SELECT * FROM orders_order WHERE id = %s", [order.pk])
        order_row = cursor.fetchone()

    raw = " ".join(str(value) for value in (*customer_row, *order_row))
    for text in PERSONAL:
        assert text not in raw
    name, phone, email, *indexes = customer_row
    for token in (name, phone, email):
        assert token.startswith("gAAAAA")  # a Fernet token
    assert all(len(index) == 64 for index in indexes)
    customer = Customer.objects.get(pk=order.customer_id)
    assert (customer.name, customer.phone, customer.email) == tuple(PERSONAL[:3])
    address: Any = Order.objects.get(pk=order.pk).shipping_address  # a dict once decrypted
    assert address["street"] == "文三路 100 号 5 幢 301"


def test_the_same_text_encrypts_differently_each_time():
    first, second = crypto.encrypt("13812345678"), crypto.encrypt("13812345678")

    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == "13812345678"


# --- blind indexes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "+86 138 1234 5678",
        "86-138-1234-5678",
        "138 1234 5678",
        "(+86) 138-1234-5678",
        " 8613812345678 ",
    ],
)
def test_phone_numbers_in_any_common_format_have_one_index(phone):
    assert crypto.phone_index(phone) == crypto.phone_index("13812345678")


@pytest.mark.parametrize("other", ["13812345679", "1381234567", "+1 138 1234 5678", ""])
def test_other_phone_numbers_have_other_indexes(other):
    assert crypto.phone_index(other) != crypto.phone_index("13812345678")


@pytest.mark.parametrize(
    "email",
    [
        "xm.wang@example.com",
        "XM.Wang@Example.COM",
        "  xm.wang@example.com ",
        "ｘｍ.wang@example.com",
    ],
)
def test_emails_are_normalised_before_indexing(email):
    assert crypto.normalise_email(email) == "xm.wang@example.com"
    assert crypto.email_index(email) == crypto.email_index("xm.wang@example.com")


def test_names_are_indexed_ignoring_case_and_spacing():
    assert crypto.name_index("  Wang   Xiaoming ") == crypto.name_index("wang xiaoming")
    assert crypto.name_index("王小明") != crypto.name_index("王小")


def test_an_empty_value_has_an_empty_index():
    assert crypto.phone_index("") == crypto.email_index(" ") == crypto.name_index("") == ""


def test_indexes_of_different_kinds_differ_for_the_same_text():
    assert crypto.blind_index("phone", "123456") != crypto.blind_index("email", "123456")


def test_the_index_depends_on_the_index_key(settings):
    before = crypto.phone_index("13812345678")
    settings.PARCELOPS_INDEX_KEY = "another-index-key"
    crypto.reset_key_cache()
    try:
        assert crypto.phone_index("13812345678") != before
    finally:
        crypto.reset_key_cache()  # the settings fixture restores the key after this


def test_the_index_does_not_change_when_the_data_keys_rotate(use_keys):
    use_keys(OLD_KEY)
    before = crypto.phone_index("13812345678")

    use_keys(NEW_KEY, OLD_KEY)

    assert crypto.phone_index("13812345678") == before


# --- key rotation -------------------------------------------------------------------------


def test_a_new_key_in_front_encrypts_and_the_old_one_still_decrypts(use_keys):
    use_keys(OLD_KEY)
    old_token = crypto.encrypt("13812345678")

    use_keys(NEW_KEY, OLD_KEY)

    assert crypto.decrypt(old_token) == "13812345678"
    new_token = crypto.encrypt("13812345678")
    assert Fernet(NEW_KEY.encode()).decrypt(new_token.encode()) == b"13812345678"


def test_reencryption_gives_a_token_the_new_key_alone_decrypts(use_keys):
    use_keys(OLD_KEY)
    old_token = crypto.encrypt("文三路 100 号")
    use_keys(NEW_KEY, OLD_KEY)

    rotated = crypto.reencrypt(old_token)

    use_keys(NEW_KEY)
    assert crypto.decrypt(rotated) == "文三路 100 号"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(old_token)


@pytest.mark.django_db
@pytest.mark.usefixtures("channel", "frozen_now")
def test_stored_rows_survive_a_rotation(use_keys):
    use_keys(OLD_KEY)
    order = place_order()

    use_keys(NEW_KEY, OLD_KEY)

    customer = Customer.objects.get(pk=order.customer_id)
    assert (customer.name, customer.phone) == ("王小明", "13812345678")
    address: Any = Order.objects.get(pk=order.pk).shipping_address  # a dict once decrypted
    assert address["city"] == "杭州市"


def test_a_token_of_an_unknown_key_raises_a_decryption_error(use_keys):
    use_keys(STRANGER_KEY)
    foreign = crypto.encrypt("13812345678")
    use_keys(NEW_KEY, OLD_KEY)

    with pytest.raises(crypto.DecryptionError, match="no configured data key"):
        crypto.decrypt(foreign)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("not a token at all")


def test_keys_may_be_separated_by_commas_spaces_or_newlines(use_keys):
    use_keys(f" {NEW_KEY} ,\n{OLD_KEY}\n")

    assert crypto.configured_data_keys() == [NEW_KEY, OLD_KEY]


def test_without_configured_keys_a_key_file_is_made_once_and_kept_private(settings, tmp_path):
    settings.PARCELOPS_DATA_KEYS = ""
    settings.DATA_DIR = tmp_path
    crypto.reset_key_cache()
    try:
        first = crypto.configured_data_keys()
        second = crypto.configured_data_keys()
        token = crypto.encrypt("secret")
    finally:
        crypto.reset_key_cache()

    assert first == second
    assert len(first) == 1
    assert (tmp_path / crypto.KEYS_FILE).stat().st_mode & 0o777 == 0o600
    assert Fernet(first[0].encode()).decrypt(token.encode()) == b"secret"
