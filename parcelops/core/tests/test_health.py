"""/api/v1/health: the database and the task queue reported apart, 503 when either is
down, `?ready` failing while a migration is pending, and no https redirect for the probe."""

import pytest
from django.db import OperationalError, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from huey import MemoryHuey, RedisHuey

from parcelops.core import health

pytestmark = pytest.mark.django_db


def last_orders_migration() -> str:
    """A leaf of the migration graph: with its row gone, it alone is pending."""
    leaves = MigrationLoader(connections["default"]).graph.leaf_nodes()
    return next(name for app, name in leaves if app == "orders")


@pytest.fixture(autouse=True)
def _fresh_migration_answer():
    health.forget_applied_migrations()
    yield
    health.forget_applied_migrations()


@pytest.fixture
def queue(monkeypatch):
    """The queue /api/v1/health asks; each test says which."""

    def use(huey):
        monkeypatch.setattr("huey.contrib.djhuey.HUEY", huey)

    return use


def test_it_reports_the_database_and_the_queue_ok(queue):
    queue(MemoryHuey("health-test", immediate=False))
    response = Client().get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "queue": "ok"}


def test_it_reports_a_reachable_redis_queue_ok(queue):
    queue(RedisHuey("health-test", url="redis://127.0.0.1:6379/13"))
    response = Client().get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["queue"] == "ok"


def test_a_redis_that_is_down_is_a_503_naming_the_queue(queue):
    # Port 1: nothing listens there, so the connection is refused at once.
    queue(RedisHuey("health-test", url="redis://127.0.0.1:1/13"))
    response = Client().get("/api/v1/health")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "queue": "error"}


def test_a_database_that_does_not_answer_is_a_503_naming_the_database(queue, monkeypatch):
    queue(MemoryHuey("health-test", immediate=False))

    def broken_cursor(*args, **kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(connections["default"], "cursor", broken_cursor)
    response = Client().get("/api/v1/health?ready")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "error",
        "queue": "ok",
        "migrations": "error",
    }


def test_ready_is_ok_once_every_migration_is_applied(queue):
    queue(MemoryHuey("health-test", immediate=False))
    response = Client().get("/api/v1/health?ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "queue": "ok",
        "migrations": "ok",
    }


def test_ready_is_a_503_while_a_migration_is_pending(queue):
    queue(MemoryHuey("health-test", immediate=False))
    MigrationRecorder.Migration.objects.filter(app="orders", name=last_orders_migration()).delete()
    response = Client().get("/api/v1/health?ready")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "queue": "ok",
        "migrations": "pending",
    }
    assert health.pending_migrations() == [f"orders.{last_orders_migration()}"]
    # Plain liveness does not ask about migrations: the node is up.
    assert Client().get("/api/v1/health").status_code == 200


def test_the_all_applied_answer_is_kept_and_not_asked_again():
    assert health.pending_migrations() == []
    MigrationRecorder.Migration.objects.filter(app="orders", name=last_orders_migration()).delete()
    assert health.pending_migrations() == []
    health.forget_applied_migrations()
    assert health.pending_migrations() == [f"orders.{last_orders_migration()}"]


def test_the_probe_is_answered_on_plain_http_behind_a_tls_proxy(settings, queue):
    queue(MemoryHuey("health-test", immediate=False))
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/health?ready").status_code == 200
    redirected = client.get("/api/v1/orders")
    assert redirected.status_code == 301
    assert redirected["Location"] == "https://testserver/api/v1/orders"


def test_ready_says_error_when_the_migrations_cannot_be_read(queue, monkeypatch):
    queue(MemoryHuey("health-test", immediate=False))

    def unreadable(*args, **kwargs):
        raise OperationalError("relation django_migrations is locked")

    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", unreadable)
    response = Client().get("/api/v1/health?ready")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "queue": "ok",
        "migrations": "error",
    }
