"""The encrypted model fields: plaintext in Python, Fernet tokens in the database."""

import pytest
from django.db import connection

from parcelops.core import crypto
from parcelops.core.fields import EncryptedJSONField, EncryptedTextField
from parcelops.orders.models import Customer, Order
from parcelops.orders.tests.factories import place_order


def raw_value(table: str, column: str, pk: int) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 (test-only, fixed names)
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_text_field_is_stored_as_a_token_and_read_as_text():
    customer = Customer.objects.create(name="王小明", phone="13812345678", email="")

    stored = raw_value("orders_customer", "name", customer.pk)
    assert stored is not None
    assert stored != "王小明"
    assert crypto.decrypt(stored) == "王小明"
    assert Customer.objects.get(pk=customer.pk).name == "王小明"
    assert list(Customer.objects.values_list("name", "phone", "email")) == [
        ("王小明", "13812345678", "")
    ]


@pytest.mark.django_db
def test_an_empty_text_is_stored_empty_not_encrypted():
    customer = Customer.objects.create(name="Li", phone="", email="")

    assert raw_value("orders_customer", "phone", customer.pk) == ""
    assert Customer.objects.get(pk=customer.pk).phone == ""


@pytest.mark.django_db
def test_an_update_through_the_queryset_is_encrypted_too():
    customer = Customer.objects.create(name="王小明", phone="13812345678")

    Customer.objects.filter(pk=customer.pk).update(phone="13900001111")

    assert "13900001111" not in str(raw_value("orders_customer", "phone", customer.pk))
    assert Customer.objects.get(pk=customer.pk).phone == "13900001111"


def test_a_text_field_reads_none_and_empty_as_they_are():
    field = EncryptedTextField()

    assert field.from_db_value(None, None, connection) is None
    assert field.from_db_value("", None, connection) == ""
    assert field.get_prep_value(None) is None
    assert field.get_prep_value("") == ""
    token = field.get_prep_value(13812345678)
    assert token is not None
    assert crypto.decrypt(token) == "13812345678"


@pytest.mark.django_db
@pytest.mark.usefixtures("channel", "frozen_now")
def test_a_json_document_is_stored_as_one_token_and_read_back_whole():
    order = place_order()

    stored = raw_value("orders_order", "shipping_address", order.pk)
    assert stored is not None
    assert "浙江" not in stored
    assert Order.objects.get(pk=order.pk).shipping_address == {
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "street": "文三路 100 号 5 幢 301",
        "postal_code": "310012",
        "country": "CN",
    }


def test_the_json_field_round_trips_any_document():
    field = EncryptedJSONField()
    document = {"street": "文三路", "floors": [3, 5], "note": None, "gate": True}

    token = field.get_prep_value(document)

    assert token is not None
    assert field.from_db_value(token, None, connection) == document
    assert field.get_prep_value(None) is None
    assert field.from_db_value(None, None, connection) is None
    assert field.from_db_value("", None, connection) is None


def test_the_json_field_reads_json_text_from_forms_and_keeps_other_values():
    field = EncryptedJSONField()

    assert field.to_python('{"city": "杭州市"}') == {"city": "杭州市"}
    assert field.to_python("not json") == "not json"
    assert field.to_python({"city": "杭州市"}) == {"city": "杭州市"}
