"""The retry schedule, at its boundaries, without a database."""

from datetime import UTC, datetime, timedelta

import pytest

from parcelops.outbox.rules import MAX_ATTEMPTS, next_attempt_after_failure

FAILED_AT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failed_attempts", "wait"),
    [
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=5)),
        (3, timedelta(minutes=30)),
        (4, timedelta(hours=2)),
    ],
)
def test_each_failure_waits_longer_before_the_next_try(failed_attempts, wait):
    assert next_attempt_after_failure(failed_attempts, FAILED_AT) == FAILED_AT + wait


def test_the_fifth_failure_is_the_last_try():
    assert MAX_ATTEMPTS == 5
    assert next_attempt_after_failure(4, FAILED_AT) is not None
    assert next_attempt_after_failure(5, FAILED_AT) is None
    assert next_attempt_after_failure(6, FAILED_AT) is None


def test_a_retry_needs_a_failure_first():
    with pytest.raises(ValueError, match="at least one failed attempt"):
        next_attempt_after_failure(0, FAILED_AT)
