"""Carrier detection from a tracking number: check digits, patterns, ranking (no database).

The known-valid numbers are carriers' published samples, as collected by the public
tracking_number_data project; each is also tested with its last digit off by one.
"""

import pytest

from parcelops.carriers.detection import (
    PATTERNS,
    Candidate,
    detect_carriers,
    dhl_express_check_digit,
    fedex_express_check_digit,
    guess_is_valid_format,
    mod10_3_1_check_digit,
    normalise_tracking_number,
    s10_check_digit,
    tracking_number_error,
    ups_check_digit,
    usps_20_digit_is_valid,
)
from parcelops.carriers.registry import CARRIERS

pytestmark = pytest.mark.usefixtures("english")


def off_by_one(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


# --- Check digits ---

UPS_VALID = [
    "1Z5R89390357567127",
    "1Z879E930346834440",
    "1Z410E7W0392751591",
    "1Z8V92A70367203024",
    "1Z999AA10123456784",
]
USPS_IMPB_VALID = [
    "9505511069605048600624",
    "9101123456789000000013",
    "9400111201080805483016",
    "9361289878700317633795",
    "9405803699300124287899",
    "9261292700768711948021",
]
FEDEX_EXPRESS_VALID = [
    "986578788855",
    "477179081230",
    "799531274483",
    "790535312317",
    "974367662710",
]
DHL_EXPRESS_VALID = ["3318810025", "8487135506", "1099255990", "3821724944", "73891051146"]


@pytest.mark.parametrize("number", UPS_VALID)
def test_the_ups_check_digit_matches_published_numbers_and_not_an_off_by_one(number):
    assert ups_check_digit(number[2:17]) == int(number[-1])
    assert ups_check_digit(number[2:17]) != int(off_by_one(number)[-1])


def test_the_ups_check_digit_converts_letters_by_ups_scheme():
    # A=2 ... H=9, I=0, J=1 ...: "A" weighs the same as "2", "I" as "0", "Z" as "7".
    assert ups_check_digit("999AA1012345678") == ups_check_digit("999221012345678") == 4
    assert ups_check_digit("I00000000000000") == ups_check_digit("000000000000000") == 0
    assert ups_check_digit("Z00000000000000") == 3


@pytest.mark.parametrize("number", USPS_IMPB_VALID)
def test_the_usps_mod10_check_digit_matches_published_numbers_and_not_an_off_by_one(number):
    assert mod10_3_1_check_digit(number[:-1]) == int(number[-1])
    assert mod10_3_1_check_digit(number[:-1]) != int(off_by_one(number)[-1])


def test_the_usps_mod10_weighs_the_digit_next_to_the_check_digit_three_times():
    assert mod10_3_1_check_digit("1") == 7  # 3 * 1 = 3 -> 7
    assert mod10_3_1_check_digit("10") == 9  # 1 * 1 = 1 -> 9
    assert mod10_3_1_check_digit("0000") == 0


@pytest.mark.parametrize(
    ("number", "is_valid"),
    [
        ("03071790000523483741", True),  # its own mod 10
        ("71123456789123456787", True),
        ("71969010756003077385", True),  # the mod 10 of the IMpb 91... it abbreviates
        ("03071790000523483742", False),
        ("71969010756003077386", False),
    ],
)
def test_a_20_digit_usps_number_is_checked_with_and_without_the_91_identifier(number, is_valid):
    assert usps_20_digit_is_valid(number) is is_valid


@pytest.mark.parametrize("number", FEDEX_EXPRESS_VALID)
def test_the_fedex_express_check_digit_matches_published_numbers_and_not_an_off_by_one(number):
    assert fedex_express_check_digit(number[:-1]) == int(number[-1])
    assert fedex_express_check_digit(number[:-1]) != int(off_by_one(number)[-1])


def test_the_fedex_express_check_digit_weighs_1_3_7_from_the_right_mod_11_mod_10():
    assert fedex_express_check_digit("00000000001") == 1
    assert fedex_express_check_digit("00000000010") == 3
    assert fedex_express_check_digit("00000000100") == 7
    assert fedex_express_check_digit("00000000011") == 4
    assert fedex_express_check_digit("00000000110") == 0  # 10 mod 11 mod 10
    assert fedex_express_check_digit("00000001110") == 0  # 11 mod 11


@pytest.mark.parametrize("number", DHL_EXPRESS_VALID)
def test_the_dhl_express_check_digit_matches_published_numbers_and_not_an_off_by_one(number):
    assert dhl_express_check_digit(number[:-1]) == int(number[-1])
    assert dhl_express_check_digit(number[:-1]) != int(off_by_one(number)[-1])


@pytest.mark.parametrize(
    ("serial", "check"),
    [
        ("12345678", 5),  # the UPU's own example: 204 mod 11 = 6 -> 5
        ("00000000", 5),  # remainder 0: 11 becomes 5
        ("00000008", 0),  # remainder 1: 10 becomes 0
        ("00000001", 4),  # 7 -> 11 - 7
    ],
)
def test_the_s10_check_digit_follows_the_upu_rule_at_its_edges(serial, check):
    assert s10_check_digit(serial) == check


# --- Normalisation and garbage ---


def test_a_number_is_normalised_without_spaces_and_dashes_in_upper_case():
    assert normalise_tracking_number(" 1z 5r89-3903\t5756 7127 ") == "1Z5R89390357567127"


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("SF-1234 5678", "SF12345678"),
        ("ｓｆ１２３４５６７８", "SF12345678"),  # typed with a Chinese input method
        ("ＳＦ－１２３４\u3000５６７８", "SF12345678"),  # full-width dash and space
        ("SF–1234—5678", "SF12345678"),  # en and em dashes from a word processor
        (" yt 1234-5678 ", "YT12345678"),
        ("SF1234/5678", "SF1234/5678"),  # kept: refused by tracking_number_error
        ("顺丰1234567", "顺丰1234567"),
    ],
)
def test_full_width_characters_and_any_dash_are_normalised(raw, number):
    assert normalise_tracking_number(raw) == number


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("", "Enter a tracking number."),
        ("12345", "A tracking number has 6 to 40 letters and digits."),
        ("1" * 41, "A tracking number has 6 to 40 letters and digits."),
        ("SF12345/6789", "A tracking number has 6 to 40 letters and digits."),
        ("１２３４５６７", "A tracking number has 6 to 40 letters and digits."),  # full width
        ("123456", None),
        ("1" * 40, None),
    ],
)
def test_a_number_that_cannot_be_a_tracking_number_is_named(number, error):
    assert tracking_number_error(number) == error


# --- Detection ---

UPS_OK = Candidate("ups", 0.99, "UPS 1Z number with a matching check digit.")
IMPB_OK = Candidate("usps", 0.95, "USPS IMpb number (91-95) with a matching check digit.")
SMARTPOST = Candidate(
    "fedex", 0.25, "20 or 22 digits, like FedEx SmartPost (check digit not verified)."
)
ZTO_BY_FIRST_DIGIT = Candidate("zto", 0.3, "12 to 15 digits starting 2, 5 or 7, like ZTO.")


@pytest.mark.parametrize(
    ("number", "candidates"),
    [
        ("1Z5R89390357567127", [UPS_OK]),
        (" 1z5r8939-0357 567127", [UPS_OK]),
        (
            "1Z5R89390357567128",
            [Candidate("ups", 0.3, "UPS 1Z number, but its check digit does not match.")],
        ),
        ("9400111201080805483016", [IMPB_OK]),
        (
            "9400111201080805483017",
            [
                Candidate(
                    "usps", 0.3, "USPS IMpb number (91-95), but its check digit does not match."
                )
            ],
        ),
        # A 92 IMpb can be FedEx SmartPost, which USPS delivers.
        ("9261292700768711948021", [IMPB_OK, SMARTPOST]),
        (
            "71969010756003077385",
            [Candidate("usps", 0.5, "20 digits with a matching USPS check digit."), SMARTPOST],
        ),
        ("61299998820821171811", [SMARTPOST]),
        (
            "9611020987654312345672",
            [
                Candidate(
                    "fedex",
                    0.6,
                    "22 digits starting 96, like FedEx Ground (check digit not verified).",
                )
            ],
        ),
        (
            "3318810025",
            [Candidate("dhl", 0.6, "10 or 11 digits with a matching DHL Express check digit.")],
        ),
        ("3318810026", []),  # ten digits whose DHL check digit fails fit nobody
        ("JJD0099999999", [Candidate("dhl", 0.85, "DHL piece number (JJD prefix).")]),
        ("JD014600006281230704", [Candidate("dhl", 0.8, "DHL piece number (JD + 18 digits).")]),
        ("JVGL0999999990", [Candidate("dhl", 0.6, "DHL piece number (J + letters).")]),
        ("SF1234567890123", [Candidate("sf-express", 0.9, "SF prefix.")]),
        ("YT1234567890123", [Candidate("yto", 0.9, "YT prefix.")]),
        ("JDV012345678901", [Candidate("jd", 0.9, "JD prefix (JDV, JDX).")]),
        ("JD0012345678901", [Candidate("jd", 0.85, "JD prefix.")]),
        # JDX + 10 digits also fits DHL's piece numbers: both, JD first.
        (
            "JDX0123456789",
            [
                Candidate("jd", 0.9, "JD prefix (JDV, JDX)."),
                Candidate("dhl", 0.6, "DHL piece number (J + letters)."),
            ],
        ),
        ("JT1234567890123", [Candidate("jtexpress", 0.9, "JT prefix.")]),
        ("DPK123456789012", [Candidate("deppon", 0.9, "DPK prefix.")]),
        ("4312345678901", [Candidate("yunda", 0.5, "Yunda prefix (43, 46, 31).")]),
        ("1234567890123", [Candidate("yunda", 0.2, "13 digits, like Yunda (length only).")]),
        ("HELLO-WORLD", []),
        ("", []),
    ],
)
def test_it_returns_every_carrier_whose_format_fits_best_first(number, candidates):
    assert detect_carriers(number) == candidates


def test_a_bare_number_fitting_several_carriers_ranks_a_prefix_above_a_length():
    assert detect_carriers("773123456789012") == [
        Candidate("sto", 0.5, "STO prefix (77, 66, 88)."),
        ZTO_BY_FIRST_DIGIT,
        Candidate("fedex", 0.2, "15 digits, like FedEx Ground (length only)."),
    ]
    assert detect_carriers("2312345678901") == [
        ZTO_BY_FIRST_DIGIT,
        Candidate("yunda", 0.2, "13 digits, like Yunda (length only)."),
    ]


def test_a_12_digit_number_is_fedex_only_when_its_check_digit_matches():
    zto = Candidate("zto", 0.5, "ZTO prefix (73, 75, 78).")
    sf = Candidate("sf-express", 0.3, "12 digits, like SF Express (length only).")
    fedex = Candidate("fedex", 0.6, "12 digits with a matching FedEx Express check digit.")
    assert detect_carriers("781234567000") == [fedex, zto, sf]
    assert detect_carriers("781234567001") == [zto, sf]


@pytest.mark.parametrize(
    ("number", "candidates"),
    [
        (
            "EE123456785CN",
            [Candidate("ems", 0.98, "UPU S10 number from CN with a matching check digit.")],
        ),
        (
            "RR123456785CN",
            [Candidate("china-post", 0.98, "UPU S10 number from CN with a matching check digit.")],
        ),
        (
            "LZ123456785CN",
            [Candidate("china-post", 0.98, "UPU S10 number from CN with a matching check digit.")],
        ),
        (
            "LZ123456785US",
            [Candidate("usps", 0.98, "UPU S10 number from US with a matching check digit.")],
        ),
        (
            "EE123456784CN",
            [Candidate("ems", 0.3, "UPU S10 number from CN, but its check digit does not match.")],
        ),
        ("EE123456785DE", []),  # Deutsche Post is not in the registry
        ("VV123456785CN", []),  # a Chinese service indicator we do not map
    ],
)
def test_an_s10_number_goes_to_the_post_of_its_country(number, candidates):
    assert detect_carriers(number) == candidates


def test_every_pattern_names_a_carrier_of_the_registry():
    assert {pattern.code for pattern in PATTERNS} <= {info.code for info in CARRIERS}


def test_every_score_is_above_zero_and_at_most_one():
    scores = [pattern.score for pattern in PATTERNS] + [
        pattern.failed_score for pattern in PATTERNS if pattern.failed_score is not None
    ]
    assert all(0 < score <= 1 for score in scores)


# --- The format check a shipment is created with ---


@pytest.mark.parametrize(
    ("code", "number", "is_valid"),
    [
        ("ups", "1Z5R89390357567127", True),
        ("ups", "1z5r 8939 0357 5671 27", True),
        ("ups", "1Z5R89390357567128", False),  # the check digit fails
        ("fedex", "1Z5R89390357567127", False),  # someone else's format
        ("fedex", "986578788855", True),
        ("fedex", "996578788855", False),
        ("usps", "LZ123456785US", True),
        ("usps", "9400111201080805483017", False),
        ("ems", "EE123456785CN", True),
        ("china-post", "EE123456785CN", False),
        ("sf-express", "SF1234567890123", True),
        ("zto", "SF1234567890123", False),
        ("yunda", "4312345678901", True),
        ("dhl", "3318810025", True),
        ("dhl", "3318810026", False),
        ("deppon", "", False),
        ("acme-freight", "anything", True),  # no known format: nothing to judge
    ],
)
def test_a_number_is_a_valid_format_for_a_carrier_only_if_it_fits_one_of_its_formats(
    code, number, is_valid
):
    assert guess_is_valid_format(code, number) is is_valid
