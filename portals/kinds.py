"""The job kinds this release runs, each declared once (see :mod:`portals.jobs`)."""

from __future__ import annotations

from bots.errors import InconsistentResult
from bots.parsing import verify_claims, verify_patient
from portals.claims import ClaimResult, ClaimSearchRequest
from portals.jobs import Capability, JobKind, register_kind
from portals.library import LibraryRequest, LibraryResult, library_problems
from portals.model import EligibilityRequest, EligibilityResult
from portals.prior_auth import (
    PriorAuthCase,
    PriorAuthRequest,
    PriorAuthStatusRequest,
    case_problems,
)


def _eligibility_guard(request: EligibilityRequest, result: EligibilityResult) -> None:
    verify_patient(result.member, request)


def _claims_guard(request: ClaimSearchRequest, result: ClaimResult) -> None:
    verify_claims(result, request)


def _prior_auth_guard(request: PriorAuthRequest | PriorAuthStatusRequest,
                      result: PriorAuthCase) -> None:
    verify_patient(result.patient, request)
    problems = case_problems(request, result)
    if problems:
        raise InconsistentResult("the portal's request is not this one: "
                                 + "; ".join(problems[:3]))


def _library_guard(request: LibraryRequest, result: LibraryResult) -> None:
    problems = library_problems(request, result)
    if problems:
        raise InconsistentResult("the collected library does not hold together: "
                                 + "; ".join(problems[:3]))


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

PRIOR_AUTH_SUBMIT = register_kind(JobKind(
    name="prior_auth_submit",
    title="prior authorization submission",
    capability=Capability.PRIOR_AUTH,
    bot_method="submit_prior_auth",
    recheck_method="find_prior_auth",
    request_model=PriorAuthRequest,
    result_model=PriorAuthCase,
    resource="prior-auth-submissions",
    ui_page="/prior-auths/jobs",
    repeat_harmless=False,
    guard=_prior_auth_guard,
))

PRIOR_AUTH_STATUS = register_kind(JobKind(
    name="prior_auth_status",
    title="prior authorization status check",
    capability=Capability.PRIOR_AUTH,
    bot_method="prior_auth_status",
    request_model=PriorAuthStatusRequest,
    result_model=PriorAuthCase,
    resource="prior-auth-status-checks",
    ui_page="/prior-auths/jobs",
    repeat_harmless=True,
    guard=_prior_auth_guard,
))

LIBRARY = register_kind(JobKind(
    name="library",
    title="document library collection",
    capability=Capability.LIBRARY,
    bot_method="collect_library",
    request_model=LibraryRequest,
    result_model=LibraryResult,
    resource="library-collections",
    ui_page="/library/collections",
    repeat_harmless=True,
    guard=_library_guard,
))
