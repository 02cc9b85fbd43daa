"""`parcelops bench cases --cases N` (default 100,000): the exception queue under a full
desk. N open cases (every type, severity and tier; a tenth breached; three owners and a
third unassigned) on N parcels of N orders, then GET /api/v1/cases with and without
filters, and the queue page /exceptions/ with a signed-in session, against a real
`parcelops serve` (gunicorn + SQLite) on 127.0.0.1, one keep-alive connection per web
worker, after a warm-up.
Target (issue 15): p99 < 100 ms for both.

Runs in a temporary data directory of its own (always SQLite), removed afterwards.
"""

import os
import random
import tempfile
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import Server, free_port, setup_django
from bench.ingest import create_shipments
from bench.orders import load

# One keep-alive connection per gunicorn worker (WEB_CONCURRENCY, 2): the latency of an
# answer, not of a queue in front of busy workers.
CONNECTIONS = int(os.environ.get("WEB_CONCURRENCY", "2"))

QUERIES = (
    "",
    "?severity=major",
    "?breached=true",
    "?owner=bench_staff_1",
    "?type=stalled&carrier=zto",
    "?owner_tier=head&limit=100",
)


def create_cases(count: int) -> dict[str, Any]:
    """Set-up, not measured: one open case per parcel, in bulk."""
    from django.contrib.auth.models import Group, User

    from parcelops.accounts.models import StaffProfile
    from parcelops.exceptions.kinds import TIER_OF_SEVERITY, CaseType, Severity
    from parcelops.exceptions.models import Case
    from parcelops.tracking.models import Shipment

    owners = []
    for index, role in enumerate(("logistics_staff", "logistics_head", "leadership")):
        user = User.objects.create_user(f"bench_staff_{index}")
        user.groups.add(Group.objects.get(name=role))
        StaffProfile.objects.create(user=user, display_name=f"压测{index}")
        owners.append(user.pk)
    rng = random.Random(15)
    moment = datetime.now(UTC)
    types = [t for t in CaseType.values if t != CaseType.NOT_SHIPPED]
    severities = list(Severity.values)
    # Read whole: an open cursor on this connection blocks its own checkpoints.
    rows = list(Shipment.objects.order_by("id").values_list("id", "order_id", "carrier"))
    batch: list[Case] = []
    for index, (shipment_id, order_id, carrier) in enumerate(rows):
        severity = severities[index % 3]
        opened = moment - timedelta(minutes=rng.randrange(1, 60 * 24))
        breached = index % 10 == 0
        batch.append(
            Case(
                type=types[index % len(types)],
                severity=severity,
                source="detected",
                order_id=order_id,
                shipment_id=shipment_id,
                carrier=carrier,
                owner_tier=TIER_OF_SEVERITY[Severity(severity)],
                owner_id=owners[index % 3] if index % 3 else None,
                opened_at=opened,
                due_at=opened + timedelta(hours=2 if breached else 30),
                breached_at=opened + timedelta(hours=2) if breached else None,
                is_breached=breached,
                sla_check_at=None if breached else opened + timedelta(hours=15),
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    return {"owners": owners}


def session_cookie(username: str) -> str:
    """A signed-in session for the page requests, made the way Django's login makes one."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def main(cases: int = 100_000, requests: int = 2000, seconds: float = 20) -> dict[str, Any]:
    data_dir = tempfile.mkdtemp(prefix="parcelops-bench-")
    setup_django(data_dir)
    from parcelops.accounts.actions import create_api_token
    from parcelops.exceptions.models import Case

    create_shipments(cases)
    create_cases(cases)
    from django.contrib.auth.models import User

    token = create_api_token(User.objects.get(username="bench_staff_1"), "bench")
    cookie = session_cookie("bench_staff_1")
    port = free_port()
    server = Server(data_dir, port)
    try:
        api = [("GET", f"/api/v1/cases{QUERIES[i % len(QUERIES)]}", None) for i in range(requests)]
        pages = [("GET", f"/exceptions/{QUERIES[i % len(QUERIES)]}", None) for i in range(requests)]
        api_headers = {"Authorization": f"Bearer {token}"}
        page_headers = {"Cookie": cookie, "Accept-Language": "zh-hans"}
        # Warm-up, not counted: each worker's first requests load code and caches.
        load(port, api[:100], api_headers, CONNECTIONS, seconds)
        load(port, pages[:100], page_headers, CONNECTIONS, seconds)
        return {
            "open_cases": Case.objects.filter(state="open").count(),
            "connections": CONNECTIONS,
            "api": load(port, api, api_headers, CONNECTIONS, seconds),
            "queue_page": load(port, pages, page_headers, CONNECTIONS, seconds),
            "queries": list(QUERIES),
            "target_p99_ms": 100,
        }
    finally:
        server.stop()
        if not os.environ.get("BENCH_KEEP"):
            import shutil

            shutil.rmtree(data_dir, ignore_errors=True)
