"""Changes to the Carrier table: saving a carrier (the admin), removing one, and mapping a
provider's carrier code onto one of ours. Each writes the audit trail and tells every
process to reload its copy of the table once the change is committed."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.carriers import registry
from parcelops.carriers.models import Carrier, PriceRule, name_clashes
from parcelops.core.errors import FieldError, InputError


def _changed() -> None:
    registry.carrier_table_changing()
    transaction.on_commit(registry.carriers_changed)


def _audited(row: Carrier) -> dict[str, Any]:
    return registry.row_fields(row.info())


def _ensure_seeded() -> None:
    """The table is empty only before its seed ran (or after a test flushed it): a first
    row written now must not hide the built-in carriers, so they are written first."""
    if not Carrier.objects.exists():
        Carrier.objects.bulk_create(carrier_rows(registry.CARRIERS))


def carrier_rows(carriers: tuple[registry.CarrierInfo, ...]) -> list[Carrier]:
    return [Carrier(**registry.row_fields(info)) for info in carriers]


def save_carrier(row: Carrier, actor: Actor) -> Carrier:
    """Add or change a carrier (already validated by its form, as the admin does)."""
    with transaction.atomic():
        before = _audited(Carrier.objects.get(pk=row.pk)) if row.pk is not None else None
        _ensure_seeded()
        row.save()
        record_audit(
            actor,
            "carrier.changed" if before else "carrier.added",
            row,
            before=before,
            after=_audited(row),
        )
        _changed()
    return row


def delete_carrier(row: Carrier, actor: Actor) -> None:
    """Remove a carrier. Its parcels keep its code, shown as the code itself from then on;
    clearing "in use" is usually what is meant."""
    with transaction.atomic():
        record_audit(actor, "carrier.deleted", row, before=_audited(row))
        row.delete()
        _changed()


def add_provider_code(
    carrier_code: str, provider: str, provider_code: str, actor: Actor
) -> Carrier:
    """From now on the provider's code means our carrier (staff map a code a push named
    that no carrier had). Raises InputError when the carrier is unknown or the code is
    another carrier's; mapping a code the carrier already has changes nothing."""
    require_permission(actor, roles.SHIP_ORDER)
    code = provider_code.strip().lower()
    provider = provider.strip()
    errors = []
    if not code:
        errors.append(FieldError("provider_code", _("This field is required.")))
    if not provider:
        errors.append(FieldError("provider", _("This field is required.")))
    if errors:
        raise InputError(errors)
    with transaction.atomic():
        _ensure_seeded()
        row = Carrier.objects.select_for_update().filter(code=carrier_code).first()
        if row is None:
            raise InputError(
                [FieldError("carrier", registry.UnknownCarrierError(carrier_code).message)]
            )
        codes = list(row.provider_codes.get(provider, []))
        if code in (existing.lower() for existing in codes):
            return row
        before = _audited(row)
        row.provider_codes = {**row.provider_codes, provider: [*codes, code]}
        clash = name_clashes(row.info(), Carrier.objects.exclude(pk=row.pk))
        if "provider_codes" in clash:
            raise InputError([FieldError("provider_code", clash["provider_codes"])])
        row.save(update_fields=["provider_codes"])
        record_audit(actor, "carrier.provider_code_added", row, before=before, after=_audited(row))
        _changed()
    return row


def _price_fields(rule: PriceRule) -> dict[str, Any]:
    return {
        "carrier": rule.carrier.code,
        "service": rule.service,
        "origin_province": rule.origin_province,
        "destination_province": rule.destination_province,
        "first_weight_grams": rule.first_weight_grams,
        "first_cents": rule.first_cents,
        "additional_weight_grams": rule.additional_weight_grams,
        "additional_cents": rule.additional_cents,
        "currency": rule.currency,
    }


def save_price_rule(rule: PriceRule, actor: Actor) -> PriceRule:
    """Add or change one zone of a carrier's price table (already validated by its form,
    as the admin does). Audited: freight bills are checked against these prices."""
    with transaction.atomic():
        before = (
            _price_fields(PriceRule.objects.select_related("carrier").get(pk=rule.pk))
            if rule.pk is not None
            else None
        )
        rule.save()
        record_audit(
            actor,
            "carrier.price_changed" if before else "carrier.price_added",
            rule,
            before=before,
            after=_price_fields(rule),
        )
    return rule


def delete_price_rule(rule: PriceRule, actor: Actor) -> None:
    with transaction.atomic():
        record_audit(actor, "carrier.price_deleted", rule, before=_price_fields(rule))
        rule.delete()
