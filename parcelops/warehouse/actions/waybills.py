"""Waybill numbers (R3.3): a carrier's number ranges (added by a warehouse manager), and
a packed parcel's number, from its carrier's range or its e-waybill provider, before its
label prints. The number stays on the parcel until the manifest hands it over; assigning
again keeps the first.

Two packers never get the same number: the range's row is locked (SELECT ... FOR UPDATE
on PostgreSQL; SQLite's writer lock) while its next serial is taken, and the parcel table's
unique (carrier, waybill_number) is the last guard. A range that falls below its alert
mark alerts the warehouse managers once; a used-up one says so and names the page to fix it.
"""

from collections.abc import Sequence
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
    return assign_waybills([parcel], actor)[0]


def assign_waybills(parcels: Sequence[Parcel], actor: Actor) -> list[Parcel]:
    """Waybill numbers for a wave's parcels, in the given order: each keeps the number it
    has; those of a carrier with an e-waybill provider ask it one by one; the others take
    theirs from their carriers' ranges in one step (decision 0036). Refused, numbering
    nothing from a range, when any parcel may not have a number yet."""
    require_permission(actor, roles.PACK_ORDERS)
    ids = list(dict.fromkeys(parcel.pk for parcel in parcels))
    found = {p.pk: p for p in Parcel.objects.select_related("order").filter(pk__in=ids)}
    unnumbered = [found[pk] for pk in ids if pk in found and not found[pk].waybill_number]
    for parcel in unnumbered:
        _check_parcel(parcel)
    providers = {
        carrier: ewaybill.provider_for(carrier)
        for carrier in {parcel.carrier for parcel in unnumbered}
    }
    from_range = [p.pk for p in unnumbered if providers[p.carrier] is None]
    if from_range:
        found.update(_assign_from_ranges(from_range, actor))
    for parcel in unnumbered:
        provider = providers[parcel.carrier]
        if provider is None:
            continue
        # The provider is asked outside any transaction: a slow answer holds no lock.
        try:
            number = provider.order_waybill(ewaybill_facts(parcel))
        except ewaybill.EwaybillError as error:
            raise ActionError(error.message) from error
        found[parcel.pk] = _hold_number(
            parcel.pk, actor, number, WaybillSource.PROVIDER, provider.name
        )
    return [found[pk] for pk in ids if pk in found]


def _locked_parcel(parcel_id: int) -> Parcel:
    return Parcel.objects.select_for_update().select_related("order").get(pk=parcel_id)


def _hold_number(parcel_id: int, actor: Actor, number: str, source: str, origin: str) -> Parcel:
    try:
        with transaction.atomic():
            parcel = _locked_parcel(parcel_id)
            if parcel.waybill_number:  # another packer's request won: keep the first
                return parcel
            _check_parcel(parcel)
            parcel.waybill_number = number
            parcel.waybill_source = source
            parcel.waybill_assigned_at = now()
            parcel.save(update_fields=ASSIGNED_FIELDS)
            _audit_numbers(actor, [parcel], source, [origin])
    except IntegrityError as error:
        raise ActionError(
            _("The waybill number %(number)s is already on another parcel of this carrier.")
            % {"number": number}
        ) from error
    return parcel


ASSIGNED_FIELDS = ["waybill_number", "waybill_source", "waybill_assigned_at"]


def _audit_numbers(actor: Actor, parcels: list[Parcel], source: str, origins: list[str]) -> None:
    """One record for the numbers given in one step: the parcel's own for one parcel, the
    batch's (first id +N, as a print's record) for a wave."""
    numbered = [
        {"order": p.order.number, "carrier": p.carrier, "number": p.waybill_number} for p in parcels
    ]
    if len(parcels) == 1:
        target: Parcel | tuple[str, str] = parcels[0]
        after: Any = numbered[0]
    else:
        target = ("warehouse.parcel", f"{parcels[0].pk}+{len(parcels) - 1}")
        after = {"parcels": numbered}
    detail: dict[str, Any] = {
        "source": source,
        "origin": origins[0] if len(origins) == 1 else origins,
    }
    if len(parcels) > 1:  # the digest of `after` is all the record keeps of it
        detail["numbers"] = {p.order.number: p.waybill_number for p in parcels}
    record_audit(actor, "parcel.waybill_assigned", target, after=after, detail=detail)


def _assign_from_ranges(parcel_ids: list[int], actor: Actor) -> dict[int, Parcel]:
    """Numbers from the carriers' ranges for these parcels, all in one transaction: the
    parcels and each carrier's ranges locked once, the serials taken together, the numbers
    already on a parcel skipped (one query a chunk), the parcels written in one bulk
    update, one audit record, the low alert once a range."""
    try:
        with transaction.atomic():
            locked = list(
                Parcel.objects.select_for_update()
                .select_related("order")
                .filter(pk__in=parcel_ids)
                .order_by("pk")
            )
            position = {pk: index for index, pk in enumerate(parcel_ids)}
            todo = sorted(
                (parcel for parcel in locked if not parcel.waybill_number),
                key=lambda parcel: position[parcel.pk],
            )  # locked in id order (no deadlock), numbered in the wave's
            for parcel in todo:
                _check_parcel(parcel)
            by_carrier: dict[str, list[Parcel]] = {}
            for parcel in todo:
                by_carrier.setdefault(parcel.carrier, []).append(parcel)
            moment = now()
            origins: list[str] = []
            for carrier in sorted(by_carrier):
                group = by_carrier[carrier]
                for parcel, (number, origin) in zip(
                    group, _take_numbers(carrier, len(group)), strict=True
                ):
                    parcel.waybill_number = number
                    parcel.waybill_source = WaybillSource.RANGE
                    parcel.waybill_assigned_at = moment
                    if origin not in origins:
                        origins.append(origin)
            if todo:
                Parcel.objects.bulk_update(todo, ASSIGNED_FIELDS, batch_size=BULK_CHUNK)
                _audit_numbers(actor, todo, WaybillSource.RANGE, origins)
    except IntegrityError as error:  # a number typed by hand meanwhile: nothing was written
        raise ActionError(
            _("A waybill number was just taken by another parcel; print again.")
        ) from error
    return {parcel.pk: parcel for parcel in locked}


BULK_CHUNK = 500  # serials checked (and parcels written) per statement


def _take_numbers(carrier: str, count: int) -> list[tuple[str, str]]:
    """`count` unused numbers of the carrier with the range each came from, from its
    ranges in use, oldest first; their rows locked and their next serials moved on.
    Refused when the ranges hold fewer."""
    ranges = list(
        NumberRange.objects.select_for_update()
        .filter(carrier=carrier, is_active=True, next_serial__lte=F("last"))
        .order_by("id")
    )
    taken: list[tuple[str, str]] = []
    skipped = 0
    for number_range in ranges:
        shape = shape_of(number_range)
        origin = f"range:{number_range.pk}"
        start = number_range.next_serial
        while len(taken) < count and number_range.next_serial <= number_range.last:
            first = number_range.next_serial
            last = min(number_range.last, first + min(count - len(taken), BULK_CHUNK) - 1)
            candidates = [numbering.waybill_number(shape, s) for s in range(first, last + 1)]
            used = set(
                Parcel.objects.filter(carrier=carrier, waybill_number__in=candidates).values_list(
                    "waybill_number", flat=True
                )
            )
            taken += [(number, origin) for number in candidates if number not in used]
            skipped += len(used)
            number_range.next_serial = last + 1
            if skipped >= MAX_SKIPPED:
                raise ActionError(_exhausted_message(carrier))
        if number_range.next_serial == start:
            break  # enough numbers already: this range and the later ones stay as they are
        _save_taken(number_range)
    if len(taken) < count:
        raise ActionError(_exhausted_message(carrier))
    return taken


def _save_taken(number_range: NumberRange) -> None:
    """The range's next serial, and its low alert the first time it falls below the mark."""
    left = range_remaining(number_range)
    fields = ["next_serial"]
    if number_range.low_alerted_at is None and numbering.crosses_low_mark(
        left, number_range.low_alert_at
    ):
        number_range.low_alerted_at = now()
        fields.append("low_alerted_at")
        _alert_low_range(number_range, left)
    number_range.save(update_fields=fields)


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
