"""Prior-authorization requests as staff read them: the state and the payer's decision in
words with a colour, the timeline's events in words, the lists staff filter by."""

from __future__ import annotations

from dataclasses import dataclass

from api.prior_auth_schemas import DecisionPublic, PriorAuthSummary, TimelineEntry
from portals.prior_auth import CertificationAction
from storage.models import PriorAuthState
from storage.prior_auths import Listing

LISTINGS: list[tuple[Listing, str]] = [
    (Listing.OPEN, "Open"), (Listing.OVERDUE, "Overdue"), (Listing.DECIDED, "Decided"),
    (Listing.OUTCOME_UNKNOWN, "Outcome unknown"), (Listing.FAILED, "Failed"),
    (Listing.QUEUED, "Queued"), (Listing.CLOSED, "Closed"), (Listing.ALL, "All"),
]
ATTENTION = (Listing.OVERDUE, Listing.OUTCOME_UNKNOWN, Listing.FAILED)
"""The lists whose size the list page shows: each entry waits on a person."""

STATE_WORDS = {
    PriorAuthState.QUEUED: "Queued for submission",
    PriorAuthState.SUBMITTED: "Submitted",
    PriorAuthState.OUTCOME_UNKNOWN: "Outcome unknown",
    PriorAuthState.FAILED: "Failed (not submitted)",
    PriorAuthState.CLOSED: "Closed",
}
STATE_NOTES = {
    PriorAuthState.QUEUED: "A bot will submit it to the portal; it first looks for it there, "
    "so it is never submitted twice.",
    PriorAuthState.OUTCOME_UNKNOWN: "A bot may have submitted it, and the portal does not "
    "show it. Check the portal, then resubmit or close it: nothing happens by itself.",
    PriorAuthState.FAILED: "Nothing reached the portal. Resubmit it (after fixing what "
    "the message says) or close it.",
    PriorAuthState.CLOSED: "Closed by a person; it is not followed any more.",
}
_DECISION_CLASS = {
    CertificationAction.CERTIFIED: "approved",
    CertificationAction.PARTIAL: "partial",
    CertificationAction.MODIFIED: "partial",
    CertificationAction.NOT_CERTIFIED: "denied",
    CertificationAction.PENDED: "pended",
    CertificationAction.CONTACT_PAYER: "more-info",
    CertificationAction.CANCELLED: "cancelled",
}
EVENT_WORDS = {
    "created": "Created",
    "submitted": "Submitted to the portal",
    "found_existing": "Found already submitted in the portal",
    "status": "Status",
    "status_failed": "Status read failed",
    "outcome_unknown": "Outcome unknown",
    "failed": "Submission failed",
    "retried": "Sent back to the queue",
    "resolved_resubmit": "Resubmitted by a person",
    "resolved_close": "Closed by a person",
    "refresh_requested": "Status refresh requested",
}
JOB_WORDS = {"prior_auth_submit": "Submission", "prior_auth_status": "Status read"}


def state_words(state: str) -> str:
    try:
        return STATE_WORDS[PriorAuthState(state)]
    except ValueError:
        return state


def decision_class(decision: DecisionPublic | None) -> str:
    if decision is None:
        return "none"
    try:
        return _DECISION_CLASS[CertificationAction(decision.action)]
    except ValueError:
        return "none"


@dataclass(frozen=True)
class Row:
    """One request in a list."""

    pa: PriorAuthSummary
    state: str
    decision_class: str
    patient: str
    carrier_name: str


def row(pa: PriorAuthSummary, carrier_name: str) -> Row:
    return Row(pa=pa, state=state_words(pa.state), decision_class=decision_class(pa.decision),
               patient=f"{pa.last_name}, {pa.first_name}", carrier_name=carrier_name)


@dataclass(frozen=True)
class TimelineLine:
    at: TimelineEntry
    words: str


def timeline_line(entry: TimelineEntry) -> TimelineLine:
    words = EVENT_WORDS.get(entry.event, entry.event.replace("_", " ").capitalize())
    if entry.event == "status" and entry.portal_status:
        words = f"Status: {entry.portal_status}"
    return TimelineLine(at=entry, words=words)


def listing_of(raw: str | None, default: Listing = Listing.OPEN) -> Listing:
    try:
        return Listing(raw) if raw else default
    except ValueError:
        return default
