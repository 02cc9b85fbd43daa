"""The /metrics page for Prometheus: the counters every process recorded
(parcelops.core.metrics) and the gauges read from the database and the queue as it is
scraped. Served only to a bearer token (PARCELOPS_METRICS_TOKEN) or to an allowed
address (PARCELOPS_METRICS_ALLOW) that reached the node without a proxy in between."""

import hmac
import ipaddress
import logging

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from huey.contrib import djhuey

from parcelops.core import metrics
from parcelops.core.task_context import queue_state
from parcelops.exceptions.kinds import CaseState, Severity
from parcelops.exceptions.models import Case

logger = logging.getLogger(__name__)

# A proxy in front adds one of these: its own address is then the one the node sees, and
# an allow-list of 127.0.0.1 would let the whole internet through a proxy on the node.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")

GAUGES = {
    f.name: f
    for f in (
        metrics.Family(
            "parcelops_task_queue_up",
            metrics.GAUGE,
            "1 when the task queue's storage (Redis or the SQLite file) answers, else 0.",
        ),
        metrics.Family(
            "parcelops_task_queue_depth",
            metrics.GAUGE,
            "Tasks waiting in the queue for a worker.",
        ),
        metrics.Family(
            "parcelops_task_queue_oldest_age_seconds",
            metrics.GAUGE,
            "How long the next task to be taken has waited in the queue.",
        ),
        metrics.Family(
            "parcelops_open_cases",
            metrics.GAUGE,
            "Open exception cases, by severity.",
            ("severity",),
        ),
        metrics.Family(
            "parcelops_metrics_store_up",
            metrics.GAUGE,
            "1 when the shared counters (Redis or the metrics file) could be read, else 0.",
        ),
    )
}


def has_valid_token(request: HttpRequest) -> bool:
    expected = settings.PARCELOPS_METRICS_TOKEN
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not sent:
        return False
    return hmac.compare_digest(sent.strip().encode(), expected.encode())


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in settings.PARCELOPS_METRICS_ALLOW.split(","):
        if entry.strip():
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
    return networks


def is_allowed_address(request: HttpRequest) -> bool:
    if any(request.META.get(header) for header in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in allowed_networks())


def gauge_lines() -> list[str]:
    lines: list[str] = []
    try:
        queue = queue_state(djhuey.HUEY)
    except Exception:
        logger.exception("metrics: the task queue does not answer")
        queue = None
    for name in ("parcelops_task_queue_up", "parcelops_task_queue_depth"):
        lines += metrics.family_header(GAUGES[name])
        if name == "parcelops_task_queue_up":
            lines.append(metrics.sample_line(name, (), 0 if queue is None else 1))
        elif queue is not None:
            lines.append(metrics.sample_line(name, (), queue.depth))
    lines += metrics.family_header(GAUGES["parcelops_task_queue_oldest_age_seconds"])
    if queue is not None:
        lines.append(
            metrics.sample_line(
                "parcelops_task_queue_oldest_age_seconds", (), round(queue.oldest_age_seconds, 3)
            )
        )
    # One grouped count over the open cases' index; every severity listed, zero or not.
    open_counts = dict(
        Case.objects.filter(state=CaseState.OPEN)
        .values_list("severity")
        .annotate(Count("id"))
        .order_by()
    )
    lines += metrics.family_header(GAUGES["parcelops_open_cases"])
    for severity in Severity.values:
        lines.append(
            metrics.sample_line(
                "parcelops_open_cases", [("severity", severity)], open_counts.get(severity, 0)
            )
        )
    return lines


def metrics_page(request: HttpRequest) -> HttpResponse:
    if not (has_valid_token(request) or is_allowed_address(request)):
        if settings.PARCELOPS_METRICS_TOKEN:
            refused = HttpResponse("a valid bearer token is needed\n", status=401)
            refused["WWW-Authenticate"] = 'Bearer realm="metrics"'
        else:
            refused = HttpResponse("not an allowed address\n", status=403)
        refused["Content-Type"] = "text/plain; charset=utf-8"
        return refused
    try:
        totals = metrics.shared_totals()
        store_up = 1
    except Exception:
        logger.exception("metrics: the shared counters cannot be read")
        totals, store_up = {}, 0
    lines = metrics.exposition(totals)
    lines += gauge_lines()
    lines += metrics.family_header(GAUGES["parcelops_metrics_store_up"])
    lines.append(metrics.sample_line("parcelops_metrics_store_up", (), store_up))
    response = HttpResponse("\n".join(lines) + "\n", content_type=metrics.CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
