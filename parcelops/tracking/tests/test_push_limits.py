"""Bodies over their limit: 413 in the sender's own format, naming the limit, and one
warning line in the log instead of a traceback; our documented batch of 10,000 events fits
the default; a chunked body is read, not taken as empty (decision 0025)."""

import hashlib
import io
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from parcelops.core.handlers import (
    BodyTooLargeError,
    ParcelOpsWSGIHandler,
    read_body,
    read_chunked_body,
)
from parcelops.tracking.actions import set_provider_secret
from parcelops.tracking.models import InboundPush
from parcelops.tracking.providers.batch import MAX_EVENTS
from parcelops.tracking.tests.test_push_api import (
    PAYLOADS,
    SALT,
    SECRET,
    kuaidi100_form,
    sign_aftership,
)

pytestmark = pytest.mark.django_db
SEVENTEEN_KEY = "seventeen-key"


@pytest.fixture
def secrets_set(db):
    set_provider_secret("kuaidi100", SALT)
    set_provider_secret("aftership", SECRET)
    set_provider_secret("17track", SEVENTEEN_KEY)


@pytest.fixture
def small_limits(settings):
    settings.PARCELOPS_PUSH_MAX_BYTES = 4000
    settings.PARCELOPS_BATCH_MAX_BYTES = 5000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 3000


def sign_17track(body: bytes) -> str:
    return hashlib.sha256(body + b"/" + SEVENTEEN_KEY.encode()).hexdigest()


def padded(body: bytes, size: int) -> bytes:
    """A JSON object body of at least `size` bytes (a long, harmless extra field)."""
    return body.rstrip()[:-1] + b', "padding": "' + b"x" * size + b'"}'


JSON_PUSHES = [
    ("aftership", "aftership_webhook.json", "aftership-hmac-sha256", sign_aftership),
    ("17track", "seventeentrack_updated.json", "sign", sign_17track),
]


def post_signed(client: Any, path: str, body: bytes, header: str, sign: Any) -> Any:
    """A JSON push to /api/v1/tracking/push/{path}, signed in `header` by `sign`."""
    return client.post(
        f"/api/v1/tracking/push/{path}",
        body,
        content_type="application/json",
        headers={header: sign(body)},
    )


def assert_one_warning_and_no_traceback(caplog, path: str) -> None:
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.levelname, r.getMessage()) for r in lines] == [
        ("WARNING", f"Request Entity Too Large: {path}")
    ]
    assert lines[0].exc_info is None


MESSAGE = "The body is over the limit of {limit} bytes ({setting})."


@pytest.mark.parametrize(
    ("encoding", "padding", "limit", "setting"),
    [
        ("application/x-www-form-urlencoded", 4000, 4000, "PARCELOPS_PUSH_MAX_BYTES"),
        # Django parses a multipart form's fields, under its own limit
        ("multipart/form-data", 2000, 3000, "PARCELOPS_BODY_MAX_BYTES"),
    ],
)
def test_a_kuaidi100_push_over_the_limit_gets_413_in_its_reply_format(
    secrets_set, small_limits, client, english, caplog, encoding, padding, limit, setting
):
    param = padded((PAYLOADS / "kuaidi100_push.json").read_bytes(), padding).decode()
    form = kuaidi100_form(param)
    if encoding == "multipart/form-data":
        response = client.post("/api/v1/tracking/push/kuaidi100", form)
    else:
        response = client.post("/api/v1/tracking/push/kuaidi100", urlencode(form), encoding)

    assert response.status_code == 413
    assert response.json() == {
        "result": False,
        "returnCode": "413",
        "message": MESSAGE.format(limit=limit, setting=setting),
    }
    assert InboundPush.objects.count() == 0
    assert_one_warning_and_no_traceback(caplog, "/api/v1/tracking/push/kuaidi100")


@pytest.mark.parametrize(("path", "payload", "header", "sign"), JSON_PUSHES)
def test_a_json_push_over_the_limit_gets_413_in_our_error_format(
    secrets_set, small_limits, client, english, caplog, path, payload, header, sign
):
    body = padded((PAYLOADS / payload).read_bytes(), 4000)
    response = post_signed(client, path, body, header, sign)

    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {"field": "", "message": MESSAGE.format(limit=4000, setting="PARCELOPS_PUSH_MAX_BYTES")}
        ]
    }
    assert InboundPush.objects.count() == 0
    assert_one_warning_and_no_traceback(caplog, f"/api/v1/tracking/push/{path}")


def test_a_push_just_within_the_limit_is_taken(secrets_set, small_limits, client):
    body = (PAYLOADS / "seventeentrack_updated.json").read_bytes()
    body = padded(body, 4000 - len(padded(body, 0)))
    assert len(body) == 4000

    response = post_signed(client, "17track", body, "sign", sign_17track)

    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert InboundPush.objects.get().body == body.decode()


def test_a_push_larger_than_djangos_own_limit_is_taken_within_the_push_limit(
    secrets_set, settings, client
):
    """A 2.4 MB push (seen in the field) is taken although Django's limit is smaller."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    for path, payload, header, sign in JSON_PUSHES:
        body = padded((PAYLOADS / payload).read_bytes(), 2_400_000)
        response = post_signed(client, path, body, header, sign)
        assert (response.status_code, response.json()) == (200, {"ok": True})
    param = padded((PAYLOADS / "kuaidi100_push.json").read_bytes(), 2_400_000).decode()
    response = client.post(
        "/api/v1/tracking/push/kuaidi100",
        urlencode(kuaidi100_form(param)),
        content_type="application/x-www-form-urlencoded",
    )
    assert (response.status_code, response.json()["result"]) == (200, True)
    assert InboundPush.objects.count() == 3


def test_a_batch_over_the_limit_gets_413_and_stores_nothing(
    small_limits, staff, api, english, caplog
):
    events = [{"carrier": "zto", "tracking_number": "75123456789012", "text": "x" * 6000}]
    response = api(staff["logistics_staff"]).post(
        "/api/v1/tracking/events", orjson.dumps({"events": events}), content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {
                "field": "",
                "message": MESSAGE.format(limit=5000, setting="PARCELOPS_BATCH_MAX_BYTES"),
            }
        ]
    }
    assert_one_warning_and_no_traceback(caplog, "/api/v1/tracking/events")


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/orders", "application/json"),
        ("/api/v1/orders/A-1/shipments", "application/json"),
        ("/api/v1/orders", "application/x-www-form-urlencoded"),
    ],
)
def test_other_api_bodies_over_djangos_limit_get_413_in_our_error_format(
    small_limits, staff, api, english, caplog, path, content_type
):
    body = b'{"channel": "' + b"x" * 4000 + b'"}'
    response = api(staff["admin"]).post(path, body, content_type=content_type)

    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {"field": "", "message": MESSAGE.format(limit=3000, setting="PARCELOPS_BODY_MAX_BYTES")}
        ]
    }
    assert_one_warning_and_no_traceback(caplog, path)


def realistic_batch(count: int) -> bytes:
    """A batch as a warehouse system sends it: every field filled, Chinese texts."""
    start = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    events = [
        {
            "carrier": "zto",
            "tracking_number": f"7512{i:010d}",
            "occurred_at": (start + timedelta(minutes=i)).isoformat(),
            "status": "in_transit",
            "substatus": "departed_facility",
            "raw_code": "DEPART",
            "text": "【杭州市】快件已从杭州转运中心发出，正在发往上海转运中心",
            "location": "浙江省杭州市西湖区",
            "event_id": f"wms-20261124-{i:08d}",
        }
        for i in range(count)
    ]
    return orjson.dumps({"events": events})


def test_the_documented_batch_of_10000_events_fits_the_default_limit(english):
    body = realistic_batch(MAX_EVENTS)

    assert len(body) == 3_390_012  # measured: about 340 bytes an event
    assert len(body) > django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # why the batch has its own
    assert django_settings.PARCELOPS_BATCH_MAX_BYTES == 16 * 1024 * 1024
    assert len(body) * 4 < django_settings.PARCELOPS_BATCH_MAX_BYTES  # room for longer texts
    request = RequestFactory().post(
        "/api/v1/tracking/events", body, content_type="application/json"
    )
    assert read_body(request, django_settings.PARCELOPS_BATCH_MAX_BYTES) == body


def test_a_realistic_batch_over_djangos_limit_is_taken(staff, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    body = realistic_batch(1000)
    assert len(body) > 300_000

    response = api(staff["logistics_staff"]).post(
        "/api/v1/tracking/events", body, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["unmatched"] == 1000


def test_read_body_refuses_by_the_declared_length_before_reading(settings):
    request = RequestFactory().post("/x", b"a" * 100, content_type="text/plain")
    with pytest.raises(BodyTooLargeError) as refused:
        read_body(request, 99)
    assert refused.value.limit == 99
    assert request._read_started is False  # type: ignore[attr-defined] # nothing was read
    assert read_body(request, 100) == b"a" * 100
    assert request.body == b"a" * 100


def wsgi_environ(path: str, body: bytes, **extra: str) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        **extra,
    }


def call(environ: dict) -> tuple[str, bytes]:
    answer: list[str] = []

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        answer.append(status)

    # As Django's test client does: the test's transaction keeps its connection open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = ParcelOpsWSGIHandler()(environ, start_response)
        content = b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer[0], content


@pytest.mark.parametrize("payload", ["seventeentrack_updated.json", "seventeentrack_stopped.json"])
def test_the_wsgi_handler_reads_a_chunked_body(secrets_set, payload):
    """gunicorn undoes the chunking and sets no CONTENT_LENGTH (the real server is in
    tests/server/test_chunked_bodies.py)."""
    body = (PAYLOADS / payload).read_bytes()

    status, content = call(
        wsgi_environ("/api/v1/tracking/push/17track", body, HTTP_SIGN=sign_17track(body))
    )

    assert (status, content) == ("200 OK", b'{"ok":true}')
    assert InboundPush.objects.get().body == body.decode()


def test_a_chunked_body_over_the_limit_is_refused_having_read_one_byte_past_it(
    secrets_set, small_limits, english
):
    body = padded((PAYLOADS / "seventeentrack_updated.json").read_bytes(), 10_000)
    environ = wsgi_environ("/api/v1/tracking/push/17track", body, HTTP_SIGN=sign_17track(body))
    stream = environ["wsgi.input"]

    status, content = call(environ)

    assert status == "413 Request Entity Too Large"
    assert orjson.loads(content) == {
        "errors": [
            {"field": "", "message": MESSAGE.format(limit=4000, setting="PARCELOPS_PUSH_MAX_BYTES")}
        ]
    }
    assert stream.tell() == 5001  # the largest limit (the batch's) and one byte
    assert InboundPush.objects.count() == 0


@hypothesis_settings(max_examples=200, deadline=None)
@given(size=st.integers(0, 300), limit=st.integers(0, 300), declared=st.booleans())
def test_read_body_gives_the_body_within_the_limit_and_refuses_it_beyond(size, limit, declared):
    body = b"x" * size
    environ = wsgi_environ("/x", body)
    if declared:  # by Content-Length; else chunked, read by the handler first
        environ["CONTENT_LENGTH"] = str(size)
        del environ["HTTP_TRANSFER_ENCODING"]
    else:
        read_chunked_body(environ)
    request = WSGIRequest(environ)

    if size <= limit:
        assert read_body(request, limit) == body
        assert request.body == body
    else:
        with pytest.raises(BodyTooLargeError):
            read_body(request, limit)
