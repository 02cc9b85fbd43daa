"""One log format for every process (web, gunicorn, the Huey worker, commands): JSON lines,
and the request id that ties a request's lines to the lines of the tasks it queued
(docs/operations.md, "Health, logs and metrics")."""

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from gunicorn.glogging import Logger as GunicornBaseLogger

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only when it is short and plain: it goes into every log line and
# back out in a response header, so nothing that could break either gets through.
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

# The id of the request (or of the task that request queued) this thread is working for;
# "" outside both (a periodic task, a command).
request_id: ContextVar[str] = ContextVar("request_id", default="")

# What every LogRecord carries on its own; anything else on a record is an extra field
# (`logger.info("...", extra={"order": 12})`) and goes into the line under its own name.
STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime"}
)
FIXED_FIELDS = ("ts", "level", "logger", "message", "request_id")
# Django's request logger attaches the request itself, whose text carries the query string
# (a customer's phone digits in a lookup); its path is in the message already.
LEFT_OUT = frozenset({"request"})


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(sent: str | None) -> str:
    """The caller's X-Request-ID when it is acceptable, else a new one."""
    if sent and ACCEPTED_REQUEST_ID.fullmatch(sent):
        return sent
    return new_request_id()


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, with its offset), level, logger, message,
    request_id, then the record's extra fields; a traceback under "exception"."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRIBUTES and key not in FIXED_FIELDS and key not in LEFT_OUT:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # default=str: an extra that JSON cannot hold (a datetime, a model) is written as
        # its text rather than losing the whole line.
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestIdMiddleware:
    """Takes the request's id from X-Request-ID (or makes one), keeps it for the log lines
    and tasks of this request, and sends it back on the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        current = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        token = request_id.set(current)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[REQUEST_ID_HEADER] = current
        return response


class GunicornLogger(GunicornBaseLogger):
    """gunicorn's error and access logs in the same JSON lines (`--logger-class`)."""

    def _set_handler(self, log: logging.Logger, output: Any, fmt: Any, stream: Any = None) -> None:
        super()._set_handler(log, output, JsonLinesFormatter(), stream)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        # The request's own context is gone by now: its id is the one sent back to the caller.
        sent_id = next(
            (value for name, value in resp.headers if name.lower() == "x-request-id"), ""
        )
        self.access_log.info(
            "%s %s %s",
            environ.get("REQUEST_METHOD", "-"),
            environ.get("PATH_INFO", "-"),
            resp.status_code,
            extra={
                "request_id": sent_id,
                "method": environ.get("REQUEST_METHOD", "-"),
                "path": environ.get("PATH_INFO", "-"),
                "status": resp.status_code,
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "bytes": getattr(resp, "sent", None),
                "remote_addr": environ.get("REMOTE_ADDR", "-"),
                "user_agent": environ.get("HTTP_USER_AGENT", ""),
            },
        )
