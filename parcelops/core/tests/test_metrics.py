"""/metrics: refused without a token or from an address not allowed; the exposition text
parses, with each family under its exact name; counters add up across processes."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from huey import MemoryHuey, RedisHuey

from parcelops.core import metrics, task_context
from parcelops.core.clock import now
from parcelops.exceptions.kinds import CaseSource, CaseState, CaseType, OwnerTier, Severity
from parcelops.exceptions.models import Case
from parcelops.orders.tests.factories import place_order
from parcelops.tracking import actions as tracking_actions
from parcelops.tracking.tests.conftest import carrier_event

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-scrape-token"

FAMILIES = {
    "parcelops_http_requests_total": "counter",
    "parcelops_http_request_duration_seconds": "histogram",
    "parcelops_tracking_pushes_total": "counter",
    "parcelops_tracking_events_total": "counter",
    "parcelops_sweep_duration_seconds": "histogram",
    "parcelops_task_queue_up": "gauge",
    "parcelops_task_queue_depth": "gauge",
    "parcelops_task_queue_oldest_age_seconds": "gauge",
    "parcelops_open_cases": "gauge",
    "parcelops_metrics_store_up": "gauge",
}

# The text format, line by line (https://prometheus.io/docs/instrumenting/exposition_formats/).
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
VALUE = r"(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)"
SAMPLE = re.compile(rf"({NAME})(?:\{{((?:{LABEL})(?:,{LABEL})*)?\}})? ({VALUE})")
HELP = re.compile(rf"# HELP ({NAME}) .+")
TYPE = re.compile(rf"# TYPE ({NAME}) (counter|gauge|histogram|summary|untyped)")


def parse(text: str) -> tuple[dict[str, str], dict[tuple[str, frozenset], float]]:
    """Families with their types, and every sample; fails on any line out of the format,
    on a sample before its family's TYPE, and on a family declared twice."""
    assert text.endswith("\n")
    types: dict[str, str] = {}
    samples: dict[tuple[str, frozenset], float] = {}
    current = None
    for line in text.splitlines():
        if match := TYPE.fullmatch(line):
            assert match[1] not in types, f"{match[1]} declared twice"
            types[match[1]] = match[2]
            current = match[1]
        elif HELP.fullmatch(line):
            continue
        else:
            match = SAMPLE.fullmatch(line)
            assert match, f"not a sample line: {line!r}"
            name = match[1]
            family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
            assert family == current, f"{name} outside its family"
            labels = frozenset(re.findall(r'([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"', match[2] or ""))
            assert (name, labels) not in samples
            samples[(name, labels)] = float(match[3])
    return types, samples


@pytest.fixture(autouse=True)
def _own_totals(settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    settings.REDIS_URL = ""
    settings.PARCELOPS_METRICS_TOKEN = ""
    settings.PARCELOPS_METRICS_ALLOW = "127.0.0.1,::1"
    monkeypatch.setattr("huey.contrib.djhuey.HUEY", MemoryHuey("metrics-test", immediate=False))
    metrics.forget_shared_totals()
    yield
    metrics.forget_shared_totals()


def scrape(remote_addr="127.0.0.1", **headers):
    return Client(REMOTE_ADDR=remote_addr).get("/metrics", **headers)


def test_it_is_refused_from_an_address_not_on_the_allow_list():
    response = scrape("10.0.0.9")
    assert response.status_code == 403
    assert response.content == b"not an allowed address\n"


def test_an_allowed_address_behind_a_proxy_is_refused():
    # The proxy on the node connects from 127.0.0.1 for anyone on the internet.
    response = scrape("127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert response.status_code == 403


def test_with_a_token_set_it_is_refused_without_the_token_or_with_another(settings):
    settings.PARCELOPS_METRICS_TOKEN = TOKEN
    refused = scrape("10.0.0.9")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert scrape("10.0.0.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert scrape("10.0.0.9", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    accepted = scrape("10.0.0.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert accepted.status_code == 200
    assert accepted["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"


def test_an_allowed_network_lets_its_addresses_in(settings):
    settings.PARCELOPS_METRICS_ALLOW = "10.1.0.0/16, 127.0.0.1"
    assert scrape("10.1.200.3").status_code == 200
    assert scrape("10.2.0.1").status_code == 403


def test_the_exposition_parses_with_every_family_under_its_exact_name():
    types, samples = parse(scrape().content.decode())
    assert types == FAMILIES
    assert samples[("parcelops_task_queue_up", frozenset())] == 1
    assert samples[("parcelops_task_queue_depth", frozenset())] == 0
    assert samples[("parcelops_metrics_store_up", frozenset())] == 1


def test_requests_are_counted_by_route_pattern_and_status_and_timed():
    client = Client()
    client.get("/api/v1/health")
    client.get("/api/v1/public/orders/W-404")  # a 404 through a route with a parameter
    client.get("/no/such/page/at/all")
    _, samples = parse(scrape().content.decode())
    requests = {
        dict(labels)["route"] + " " + dict(labels)["status"]: value
        for (name, labels), value in samples.items()
        if name == "parcelops_http_requests_total" and dict(labels)["method"] == "GET"
    }
    assert requests == {
        "/api/v1/health 200": 1,
        "/api/v1/public/orders/<number> 404": 1,
        "<unmatched> 404": 1,
    }
    count = samples[
        (
            "parcelops_http_request_duration_seconds_count",
            frozenset({("route", "/api/v1/health"), ("method", "GET")}),
        )
    ]
    assert count == 1


def test_a_histogram_is_cumulative_with_its_sum_and_count():
    for seconds in (0.05, 0.3, 400.0):
        metrics.observe("parcelops_sweep_duration_seconds", seconds)
    _, samples = parse(scrape().content.decode())
    buckets = {
        dict(labels)["le"]: value
        for (name, labels), value in samples.items()
        if name == "parcelops_sweep_duration_seconds_bucket"
    }
    assert buckets == {
        "0.1": 1,
        "0.5": 2,
        "1": 2,
        "2.5": 2,
        "5": 2,
        "10": 2,
        "30": 2,
        "60": 2,
        "120": 2,
        "300": 2,
        "+Inf": 3,
    }
    assert samples[("parcelops_sweep_duration_seconds_sum", frozenset())] == 400.35
    assert samples[("parcelops_sweep_duration_seconds_count", frozenset())] == 3


def test_counters_from_several_flushes_add_up_in_the_shared_totals():
    metrics.count("parcelops_tracking_events_total", 3, outcome="parked")
    metrics.flush()  # one process's second
    metrics.count("parcelops_tracking_events_total", 4, outcome="parked")
    metrics.count("parcelops_tracking_pushes_total", provider="kuaidi100", outcome="stored")
    metrics.count("parcelops_tracking_events_total", 0, outcome="rejected")  # nothing
    _, samples = parse(scrape().content.decode())
    assert samples[("parcelops_tracking_events_total", frozenset({("outcome", "parked")}))] == 7
    assert (
        "parcelops_tracking_events_total",
        frozenset({("outcome", "rejected")}),
    ) not in samples
    pushes = (
        "parcelops_tracking_pushes_total",
        frozenset({("provider", "kuaidi100"), ("outcome", "stored")}),
    )
    assert samples[pushes] == 1


def test_the_shared_totals_live_in_redis_when_it_is_configured(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/13"
    metrics.forget_shared_totals()
    try:
        metrics.count("parcelops_tracking_events_total", 2, outcome="ingested")
        metrics.flush()
        metrics.count("parcelops_tracking_events_total", 5, outcome="ingested")
        totals = metrics.shared_totals()
        assert totals == {("parcelops_tracking_events_total", ("ingested",), ""): 7}
    finally:
        metrics.forget_shared_totals()


def test_counters_survive_a_store_that_is_down_until_it_is_back(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/13"
    metrics.count("parcelops_tracking_events_total", 2, outcome="duplicate")
    metrics.flush()  # refused: kept
    settings.REDIS_URL = ""
    assert metrics.shared_totals() == {("parcelops_tracking_events_total", ("duplicate",), ""): 2}


def test_the_queue_gauges_show_its_depth_and_the_age_of_the_oldest_task(monkeypatch, time_machine):
    queue = MemoryHuey("metrics-queue", immediate=False)
    task_context.install(queue)
    monkeypatch.setattr("huey.contrib.djhuey.HUEY", queue)

    @queue.task()
    def later():
        pass

    time_machine.move_to("2026-12-07T08:00:00Z", tick=False)
    later()
    time_machine.move_to("2026-12-07T08:00:30Z", tick=False)
    later()
    time_machine.move_to("2026-12-07T08:02:00Z", tick=False)
    _, samples = parse(scrape().content.decode())
    assert samples[("parcelops_task_queue_depth", frozenset())] == 2
    assert samples[("parcelops_task_queue_oldest_age_seconds", frozenset())] == 120


def test_a_queue_that_is_down_shows_as_down(monkeypatch):
    monkeypatch.setattr("huey.contrib.djhuey.HUEY", RedisHuey("m", url="redis://127.0.0.1:1/13"))
    types, samples = parse(scrape().content.decode())
    assert types == FAMILIES
    assert samples[("parcelops_task_queue_up", frozenset())] == 0
    assert ("parcelops_task_queue_depth", frozenset()) not in samples


def test_open_cases_are_counted_by_severity(channel, frozen_now):
    order = place_order()
    opened = now()
    for case_type, severity, state in (
        (CaseType.DELAYED, Severity.MAJOR, CaseState.OPEN),
        (CaseType.STALLED, Severity.MAJOR, CaseState.OPEN),
        (CaseType.NO_FIRST_SCAN, Severity.MINOR, CaseState.CLOSED),
    ):
        Case.objects.create(
            type=case_type,
            severity=severity,
            state=state,
            source=CaseSource.STAFF,
            order=order,
            owner_tier=OwnerTier.STAFF,
            opened_at=opened,
            due_at=opened + timedelta(hours=4),
        )
    _, samples = parse(scrape().content.decode())
    open_cases = {
        dict(labels)["severity"]: value
        for (name, labels), value in samples.items()
        if name == "parcelops_open_cases"
    }
    assert open_cases == {"minor": 0, "moderate": 0, "major": 2}


def test_pushes_and_their_events_are_counted_by_outcome(db, frozen_now):
    parked = carrier_event("ZT9999999999", 1, "in_transit")
    refused = ["events[1].time: out of range"]
    for _ in range(2):  # the provider delivers the same push twice
        tracking_actions.receive_push("kuaidi100", '{"n": 1}', "p-1", [parked], None, refused)
    _, samples = parse(scrape().content.decode())
    pushes = {
        dict(labels)["outcome"]: value
        for (name, labels), value in samples.items()
        if name == "parcelops_tracking_pushes_total"
    }
    events = {
        dict(labels)["outcome"]: value
        for (name, labels), value in samples.items()
        if name == "parcelops_tracking_events_total"
    }
    assert pushes == {"stored": 1, "already_stored": 1}
    assert events == {"parked": 1, "rejected": 1}


def test_each_sweep_is_timed(db, frozen_now):
    from parcelops.exceptions import tasks

    tasks.sweep.call_local()
    _, samples = parse(scrape().content.decode())
    assert samples[("parcelops_sweep_duration_seconds_count", frozenset())] == 1


def test_the_totals_file_is_the_products_user_only(settings):
    import stat
    from pathlib import Path

    from parcelops.core.metrics import FILE_NAME

    metrics.count("parcelops_tracking_events_total", 1, outcome="stored")
    metrics.flush()
    folder = Path(settings.DATA_DIR)
    modes = {
        name: stat.S_IMODE((folder / name).stat().st_mode)
        for name in (FILE_NAME, Path(FILE_NAME).with_suffix(".lock").name)
    }
    assert modes == {"metrics.json": 0o600, "metrics.lock": 0o600}
