"""What a task carries from the process that queued it: the request id (so the worker's log
lines of that task name the request that asked for it) and when it was queued (the
queue's age in /metrics). Both travel as one keyword argument of the task's message,
added as Huey enqueues it and taken off again before the task's function runs."""

import time
from dataclasses import dataclass
from typing import Any

from huey import Huey, signals
from huey.api import Task
from huey.exceptions import HueyException

from parcelops.core.logs import request_id

CONTEXT_KWARG = "_parcelops_context"


def stamp_task(signal: str, task: Task, *args: Any, **kwargs: Any) -> None:
    """Huey's "enqueued" signal, sent before the task is written to the queue (and before
    an immediate-mode task runs): the task's kwargs are still ours to add to. A retry is
    queued again with the context the worker restored, and a new time. A task that waited
    for its time (`schedule(delay=...)`) is queued again by the consumer's scheduler,
    which has no request: it keeps the id it had, and is stamped with the time it became
    due, since its age in the queue is the wait for a worker."""
    earlier = task.kwargs.get(CONTEXT_KWARG) or {}
    task.kwargs[CONTEXT_KWARG] = {
        "request_id": earlier.get("request_id") or request_id.get(),
        "queued_at": time.time(),
    }


def restore_context(task: Task) -> None:
    """Huey's pre-execute hook: takes the context off the kwargs (the function does not
    take it) and makes its request id this thread's."""
    context = task.kwargs.pop(CONTEXT_KWARG, None) or {}
    # A task without a request behind it (a periodic run) logs under its own task id.
    token = request_id.set(context.get("request_id") or f"task-{task.id}")
    task._parcelops_token = token  # type: ignore[attr-defined]


def forget_context(task: Task, task_value: Any, exception: BaseException | None) -> None:
    """Huey's post-execute hook: the id before the task comes back (none in a worker
    thread; the request's own when a test runs the task inline, Huey's immediate mode)."""
    token = getattr(task, "_parcelops_token", None)
    if token is not None:
        request_id.reset(token)


def install(huey: Huey) -> None:
    """Connects the three hooks to the project's Huey (once, as the apps load)."""
    huey.signal(signals.SIGNAL_ENQUEUED)(stamp_task)
    huey.pre_execute(name="parcelops_restore_context")(restore_context)
    huey.post_execute(name="parcelops_forget_context")(forget_context)


@dataclass(frozen=True)
class QueueState:
    depth: int  # tasks waiting to be taken by a worker (scheduled ones not counted)
    oldest_age_seconds: float  # how long the next one to be taken has waited; 0 when empty


def queue_state(huey: Huey, at: float | None = None) -> QueueState:
    """Reads the queue's storage (Redis or the SQLite file); raises when it is unreachable."""
    depth = int(huey.pending_count())
    if depth == 0:
        return QueueState(0, 0.0)
    queued_at = None
    try:
        for task in huey.pending(limit=1):
            queued_at = (task.kwargs.get(CONTEXT_KWARG) or {}).get("queued_at")
    except HueyException:  # a task this process does not know (a newer version queued it)
        pass
    if queued_at is None:  # queued by a process from before this version
        return QueueState(depth, 0.0)
    return QueueState(depth, max((at or time.time()) - float(queued_at), 0.0))
