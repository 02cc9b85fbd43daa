"""The one place the system reads the time, and the one way to set it for drills and tests.

`now()` is the real time (which time-machine can move in tests) unless a block of code
runs inside `frozen_at(moment)`: there it is that moment, standing still. The override
is a context variable, so it holds for the current thread only (another web worker's
thread, or a test running beside it, keeps the real time) and ends with the block.

Commands that act on "now" (the sweeps) take `--now ISO` the same way:
`add_now_argument(parser)` in `add_arguments`, then `with clock_from_options(options):`
around the work.
"""

import argparse
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

_override: ContextVar[datetime | None] = ContextVar("parcelops_clock_override", default=None)


def now() -> datetime:
    return _override.get() or timezone.now()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[datetime]:
    """Inside the block, `now()` answers `moment` (an aware time); nested blocks stack."""
    if timezone.is_naive(moment):
        raise ValueError("the clock needs a time with a zone, such as 2026-12-01T09:00+08:00")
    token = _override.set(moment)
    try:
        yield moment
    finally:
        _override.reset(token)


def parse_moment(text: str) -> datetime:
    """An ISO 8601 time for the clock; without an offset it is the shop's local time."""
    try:
        moment = parse_datetime(text.strip())
    except ValueError:  # well formed but no such time, such as month 13
        moment = None
    if moment is None:
        raise ValueError(f"{text!r} is not an ISO 8601 time such as 2026-12-01T09:00:00+08:00")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return moment


def _now_option(text: str) -> datetime:
    try:
        return parse_moment(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def add_now_argument(parser: argparse.ArgumentParser) -> None:
    """`--now ISO`: run the command as if it were that time (drills, replays)."""
    parser.add_argument(
        "--now",
        type=_now_option,
        default=None,
        metavar="ISO",
        help="act as if it were this time, e.g. 2026-12-01T09:00+08:00 (default: the real time)",
    )


def clock_from_options(options: Mapping[str, Any]) -> AbstractContextManager[Any]:
    """The clock a command's `--now` asks for: frozen at that time, or the real one."""
    moment = options.get("now")
    return frozen_at(moment) if moment is not None else nullcontext()
