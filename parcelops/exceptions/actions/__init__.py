"""Every change to an exception case: opened and cleared by detection (ingestion and the
sweep), worked by people. One transaction each, a CaseEvent and an audit record."""

from parcelops.exceptions.actions.detecting import detect_from_tracking, is_settled
from parcelops.exceptions.actions.handling import (
    CONTACT_CHANNELS,
    add_note,
    assign_case,
    change_severity,
    close_case,
    contact_carrier,
    file_claim,
    notify_customer,
    refund,
    report_case,
    reship,
    search_summaries,
    similar_summaries,
)
from parcelops.exceptions.actions.opening import (
    Outcome,
    Target,
    clear_conditions,
    clear_order_cases,
    open_or_update,
)
from parcelops.exceptions.actions.sweeping import SweepReport, sweep

__all__ = [
    "CONTACT_CHANNELS",
    "Outcome",
    "SweepReport",
    "Target",
    "add_note",
    "assign_case",
    "change_severity",
    "clear_conditions",
    "clear_order_cases",
    "close_case",
    "contact_carrier",
    "detect_from_tracking",
    "file_claim",
    "is_settled",
    "notify_customer",
    "open_or_update",
    "refund",
    "report_case",
    "reship",
    "search_summaries",
    "similar_summaries",
    "sweep",
]
