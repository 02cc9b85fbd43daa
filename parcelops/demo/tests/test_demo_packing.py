"""The demo's packing materials: loaded once, each one's stock the sum of its moves."""

import pytest
from django.db.models import Sum

from parcelops.demo.packing import MATERIALS, ensure_packing_materials
from parcelops.warehouse.models import MaterialMove, PackingMaterial


@pytest.mark.django_db
def test_the_catalogue_is_loaded_once_with_its_stock_as_moves(frozen_now):
    assert ensure_packing_materials() == len(MATERIALS)
    assert ensure_packing_materials() == 0

    box = PackingMaterial.objects.get(code="BOX-M")
    assert (box.kind, box.length_mm, box.width_mm, box.height_mm, box.weight_grams) == (
        "box",
        300,
        250,
        200,
        250,
    )
    for material in PackingMaterial.objects.all():
        moved = MaterialMove.objects.filter(material=material).aggregate(n=Sum("quantity"))["n"]
        assert material.on_hand == moved
