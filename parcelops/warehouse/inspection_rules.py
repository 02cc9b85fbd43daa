"""Safety inspections' pure rules (R3.1.4): the default checklists, when a schedule is due
or overdue, and which uploaded files are photos we keep. No database, no clock: callers
pass the shop's date."""

from datetime import date, timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parcelops.warehouse.models import InspectionKind

ANSWERS = ("ok", "problem")
# An inspection within this many days (today included) is "due soon" on the home page.
DUE_SOON_DAYS = 7
DEFAULT_EVERY_DAYS = {
    InspectionKind.FIRE: 30,
    InspectionKind.THEFT: 7,
    InspectionKind.DAMP: 14,
    InspectionKind.PESTS: 30,
}

# The checklist a new schedule starts with, in the language of the person who sets it up
# (they edit it freely: the checklist is the warehouse's, not the code's).
DEFAULT_CHECKLISTS: dict[str, tuple[Promise, ...]] = {
    InspectionKind.FIRE: (
        _("Extinguishers in place, sealed, gauge in the green, inspected within the year"),
        _("Fire exits and escape routes clear and unlocked; exit signs lit"),
        _("Hydrants and sprinkler heads unobstructed (no stock within 50 cm)"),
        _("No stored goods blocking electrical panels; no overloaded sockets or loose wiring"),
        _("Packing waste removed; no smoking materials in the storage area"),
        _("Battery-charging area (forklifts, handhelds) ventilated and clear of cartons"),
    ),
    InspectionKind.THEFT: (
        _("Doors, shutters and windows lock; locks and seals undamaged"),
        _("Cameras record and cover the doors, the packing area and high-value bins"),
        _("High-value cage locked; key log complete"),
        _("Visitor and driver log up to date; no unaccompanied visitors on the floor"),
        _("Alarm armed outside working hours; last test within the month"),
    ),
    InspectionKind.DAMP: (
        _("No water stains, drips or puddles on the roof, walls or floor"),
        _("Gutters, drains and downpipes clear"),
        _("Humidity in range for the stock (check the hygrometer: below 65%)"),
        _("Goods stored on pallets or shelves, not on the floor; cartons dry, no mould"),
        _("Dock doors seal when closed"),
    ),
    InspectionKind.PESTS: (
        _("Bait stations and traps in place, numbered and checked"),
        _("No droppings, gnaw marks or nesting material"),
        _("No insects in stored goods, especially tea and textiles"),
        _("Doors and gaps sealed; dock brushes intact"),
        _("Food and waste kept out of the storage area; bins emptied"),
    ),
}


def default_checklist(kind: str) -> list[str]:
    """The default questions of a kind, in the active language."""
    return [str(question) for question in DEFAULT_CHECKLISTS.get(kind, ())]


def is_overdue(next_due: date, today: date) -> bool:
    """Overdue from the day after it was due: due today is still in time."""
    return next_due < today


def is_due_soon(next_due: date, today: date) -> bool:
    """Due within DUE_SOON_DAYS from today, today included, and not yet overdue."""
    return today <= next_due < today + timedelta(days=DUE_SOON_DAYS)


def next_due_after(inspected_on: date, every_days: int) -> date:
    """A schedule's next date after an inspection on `inspected_on`."""
    return inspected_on + timedelta(days=every_days)


# --- photos ------------------------------------------------------------------------------

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 12
PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def photo_extension(head: bytes) -> str | None:
    """The kept file's extension from its first bytes ("jpg", "png", "webp"), None when
    they are not one of those images whatever the name or the browser claims."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None
