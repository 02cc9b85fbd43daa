"""Where a carrier delivers (R4.1): its coverage list against a parcel's destination, with
provinces compared the way addresses vary ("浙江省", "浙江" and " 浙江省 " are one place)."""

import re
import unicodedata
from collections.abc import Iterable

EVERYWHERE = "*"

# The administrative suffix a province's name may carry or leave out.
_PROVINCE_SUFFIX = re.compile(
    r"(?:(?:壮族|回族|维吾尔)?自治区|特别行政区|省|市|\s+province|\s+municipality)$"
)


def province_key(name: str) -> str:
    """A province (or country code) as compared: NFKC, trimmed, case folded, without
    its suffix. "*" stays "*"."""
    text = unicodedata.normalize("NFKC", name or "").strip().casefold()
    return _PROVINCE_SUFFIX.sub("", text).strip()


def covers(coverage: Iterable[str], destination: str) -> bool:
    """Whether a coverage list reaches the destination province: ["*"] reaches every
    place; an empty destination (no address yet) only ["*"]."""
    places = {province_key(place) for place in coverage}
    if EVERYWHERE in places:
        return True
    key = province_key(destination)
    return bool(key) and key in places
