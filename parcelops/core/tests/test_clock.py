"""The clock: its override for drills and tests, and the `--now ISO` option of commands."""

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine
from django.core.management.base import BaseCommand, CommandError, CommandParser

from parcelops.core import clock

SHANGHAI = timezone(timedelta(hours=8))
DRILL = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def test_now_is_the_real_time_without_an_override():
    with time_machine.travel(datetime(2026, 11, 25, 2, 0, tzinfo=UTC), tick=False):
        assert clock.now() == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def test_inside_frozen_at_now_is_that_time_and_stands_still():
    with clock.frozen_at(DRILL) as moment:
        assert moment == DRILL
        assert clock.now() == DRILL
        assert clock.now() == DRILL
    assert clock.now() != DRILL


def test_frozen_at_blocks_nest_and_unwind_in_order():
    later = DRILL + timedelta(hours=3)
    with clock.frozen_at(DRILL):
        with clock.frozen_at(later):
            assert clock.now() == later
        assert clock.now() == DRILL


def test_the_override_ends_even_when_the_block_fails():
    with pytest.raises(RuntimeError), clock.frozen_at(DRILL):
        raise RuntimeError("the sweep failed")
    assert clock.now() != DRILL


def test_the_override_holds_for_its_own_thread_only():
    seen: list[datetime] = []
    with clock.frozen_at(DRILL):
        other = threading.Thread(target=lambda: seen.append(clock.now()))
        other.start()
        other.join()
    assert seen[0] != DRILL


def test_a_time_without_a_zone_cannot_freeze_the_clock():
    with (
        pytest.raises(ValueError, match="needs a time with a zone"),
        clock.frozen_at(datetime(2026, 12, 1, 9, 0)),
    ):
        pass


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T09:00:00+08:00", DRILL),
        ("2026-12-01T01:00Z", DRILL),
        (" 2026-12-01 09:00 ", DRILL),  # no offset: the shop's zone (Asia/Shanghai)
    ],
)
def test_parse_moment_reads_iso_times(text, expected):
    assert clock.parse_moment(text) == expected


@pytest.mark.parametrize("text", ["tomorrow", "2026-13-01T09:00", "", "2026-12-01T25:00+08:00"])
def test_parse_moment_refuses_what_is_not_an_iso_time(text):
    with pytest.raises(ValueError, match="is not an ISO 8601 time such as"):
        clock.parse_moment(text)


class SweepLike(BaseCommand):
    """A command as the sweeps will be: it takes --now and reads the clock inside."""

    seen: datetime | None = None

    def add_arguments(self, parser: CommandParser) -> None:
        clock.add_now_argument(parser)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        with clock.clock_from_options(options):
            SweepLike.seen = clock.now()


def run(*argv: str) -> datetime | None:
    command = SweepLike()
    parser = command.create_parser("parcelops", "sweep")
    options = vars(parser.parse_args(argv))
    command.execute(**options)
    return SweepLike.seen


def test_a_command_acts_at_the_time_its_now_option_gives():
    assert run("--now", "2026-12-01T09:00+08:00") == DRILL
    assert clock.now() != DRILL  # only while the command ran


def test_a_command_without_now_uses_the_real_clock():
    with time_machine.travel(datetime(2026, 11, 25, 2, 0, tzinfo=UTC), tick=False):
        assert run() == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def test_a_bad_now_option_is_one_clear_error():
    with pytest.raises(CommandError) as refused:
        run("--now", "next tuesday")
    assert str(refused.value) == (
        "Error: argument --now: 'next tuesday' is not an ISO 8601 time such as "
        "2026-12-01T09:00:00+08:00"
    )
