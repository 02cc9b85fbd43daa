"""The one log format (JSON lines) and the request id: taken from X-Request-ID or made,
sent back, and carried into the tasks a request queues and their log lines."""

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from gunicorn.config import Config
from huey import MemoryHuey

from parcelops.core import task_context
from parcelops.core.logs import (
    GunicornLogger,
    JsonLinesFormatter,
    RequestIdMiddleware,
    request_id,
)

AT = datetime(2026, 12, 7, 8, 30, 15, 250000, tzinfo=UTC)


def a_record(message="order %s approved", args=("W-1",), **extra):
    record = logging.LogRecord("parcelops.orders", logging.INFO, "x.py", 1, message, args, None)
    record.created = AT.timestamp()
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_a_line_is_one_json_object_with_the_fixed_fields_then_the_extras():
    token = request_id.set("req-42")
    try:
        line = JsonLinesFormatter().format(a_record(order=17, carrier="zto"))
    finally:
        request_id.reset(token)
    assert "\n" not in line
    assert json.loads(line) == {
        "ts": "2026-12-07T08:30:15.250+00:00",
        "level": "INFO",
        "logger": "parcelops.orders",
        "message": "order W-1 approved",
        "request_id": "req-42",
        "order": 17,
        "carrier": "zto",
    }
    assert list(json.loads(line))[:5] == ["ts", "level", "logger", "message", "request_id"]


def test_outside_a_request_the_request_id_is_empty_and_a_traceback_is_one_field():
    try:
        raise ValueError("bad row")
    except ValueError:
        record = a_record("sweep failed", ())
        record.exc_info = __import__("sys").exc_info()
    line = json.loads(JsonLinesFormatter().format(record))
    assert line["request_id"] == ""
    assert line["message"] == "sweep failed"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert line["exception"].endswith("ValueError: bad row")


def test_djangos_request_log_keeps_its_status_and_leaves_the_query_string_out():
    request = RequestFactory().get("/track/order/", {"phone": "13800138000"})
    record = a_record("Not Found: %s", (request.path,), status_code=404, request=request)
    line = json.loads(JsonLinesFormatter().format(record))
    assert line["message"] == "Not Found: /track/order/"
    assert line["status_code"] == 404
    assert "request" not in line
    assert "13800138000" not in json.dumps(line)


def respond_with_id(request):
    return HttpResponse(request_id.get())


def test_the_callers_request_id_is_kept_and_sent_back():
    request = RequestFactory().get("/api/v1/orders", HTTP_X_REQUEST_ID="lb-7f3a.2")
    response = RequestIdMiddleware(respond_with_id)(request)
    assert isinstance(response, HttpResponse)
    assert response["X-Request-ID"] == "lb-7f3a.2"
    assert response.content == b"lb-7f3a.2"
    assert request_id.get() == ""  # gone once the request is answered


@pytest.mark.parametrize("sent", [None, "", "x" * 129, "two words", 'a"b', "line\nbreak"])
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    response = RequestIdMiddleware(respond_with_id)(RequestFactory().get("/", **headers))
    assert isinstance(response, HttpResponse)
    made = response["X-Request-ID"]
    assert made != sent
    assert len(made) == 32
    assert int(made, 16) >= 0
    assert response.content == made.encode()


@pytest.fixture
def huey():
    """A queue that is not run inline: the task waits in it until a worker takes it."""
    queue = MemoryHuey("log-test", immediate=False)
    task_context.install(queue)
    return queue


def run_as_a_worker(huey):
    """Take the next task and run it in a thread of its own, as the consumer does; its
    log records, formatted, are returned."""
    lines: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(JsonLinesFormatter().format(record)))

    handler = Collect()
    logging.getLogger("parcelops.test_task").addHandler(handler)
    try:
        worker = threading.Thread(target=lambda: huey.execute(huey.dequeue()))
        worker.start()
        worker.join()
    finally:
        logging.getLogger("parcelops.test_task").removeHandler(handler)
    return lines


def test_a_task_queued_during_a_request_logs_with_that_requests_id(huey):
    @huey.task()
    def notify(order_number):
        logging.getLogger("parcelops.test_task").warning("notified %s", order_number)

    def view(request):
        notify("W-9")
        return HttpResponse("queued")

    request = RequestFactory().get("/orders/W-9", HTTP_X_REQUEST_ID="req-abc")
    assert RequestIdMiddleware(view)(request)["X-Request-ID"] == "req-abc"
    assert huey.pending_count() == 1

    lines = run_as_a_worker(huey)
    assert [(line["message"], line["request_id"]) for line in lines] == [
        ("notified W-9", "req-abc")
    ]


def test_a_task_scheduled_for_later_keeps_the_requests_id_when_it_comes_due(huey):
    @huey.task()
    def remind(order_number):
        logging.getLogger("parcelops.test_task").warning("reminded %s", order_number)

    due = datetime(2026, 12, 7, 9, 0)  # Huey's clock: naive UTC
    token = request_id.set("req-later")
    try:
        remind.schedule(args=("W-5",), eta=due.replace(tzinfo=UTC))
    finally:
        request_id.reset(token)

    def consumer_steps():
        huey.execute(huey.dequeue(), timestamp=due - timedelta(minutes=1))  # not yet due
        for task in huey.read_schedule(due):  # the scheduler, with no request of its own
            huey.enqueue(task)

    scheduler = threading.Thread(target=consumer_steps)
    scheduler.start()
    scheduler.join()
    lines = run_as_a_worker(huey)
    assert [(line["message"], line["request_id"]) for line in lines] == [
        ("reminded W-5", "req-later")
    ]


def test_a_task_without_a_request_logs_under_its_own_task_id(huey):
    @huey.task()
    def tidy():
        logging.getLogger("parcelops.test_task").warning("tidied")

    result = tidy()
    lines = run_as_a_worker(huey)
    assert [(line["message"], line["request_id"]) for line in lines] == [
        ("tidied", f"task-{result.id}")
    ]


def test_the_task_gets_its_own_arguments_only(huey):
    seen = []

    @huey.task()
    def record(*args, **kwargs):
        seen.append((args, kwargs))

    record(1, carrier="zto")
    run_as_a_worker(huey)
    assert seen == [((1,), {"carrier": "zto"})]


def test_gunicorns_access_and_error_logs_are_json_lines(capsys):
    config = Config()
    config.set("accesslog", "-")
    config.set("errorlog", "-")
    logger = GunicornLogger(config)
    response = SimpleNamespace(
        status_code=201, headers=[("X-Request-ID", "req-9")], sent=57, status="201 Created"
    )
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/orders",
        "QUERY_STRING": "phone=13800000000",
        "REMOTE_ADDR": "10.0.0.4",
        "HTTP_USER_AGENT": "shop/1.0",
    }
    logger.access(
        response, SimpleNamespace(), environ, timedelta(milliseconds=12, microseconds=340)
    )
    logger.error("Worker (pid:%s) was sent SIGKILL!", 4242)
    captured = capsys.readouterr()
    access = json.loads(captured.out)
    assert access.pop("ts").endswith("+00:00")
    assert access == {
        "level": "INFO",
        "logger": "gunicorn.access",
        "message": "POST /api/v1/orders 201",
        "request_id": "req-9",
        "method": "POST",
        "path": "/api/v1/orders",
        "status": 201,
        "duration_ms": 12.3,
        "bytes": 57,
        "remote_addr": "10.0.0.4",
        "user_agent": "shop/1.0",
    }
    error = json.loads(captured.err)
    assert error["logger"] == "gunicorn.error"
    assert error["level"] == "ERROR"
    assert error["message"] == "Worker (pid:4242) was sent SIGKILL!"
