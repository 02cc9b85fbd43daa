"""The Carrier table: the carriers ParcelOps knows, editable in the admin without a release.
Read through parcelops.carriers.registry (an in-memory copy), written through
parcelops.carriers.actions (which tells every process to reload)."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from parcelops.carriers.registry import CarrierInfo, carrier_names, name_key
from parcelops.core.zones import zone_named

CODE_FORMAT = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
COUNTRY_FORMAT = re.compile(r"^[A-Z]{2}$")


class Carrier(models.Model):
    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Our code: lower-case letters, digits and dashes, such as “sf-express”."),
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Shanghai",
        help_text=_("The zone its local times are written in, such as “Asia/Shanghai”."),
    )
    country = models.CharField(_("country"), max_length=2, help_text=_("Such as “CN”."))
    provider_codes = models.JSONField(
        _("provider codes"),
        default=dict,
        blank=True,
        help_text=_(
            'Each provider\'s codes for it: {"kuaidi100": ["shunfeng"], "17track": ["100012"]}.'
        ),
    )
    aliases = models.JSONField(
        _("other names"),
        default=list,
        blank=True,
        help_text=_('Abbreviations and other names people use: ["SF", "顺丰"].'),
    )
    tracking_number_pattern = models.CharField(
        _("tracking number pattern"),
        max_length=200,
        blank=True,
        help_text=_(
            "A regular expression the whole tracking number (in capitals, without spaces "
            "or dashes) matches, such as “^XY\\d{10}$”. Used to suggest the carrier."
        ),
    )
    # Carrier choice (R4.1): where it delivers, what it offers, how fast by default.
    coverage = models.JSONField(
        _("coverage"),
        default=list,
        blank=True,
        help_text=_(
            "The provinces (in Chinese, as addresses write them) or countries it delivers to: "
            '["广东省", "上海市", "HK"]; ["*"] for everywhere, [] for nowhere yet.'
        ),
    )
    services = models.JSONField(
        _("services"),
        default=list,
        blank=True,
        help_text=_(
            'What it offers: any of "insurance", "cod", "door_delivery", "cold_chain", "bulky".'
        ),
    )
    default_transit_hours_p50 = models.PositiveIntegerField(
        _("usual transit time (hours)"),
        default=48,
        help_text=_("Used for lanes with too little tracking history of its own."),
    )
    default_transit_hours_p90 = models.PositiveIntegerField(
        _("slow transit time (hours)"), default=96
    )
    volumetric_divisor = models.PositiveIntegerField(
        _("volumetric divisor"),
        default=6000,
        help_text=_("Volumetric weight in kg = length x width x height in cm / this."),
    )
    is_active = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_("Clear it instead of deleting: the carrier's parcels keep their history."),
    )

    class Meta:
        ordering = ("id",)
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self) -> str:
        return f"{self.name_en} ({self.code})"

    def info(self) -> CarrierInfo:
        return CarrierInfo(
            code=self.code,
            name_zh=self.name_zh,
            name_en=self.name_en,
            time_zone=self.time_zone,
            country=self.country,
            provider_codes={
                provider: tuple(codes) for provider, codes in sorted(self.provider_codes.items())
            },
            aliases=tuple(self.aliases),
            tracking_number_pattern=self.tracking_number_pattern,
            is_active=self.is_active,
        )

    def clean(self) -> None:
        errors = carrier_field_errors(self)
        if not errors:
            errors = name_clashes(self.info(), Carrier.objects.exclude(pk=self.pk))
        if errors:
            raise ValidationError(errors)


def _is_list_of_text(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value)


def coverage_error(value: Any) -> Any:
    """Why a coverage list cannot be right, or None: a list of province names (as
    addresses write them) or two-letter country codes, or ["*"] alone for everywhere."""
    if not isinstance(value, list):
        return _('A list of provinces or countries, such as ["广东省", "上海市", "HK"].')
    for item in value:
        if not isinstance(item, str) or not item.strip():
            return _("Each place is a name in quotes; “%(item)s” is not.") % {"item": item}
        if item != item.strip() or len(item) > 40:
            return _("“%(item)s”: a place has no spaces around it and at most 40 characters.") % {
                "item": item
            }
    if "*" in value and len(value) > 1:
        return _('["*"] means everywhere: write it alone, without other places.')
    if len({item for item in value if isinstance(item, str)}) != len(value):
        return _("A place is listed twice.")
    return None


def services_error(value: Any) -> Any:
    """Why a services list cannot be right, or None: each of CarrierService once."""
    known = ", ".join(f"“{service}”" for service in CarrierService.values)
    if not isinstance(value, list):
        return _("A list of services, any of %(known)s.") % {"known": known}
    for item in value:
        if item not in CarrierService.values:
            return _("“%(item)s” is not a service; use any of %(known)s.") % {
                "item": item,
                "known": known,
            }
    if len(set(value)) != len(value):
        return _("A service is listed twice.")
    return None


def carrier_field_errors(row: Carrier) -> dict[str, str]:
    """Each field that cannot be right, with why (the shapes the registry relies on)."""
    errors: dict[str, Any] = {}
    if not CODE_FORMAT.match(row.code or ""):
        errors["code"] = _("Lower-case letters, digits and dashes, such as “sf-express”.")
    if zone_named(row.time_zone) is None:
        errors["time_zone"] = _("Not a time zone; use a name such as “Asia/Shanghai”.")
    if not COUNTRY_FORMAT.match(row.country or ""):
        errors["country"] = _("Two capital letters, such as “CN”.")
    codes = row.provider_codes
    if not isinstance(codes, dict) or not all(
        isinstance(provider, str) and provider and _is_list_of_text(value)
        for provider, value in codes.items()
    ):
        errors["provider_codes"] = _(
            'An object of lists of codes, such as {"kuaidi100": ["shunfeng"]}.'
        )
    if not _is_list_of_text(row.aliases):
        errors["aliases"] = _('A list of names, such as ["SF", "顺丰"].')
    if row.tracking_number_pattern:
        try:
            re.compile(row.tracking_number_pattern)
        except re.error as error:
            errors["tracking_number_pattern"] = _("Not a regular expression: %(reason)s.") % {
                "reason": error
            }
    for field, problem in (
        ("coverage", coverage_error(row.coverage)),
        ("services", services_error(row.services)),
    ):
        if problem:
            errors[field] = problem
    if row.default_transit_hours_p90 < row.default_transit_hours_p50:
        errors["default_transit_hours_p90"] = _(
            "The slow transit time cannot be shorter than the usual one."
        )
    if row.volumetric_divisor <= 0:
        errors["volumetric_divisor"] = _("Must be more than 0 (usually 6000 or 8000).")
    return errors


def name_clashes(info: CarrierInfo, others: Any) -> dict[str, str]:
    """A name or provider code this carrier would share with another: lookups would be
    ambiguous, so the second carrier may not take it."""
    taken: dict[str, str] = {}
    taken_codes: dict[tuple[str, str], str] = {}
    for other in others:
        other_info = other.info()
        for name in carrier_names(other_info):
            taken.setdefault(name_key(name), other_info.code)
        for provider, codes in other_info.provider_codes.items():
            for code in codes:
                taken_codes[provider, code.lower()] = other_info.code
    errors: dict[str, str] = {}
    for provider, codes in info.provider_codes.items():
        for code in codes:
            owner = taken_codes.get((provider, code.lower()))
            if owner:
                errors["provider_codes"] = _("%(provider)s code “%(code)s” is %(owner)s's.") % {
                    "provider": provider,
                    "code": code,
                    "owner": owner,
                }
    for field, names in (("code", [info.code]), ("aliases", list(info.aliases))):
        for name in names:
            owner = taken.get(name_key(name))
            if owner:
                errors[field] = _("“%(name)s” already names %(owner)s.") % {
                    "name": name,
                    "owner": owner,
                }
    return errors


class CarrierService(models.TextChoices):
    INSURANCE = "insurance", _("Insurance")
    COD = "cod", _("Cash on delivery")
    DOOR_DELIVERY = "door_delivery", _("Door delivery")
    COLD_CHAIN = "cold_chain", _("Cold chain")
    BULKY = "bulky", _("Bulky goods")


class PriceRule(models.Model):
    """A carrier's price for one zone in the Chinese form (首重 + 续重): the first weight
    step costs `first_cents`, each further step (or part of one) `additional_cents`.

    The zone is origin province -> destination province; "*" on either side matches any,
    and the most specific rule wins (both named, then destination only, then origin only,
    then "*" -> "*")."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="price_rules")
    service = models.CharField(_("service"), max_length=60, blank=True)  # "" for the standard
    origin_province = models.CharField(_("from province"), max_length=40, default="*")
    destination_province = models.CharField(_("to province"), max_length=40, default="*")
    first_weight_grams = models.PositiveIntegerField(_("first weight (g)"), default=1000)
    first_cents = models.BigIntegerField(_("first weight price (cents)"))
    additional_weight_grams = models.PositiveIntegerField(
        _("additional weight step (g)"), default=1000
    )
    additional_cents = models.BigIntegerField(_("price per additional step (cents)"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")

    class Meta:
        ordering = ("carrier", "service", "origin_province", "destination_province")
        verbose_name = _("price rule")
        verbose_name_plural = _("price rules")
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "service", "origin_province", "destination_province"],
                name="price_rule_unique_zone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.origin_province}->{self.destination_province}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        for field in ("origin_province", "destination_province"):
            if not (getattr(self, field) or "").strip():
                errors[field] = _("A province as addresses write it, or “*” for any.")
        for field in ("first_cents", "additional_cents"):
            value = getattr(self, field)
            if value is not None and value < 0:
                errors[field] = _("A price cannot be negative.")
        if self.first_weight_grams == 0:
            errors["first_weight_grams"] = _("Must be more than 0 (usually 1000).")
        if self.additional_weight_grams == 0:
            errors["additional_weight_grams"] = _("Must be more than 0 (usually 1000).")
        if errors:
            raise ValidationError(errors)
