"""Pure rules of the warehouse's setup: bin codes from a range like A-01-01..A-10-04."""

import itertools
import re

MAX_BINS_AT_ONCE = 2000
_PARTS = re.compile(r"(\d+)")


class PatternError(ValueError):
    """The two codes do not describe a range of bins (the message says why)."""


def expand_bin_range(first: str, last: str) -> list[str]:
    """Every code from `first` to `last`, each number counting on its own, the last number
    fastest: A-01-01..A-02-03 gives A-01-01, A-01-02, A-01-03, A-02-01, A-02-02, A-02-03.
    Letters and separators must match; numbers keep their zero padding."""
    first, last = first.strip().upper(), last.strip().upper()
    first_parts, last_parts = _PARTS.split(first), _PARTS.split(last)
    if len(first_parts) != len(last_parts) or first_parts[0::2] != last_parts[0::2]:
        raise PatternError("shape")
    if len(first_parts) == 1:
        raise PatternError("no number")
    ranges = []
    for low, high in zip(first_parts[1::2], last_parts[1::2], strict=True):
        if int(low) > int(high):
            raise PatternError("order")
        width = len(low) if low.startswith("0") or len(low) == len(high) else 0
        ranges.append([f"{number:0{width}d}" for number in range(int(low), int(high) + 1)])
    count = 1
    for numbers in ranges:
        count *= len(numbers)
    if count > MAX_BINS_AT_ONCE:
        raise PatternError("too many")
    texts = first_parts[0::2]
    return [
        "".join(
            part for pair in itertools.zip_longest(texts, numbers, fillvalue="") for part in pair
        )
        for numbers in itertools.product(*ranges)
    ]
