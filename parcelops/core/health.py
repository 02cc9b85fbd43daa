"""What /api/v1/health checks: the database, the task queue's storage, and (for `?ready`)
that every migration this code knows has been applied to the database."""

import logging

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from huey import Huey

logger = logging.getLogger(__name__)

OK = "ok"
ERROR = "error"

# Once every migration was applied it stays so for this process's code: asked again, the
# migration graph (every migration file) would be loaded on each probe.
_migrations_were_applied = False


def database_state() -> str:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("health: the database does not answer")
        return ERROR
    return OK


def queue_state(huey: Huey) -> str:
    """Whether the queue's storage answers: Redis (a command on its connection, which
    fails when Redis is down) or the SQLite queue file (a query on it)."""
    try:
        huey.pending_count()
    except Exception:
        logger.exception("health: the task queue does not answer")
        return ERROR
    return OK


def pending_migrations() -> list[str]:
    """The migrations this code has that the database has not applied, in order."""
    global _migrations_were_applied  # one answer per process, see above
    if _migrations_were_applied:
        return []
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
    _migrations_were_applied = not pending
    return pending


def migrations_state() -> str:
    """ "ok" when every migration is applied, "pending" when one is not, "error" when the
    database cannot say."""
    try:
        return "pending" if pending_migrations() else OK
    except Exception:
        logger.exception("health: the applied migrations cannot be read")
        return ERROR


def forget_applied_migrations() -> None:
    """For tests: the next question reads the database again."""
    global _migrations_were_applied
    _migrations_were_applied = False
