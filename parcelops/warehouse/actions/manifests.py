"""Hand-over by manifest (R3.2, end): a manifest is opened for one carrier's pickup at one
warehouse, labelled parcels are scanned into it (by waybill or order number), a wrong one
is taken off, and handing it over creates each parcel's shipment through the tracking
hand-over action (the order becomes shipped, tracking starts).

A parcel whose shipment cannot be created is reported and taken off the manifest, packed
and numbered as it was, so it can go with the next pickup; the others are handed over
(decision 0032). Each parcel is its own transaction, and is handed over at most once: a
second press of the button, or two at once, finds it done and skips it.
"""

import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.carriers import registry
from parcelops.carriers.detection import normalise_tracking_number
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError, NotPermittedError
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.tracking import actions as tracking_actions
from parcelops.warehouse.models import (
    Manifest,
    ManifestParcel,
    ManifestState,
    OperationKind,
    Parcel,
    Warehouse,
)
from parcelops.warehouse.operations import record_operation

MAX_DRIVER_NAME = 60
MAX_CODE_LENGTH = 64


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def _carrier_name(code: str) -> str:
    info = registry.find_carrier(code)
    return info.name() if info is not None else code


def open_manifest(actor: Actor, *, warehouse_id: int | None, carrier: str) -> Manifest:
    """A new manifest for one carrier's pickup at one warehouse."""
    require_permission(actor, roles.HAND_OVER_PARCELS)
    errors = []
    warehouse = (
        Warehouse.objects.filter(pk=warehouse_id, is_active=True).first() if warehouse_id else None
    )
    if warehouse is None:
        errors.append(FieldError("warehouse", _("Choose a warehouse.")))
    try:
        carrier = registry.resolve_carrier(carrier.strip())
    except registry.UnknownCarrierError as unknown:
        errors.append(FieldError("carrier", unknown.message))
    if errors:
        raise InputError(errors)
    assert warehouse is not None
    moment = now()
    with transaction.atomic():
        manifest = Manifest.objects.create(
            number=f"new-{uuid.uuid4().hex[:16]}",
            warehouse=warehouse,
            carrier=carrier,
            created_by=_user(actor),
            created_at=moment,
        )
        local_day = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
        manifest.number = f"MF{local_day:%Y%m%d}-{manifest.pk:05d}"
        manifest.save(update_fields=["number"])
        record_audit(
            actor,
            "manifest.opened",
            manifest,
            after={"carrier": carrier, "warehouse": warehouse.code},
        )
    return manifest


def _open_manifest_locked(manifest_id: int) -> Manifest:
    manifest = Manifest.objects.select_for_update().filter(pk=manifest_id).first()
    if manifest is None:
        raise InputError([FieldError("manifest", _("No such manifest."))])
    if manifest.state != ManifestState.OPEN:
        raise ActionError(_("This manifest is handed over already."))
    return manifest


def find_scanned_parcel(code: str, carrier: str) -> Parcel | None:
    """The parcel a scan names: by its waybill number (this carrier's first), else by its
    order number."""
    number = normalise_tracking_number(code)
    if number:
        by_waybill = list(Parcel.objects.select_related("order").filter(waybill_number=number)[:5])
        by_waybill.sort(key=lambda parcel: parcel.carrier != carrier)
        if by_waybill:
            return by_waybill[0]
    order = Order.objects.filter(number=code.strip()).first() or (
        Order.objects.filter(number=code.strip().upper()).first()
    )
    if order is None:
        return None
    return Parcel.objects.select_related("order").filter(order=order).first()


def scan_into_manifest(actor: Actor, manifest_id: int, code: str) -> ManifestParcel:
    """Put one labelled, packed parcel of the manifest's carrier and warehouse on it; any
    other scan is refused with the reason, and nothing changes."""
    require_permission(actor, roles.HAND_OVER_PARCELS)
    code = code.strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        raise InputError([FieldError("code", _("Scan a waybill number or an order number."))])
    with transaction.atomic():
        manifest = _open_manifest_locked(manifest_id)
        parcel = find_scanned_parcel(code, manifest.carrier)
        if parcel is None:
            raise InputError([FieldError("code", _("No parcel has this waybill or order number."))])
        parcel = Parcel.objects.select_for_update().select_related("order").get(pk=parcel.pk)
        refusal = _scan_refusal(parcel, manifest)
        if refusal:
            raise InputError([FieldError("code", refusal)])
        entry = ManifestParcel.objects.create(
            manifest=manifest, parcel=parcel, scanned_by=_user(actor), scanned_at=now()
        )
        record_audit(
            actor,
            "manifest.parcel_scanned",
            manifest,
            detail={"order": parcel.order.number, "waybill": parcel.waybill_number},
        )
    return entry


def _scan_refusal(parcel: Parcel, manifest: Manifest) -> str:
    """Why this parcel may not go on this manifest, or ""."""
    order = parcel.order
    existing = ManifestParcel.objects.select_related("manifest").filter(parcel=parcel).first()
    if existing is not None:
        if existing.manifest_id == manifest.pk:
            return _("Already scanned into this manifest: %(order)s.") % {"order": order.number}
        return _("%(order)s is already on manifest %(manifest)s.") % {
            "order": order.number,
            "manifest": existing.manifest.number,
        }
    if parcel.handed_over_at is not None or order.state != OrderState.PACKED:
        if parcel.handed_over_at is not None or order.state == OrderState.SHIPPED:
            return _("%(order)s is handed over already.") % {"order": order.number}
        return _("%(order)s is not packed (it is %(state)s).") % {
            "order": order.number,
            "state": OrderState(order.state).label,
        }
    if not parcel.waybill_number:
        return _("%(order)s has no waybill number yet: print its label first.") % {
            "order": order.number
        }
    if parcel.label_printed_at is None:
        return _("%(order)s has no printed label yet: print it first.") % {"order": order.number}
    if parcel.carrier != manifest.carrier:
        return _("%(order)s goes with %(parcel_carrier)s, not %(carrier)s.") % {
            "order": order.number,
            "parcel_carrier": _carrier_name(parcel.carrier),
            "carrier": _carrier_name(manifest.carrier),
        }
    if parcel.warehouse_id != manifest.warehouse_id:
        return _("%(order)s was packed at another warehouse.") % {"order": order.number}
    return ""


def remove_from_manifest(actor: Actor, manifest_id: int, parcel_id: int) -> None:
    """Take a wrongly scanned parcel off an open manifest."""
    require_permission(actor, roles.HAND_OVER_PARCELS)
    with transaction.atomic():
        manifest = _open_manifest_locked(manifest_id)
        entry = (
            ManifestParcel.objects.select_related("parcel__order")
            .filter(manifest=manifest, parcel_id=parcel_id)
            .first()
        )
        if entry is None:
            raise InputError([FieldError("parcel", _("This parcel is not on this manifest."))])
        entry.delete()
        record_audit(
            actor,
            "manifest.parcel_removed",
            manifest,
            detail={"order": entry.parcel.order.number, "waybill": entry.parcel.waybill_number},
        )


@dataclass
class HandOverResult:
    manifest: Manifest
    handed_over: list[Parcel] = field(default_factory=list)
    failed: list[tuple[Parcel, str]] = field(default_factory=list)


def hand_over_manifest(actor: Actor, manifest_id: int, *, driver_name: str) -> HandOverResult:
    """Hand the manifest's parcels to the carrier's driver: a shipment for each (the order
    becomes shipped, tracking starts), the parcel's hand-over time and an Operation row.
    A parcel that fails is reported and taken off; the manifest is handed over with the
    rest. When every parcel fails, the manifest stays open and nothing is handed over."""
    require_permission(actor, roles.HAND_OVER_PARCELS)
    require_permission(actor, roles.SHIP_ORDER)
    driver_name = driver_name.strip()
    if not driver_name or len(driver_name) > MAX_DRIVER_NAME:
        raise InputError(
            [FieldError("driver_name", _("Enter the driver's name (at most 60 characters)."))]
        )
    with transaction.atomic():
        manifest = _open_manifest_locked(manifest_id)
        entries = list(
            ManifestParcel.objects.select_related("parcel__order").filter(manifest=manifest)
        )
    if not entries:
        raise ActionError(_("Scan at least one parcel into the manifest first."))
    result = HandOverResult(manifest)
    for entry in entries:
        try:
            parcel = _hand_over_one(actor, manifest, entry)
        except (ActionError, InputError, NotPermittedError) as error:
            message = (
                "; ".join(e.message for e in error.errors)
                if isinstance(error, InputError)
                else str(error)
            )
            result.failed.append((entry.parcel, message))
            continue
        if parcel is not None:
            result.handed_over.append(parcel)
    with transaction.atomic():
        manifest = Manifest.objects.select_for_update().get(pk=manifest.pk)
        failed_ids = [parcel.pk for parcel, _message in result.failed]
        if result.handed_over and manifest.state == ManifestState.OPEN:
            ManifestParcel.objects.filter(manifest=manifest, parcel_id__in=failed_ids).delete()
            manifest.state = ManifestState.HANDED_OVER
            manifest.handed_over_by = _user(actor)
            manifest.handed_over_at = now()
            manifest.driver_name = driver_name
            manifest.save(
                update_fields=["state", "handed_over_by", "handed_over_at", "driver_name"]
            )
        record_audit(
            actor,
            "manifest.handed_over" if result.handed_over else "manifest.hand_over_failed",
            manifest,
            detail={
                "driver": driver_name,
                "handed_over": [parcel.order.number for parcel in result.handed_over],
                "failed": {parcel.order.number: message for parcel, message in result.failed},
            },
        )
    result.manifest = manifest
    return result


def _hand_over_one(actor: Actor, manifest: Manifest, entry: ManifestParcel) -> Parcel | None:
    """One parcel's shipment, hand-over time and Operation, in one transaction; None when
    it was handed over already (a second press of the button)."""
    with transaction.atomic():
        parcel = Parcel.objects.select_for_update().select_related("order").get(pk=entry.parcel_id)
        if parcel.handed_over_at is not None:
            return None
        tracking_actions.create_shipment(
            parcel.order,
            manifest.carrier,
            parcel.waybill_number,
            actor,
            service=parcel.service,
            label_created_at=parcel.label_printed_at,
        )
        moment = now()
        parcel.handed_over_at = moment
        parcel.save(update_fields=["handed_over_at"])
        record_operation(
            OperationKind.HAND_OVER, _user(actor), parcel.order_id, entry.scanned_at, moment
        )
    return parcel
