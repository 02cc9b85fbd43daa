"""When the outbox tries a message again after its mail server refused it, and when it
stops trying: pure decisions that take the time of the failure."""

from datetime import datetime, timedelta

# Five tries in all: the first at once, then one after each of these waits. They grow so a
# mail server that is down for hours is not hammered, yet a passing refusal costs a minute.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def next_attempt_after_failure(failed_attempts: int, failed_at: datetime) -> datetime | None:
    """When to try again after `failed_attempts` tries have failed (counting the one that
    just failed at `failed_at`); None once the message is out of tries."""
    if failed_attempts < 1:
        raise ValueError("a retry follows at least one failed attempt")
    if failed_attempts >= MAX_ATTEMPTS:
        return None
    return failed_at + RETRY_DELAYS[failed_attempts - 1]
