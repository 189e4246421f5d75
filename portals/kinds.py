"""The job kinds this release runs, each declared once (see :mod:`portals.jobs`)."""

from __future__ import annotations

from bots.parsing import verify_claims, verify_patient
from portals.claims import ClaimResult, ClaimSearchRequest
from portals.jobs import Capability, JobKind, register_kind
from portals.model import EligibilityRequest, EligibilityResult


def _eligibility_guard(request: EligibilityRequest, result: EligibilityResult) -> None:
    verify_patient(result.member, request)


def _claims_guard(request: ClaimSearchRequest, result: ClaimResult) -> None:
    verify_claims(result, request)


ELIGIBILITY = register_kind(JobKind(
    name="eligibility",
    title="eligibility check",
    capability=Capability.ELIGIBILITY,
    bot_method="check_eligibility",
    request_model=EligibilityRequest,
    result_model=EligibilityResult,
    resource="eligibility-checks",
    ui_page="/checks",
    repeat_harmless=True,
    guard=_eligibility_guard,
))

CLAIM_STATUS = register_kind(JobKind(
    name="claim_status",
    title="claim status check",
    capability=Capability.CLAIMS,
    bot_method="search_claims",
    request_model=ClaimSearchRequest,
    result_model=ClaimResult,
    resource="claim-status-checks",
    ui_page="/claims",
    repeat_harmless=True,
    guard=_claims_guard,
))
