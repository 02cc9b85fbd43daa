"""The demo's packing-material catalogue (R3.2): boxes S/M/L, bubble wrap, tape and
mailer bags, with stock. Idempotent: a material already there is left as it is."""

from parcelops.core.clock import now
from parcelops.warehouse.models import MaterialMove, PackingMaterial, PackingMaterialKind

BOX, FILLER, TAPE, BAG = (
    PackingMaterialKind.BOX,
    PackingMaterialKind.FILLER,
    PackingMaterialKind.TAPE,
    PackingMaterialKind.BAG,
)
# code, Chinese name, English name, kind, length x width x height (mm), weight (g), stock
MATERIALS = [
    ("BOX-S", "小号纸箱", "Small box", BOX, (200, 150, 100), 120, 400),
    ("BOX-M", "中号纸箱", "Medium box", BOX, (300, 250, 200), 250, 300),
    ("BOX-L", "大号纸箱", "Large box", BOX, (450, 350, 300), 480, 150),
    ("BUBBLE", "气泡膜（1 米）", "Bubble wrap (1 m)", FILLER, (0, 0, 0), 20, 500),
    ("TAPE", "封箱胶带（1 段）", "Packing tape (1 strip)", TAPE, (0, 0, 0), 5, 2000),
    ("BAG-S", "小号快递袋", "Small mailer bag", BAG, (250, 350, 0), 15, 600),
    ("BAG-L", "大号快递袋", "Large mailer bag", BAG, (400, 500, 0), 30, 300),
]


def ensure_packing_materials() -> int:
    """The catalogue, each new material's opening stock as its first move; how many new."""
    created_count = 0
    for code, name_zh, name_en, kind, (length, width, height), weight, stock in MATERIALS:
        material, created = PackingMaterial.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "kind": kind,
                "length_mm": length,
                "width_mm": width,
                "height_mm": height,
                "weight_grams": weight,
                "on_hand": stock,
            },
        )
        if created:
            # On hand is the sum of the moves: the opening stock is the first one.
            MaterialMove.objects.create(
                material=material, quantity=stock, at=now(), reason="demo opening stock"
            )
            created_count += 1
    return created_count
