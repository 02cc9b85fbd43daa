"""Carrier choice's nightly work: the carriers' scores measured again from the last year of
tracking history (imported by parcelops.warehouse.wiring so every worker registers it)."""

import logging

from huey import crontab

from parcelops.core.periodic import periodic_task
from parcelops.warehouse.actions import choice

logger = logging.getLogger(__name__)


@periodic_task(crontab(minute="40", hour="3"))
def refresh_carrier_scores() -> int:
    """Each night (03:40 UTC, 11:40 in China, before the afternoon's packing) the
    scores are rebuilt; the ranking reads them all day."""
    lanes = choice.refresh_carrier_scores()
    logger.info("carrier scores refreshed: %d lanes", lanes)
    return lanes
