"""The carriers ParcelOps knows: our code, names, time zone, each provider's code, the names
people call them by.

The Carrier table is the truth (an administrator adds a carrier without a release); the
built-in CARRIERS below seed it and stand in while it is empty or not migrated. Every
process keeps the table in memory, indexed, and looks at a version in the shared cache
every few seconds to see whether someone changed it: lookups on the ingestion path stay
dict lookups. Tracking-number patterns and check digits live in parcelops.carriers.detection.
"""

import difflib
import re
import time
import unicodedata
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import DatabaseError
from django.utils.translation import get_language
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class CarrierInfo:
    code: str
    name_zh: str
    name_en: str
    time_zone: str
    country: str
    provider_codes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()  # abbreviations and other names people use ("YTO", "J&T")
    tracking_number_pattern: str = ""  # a regular expression an administrator set, or ""
    is_active: bool = True  # False: kept for its parcels, no longer offered for new ones

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def name(self, language: str | None = None) -> str:
        """English for an English page or request, Chinese otherwise."""
        return self.name_en if (language or get_language() or "").startswith("en") else self.name_zh


SHANGHAI = "Asia/Shanghai"

# Provider codes, as checked against public client code and lists (2026): the Kuaidi100 codes
# (shunfeng, zhongtong, yuantong, shentong, yunda, jd, ems, jtexpress, debangkuaidi,
# debangwuliu, youzhengguonei, dhl, usps) are in wide use; of the 17TRACK numbers 3011 (China
# Post), 3013 (China EMS) and 100003 (FedEx) are confirmed. UNCONFIRMED: the other 17TRACK
# numbers, every AfterShip slug of a Chinese carrier (jd, jtexpress-cn, jet, deppon, sto, yto,
# yunda, zto-express), and Kuaidi100's youzhengguoji, fedex and ups; check them against the
# providers' current lists before relying on them.

CARRIERS: tuple[CarrierInfo, ...] = (
    CarrierInfo("sf-express", "顺丰速运", "SF Express", SHANGHAI, "CN",
                {"kuaidi100": ("shunfeng",), "aftership": ("sf-express",), "17track": ("100012",)},
                ("SF",)),
    CarrierInfo("zto", "中通快递", "ZTO Express", SHANGHAI, "CN",
                {"kuaidi100": ("zhongtong",), "aftership": ("zto-express",), "17track": ("190456",)}),
    CarrierInfo("yto", "圆通速递", "YTO Express", SHANGHAI, "CN",
                {"kuaidi100": ("yuantong",), "aftership": ("yto",), "17track": ("190157",)}),
    CarrierInfo("sto", "申通快递", "STO Express", SHANGHAI, "CN",
                {"kuaidi100": ("shentong",), "aftership": ("sto",), "17track": ("190151",)}),
    CarrierInfo("yunda", "韵达快递", "Yunda Express", SHANGHAI, "CN",
                {"kuaidi100": ("yunda",), "aftership": ("yunda",), "17track": ("190131",)},
                ("YD",)),
    CarrierInfo("jd", "京东物流", "JD Logistics", SHANGHAI, "CN",
                {"kuaidi100": ("jd",), "aftership": ("jd",), "17track": ("190365",)},
                ("JDL", "JD.com")),
    CarrierInfo("ems", "EMS", "China EMS", SHANGHAI, "CN",
                {"kuaidi100": ("ems",), "aftership": ("china-ems",), "17track": ("3013",)},
                ("邮政EMS", "中国邮政速递物流")),
    CarrierInfo("jtexpress", "极兔速递", "J&T Express", SHANGHAI, "CN",
                {"kuaidi100": ("jtexpress",), "aftership": ("jtexpress-cn", "jet"), "17track": ("191228",)},
                ("J&T", "JT", "JNT")),
    CarrierInfo("deppon", "德邦快递", "Deppon", SHANGHAI, "CN",
                {"kuaidi100": ("debangkuaidi", "debangwuliu"), "aftership": ("deppon",), "17track": ("190284",)},
                ("DBL", "Deppon Express")),
    CarrierInfo("china-post", "中国邮政", "China Post", SHANGHAI, "CN",
                {"kuaidi100": ("youzhengguonei", "youzhengguoji"), "aftership": ("china-post",), "17track": ("3011",)},
                ("邮政", "邮政包裹", "CPAM")),
    CarrierInfo("dhl", "DHL", "DHL Express", "Europe/Berlin", "DE",
                {"kuaidi100": ("dhl",), "aftership": ("dhl",), "17track": ("100001",)}),
    CarrierInfo("fedex", "联邦快递", "FedEx", "America/Chicago", "US",
                {"kuaidi100": ("fedex",), "aftership": ("fedex",), "17track": ("100003",)}),
    CarrierInfo("ups", "UPS", "UPS", "America/New_York", "US",
                {"kuaidi100": ("ups",), "aftership": ("ups",), "17track": ("100002",)}),
    CarrierInfo("usps", "美国邮政", "USPS", "America/New_York", "US",
                {"kuaidi100": ("usps",), "aftership": ("usps",), "17track": ("21051",)}),
)  # fmt: skip

# Parts of Chinese carrier names people leave out or swap ("中通" and "中通速递" for "中通快递").
NAME_SUFFIXES = ("快递", "速运", "速递", "物流")
# What a name loses before it is compared: spaces, dashes, dots and the like.
_NAME_NOISE = re.compile(r"[\s\-_.·・,]+")
# How often a process asks the shared cache whether the table changed.
CHECK_SECONDS = 2.0
VERSION_KEY = "parcelops:carriers:version"


class UnknownCarrierError(KeyError):
    """No carrier has this code or name; `closest` are the codes of the likeliest ones."""

    def __init__(self, name: str, closest: tuple[str, ...] = ()):
        super().__init__(name)
        self.name = name
        self.closest = closest

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        """The sentence people see, in the active language, naming the closest carriers."""
        if not self.closest:
            return _("Unknown carrier “%(name)s”.") % {"name": self.name}
        closest = ", ".join(
            f"{info.name()} ({info.code})"
            for info in (find_carrier(code) for code in self.closest)
            if info is not None
        )
        return _("Unknown carrier “%(name)s”. The closest known carriers: %(closest)s.") % {
            "name": self.name,
            "closest": closest,
        }


def row_fields(info: CarrierInfo) -> dict[str, Any]:
    """A carrier as the Carrier table's fields (the seed migration writes the built-in ones)."""
    return {
        "code": info.code,
        "name_zh": info.name_zh,
        "name_en": info.name_en,
        "time_zone": info.time_zone,
        "country": info.country,
        "provider_codes": {
            provider: list(codes) for provider, codes in info.provider_codes.items()
        },
        "aliases": list(info.aliases),
        "tracking_number_pattern": info.tracking_number_pattern,
        "is_active": info.is_active,
    }


def name_key(name: str) -> str:
    """A carrier name as it is compared: full-width and case folded, without spaces or dashes."""
    text = name if name.isascii() else unicodedata.normalize("NFKC", name)
    return _NAME_NOISE.sub("", text).casefold()


def carrier_names(info: CarrierInfo) -> list[str]:
    """Every name a carrier answers to: our code, its names, aliases and providers' codes,
    and its Chinese name with the usual suffixes left out or swapped."""
    names = [info.code, info.name_en, info.name_zh, *info.aliases]
    for codes in info.provider_codes.values():
        names.extend(codes)
    for suffix in NAME_SUFFIXES:
        if info.name_zh.endswith(suffix) and len(info.name_zh) > len(suffix):
            stem = info.name_zh.removesuffix(suffix)
            names.append(stem)
            names.extend(stem + other for other in NAME_SUFFIXES)
    return names


@dataclass(frozen=True)
class _Loaded:
    """The carriers of one version of the table, with the indexes every lookup uses."""

    carriers: tuple[CarrierInfo, ...]
    by_code: dict[str, CarrierInfo]
    zones: dict[str, ZoneInfo]
    by_provider: dict[str, dict[str, str]]  # provider -> its code, lower case -> our code
    by_name: dict[str, str]  # name_key -> our code
    number_patterns: tuple[tuple[str, re.Pattern[str]], ...]  # (code, pattern) set in the table
    version: Any

    @classmethod
    def of(cls, carriers: tuple[CarrierInfo, ...], version: Any) -> "_Loaded":
        by_provider: dict[str, dict[str, str]] = {}
        by_name: dict[str, str] = {}
        for info in carriers:
            for provider, codes in info.provider_codes.items():
                for provider_code in codes:
                    by_provider.setdefault(provider, {}).setdefault(
                        provider_code.lower(), info.code
                    )
        # Our codes win over everything else, then providers' codes, then names.
        for info in carriers:
            by_name[name_key(info.code)] = info.code
        for info in carriers:
            for name in carrier_names(info):
                by_name.setdefault(name_key(name), info.code)
        return cls(
            carriers=carriers,
            by_code={info.code: info for info in carriers},
            zones={info.code: info.zone for info in carriers},
            by_provider=by_provider,
            by_name=by_name,
            number_patterns=tuple(
                (info.code, pattern)
                for info in carriers
                if info.is_active and (pattern := _compiled(info.tracking_number_pattern))
            ),
            version=version,
        )


def _compiled(pattern: str) -> re.Pattern[str] | None:
    """An administrator's pattern; one that does not compile (the admin refuses those) is
    left out rather than breaking every lookup."""
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


_DEFAULT_ZONE = ZoneInfo(SHANGHAI)
_BUILT_IN = _Loaded.of(CARRIERS, None)


class _State:
    loaded: _Loaded | None = None
    checked_at = float("-inf")
    override: _Loaded | None = None  # built_in_carriers_only()
    # A change of this process's transaction not committed yet: the copy read now may see
    # what a rollback undoes, so it is read again at the next check whatever the version.
    is_change_pending = False


_UNSURE = object()  # the version of a copy read while a change was pending


def _read_table() -> tuple[CarrierInfo, ...]:
    from parcelops.carriers.models import Carrier  # imported here: the models use this module

    try:
        return tuple(row.info() for row in Carrier.objects.order_by("id"))
    except DatabaseError:  # not migrated yet: the built-in list stands in
        return ()


def _current() -> _Loaded:
    if _State.override is not None:
        return _State.override
    loaded = _State.loaded
    clock = time.monotonic()
    if loaded is not None and clock - _State.checked_at < CHECK_SECONDS:
        return loaded
    version = cache.get(VERSION_KEY)
    if loaded is None or version != loaded.version:
        if _State.is_change_pending:
            version, _State.is_change_pending = _UNSURE, False
        rows = _read_table()
        loaded = _Loaded.of(rows, version) if rows else _Loaded.of(CARRIERS, version)
        _State.loaded = loaded
    _State.checked_at = clock
    return loaded


def carrier_table_changing() -> None:
    """This process's transaction changed the Carrier table: its own lookups see the change
    now, and carriers_changed tells everyone once it is committed."""
    forget_loaded_carriers()
    _State.is_change_pending = True


def carriers_changed() -> None:
    """A change to the Carrier table is committed: this process reloads now, the others
    within CHECK_SECONDS (they see a new version in the shared cache)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    forget_loaded_carriers()


def forget_loaded_carriers() -> None:
    """Drop this process's copy; the next lookup reads the table."""
    _State.loaded = None
    _State.checked_at = float("-inf")
    _State.is_change_pending = False


@contextmanager
def built_in_carriers_only() -> Iterator[None]:
    """Serve the built-in list without asking the database (tests that have none)."""
    previous = _State.override
    _State.override = _BUILT_IN
    try:
        yield
    finally:
        _State.override = previous


def carriers() -> tuple[CarrierInfo, ...]:
    """Every carrier, in the table's order (inactive ones too: their parcels still move)."""
    return _current().carriers


def active_carriers() -> tuple[CarrierInfo, ...]:
    """The carriers a new parcel can be handed to."""
    return tuple(info for info in _current().carriers if info.is_active)


def find_carrier(code: str) -> CarrierInfo | None:
    """The carrier with our code, or None."""
    return _current().by_code.get(code)


def carrier(code: str) -> CarrierInfo:
    info = _current().by_code.get(code)
    if info is None:
        raise UnknownCarrierError(code)
    return info


def from_provider_code(provider: str, provider_code: str) -> str | None:
    """Our carrier code for a provider's carrier code ('kuaidi100', 'shunfeng' -> 'sf-express')."""
    loaded = _current()
    code = provider_code.strip().lower()
    found = loaded.by_provider.get(provider)
    return (found.get(code) if found else None) or (code if code in loaded.by_code else None)


def carrier_zone(code: str) -> ZoneInfo:
    """The zone a carrier's naive local times are read in (China's for unknown carriers)."""
    return _current().zones.get(code, _DEFAULT_ZONE)


def resolve_carrier(name: str) -> str:
    """Our code for any name of a carrier: our code, a provider's code (Kuaidi100 shunfeng,
    AfterShip sf-express, 17TRACK 100012), an abbreviation (SF, YTO, J&T, DBL), its Chinese
    or English name; in any case and width. Raises UnknownCarrierError naming the closest."""
    loaded = _current()
    key = name_key(name)
    code = loaded.by_name.get(key)
    if code is not None:
        return code
    raise UnknownCarrierError(name.strip(), _closest(loaded, key))


def number_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(code, pattern) of each carrier in use whose tracking-number pattern the table sets."""
    return _current().number_patterns


def _closest(loaded: _Loaded, key: str, count: int = 3) -> tuple[str, ...]:
    """The codes of the carriers whose names are most like the key, likeliest first."""
    closest: list[str] = []
    # No cutoff: even for a name like no other, the answer lists where to look.
    for match in difflib.get_close_matches(key, loaded.by_name, n=len(loaded.by_name), cutoff=0):
        code = loaded.by_name[match]
        if code not in closest:
            closest.append(code)
        if len(closest) == count:
            break
    return tuple(closest)
