"""Waybill numbers (R3.3): a carrier's number ranges (added by a warehouse manager), and
a packed parcel's number, from its carrier's range or its e-waybill provider, before its
label prints. The number stays on the parcel until the manifest hands it over; assigning
again keeps the first.

Two packers never get the same number: the range's row is locked (SELECT ... FOR UPDATE
on PostgreSQL; SQLite's writer lock) while its next serial is taken, and the parcel table's
unique (carrier, waybill_number) is the last guard. A range that falls below its alert
mark alerts the warehouse managers once; a used-up one says so and names the page to fix it.
"""

from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.carriers import registry
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.orders.states import OrderState
from parcelops.outbox.actions import AlertRequest, alert_many
from parcelops.warehouse import ewaybill, numbering
from parcelops.warehouse.label_facts import ewaybill_facts
from parcelops.warehouse.models import NumberRange, Parcel, WaybillSource

MAX_SERIAL = 10**18 - 1  # 18 digits: what a BigIntegerField holds whatever the value
MAX_LOW_ALERT = 10**9
# Serials taken by numbers typed by hand are skipped; this many in a row means a mistake.
MAX_SKIPPED = 1000
LOW_RANGE_ALERT = "warehouse.number_range_low"


def shape_of(number_range: NumberRange) -> numbering.RangeShape:
    return numbering.RangeShape(
        number_range.prefix, number_range.suffix, number_range.digits, number_range.check_digit
    )


def _range_errors(
    carrier: str,
    prefix: str,
    suffix: str,
    first: int,
    last: int,
    digits: int,
    check_digit: str,
    low_alert_at: int,
) -> list[FieldError]:
    errors = []
    for field, value in (("prefix", prefix), ("suffix", suffix)):
        if len(value) > 10 or not (value.isascii() and (value.isalnum() or not value)):
            errors.append(FieldError(field, _("Up to 10 letters and digits.")))
    if check_digit not in NumberRange.CheckDigit.values:
        errors.append(FieldError("check_digit", _("Unknown check digit scheme.")))
    width = numbering.SCHEME_DIGITS.get(check_digit)
    if not 1 <= digits <= numbering.MAX_DIGITS:
        errors.append(
            FieldError("digits", _("Between 1 and %(max)d digits.") % {"max": numbering.MAX_DIGITS})
        )
    elif width is not None and digits != width:
        errors.append(
            FieldError(
                "digits",
                _("This check digit scheme needs %(digits)d serial digits.") % {"digits": width},
            )
        )
    if not 0 <= first <= MAX_SERIAL:
        errors.append(FieldError("first", _("Enter a serial of 0 or more.")))
    if not 0 <= last <= MAX_SERIAL:
        errors.append(FieldError("last", _("Enter a serial of 0 or more.")))
    elif last < first:
        errors.append(FieldError("last", _("The last serial must not be below the first.")))
    elif 1 <= digits <= numbering.MAX_DIGITS and len(str(last)) > digits:
        errors.append(
            FieldError("last", _("The last serial has more digits than the range's width."))
        )
    if not 0 <= low_alert_at <= MAX_LOW_ALERT:
        errors.append(FieldError("low_alert_at", _("Enter a number of 0 or more.")))
    if not errors:
        shape = numbering.RangeShape(prefix, suffix, digits, check_digit)
        if numbering.number_length(shape) > numbering.MAX_NUMBER_LENGTH:
            errors.append(
                FieldError("digits", _("The numbers would be longer than 40 characters."))
            )
    return errors


def add_number_range(
    actor: Actor,
    *,
    carrier: str,
    first: int,
    last: int,
    digits: int,
    prefix: str = "",
    suffix: str = "",
    check_digit: str = "",
    low_alert_at: int = 1000,
) -> NumberRange:
    """Add a block of waybill numbers a carrier issued; refused when it overlaps another
    range of the same carrier (same prefix, suffix and width, serials in common)."""
    require_permission(actor, roles.MANAGE_WAREHOUSE)
    prefix, suffix = prefix.strip().upper(), suffix.strip().upper()
    errors = []
    try:
        carrier = registry.resolve_carrier(carrier.strip())
    except registry.UnknownCarrierError as unknown:
        errors.append(FieldError("carrier", unknown.message))
    errors += _range_errors(carrier, prefix, suffix, first, last, digits, check_digit, low_alert_at)
    if errors:
        raise InputError(errors)
    shape = numbering.RangeShape(prefix, suffix, digits, check_digit)
    with transaction.atomic():
        for other in NumberRange.objects.select_for_update().filter(carrier=carrier):
            if numbering.overlaps(shape, first, last, shape_of(other), other.first, other.last):
                raise InputError(
                    [
                        FieldError(
                            "first",
                            _("Overlaps the range %(range)s of the same carrier.")
                            % {"range": _range_text(other)},
                        )
                    ]
                )
        number_range = NumberRange.objects.create(
            carrier=carrier,
            prefix=prefix,
            suffix=suffix,
            first=first,
            last=last,
            next_serial=first,
            digits=digits,
            check_digit=check_digit,
            low_alert_at=low_alert_at,
            created_at=now(),
        )
        record_audit(actor, "number_range.added", number_range, after=_range_fields(number_range))
    return number_range


def set_range_in_use(actor: Actor, range_id: int, *, is_active: bool) -> NumberRange:
    """Stop (or resume) giving out a range's numbers; its used numbers stay as they are."""
    require_permission(actor, roles.MANAGE_WAREHOUSE)
    with transaction.atomic():
        number_range = NumberRange.objects.select_for_update().filter(pk=range_id).first()
        if number_range is None:
            raise InputError([FieldError("range", _("No such number range."))])
        before = _range_fields(number_range)
        number_range.is_active = is_active
        number_range.save(update_fields=["is_active"])
        record_audit(
            actor,
            "number_range.changed",
            number_range,
            before=before,
            after=_range_fields(number_range),
        )
    return number_range


def _range_text(number_range: NumberRange) -> str:
    shape = shape_of(number_range)
    return f"{numbering.waybill_number(shape, number_range.first)} – {numbering.waybill_number(shape, number_range.last)}"


def _range_fields(number_range: NumberRange) -> dict[str, Any]:
    return {
        "carrier": number_range.carrier,
        "prefix": number_range.prefix,
        "suffix": number_range.suffix,
        "first": number_range.first,
        "last": number_range.last,
        "digits": number_range.digits,
        "check_digit": number_range.check_digit,
        "low_alert_at": number_range.low_alert_at,
        "is_active": number_range.is_active,
    }


def range_remaining(number_range: NumberRange) -> int:
    return numbering.remaining(number_range.first, number_range.last, number_range.next_serial)


# --- A parcel's number. ---


def _check_parcel(parcel: Parcel) -> None:
    if parcel.order.state != OrderState.PACKED:
        raise ActionError(_("Only a packed order's parcel gets a waybill number."))
    if not parcel.carrier:
        raise ActionError(_("Choose the parcel's carrier before its waybill number."))


def assign_waybill(parcel: Parcel, actor: Actor) -> Parcel:
    """The parcel's waybill number: kept when it has one, else from the carrier's
    e-waybill provider when one is set up for it, else from the carrier's number range."""
    require_permission(actor, roles.PACK_ORDERS)
    parcel = Parcel.objects.select_related("order").get(pk=parcel.pk)
    if parcel.waybill_number:
        return parcel
    _check_parcel(parcel)
    provider = ewaybill.provider_for(parcel.carrier)
    if provider is None:
        return _assign_from_range(parcel.pk, actor)
    # The provider is asked outside any transaction: a slow answer holds no lock.
    try:
        number = provider.order_waybill(ewaybill_facts(parcel))
    except ewaybill.EwaybillError as error:
        raise ActionError(error.message) from error
    return _hold_number(parcel.pk, actor, number, WaybillSource.PROVIDER, provider.name)


def _locked_parcel(parcel_id: int) -> Parcel:
    return Parcel.objects.select_for_update().select_related("order").get(pk=parcel_id)


def _hold_number(parcel_id: int, actor: Actor, number: str, source: str, origin: str) -> Parcel:
    try:
        with transaction.atomic():
            parcel = _locked_parcel(parcel_id)
            if parcel.waybill_number:  # another packer's request won: keep the first
                return parcel
            _check_parcel(parcel)
            _write_number(parcel, actor, number, source, origin)
    except IntegrityError as error:
        raise ActionError(
            _("The waybill number %(number)s is already on another parcel of this carrier.")
            % {"number": number}
        ) from error
    return parcel


def _write_number(parcel: Parcel, actor: Actor, number: str, source: str, origin: str) -> None:
    parcel.waybill_number = number
    parcel.waybill_source = source
    parcel.waybill_assigned_at = now()
    parcel.save(update_fields=["waybill_number", "waybill_source", "waybill_assigned_at"])
    record_audit(
        actor,
        "parcel.waybill_assigned",
        parcel,
        after={"order": parcel.order.number, "carrier": parcel.carrier, "number": number},
        detail={"source": source, "origin": origin},
    )


def _assign_from_range(parcel_id: int, actor: Actor) -> Parcel:
    with transaction.atomic():
        parcel = _locked_parcel(parcel_id)
        if parcel.waybill_number:
            return parcel
        _check_parcel(parcel)
        number_range = (
            NumberRange.objects.select_for_update()
            .filter(carrier=parcel.carrier, is_active=True, next_serial__lte=F("last"))
            .order_by("id")
            .first()
        )
        if number_range is None:
            raise ActionError(_exhausted_message(parcel.carrier))
        shape = shape_of(number_range)
        for _skip in range(MAX_SKIPPED):
            number = numbering.waybill_number(shape, number_range.next_serial)
            number_range.next_serial += 1
            taken = Parcel.objects.filter(carrier=parcel.carrier, waybill_number=number).exists()
            if not taken or number_range.next_serial > number_range.last:
                break
        if taken:
            raise ActionError(_exhausted_message(parcel.carrier))
        left = range_remaining(number_range)
        fields = ["next_serial"]
        if number_range.low_alerted_at is None and numbering.crosses_low_mark(
            left, number_range.low_alert_at
        ):
            number_range.low_alerted_at = now()
            fields.append("low_alerted_at")
            _alert_low_range(number_range, left)
        number_range.save(update_fields=fields)
        _write_number(parcel, actor, number, WaybillSource.RANGE, f"range:{number_range.pk}")
    return parcel


def _exhausted_message(carrier: str) -> str:
    info = registry.find_carrier(carrier)
    return _(
        "The waybill numbers of %(carrier)s are used up: a warehouse manager adds the "
        "carrier's next range on the number ranges page."
    ) % {"carrier": info.name() if info is not None else carrier}


def _alert_low_range(number_range: NumberRange, left: int) -> None:
    info = registry.find_carrier(number_range.carrier)
    name = info.name() if info is not None else number_range.carrier
    text = _("Waybill numbers of %(carrier)s run low: %(left)d left in %(range)s.") % {
        "carrier": name,
        "left": left,
        "range": _range_text(number_range),
    }
    managers = User.objects.with_perm(
        roles.MANAGE_WAREHOUSE, backend="django.contrib.auth.backends.ModelBackend"
    )
    alert_many(
        [
            AlertRequest(
                user=user,
                key=f"number-range-low:{number_range.pk}:{user.pk}",
                kind=LOW_RANGE_ALERT,
                text=text,
                link=reverse("warehouse:number_ranges"),
            )
            for user in managers
        ]
    )
