"""The demo's freight bills (R4.3): for each carrier with price rules, a bill of the month
of its latest parcels, as a carrier would send it: most lines as its rules quote, a few
over-billed, an unknown waybill and a parcel billed twice. Imported through the same
action as a real bill; a month already imported is left alone. Nothing when no carrier
has price rules (the carrier-choice demo tables bring them)."""

import csv
import random
import tempfile
from datetime import date
from pathlib import Path

from django.db.models import Max

from parcelops.carriers.models import PriceRule
from parcelops.tracking.models import Shipment
from parcelops.warehouse.actions.freight import carrier_prices, import_freight_bill
from parcelops.warehouse.freight import Measured
from parcelops.warehouse.freight_files import load_bill_mapping
from parcelops.warehouse.models import FreightBill

LINES_PER_BILL = 300
OVER_EVERY = 17  # a line billed 3 yuan over its quote
OVER_CENTS = 300


def load_demo_bills(seed: int = 16) -> list[FreightBill]:
    """One bill per carrier with price rules and parcels; the bills it imported."""
    carriers = sorted(set(PriceRule.objects.values_list("carrier__code", flat=True)))
    bills = []
    for carrier in carriers:
        latest = Shipment.objects.filter(carrier=carrier).aggregate(at=Max("created_at"))["at"]
        if latest is None:
            continue
        month = latest.date().replace(day=1)
        if FreightBill.objects.filter(carrier=carrier, month=month).exists():
            continue
        bill = _import_bill(carrier, month, random.Random(f"{seed}-{carrier}"))  # noqa: S311 (repeatable)
        if bill is not None:
            bills.append(bill)
    return bills


def _import_bill(carrier: str, month: date, rng: random.Random) -> FreightBill | None:
    parcels = list(
        Shipment.objects.filter(carrier=carrier, created_at__date__gte=month)
        .order_by("created_at", "id")
        .values_list("tracking_number", "service", "origin_province", "destination_province")[
            :LINES_PER_BILL
        ]
    )
    prices = carrier_prices(carrier)
    rows = []
    for index, (number, service, origin, destination) in enumerate(parcels):
        grams = rng.randrange(300, 3000, 100)
        quote = prices.quote(service, origin, destination, Measured(grams))
        cents = quote.cents if quote is not None else 1000
        if index % OVER_EVERY == OVER_EVERY - 1:
            cents += OVER_CENTS
        rows.append([number, f"{cents / 100:.2f}", f"{grams / 1000:g}", destination])
    if not rows:
        return None
    rows.append(["DEMO" + "".join(rng.choice("0123456789") for _ in range(10)), "12.00", "1", ""])
    rows.append(rows[0])  # the first parcel billed again
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{carrier}-{month:%Y-%m}.csv"
        with path.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(["运单号", "运费", "计费重量", "目的省份"])
            writer.writerows(rows)
        result = import_freight_bill(
            None,
            path=path,
            file_name=path.name,
            carrier=carrier,
            month=month,
            mapping=load_bill_mapping("generic"),
        )
    return result.bill
