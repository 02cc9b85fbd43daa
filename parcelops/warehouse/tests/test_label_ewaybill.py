"""The Kuaidi100 e-waybill provider against a local fake of its documented contract: a
real HTTP server on 127.0.0.1 that checks the form, the signature and the fields, and
answers a number, a bad signature or no balance."""

import hashlib
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from parcelops.accounts import roles
from parcelops.core.errors import ActionError
from parcelops.warehouse.actions import waybills
from parcelops.warehouse.models import NumberRange
from parcelops.warehouse.tests.label_helpers import a_packed_parcel, a_range, a_warehouse

KEY = "testkey123"
SECRET = "testsecret456"


class FakeKuaidi100(BaseHTTPRequestHandler):
    requests: list[dict] = []
    answer: dict = {}

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
        type(self).requests.append(form)
        expected = (
            hashlib.md5((form["param"] + form["t"] + KEY + SECRET).encode(), usedforsecurity=False)
            .hexdigest()
            .upper()
        )
        if form.get("key") != KEY or form.get("sign") != expected:
            body = {"success": False, "code": 503, "message": "验证签名失败"}
        else:
            body = type(self).answer
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def kuaidi100(settings):
    server = HTTPServer(("127.0.0.1", 0), FakeKuaidi100)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeKuaidi100.requests = []
    FakeKuaidi100.answer = {
        "success": True,
        "code": 200,
        "message": "success",
        "data": {"taskId": "T1", "kuaidicom": "zhongtong", "kuaidinum": "78912345678901"},
    }
    settings.PARCELOPS_KUAIDI100_LABEL_URL = f"http://127.0.0.1:{server.server_port}/label/order"
    settings.PARCELOPS_KUAIDI100_KEY = KEY
    settings.PARCELOPS_KUAIDI100_SECRET = SECRET
    settings.PARCELOPS_KUAIDI100_PARTNERS = "zto=ZT-PARTNER:pkey"
    yield FakeKuaidi100
    server.shutdown()
    server.server_close()


@pytest.fixture
def packer(db, channel, staff, frozen_now, english):
    return staff[roles.WAREHOUSE]


def test_a_parcel_gets_its_number_from_kuaidi100_with_a_signed_documented_request(
    kuaidi100, packer
):
    a_range()  # the provider wins over a range for a carrier it serves
    parcel = waybills.assign_waybill(a_packed_parcel(a_warehouse()), packer)
    assert (parcel.waybill_number, parcel.waybill_source) == ("78912345678901", "provider")
    [form] = kuaidi100.requests
    assert form["method"] == "order"
    assert len(form["t"]) == 13
    param = json.loads(form["param"])
    assert param == {
        "printType": "NON",
        "partnerId": "ZT-PARTNER",
        "partnerKey": "pkey",
        "kuaidicom": "zhongtong",
        "recMan": {
            "name": "王小明",
            "mobile": "13812345678",
            "printAddr": "浙江省 杭州市 西湖区 文三路 100 号 5 幢 301 310012",
        },
        "sendMan": {
            "name": "李仓管",
            "mobile": "0571-88886666",
            "printAddr": "浙江省 杭州市 余杭区文一西路 1500 号",
        },
        "cargo": "西湖龙井 250g、玻璃茶杯",
        "count": 1,
        "weight": 1.35,
        "payType": "SHIPPER",
        "expType": "标准快递",
        "remark": parcel.order.number,
    }
    assert NumberRange.objects.get().next_serial == NumberRange.objects.get().first  # untouched


def test_a_bad_signature_is_a_clear_error_and_nothing_is_kept(kuaidi100, packer, settings):
    settings.PARCELOPS_KUAIDI100_SECRET = "wrong"
    parcel = a_packed_parcel(a_warehouse())
    with pytest.raises(ActionError) as refused:
        waybills.assign_waybill(parcel, packer)
    assert str(refused.value) == (
        "Kuaidi100 refused the signature: check PARCELOPS_KUAIDI100_KEY and PARCELOPS_KUAIDI100_SECRET."
    )
    parcel.refresh_from_db()
    assert parcel.waybill_number == ""


def test_no_balance_is_a_clear_error(kuaidi100, packer):
    kuaidi100.answer = {"success": False, "code": 600, "message": "账号无可用电子面单单量"}
    with pytest.raises(ActionError) as refused:
        waybills.assign_waybill(a_packed_parcel(a_warehouse()), packer)
    assert str(refused.value) == (
        "Kuaidi100 has no e-waybill balance for this account (or the key is not valid): "
        "recharge it or use a number range. (账号无可用电子面单单量)"
    )


def test_any_other_refusal_says_the_providers_code_and_message(kuaidi100, packer):
    kuaidi100.answer = {"result": False, "returnCode": "400", "message": "参数错误"}
    with pytest.raises(ActionError, match=r"^Kuaidi100 refused the order: 400 参数错误$"):
        waybills.assign_waybill(a_packed_parcel(a_warehouse()), packer)


def test_an_unreachable_provider_is_a_clear_error(kuaidi100, packer, settings):
    settings.PARCELOPS_KUAIDI100_LABEL_URL = "http://127.0.0.1:9/label/order"
    with pytest.raises(ActionError, match=r"^Kuaidi100 could not be reached"):
        waybills.assign_waybill(a_packed_parcel(a_warehouse()), packer)


def test_a_carrier_without_an_account_takes_its_range(kuaidi100, packer):
    a_range(carrier="yto", first=1, last=100, digits=10)
    parcel = waybills.assign_waybill(a_packed_parcel(a_warehouse(), carrier="yto"), packer)
    assert (parcel.waybill_number, parcel.waybill_source) == ("0000000001", "range")
    assert kuaidi100.requests == []
