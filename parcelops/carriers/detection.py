"""Which carriers a tracking number can belong to: every matching carrier, ranked.

Formats with a check digit (UPS 1Z, USPS IMpb, UPU S10, FedEx Express, DHL Express) are
verified; a number whose check digit fails keeps a low score only where its prefix still
says whose it is (1Z, S10, 92-95 IMpb), since a mistyped digit is the likely story.

Heuristics, not specifications: the Chinese carriers publish no number format and no check
digit, so their patterns below are the ones commonly seen on their labels, and prefixes
(SF, YT, JD, JT, DPK; 73/75/78 for ZTO, 77/66/88 for STO, 43/46/31 for Yunda) decide
between them. A bare numeric string that fits several carriers returns all of them, a
prefix match scoring above a match on length alone. The scores rank candidates against
each other; they are not probabilities.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parcelops.carriers import registry

# Every entry (API, forms, files, scans, pushes) accepts a number within these bounds.
MIN_NUMBER_LENGTH = 6
MAX_NUMBER_LENGTH = 40

# Spaces and dashes of any kind (labels print numbers in groups; word processors curl dashes).
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


@dataclass(frozen=True)
class Candidate:
    code: str
    score: float  # in (0, 1]; higher is more likely
    reason: str


def normalise_tracking_number(raw: str) -> str:
    """The one form every entry stores and looks numbers up in: full-width letters and
    digits become ASCII (NFKC, as Chinese input methods type them), spaces and dashes go,
    letters become upper case. Check the result with tracking_number_error."""
    text = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)
    return _SEPARATORS.sub("", text).upper()


def tracking_number_error(number: str) -> str | None:
    """Why a normalised number cannot be a tracking number, or None when it can: the one
    rule (and message) of every entry."""
    if not number:
        return str(_("Enter a tracking number."))
    is_letters_and_digits = number.isascii() and number.isalnum()
    if not is_letters_and_digits or not MIN_NUMBER_LENGTH <= len(number) <= MAX_NUMBER_LENGTH:
        return str(_("A tracking number has 6 to 40 letters and digits."))
    return None


# --- Check digits: pure functions of the digits before the check digit. ---


def _digit_value(character: str) -> int:
    # UPS's scheme for letters: A=2, B=3 ... I=0, J=1 ..., i.e. (code point - 3) mod 10.
    return int(character) if character.isdigit() else (ord(character) - 3) % 10


def ups_check_digit(serial: str) -> int:
    """UPS 1Z: the 15 characters after "1Z"; odd positions (from the left, 1-based) count
    once, even positions twice; the check digit brings the sum to a multiple of 10."""
    total = sum(
        _digit_value(character) * (2 if index % 2 else 1) for index, character in enumerate(serial)
    )
    return (10 - total % 10) % 10


def mod10_3_1_check_digit(digits: str) -> int:
    """The USS mod 10 of USPS IMpb: weight 3 on the digit next to the check digit, then 1, 3..."""
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(digits))
    )
    return (10 - total % 10) % 10


def fedex_express_check_digit(digits: str) -> int:
    """FedEx Express 12 digits: the first 11 weighted 1, 3, 7 from the right, mod 11, mod 10."""
    weights = (1, 3, 7)
    total = sum(int(digit) * weights[index % 3] for index, digit in enumerate(reversed(digits)))
    return total % 11 % 10


def dhl_express_check_digit(digits: str) -> int:
    """DHL Express waybill: the number before the check digit, mod 7."""
    return int(digits) % 7


def luhn_check_digit(digits: str) -> int:
    """Luhn (mod 10): from the right, every second digit next to the check digit doubled
    (minus 9 above 9); the check digit brings the sum to a multiple of 10."""
    total = 0
    for index, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> int:
    """UPU S10: the 8 serial digits weighted 8,6,4,2,3,5,9,7; 11 - (sum mod 11), where 10
    becomes 0 and 11 becomes 5."""
    total = sum(int(digit) * weight for digit, weight in zip(serial, S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def usps_20_digit_is_valid(number: str) -> bool:
    """A 20-digit USPS number: its own mod 10, or that of the IMpb it abbreviates (the
    application identifier 91 left off the label)."""
    body, check = number[:-1], int(number[-1])
    return check in (mod10_3_1_check_digit(body), mod10_3_1_check_digit("91" + body))


def _check(compute: Callable[[str], int]) -> Callable[[str], bool]:
    """A validator of a whole number whose last digit is the check digit of the body."""

    def is_valid(body_and_check: str) -> bool:
        return compute(body_and_check[:-1]) == int(body_and_check[-1])

    return is_valid


# --- Patterns. ---


@dataclass(frozen=True)
class NumberPattern:
    code: str
    regex: re.Pattern[str]
    score: float  # the check digit matches, or the format has none
    reason: Promise
    # What the check digit covers: the regex's group "checked" (body + check digit).
    check: Callable[[str], bool] | None = None
    # The score when the check digit fails; None rules the pattern out instead.
    failed_score: float | None = None
    failed_reason: Promise | None = None


@dataclass(frozen=True)
class _Match:
    code: str
    score: float
    reason: str
    is_check_digit_valid: bool | None  # None: the format has no check digit


def _pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


PATTERNS: tuple[NumberPattern, ...] = (
    # UPS: 1Z, 6 shipper characters, 2 service characters, 7 package digits, check digit.
    NumberPattern(
        "ups",
        _pattern(r"^1Z(?P<checked>[A-Z0-9]{15}\d)$"),
        0.99,
        _("UPS 1Z number with a matching check digit."),
        check=_check(ups_check_digit),
        failed_score=0.3,
        failed_reason=_("UPS 1Z number, but its check digit does not match."),
    ),
    # USPS Intelligent Mail package barcode: application identifier 91-95, 20-22 digits.
    NumberPattern(
        "usps",
        _pattern(r"^(?P<checked>9[1-5]\d{18,20})$"),
        0.95,
        _("USPS IMpb number (91-95) with a matching check digit."),
        check=_check(mod10_3_1_check_digit),
        failed_score=0.3,
        failed_reason=_("USPS IMpb number (91-95), but its check digit does not match."),
    ),
    # USPS 20-digit numbers without the 9x identifier (certified mail 71..., and others).
    NumberPattern(
        "usps",
        _pattern(r"^(?P<checked>\d{20})$"),
        0.5,
        _("20 digits with a matching USPS check digit."),
        check=usps_20_digit_is_valid,
    ),
    NumberPattern(
        "fedex",
        _pattern(r"^(?P<checked>\d{12})$"),
        0.6,
        _("12 digits with a matching FedEx Express check digit."),
        check=_check(fedex_express_check_digit),
    ),
    # The FedEx Ground and SmartPost check digits are not verified: pattern only.
    NumberPattern(
        "fedex",
        _pattern(r"^96\d{20}$"),
        0.6,
        _("22 digits starting 96, like FedEx Ground (check digit not verified)."),
    ),
    NumberPattern(
        "fedex", _pattern(r"^\d{15}$"), 0.2, _("15 digits, like FedEx Ground (length only).")
    ),
    NumberPattern(
        "fedex",
        _pattern(r"^(92)?\d{20}$"),
        0.25,
        _("20 or 22 digits, like FedEx SmartPost (check digit not verified)."),
    ),
    NumberPattern(
        "dhl",
        _pattern(r"^(?P<checked>\d{10,11})$"),
        0.6,
        _("10 or 11 digits with a matching DHL Express check digit."),
        check=_check(dhl_express_check_digit),
    ),
    NumberPattern("dhl", _pattern(r"^JJD\d{9,18}$"), 0.85, _("DHL piece number (JJD prefix).")),
    NumberPattern("dhl", _pattern(r"^JD\d{18}$"), 0.8, _("DHL piece number (JD + 18 digits).")),
    NumberPattern(
        "dhl", _pattern(r"^J[A-Z]{2,3}\d{9,10}$"), 0.6, _("DHL piece number (J + letters).")
    ),
    # Heuristics from here on: no published format, no check digit.
    NumberPattern("sf-express", _pattern(r"^SF\d{12,13}$"), 0.9, _("SF prefix.")),
    NumberPattern(
        "sf-express", _pattern(r"^\d{12}$"), 0.3, _("12 digits, like SF Express (length only).")
    ),
    NumberPattern("zto", _pattern(r"^7[358]\d{10,13}$"), 0.5, _("ZTO prefix (73, 75, 78).")),
    NumberPattern(
        "zto",
        _pattern(r"^[257]\d{11,14}$"),
        0.3,
        _("12 to 15 digits starting 2, 5 or 7, like ZTO."),
    ),
    NumberPattern("yto", _pattern(r"^YT\d{13,15}$"), 0.9, _("YT prefix.")),
    NumberPattern("sto", _pattern(r"^(77|66|88)\d{13}$"), 0.5, _("STO prefix (77, 66, 88).")),
    NumberPattern(
        "yunda", _pattern(r"^(43|46|31)\d{11,13}$"), 0.5, _("Yunda prefix (43, 46, 31).")
    ),
    NumberPattern("yunda", _pattern(r"^\d{13}$"), 0.2, _("13 digits, like Yunda (length only).")),
    NumberPattern("jd", _pattern(r"^JD[VX][A-Z0-9]{10,14}$"), 0.9, _("JD prefix (JDV, JDX).")),
    NumberPattern("jd", _pattern(r"^JD\d{13,15}$"), 0.85, _("JD prefix.")),
    NumberPattern("jtexpress", _pattern(r"^JT\d{13}$"), 0.9, _("JT prefix.")),
    NumberPattern("deppon", _pattern(r"^DPK\d{9,14}$"), 0.9, _("DPK prefix.")),
)

# UPU S10: 2-letter service indicator, 8 digits, check digit, 2-letter country of origin.
S10 = re.compile(r"^(?P<service>[A-Z]{2})(?P<checked>\d{9})(?P<country>[A-Z]{2})$")
# China's S10 items by the first letter of the service indicator; elsewhere the national post.
CHINA_S10_CARRIERS = {"E": "ems", "R": "china-post", "L": "china-post", "C": "china-post",
                      "U": "china-post"}  # fmt: skip
NATIONAL_POSTS = {"US": "usps"}


def _s10_carrier(service: str, country: str) -> str | None:
    if country == "CN":
        return CHINA_S10_CARRIERS.get(service[0])
    code = NATIONAL_POSTS.get(country)
    return code if code is not None and registry.find_carrier(code) else None


def _s10_match(number: str) -> _Match | None:
    found = S10.match(number)
    if found is None:
        return None
    code = _s10_carrier(found["service"], found["country"])
    if code is None:
        return None
    checked = found["checked"]
    if _check(s10_check_digit)(checked):
        reason = _("UPU S10 number from %(country)s with a matching check digit.")
        return _Match(code, 0.98, str(reason) % {"country": found["country"]}, True)
    reason = _("UPU S10 number from %(country)s, but its check digit does not match.")
    return _Match(code, 0.3, str(reason) % {"country": found["country"]}, False)


def _pattern_match(pattern: NumberPattern, number: str) -> _Match | None:
    found = pattern.regex.match(number)
    if found is None:
        return None
    if pattern.check is None:
        return _Match(pattern.code, pattern.score, str(pattern.reason), None)
    if pattern.check(found["checked"]):
        return _Match(pattern.code, pattern.score, str(pattern.reason), True)
    if pattern.failed_score is None:
        return None
    return _Match(pattern.code, pattern.failed_score, str(pattern.failed_reason), False)


# The score of a pattern an administrator set on a carrier: a format, no check digit.
TABLE_PATTERN_SCORE = 0.7


def _matches(number: str) -> list[_Match]:
    found = [_pattern_match(pattern, number) for pattern in PATTERNS]
    found.append(_s10_match(number))
    reason = str(_("Matches the tracking-number pattern set for this carrier."))
    found.extend(
        _Match(code, TABLE_PATTERN_SCORE, reason, None)
        for code, pattern in registry.number_patterns()
        if pattern.fullmatch(number)
    )
    return [match for match in found if match is not None]


def detect_carriers(tracking_number: str) -> list[Candidate]:
    """Every carrier whose format the number fits, best first (one entry per carrier, its
    strongest match); an empty list when none does."""
    best: dict[str, _Match] = {}
    for match in _matches(normalise_tracking_number(tracking_number)):
        info = registry.find_carrier(match.code)
        if info is None or not info.is_active:
            continue  # a carrier the table no longer has, or no longer uses
        if match.code not in best or match.score > best[match.code].score:
            best[match.code] = match
    ranked = sorted(best.values(), key=lambda match: (-match.score, match.code))
    return [Candidate(match.code, match.score, match.reason) for match in ranked]


def guess_is_valid_format(code: str, number: str) -> bool:
    """Whether the number fits one of the carrier's formats with a matching check digit.

    A carrier we know no format for is given the benefit of the doubt. A False is a flag
    for a person to look at, not a rejection: carriers add formats without telling anyone.
    """
    if code not in _CODES_WITH_FORMATS and all(
        pattern_code != code for pattern_code, _regex in registry.number_patterns()
    ):
        return True
    return any(
        match.code == code and match.is_check_digit_valid is not False
        for match in _matches(normalise_tracking_number(number))
    )


_CODES_WITH_FORMATS = frozenset(
    {pattern.code for pattern in PATTERNS}
    | set(CHINA_S10_CARRIERS.values())
    | set(NATIONAL_POSTS.values())
)
